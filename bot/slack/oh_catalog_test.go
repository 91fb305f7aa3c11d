package slack

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

// TestOfficeHoursCatalogsRender renders every office-hours staff message
// with sample values in every language: no template error or missing
// value, no markup of its own that could ping or break mrkdwn, and the
// form's title and buttons within Slack's 24 characters.
func TestOfficeHoursCatalogsRender(t *testing.T) {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	data := []any{"ID", "B-7F3K", "Founder", "Acme", "Mentor", "Karim", "When", "Thu 2026-12-03 14:00–14:30",
		"Name", "@alice", "Slot", "S12", "Outcome", "Held", "Old", "Wed", "Value", "v", "Stage", "Seed", "Topic", "Tech",
		"Note", "n", "Place", "room Atlas", "Command", "/founderbot", "Total", 10, "N", 3, "Max", 100, "Label", "fr",
		"Slack", "@karim", "Telegram", "@karim_b", "Held", 1, "NoShow", 0, "Date", "2026-12-03 15:00", "Status", "free",
		"Rating", "4/5", "Comment", " great"}
	for _, lang := range flows.Languages {
		var m map[string]any
		if _, err := toml.DecodeFile(filepath.Join("locales", "staffoh."+lang+".toml"), &m); err != nil {
			t.Fatal(err)
		}
		for id, v := range m {
			if !strings.HasPrefix(id, "staff_oh_") {
				t.Errorf("staffoh.%s.toml: %s lacks the staff_oh_ prefix", lang, id)
			}
			if src, _ := v.(string); strings.ContainsAny(src, "<&") {
				t.Errorf("staffoh.%s.toml: %s has < or &: %q", lang, id, src)
			}
			got := cat.T(lang, id, data...)
			if got == id || strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
				t.Errorf("%s %s renders as %q", lang, id, got)
			}
			if strings.HasPrefix(id, "staff_oh_form_") && (strings.HasSuffix(id, "_title") || strings.HasSuffix(id, "_submit")) &&
				len([]rune(got)) > maxModalTitle {
				t.Errorf("%s %s = %q: over %d characters", lang, id, got, maxModalTitle)
			}
		}
	}
}
