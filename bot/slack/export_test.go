package slack

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

func newTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCommandExport(t *testing.T) {
	e := newEnv(t)
	e.seed(3, func(i int, a *flows.Application) {
		switch i {
		case 1:
			a.Answers["startup"] = `=HYPERLINK("http://evil.example","click")`
			a.Answers["pitch"] = "@SUM(1+1)"
		case 2:
			a.Answers["founder"] = "-2+3"
			a.Answers["city"] = "\tTabbed"
			a.Answers["phone"] = "+212612345678"
		case 3:
			a.Answers["startup"] = "Acme, \"quoted\"\nmultiline"
		}
	})

	contains(t, "export", e.answer(alice, "export"), "Preparing the export")
	e.staff.Wait()
	files := e.slack.WaitFiles(t, 1, wait)
	f := files[0]
	dm, ok := e.slack.DM(alice)
	if !ok || f.Channel != dm {
		t.Errorf("file shared in %q; want alice's DM %q", f.Channel, dm)
	}
	if !strings.HasPrefix(f.Name, "applications-all-") || !strings.HasSuffix(f.Name, ".csv") {
		t.Errorf("file name %q", f.Name)
	}
	contains(t, "comment", f.InitialComment, "3 applications (All)")
	content, ok := bytes.CutPrefix(f.Content, []byte("\ufeff"))
	if !ok {
		t.Error("CSV lacks the UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, content)
	}
	wantHead := []string{"ID", "Status", "Submitted", "Last change", "Telegram", "Language", "Startup", "Founder",
		"E-mail", "Phone", "City and country", "Sector", "Stage", "Team size", "Pitch", "Website or deck"}
	if diff := cmp.Diff(wantHead, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows; want a header and 3 applications", len(rows))
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	checks := []struct {
		id    string
		col   int
		value string
	}{
		{"A-0001", 6, `'=HYPERLINK("http://evil.example","click")`},
		{"A-0001", 14, "'@SUM(1+1)"},
		{"A-0002", 7, "'-2+3"},
		{"A-0002", 10, "'\tTabbed"},
		{"A-0002", 9, "'+212612345678"},
		{"A-0002", 11, "Energy & CleanTech"},
		{"A-0003", 6, "Acme, \"quoted\"\nmultiline"},
		{"A-0003", 1, "Submitted"},
		{"A-0003", 4, "founder_03"},
	}
	for _, c := range checks {
		if got := byID[c.id][c.col]; got != c.value {
			t.Errorf("%s %s = %q; want %q", c.id, wantHead[c.col], got, c.value)
		}
	}
	contains(t, "response_url", e.hooks.wait(t, alice, 1)[0].Text, "The export is in your direct messages: 3 applications (All).")

	contains(t, "export accepted", e.answer(bob, "export accepted"), "Preparing the export")
	e.staff.Wait()
	contains(t, "empty export", e.hooks.wait(t, bob, 1)[0].Text, "Nothing to export: no applications (Accepted).")
	if n := len(e.slack.Files()); n != 1 {
		t.Errorf("%d files; an empty export must upload nothing", n)
	}
}

func TestCells(t *testing.T) {
	got := cells([]string{"=1+1", "+33", "-x", "@me", "\tx", "\rx", "", "plain", " =after a space", "a=b", "a;=b", "a\n\n-b", "＝1"})
	want := []string{"'=1+1", "'+33", "'-x", "'@me", "'\tx", "'\rx", "", "plain", " '=after a space", "a=b", "a;'=b", "a\n\n'-b", "'＝1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
}

func TestEscapingAndClipping(t *testing.T) {
	if got, want := esc("<!channel> & <@U1> > x"), "&lt;!channel&gt; &amp; &lt;@U1&gt; &gt; x"; got != want {
		t.Errorf("esc = %q; want %q", got, want)
	}
	if got := clip("abcdef", 4); got != "abc…" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("مرحبا بكم", 4); got != "مرح…" {
		t.Errorf("clip cuts runes: %q", got)
	}
	if got := quote("one\ntwo\n"); got != "> one\n> two" {
		t.Errorf("quote = %q", got)
	}
	if got := code("a`b"); got != "`a'b`" {
		t.Errorf("code = %q", got)
	}
}

func TestAgeAndWho(t *testing.T) {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s, err := New(Config{BotToken: "xoxb-x", Channel: "C1", Lang: "ar", Now: func() time.Time { return now }},
		&slowReview{}, cat, func(_ context.Context, _ flows.Outgoing) error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{{30 * time.Second, "أقل من دقيقة"}, {2 * time.Minute, "دقيقتان"}, {5 * time.Hour, "5 ساعات"}, {50 * time.Hour, "يومان"}, {11 * 24 * time.Hour, "11 يومًا"}} {
		if got := s.age(now.Add(-c.ago)); got != c.want {
			t.Errorf("age(%v) = %q; want %q", c.ago, got, c.want)
		}
	}
	if got := s.who("slack:U0ALICE", "<@U0ALICE>"); got != "<@U0ALICE>" {
		t.Errorf("who(staff) = %q", got)
	}
	if got := s.who("tg:1", "<!channel>"); got != "\u2068&lt;!channel&gt;\u2069" {
		t.Errorf("who(founder) = %q; want escaped and isolated", got)
	}
	if got := s.who("slack:<!here>", "x"); got != "\u2068x\u2069" {
		t.Errorf("who with a forged ID = %q", got)
	}
}
