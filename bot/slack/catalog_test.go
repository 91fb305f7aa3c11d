package slack

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/catalogtest"
	"github.com/startgate/founderbot/flows/officehours"
)

// usedIDs lists every staff message ID the package can ask for: literal
// IDs in its source, and those it builds from its tables.
func usedIDs(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile(`"(staff_[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			// Prefixes completed at run time are listed below.
			if !strings.HasSuffix(m[1], "_") {
				ids[m[1]] = true
			}
		}
	}
	for _, s := range append(slices.Clone(statusOrder), "draft", "all") {
		ids["staff_status_"+string(s)] = true
	}
	for _, d := range decisions {
		ids[buttonLabel(d.action)] = true
		if application.CanMove(flows.StatusSubmitted, d.to) {
			ids["staff_already_"+string(d.to)] = true
		}
	}
	for _, kind := range []string{"reject", "ask"} {
		for _, part := range []string{"title", "label", "hint", "submit"} {
			ids["staff_modal_"+kind+"_"+part] = true
		}
	}
	for _, p := range []string{ProblemUnknownSubcommand, ProblemMissingID, ProblemBadID, ProblemBadStatus,
		ProblemBadPage, ProblemMissingQuestion, ProblemTooManyArgs,
		ProblemBadSector, ProblemMissingMessage, ProblemMessageTooLong, ProblemBadProgram} {
		ids["staff_err_"+p] = true
	}
	for _, sub := range subcommands() {
		ids[helpID(sub)] = true
	}
	// Office hours: the IDs it builds.
	for _, p := range ohProblems {
		ids[problemID(p)] = true
	}
	for _, o := range outcomes {
		ids["staff_oh_btn_"+string(o.status)] = true
	}
	for _, st := range []flows.BookingStatus{flows.StatusBooked, flows.StatusHeld, flows.StatusNoShow,
		flows.StatusMentorCancelled, flows.StatusCancelled, flows.StatusSlotCancelled} {
		ids["staff_oh_status_"+string(st)] = true
	}
	for _, d := range dayKeys {
		ids["staff_oh_day_"+d] = true
	}
	// Introductions: the IDs they build.
	for _, k := range flows.ContactKinds {
		ids["staff_intro_kind_"+k] = true
	}
	for _, m := range []string{"yes", "not_yet", "no"} {
		ids["staff_intro_btn_met_"+m] = true
	}
	for _, step := range []string{"approved", "staff_declined", "reminded", "accepted", "not_now", "declined", "expired"} {
		ids["staff_intro_step_"+step] = true
	}
	catalogtest.Add(ids, "staff_intro_met_not_yet", "staff_intro_met_no", "staff_intro_modal_staff_label",
		"staff_intro_modal_contact_label", "staff_intro_you_introduced", "staff_intro_you_not_now")
	return ids
}

// staffCatalogFiles are the staff catalogs' files, <name>.<lang>.toml:
// the review's, then each feature's.
var staffCatalogFiles = []string{"staff", "staffbc", "staffoh", "staffprog", "founders", "staffintro"}

// staffCatalog merges the staff messages of lang from every staff file;
// a message in two files is an error.
func staffCatalog(t *testing.T, lang string) map[string]any {
	t.Helper()
	all := map[string]any{}
	for _, name := range staffCatalogFiles {
		var m map[string]any
		if _, err := toml.DecodeFile(filepath.Join("locales", name+"."+lang+".toml"), &m); err != nil {
			t.Fatalf("staff catalog %s.%s: %v", name, lang, err)
		}
		for id, v := range m {
			if _, dup := all[id]; dup {
				t.Errorf("%s.%s.toml repeats %s", name, lang, id)
			}
			all[id] = v
		}
	}
	return all
}

// TestStaffCatalogs: every staff message the code uses exists in every
// language, and every staff message is used.
func TestStaffCatalogs(t *testing.T) {
	used := usedIDs(t)
	if len(used) < 80 {
		t.Fatalf("found only %d message IDs in the code; the scan is broken", len(used))
	}
	for _, lang := range flows.Languages {
		cat := staffCatalog(t, lang)
		for id := range used {
			if _, ok := cat[id]; !ok {
				t.Errorf("staff.%s.toml lacks %s", lang, id)
			}
		}
		for id := range cat {
			if !used[id] {
				t.Errorf("staff.%s.toml has %s, which nothing uses", lang, id)
			}
		}
	}
}

// TestFounderLabelsExist: the field and choice labels staff see come
// from the founders' catalog; they must exist in every language.
func TestFounderLabelsExist(t *testing.T) {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range exportFields {
		ids = append(ids, "f_"+f)
	}
	for _, s := range flows.Sectors {
		ids = append(ids, "sector_"+s)
	}
	for _, s := range flows.Stages {
		ids = append(ids, "stage_"+s)
	}
	for _, lang := range flows.Languages {
		for _, id := range ids {
			if got := cat.T(lang, id); got == id {
				t.Errorf("%s: no %s", lang, id)
			}
		}
	}
}

// TestModalTexts: Slack refuses modal titles and buttons over 24 characters.
func TestModalTexts(t *testing.T) {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range flows.Languages {
		for _, id := range []string{"staff_modal_reject_title", "staff_modal_ask_title", "staff_modal_reject_submit",
			"staff_modal_ask_submit", "staff_modal_cancel", "staff_oh_form_add_title", "staff_oh_form_edit_title",
			"staff_oh_form_add_submit", "staff_oh_form_edit_submit"} {
			if got := cat.T(lang, id, "ID", "A-7F3K"); len([]rune(got)) > maxModalTitle {
				t.Errorf("%s %s = %q: %d characters; Slack allows %d", lang, id, got, len([]rune(got)), maxModalTitle)
			}
		}
	}
}

// TestCatalogs runs the checks every package's catalogs get on the
// staff side's: the staff texts and the broadcasts' header for founders.
func TestCatalogs(t *testing.T) {
	used := usedIDs(t)
	used["broadcast_header"] = true
	catalogtest.Check(t, catalogtest.Catalog{
		Own:     Messages(),
		Uses:    []flows.Messages{flows.GeneralMessages(), application.Messages(), officehours.Messages()},
		Used:    used,
		MinUsed: 80,
		Data: []any{"Hub", "StartGate", "Name", "Salma", "Command", "x", "ID", "A-7F3K", "Status", "ok",
			"Startup", "Acme", "Date", "2026-11-25", "Total", 10, "N", 3, "Shown", 5, "Handle", "@salma", "Lang", "fr", "First", "2026-11-01", "Last", "2026-11-25", "Sessions", 1, "Value", "v", "Label", "L",
			"Min", 2, "Max", 80, "Note", "n", "New", 1, "Answered", 2, "Waiting", 3, "OnFounders", 4, "Sector", "Mobility",
			"When", "Thu 10:00", "Mentor", "Karim", "Founder", "Acme", "Slot", "S12", "Outcome", "Held", "Old", "Wed",
			"Stage", "Seed", "Topic", "Tech", "Place", "room Atlas", "Slack", "@karim", "Telegram", "@karim_b",
			"Held", 1, "NoShow", 0, "Rating", "4/5", "Comment", " great", "Sent", 1, "Failed", 2, "Unreachable", 3,
			"Program", "Incubation", "Programs", "`incubation`", "Call", "2027-spring", "State", "open", "From", "d", "To", "d",
			"App", "A-7F3K", "Pitch", "p", "Contact", "Karim", "Kind", "investor", "Reason", "r", "Requests", 3, "Approved", 2, "Accepted", 1, "Met", 1},
	})
}
