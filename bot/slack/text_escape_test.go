package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
)

// TestEscMrkdwn: besides & < >, a value cannot open or close mrkdwn
// formatting (* _ ~ `), while ordinary text, handles and e-mails with a
// mid-word underscore read as typed.
func TestEscMrkdwn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"x* · application `A-0000`", "x∗ · application ˋA-0000ˋ"},
		{"_italic_ and ~strike~", "ˍitalicˍ and ∼strike∼"},
		{"```block```", "ˋˋˋblockˋˋˋ"},
		{"youssef_ea salma_b@acme.ma snake_case_name", "youssef_ea salma_b@acme.ma snake_case_name"},
		{"a_ _b (_c_) x__y", "aˍ ˍb (ˍcˍ) x__y"},
		{"<!channel> & > x", "&lt;!channel&gt; &amp; &gt; x"},
		{"Café Atlas — مرحبا", "Café Atlas — مرحبا"},
	} {
		if got := esc(tc.in); got != tc.want {
			t.Errorf("esc(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestFakeIDInTitle replays the review's finding: a startup named
// "x* · application `A-0000`" closed the title's bold and showed a fake
// application ID as code. Only the real ID may be code in the title.
func TestFakeIDInTitle(t *testing.T) {
	e := newEnv(t)
	a, m := e.submitted(founderChat, "x* · application `A-0000`")
	title := texts(m.Blocks)
	if i := strings.Index(title, "\n"); i > 0 {
		title = title[:i]
	}
	if strings.Count(title, "`") != 2 || !strings.Contains(title, "`"+a.ID+"`") || strings.Count(title, "*") != 2 {
		t.Errorf("title %q: want the startup in bold and only the real ID %s as code", title, a.ID)
	}
	if strings.Contains(m.Text, "`A-0000`") {
		t.Errorf("notification text %q shows the fake ID as code", m.Text)
	}
}

// TestDisplayNamesCleaned: a founder's Telegram display name with bidi
// overrides and zero-width characters reaches staff cleaned, like any
// text founders type (flows/input.Clean).
func TestDisplayNamesCleaned(t *testing.T) {
	e := newEnv(t)
	f := telegram.FounderID(4242)
	ctx := context.Background()
	name := "Sal\u202ema\u200b \u2066Evil\u2069"
	if _, err := e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindCommand, Command: "apply", LangHint: "en", Name: name}); err != nil {
		t.Fatal(err)
	}
	ans := answers("Acme")
	var res flows.Result
	var err error
	for _, k := range []string{"startup", "founder", "email", "phone", "city", "sector", "stage", "team", "pitch", "link"} {
		if res, err = e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindText, Text: ans[k], LangHint: "en", Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == e.cat.T("en", "btn_submit") {
					if _, err := e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindButton, Data: b.Data, LangHint: "en", Name: name}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	apps, err := e.store.Store.Applications(ctx, f)
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications %+v, %v", apps, err)
	}
	if got := apps[0].Name; got != "Salma Evil" {
		t.Errorf("stored display name %q; want %q", got, "Salma Evil")
	}
	// Names stored before the fix are cleaned on the way to Slack too.
	apps[0].Name, apps[0].Handle = name, ""
	for _, got := range []string{e.staff.telegram(apps[0]), e.staff.who("tg:4242", name),
		e.staff.founderLabel(flows.Booking{Who: flows.FounderInfo{Name: name}})} {
		if strings.ContainsAny(got, "\u202e\u200b\u2066\u2069") || !strings.Contains(got, "Salma Evil") {
			t.Errorf("display name shown as %q; want %q, cleaned", got, "Salma Evil")
		}
	}
}
