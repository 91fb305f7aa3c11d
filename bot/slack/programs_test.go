package slack

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// withPrograms gives the env's staff the programs of the example file.
func withPrograms(t *testing.T, e *env) *application.Programs {
	t.Helper()
	data, err := os.ReadFile("../../flows/application/testdata/programs.toml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := application.ParsePrograms("programs.toml", data, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	e.review = application.NewReview(e.store.Store, e.cat, application.ReviewConfig{Hub: "StartGate", Programs: ps})
	e.staff.review = e.review
	return ps
}

// accelerationQuestions are questions as an application to acceleration
// stored them: what staff read, whatever the file says today.
var accelerationQuestions = []flows.Question{
	{ID: "startup", Kind: "text", Label: map[string]string{"en": "Startup", "fr": "Startup", "ar": "الشركة"}},
	{ID: "revenue", Kind: "number", Label: map[string]string{"en": "Revenue 2025 (as asked)", "fr": "CA", "ar": "رقم"}},
	{ID: "needs", Kind: "choices", Label: map[string]string{"en": "Needs", "fr": "Besoins", "ar": "الاحتياجات"},
		Options: []flows.Option{{ID: "funding", Label: map[string]string{"en": "Funding"}}, {ID: "mentoring", Label: map[string]string{"en": "Mentoring"}}}},
	{ID: "incorporated", Kind: "yesno", Label: map[string]string{"en": "Incorporated"},
		Options: []flows.Option{{ID: "yes", Label: map[string]string{"en": "Yes"}}, {ID: "no", Label: map[string]string{"en": "No"}}}},
}

// seedPrograms stores A-0001 and A-0002 from before programs, A-0003 to
// acceleration and A-0004 to incubation.
func seedPrograms(e *env) {
	e.seed(4, func(i int, a *flows.Application) {
		switch i {
		case 3:
			a.Program, a.Call, a.Questions = "acceleration", "2026-q4", accelerationQuestions
			a.Answers = map[string]string{"startup": "Dune Solar", "revenue": "1200000", "needs": "funding,mentoring", "incorporated": "yes"}
		case 4:
			a.Program, a.Call = "incubation", "2026-autumn"
			a.Questions = []flows.Question{{ID: "startup", Kind: "text", Label: map[string]string{"en": "Startup"}}}
			a.Answers = map[string]string{"startup": "Argan Labs"}
		}
	})
}

func TestStaffFilterByProgram(t *testing.T) {
	e := newEnv(t)
	withPrograms(t, e)
	seedPrograms(e)

	acc := e.answer(alice, "apps program=acceleration")
	contains(t, "apps program=acceleration", acc, "A-0003", "Dune Solar", "Acceleration", "2026-q4", "*Applications — All · Acceleration*")
	for _, id := range []string{"A-0001", "A-0002", "A-0004"} {
		if strings.Contains(acc, id) {
			t.Errorf("apps program=acceleration lists %s:\n%s", id, acc)
		}
	}
	old := e.answer(alice, "apps program=startgate submitted")
	contains(t, "apps program=startgate", old, "A-0001", "A-0002")
	if strings.Contains(old, "A-0003") || strings.Contains(old, "A-0004") {
		t.Errorf("applications from before programs belong to the default program only:\n%s", old)
	}
	contains(t, "stats program=incubation", e.answer(alice, "stats program=incubation"), "*Incubation*", "*1 applications*", "*By call*", "`2026-autumn`: 1")
	contains(t, "stats", e.answer(alice, "stats"), "*4 applications*")
	dig := e.answer(alice, "digest program=acceleration")
	contains(t, "digest program=acceleration", dig, "*Acceleration*", "A-0003")
	if strings.Contains(dig, "A-0004") || strings.Contains(dig, "A-0001") {
		t.Errorf("digest program=acceleration shows other programs:\n%s", dig)
	}
	contains(t, "digest", e.answer(alice, "digest"), "A-0001", "A-0003", "A-0004",
		"New by program: • Incubation: 1 • Acceleration: 1 • StartGate: 2")
	progs := e.answer(alice, "programs")
	contains(t, "programs", progs, "*Incubation* (`incubation`): 1 application", "*Acceleration* (`acceleration`): 1 application",
		"*Alumni* (`alumni`): 0 applications", "*StartGate* (`startgate`): 2 applications", "call `—` (no longer in the programs file) · 2 applications", "call `2027-winter`: upcoming")
	contains(t, "unknown program", e.answer(alice, "export program=nope"), "There is no program `nope`", "`incubation`")
}

// TestProgramApplicationReadsAsAsked: an application to a program shows
// its program, call and the questions as they were asked, and exports
// with them as columns.
func TestProgramApplicationReadsAsAsked(t *testing.T) {
	e := newEnv(t)
	withPrograms(t, e)
	seedPrograms(e)

	got := e.answer(alice, "app A-0003")
	contains(t, "app A-0003", got, "*Dune Solar* · application `A-0003`", "Program: *Acceleration* · call `2026-q4`",
		"*Revenue 2025 (as asked)*\n1200000", "*Needs*\nFunding, Mentoring", "*Incorporated*\nYes")

	contains(t, "export", e.answer(alice, "export program=acceleration"), "Preparing the export")
	e.staff.Wait()
	f := e.slack.WaitFiles(t, 1, wait)[0]
	if !strings.HasPrefix(f.Name, "applications-acceleration-all-") {
		t.Errorf("file name %q", f.Name)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(f.Content, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %v, %d rows\n%s", err, len(rows), f.Content)
	}
	head, row := strings.Join(rows[0], "|"), strings.Join(rows[1], "|")
	if !strings.HasSuffix(head, "|Call|Startup|Revenue 2025 (as asked)|Needs|Incorporated") {
		t.Errorf("CSV header %q", head)
	}
	if !strings.HasPrefix(row, "A-0003|") || !strings.HasSuffix(row, "|2026-q4|Dune Solar|1200000|Funding, Mentoring|Yes") {
		t.Errorf("CSV row %q", row)
	}
}

func TestAudienceByProgram(t *testing.T) {
	apps := []flows.Application{
		{Founder: "tg:1", Program: "acceleration", Status: flows.StatusSubmitted},
		{Founder: "tg:2", Status: flows.StatusSubmitted},
		{Founder: "tg:3", Program: "incubation", Status: flows.StatusAccepted},
	}
	s := &Staff{review: pagedReview{apps: apps}}
	for program, want := range map[string][]flows.FounderID{"acceleration": {"tg:1"}, "startgate": {"tg:2"}, "": {"tg:1", "tg:2", "tg:3"}} {
		to, err := s.audience(context.Background(), flows.BroadcastDraft{Program: program})
		if err != nil {
			t.Fatal(err)
		}
		var got []flows.FounderID
		for _, r := range to {
			got = append(got, r.founder)
		}
		if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
			t.Errorf("audience of program %q = %v; want %v", program, got, want)
		}
	}
}

func toStrings(fs []flows.FounderID) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}
