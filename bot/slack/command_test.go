package slack

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text string
		want Command
	}{
		{"", Command{Name: CmdHelp}},
		{"   \n\t ", Command{Name: CmdHelp}},
		{"help", Command{Name: CmdHelp}},
		{"  HELP  ", Command{Name: CmdHelp}},
		{"apps", Command{Name: CmdApps}},
		{"apps submitted", Command{Name: CmdApps, Status: "submitted"}},
		{"apps Shortlisted", Command{Name: CmdApps, Status: "shortlisted"}},
		{"apps accepted", Command{Name: CmdApps, Status: "accepted"}},
		{"apps rejected", Command{Name: CmdApps, Status: "rejected"}},
		{"apps info_requested", Command{Name: CmdApps, Status: "info_requested"}},
		{"apps draft", Command{Name: CmdApps, Status: "draft"}},
		{"apps ALL", Command{Name: CmdApps, Status: "all"}},
		{"apps 3", Command{Name: CmdApps, Page: 3}},
		{"apps 007", Command{Name: CmdApps, Page: 7}},
		{"apps all 2", Command{Name: CmdApps, Status: "all", Page: 2}},
		{"apps  submitted\t1000000", Command{Name: CmdApps, Status: "submitted", Page: MaxPage}},
		{"app A-7F3K", Command{Name: CmdApp, ID: "A-7F3K"}},
		{"app a-7f3k", Command{Name: CmdApp, ID: "A-7F3K"}},
		{"App A-0000", Command{Name: CmdApp, ID: "A-0000"}},
		{"app A-ZZZZ", Command{Name: CmdApp, ID: "A-ZZZZ"}},
		{"accept A-7F3K", Command{Name: CmdAccept, ID: "A-7F3K"}},
		{"accept a-7f3k  Great team, strong traction  ", Command{Name: CmdAccept, ID: "A-7F3K", Note: "Great team, strong traction"}},
		{"accept A-7F3K line one\n\nline two", Command{Name: CmdAccept, ID: "A-7F3K", Note: "line one\n\nline two"}},
		{"reject A-7F3K", Command{Name: CmdReject, ID: "A-7F3K"}},
		{"reject A-7F3K not a fit: too early", Command{Name: CmdReject, ID: "A-7F3K", Note: "not a fit: too early"}},
		{"shortlist A-7F3K", Command{Name: CmdShortlist, ID: "A-7F3K"}},
		{"SHORTLIST A-7F3K for batch 12 — Émilie likes it", Command{Name: CmdShortlist, ID: "A-7F3K", Note: "for batch 12 — Émilie likes it"}},
		{"ask A-7F3K What is your MRR?", Command{Name: CmdAsk, ID: "A-7F3K", Note: "What is your MRR?"}},
		{"ask a-7f3k   Who\nelse?  ", Command{Name: CmdAsk, ID: "A-7F3K", Note: "Who\nelse?"}},
		{"stats", Command{Name: CmdStats}},
		{"export", Command{Name: CmdExport}},
		{"export accepted", Command{Name: CmdExport, Status: "accepted"}},
		{"export All", Command{Name: CmdExport, Status: "all"}},
		{"\u00a0stats\u00a0", Command{Name: CmdStats}}, // Slack clients can send no-break spaces
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("ParseCommand(%q) error: %v", tt.text, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		text string
		want UsageError
	}{
		{"frobnicate", UsageError{ProblemUnknownSubcommand, "", "frobnicate"}},
		{"/founderbot apps", UsageError{ProblemUnknownSubcommand, "", "/founderbot"}},
		{"ſtats", UsageError{ProblemUnknownSubcommand, "", "ſtats"}},
		{"A-7F3K", UsageError{ProblemUnknownSubcommand, "", "A-7F3K"}},
		{"help me", UsageError{ProblemTooManyArgs, CmdHelp, "me"}},
		{"stats now", UsageError{ProblemTooManyArgs, CmdStats, "now"}},
		{"apps pending", UsageError{ProblemBadStatus, CmdApps, "pending"}},
		{"apps infoRequested", UsageError{ProblemBadStatus, CmdApps, "infoRequested"}},
		{"apps 0", UsageError{ProblemBadPage, CmdApps, "0"}},
		{"apps -1", UsageError{ProblemBadPage, CmdApps, "-1"}},
		{"apps +2", UsageError{ProblemBadPage, CmdApps, "+2"}},
		{"apps 1000001", UsageError{ProblemBadPage, CmdApps, "1000001"}},
		{"apps 99999999999999999999999", UsageError{ProblemBadPage, CmdApps, "99999999999999999999999"}},
		{"apps all two", UsageError{ProblemBadPage, CmdApps, "two"}},
		{"apps all 1.5", UsageError{ProblemBadPage, CmdApps, "1.5"}},
		{"apps all 2 3", UsageError{ProblemTooManyArgs, CmdApps, "3"}},
		{"apps 2 all", UsageError{ProblemTooManyArgs, CmdApps, "all"}},
		{"app", UsageError{ProblemMissingID, CmdApp, ""}},
		{"app   ", UsageError{ProblemMissingID, CmdApp, ""}},
		{"app 7F3K", UsageError{ProblemBadID, CmdApp, "7F3K"}},
		{"app A-7F3", UsageError{ProblemBadID, CmdApp, "A-7F3"}},
		{"app A-7F3KK", UsageError{ProblemBadID, CmdApp, "A-7F3KK"}},
		{"app B-7F3K", UsageError{ProblemBadID, CmdApp, "B-7F3K"}},
		{"app A_7F3K", UsageError{ProblemBadID, CmdApp, "A_7F3K"}},
		{"app A-7F3I", UsageError{ProblemBadID, CmdApp, "A-7F3I"}},
		{"app A-7F3L", UsageError{ProblemBadID, CmdApp, "A-7F3L"}},
		{"app A-7F3O", UsageError{ProblemBadID, CmdApp, "A-7F3O"}},
		{"app A-7F3u", UsageError{ProblemBadID, CmdApp, "A-7F3u"}},
		{"app A-7F3\u212a", UsageError{ProblemBadID, CmdApp, "A-7F3\u212a"}}, // Kelvin sign
		{"app A-7F3K extra", UsageError{ProblemTooManyArgs, CmdApp, "extra"}},
		{"accept", UsageError{ProblemMissingID, CmdAccept, ""}},
		{"accept great-team", UsageError{ProblemBadID, CmdAccept, "great-team"}},
		{"reject", UsageError{ProblemMissingID, CmdReject, ""}},
		{"reject A-7F3", UsageError{ProblemBadID, CmdReject, "A-7F3"}},
		{"shortlist", UsageError{ProblemMissingID, CmdShortlist, ""}},
		{"shortlist #A-7F3K", UsageError{ProblemBadID, CmdShortlist, "#A-7F3K"}},
		{"ask", UsageError{ProblemMissingID, CmdAsk, ""}},
		{"ask What is your MRR?", UsageError{ProblemBadID, CmdAsk, "What"}},
		{"ask A-7F3K", UsageError{ProblemMissingQuestion, CmdAsk, ""}},
		{"ask A-7F3K  \n ", UsageError{ProblemMissingQuestion, CmdAsk, ""}},
		{"export pending", UsageError{ProblemBadStatus, CmdExport, "pending"}},
		{"export 2", UsageError{ProblemBadStatus, CmdExport, "2"}},
		{"export all now", UsageError{ProblemTooManyArgs, CmdExport, "now"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want *UsageError %+v", tt.text, got, err, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, *ue); diff != "" {
			t.Errorf("ParseCommand(%q) error mismatch (-want +got):\n%s", tt.text, diff)
		}
		if got != (Command{}) {
			t.Errorf("ParseCommand(%q) returned %+v with its error; want the zero Command", tt.text, got)
		}
	}
}

func TestUsageErrorMessage(t *testing.T) {
	tests := []struct {
		err  UsageError
		want string
	}{
		{UsageError{ProblemUnknownSubcommand, "", "frob"}, `slack command: unknown_subcommand "frob"`},
		{UsageError{ProblemMissingID, CmdApp, ""}, `slack command app: missing_id`},
		{UsageError{ProblemBadID, CmdApp, "A-1"}, `slack command app: bad_id "A-1"`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
	}
}

func TestUsage(t *testing.T) {
	if got, want := Usage(CmdApps), "apps [program=<id>] [status] [page]"; got != want {
		t.Errorf("Usage(apps) = %q; want %q", got, want)
	}
	if got, want := Usage(CmdAsk), "ask <id> <question...>"; got != want {
		t.Errorf("Usage(ask) = %q; want %q", got, want)
	}
	if got := Usage("frobnicate"); got != "" {
		t.Errorf("Usage(frobnicate) = %q; want empty", got)
	}
	all := strings.Split(Usage(""), "\n")
	names := []string{CmdHelp, CmdApps, CmdApp, CmdAccept, CmdReject, CmdShortlist, CmdAsk, CmdStats, CmdExport, CmdBroadcast, CmdPrograms, CmdDigest, CmdMentor, CmdSlots, CmdFounders, CmdForget, CmdIntro}
	if len(all) != len(names) {
		t.Fatalf("Usage(\"\") has %d lines; want %d", len(all), len(names))
	}
	for i, name := range names {
		if all[i] != Usage(name) {
			t.Errorf("line %d of Usage(\"\") = %q; want Usage(%s) = %q", i, all[i], name, Usage(name))
		}
		// Every subcommand with no arguments either parses or reports a
		// missing argument, never an unknown subcommand.
		var ue *UsageError
		if _, err := ParseCommand(name); errors.As(err, &ue) && ue.Problem == ProblemUnknownSubcommand {
			t.Errorf("ParseCommand(%q): %v; usage lists it", name, err)
		}
	}
}

func TestStatusesIsACopy(t *testing.T) {
	s := Statuses()
	if !slices.Contains(s, "info_requested") || s[len(s)-1] != "all" {
		t.Fatalf("Statuses() = %v", s)
	}
	s[0] = "mutated"
	if Statuses()[0] != "submitted" {
		t.Error("Statuses() shares its backing array")
	}
}

func TestCommandStringRoundTrip(t *testing.T) {
	for _, c := range []Command{
		{Name: CmdHelp},
		{Name: CmdApps, Status: "draft", Page: 4},
		{Name: CmdApps, Page: 4},
		{Name: CmdReject, ID: "A-7F3K", Note: "two\nlines"},
		{Name: CmdAsk, ID: "A-0000", Note: "Why?"},
		{Name: CmdExport, Status: "all"},
		{Name: CmdApps, Program: "incubation", Status: "accepted", Page: 2},
		{Name: CmdStats, Program: "acceleration"},
		{Name: CmdExport, Program: "incubation"},
		{Name: CmdBroadcast, Program: "incubation", Status: "accepted", Note: "Kick-off Monday"},
		{Name: CmdPrograms},
		{Name: CmdDigest, Program: "incubation"},
	} {
		got, err := ParseCommand(c.String())
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", c.String(), err)
			continue
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", c.String(), diff)
		}
	}
}

var idPattern = regexp.MustCompile(`^A-[0-9A-HJKMNP-TV-Z]{4}$`)

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"", "help", "apps", "apps all 2", "apps 3", "app a-7f3k", "accept A-7F3K great\nteam",
		"reject A-0000", "shortlist A-ZZZZ x", "ask A-7F3K why?", "stats", "export draft",
		"apps 0", "ask A-7F3K", "app A-7F3O", "broadcast status=submitted sector=fintech Hi <all>", "broadcast STATUS=x", "\u00a0apps\u3000submitted\u00a01", "accept A-7F3K \xff",
		"mentor", "mentor add", "MENTOR Edit karim-benali", "mentor remove <@U0ALICE>", "mentor frob", "mentor edit",
		"slots", "slots add Karim Benali 2026-12-03 14:00-17:00 every 30 room Atlas", "slots list karim next",
		"slots cancel s12", "slots cancel S012", "slots cancel S1 x", "slots add",
	} {
		f.Add(s)
	}
	known := map[string]bool{}
	for _, line := range strings.Split(Usage(""), "\n") {
		name, _, _ := strings.Cut(line, " ")
		known[name] = true
	}
	problems := map[string]bool{
		ProblemUnknownSubcommand: true, ProblemMissingID: true, ProblemBadID: true, ProblemBadStatus: true,
		ProblemBadPage: true, ProblemMissingQuestion: true, ProblemTooManyArgs: true,
		ProblemBadSector: true, ProblemMissingMessage: true, ProblemMessageTooLong: true,
		ProblemUnknownAction: true, ProblemMissingMentor: true, ProblemMissingSlotID: true, ProblemBadSlotID: true,
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCommand(text)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || !problems[ue.Problem] {
				t.Fatalf("ParseCommand(%q) error %v; want a *UsageError with a known problem", text, err)
			}
			if ue.Sub != "" && !known[ue.Sub] {
				t.Fatalf("ParseCommand(%q) error names subcommand %q", text, ue.Sub)
			}
			return
		}
		if !known[c.Name] {
			t.Fatalf("ParseCommand(%q).Name = %q; not a subcommand", text, c.Name)
		}
		if c.ID != "" && !idPattern.MatchString(c.ID) {
			t.Fatalf("ParseCommand(%q).ID = %q; not an application ID", text, c.ID)
		}
		if c.Page != 0 && (c.Page < 1 || c.Page > MaxPage) {
			t.Fatalf("ParseCommand(%q).Page = %d", text, c.Page)
		}
		if c.Status != "" && !slices.Contains(Statuses(), c.Status) {
			t.Fatalf("ParseCommand(%q).Status = %q", text, c.Status)
		}
		again, err := ParseCommand(c.String())
		if err != nil {
			t.Fatalf("ParseCommand(%q) = %+v, but its rendering %q fails: %v", text, c, c.String(), err)
		}
		if again != c {
			t.Fatalf("ParseCommand(%q) = %+v; re-parsing %q gives %+v", text, c, c.String(), again)
		}
	})
}
