package application

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
)

func readPrograms(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/programs.toml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseProgramsExample(t *testing.T) {
	tz, _ := time.LoadLocation("Africa/Casablanca")
	ps, err := ParsePrograms("programs.toml", readPrograms(t), tz)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps.List {
		for _, c := range p.Calls {
			var qs []string
			for _, q := range c.Questions {
				qs = append(qs, q.ID+":"+q.Kind)
			}
			got = append(got, p.ID+"/"+c.ID+" "+c.OpenTo+" "+strings.Join(qs, ","))
		}
	}
	want := []string{
		"incubation/2026-autumn  startup:text,email:email",
		"incubation/2027-spring  startup:text,email:email",
		"acceleration/2026-q4  startup:text,email:email,phone:phone,revenue:number,deck:link,site:choice,needs:choices,incorporated:yesno",
		"alumni/2027-winter incubation news:text",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("programs (-want +got):\n%s", d)
	}
	inc := ps.Program("incubation")
	if got, want := inc.Calls[0].Closes, time.Date(2026, 12, 15, 18, 0, 0, 0, tz); !got.Equal(want) {
		t.Errorf("closes = %v; want %v (hub time)", got, want)
	}
	if inc.sameNext(&inc.Calls[0]) != &inc.Calls[1] {
		t.Error("the spring call asks the autumn call's questions: a draft should move to it")
	}
	acc := ps.Program("acceleration")
	_, rev := draft{acc, &acc.Calls[0]}.question("revenue")
	if rev.Min != 0 || rev.Max != 100000000 {
		t.Errorf("revenue bounds = %d..%d; want 0..100000000", rev.Min, rev.Max)
	}
	_, st := draft{acc, &acc.Calls[0]}.question("startup")
	if st.Text["en"] != "<b>Startup name?</b>" || st.Label["en"] != "Startup name?" {
		t.Errorf("startup text %q label %q: want the text in bold, and as the label when none is given", st.Text["en"], st.Label["en"])
	}
	if d := acc.Description["en"]; d != "For startups with customers & ready to grow." {
		t.Errorf("description = %q; kept as plain text, escaped when shown", d)
	}
	if ps.Program("") != nil {
		t.Error(`Program("") found a program; the file has no default one`)
	}
}

// TestDefaultProgramIsTodaysForm pins the embedded default to the form
// founders had before programs: the same ten questions, kinds and bounds
// (the transcripts check how it reads).
func TestDefaultProgramIsTodaysForm(t *testing.T) {
	ps := DefaultPrograms()
	if len(ps.List) != 1 || ps.List[0].ID != flows.DefaultProgram || len(ps.List[0].Calls) != 1 {
		t.Fatalf("default programs = %+v; want one program with one call", ps.List)
	}
	c := ps.List[0].Calls[0]
	if !c.openAt(time.Time{}) || !c.openAt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("the default call must always be open")
	}
	var got []string
	for _, q := range c.Questions {
		s := q.ID + " " + q.Kind
		if q.Optional {
			s += " optional"
		}
		if q.Min != 0 || q.Max != 0 {
			s += fmt.Sprintf(" %d..%d", q.Min, q.Max)
		}
		if len(q.Options) > 0 {
			s += " " + strings.Join(q.options(), ",")
		}
		if !q.msg {
			t.Errorf("%s: texts must come from the catalog", q.ID)
		}
		got = append(got, s)
	}
	want := []string{
		"startup text 2..80", "founder text 2..80", "email email 0..254", "phone phone optional",
		"city text 2..80", "sector choice " + strings.Join(flows.Sectors, ","), "stage choice " + strings.Join(flows.Stages, ","),
		"team number 1..500", "pitch text 10..280", "link link optional 0..500",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("default form (-want +got):\n%s", d)
	}
}

// minimal is a valid file the error cases change one thing of.
const minimal = `
[[program]]
id = "inc"
name = { fr = "Incubation", en = "Incubation", ar = "الاحتضان" }
description = { fr = "d", en = "d", ar = "d" }
  [[program.call]]
  id = "c1"
  opens = "2026-11-01T09:00"
  closes = "2026-12-01T18:00"
    [[program.call.question]]
    id = "q1"
    kind = "choice"
    text = { fr = "t", en = "t", ar = "t" }
      [[program.call.question.option]]
      id = "a"
      label = { fr = "A", en = "A", ar = "A" }
      [[program.call.question.option]]
      id = "b"
      label = { fr = "B", en = "B", ar = "B" }
`

// TestParseProgramsErrors checks each problem stops the file with one
// line naming where it is.
func TestParseProgramsErrors(t *testing.T) {
	if _, err := ParsePrograms("p.toml", []byte(minimal), nil); err != nil {
		t.Fatalf("minimal file: %v", err)
	}
	secondCall := func(opens, closes string) string {
		return minimal + `
  [[program.call]]
  id = "c2"
  opens = "` + opens + `"
  closes = "` + closes + `"
    [[program.call.question]]
    id = "q1"
    kind = "yesno"
    text = { fr = "t", en = "t", ar = "t" }
`
	}
	tests := []struct {
		name, file, want string
	}{
		{"syntax", minimal + "\n[[program]\n", "p.toml: line 22: "},
		{"no program", "", "p.toml: no [[program]]"},
		{"unknown field", strings.Replace(minimal, `kind = "choice"`, "kind = \"choice\"\n    colour = 1", 1), `p.toml: unknown field "program.call.question.colour"`},
		{"unknown kind", strings.Replace(minimal, `kind = "choice"`, `kind = "radio"`, 1), `p.toml: program "inc", call "c1", question "q1": unknown kind "radio"`},
		{"missing translation", strings.Replace(minimal, `text = { fr = "t", en = "t", ar = "t" }`, `text = { fr = "t", en = "t" }`, 1), `p.toml: program "inc", call "c1", question "q1": text: missing translation "ar"`},
		{"unknown language", strings.Replace(minimal, `description = { fr = "d", en = "d", ar = "d" }`, `description = { fr = "d", en = "d", ar = "d", es = "d" }`, 1), `p.toml: program "inc": description: unknown language "es"`},
		{"missing name", strings.Replace(minimal, `name = { fr = "Incubation", en = "Incubation", ar = "الاحتضان" }`, "", 1), `p.toml: program "inc": name: missing translation "fr"`},
		{"duplicate program", minimal + minimal[strings.Index(minimal, "[[program]]"):], `p.toml: program "inc": duplicate program id`},
		{"duplicate question", strings.Replace(minimal, `id = "b"`, `id = "b"`, 1) + `
    [[program.call.question]]
    id = "q1"
    kind = "email"
    text = { fr = "t", en = "t", ar = "t" }
`, `p.toml: program "inc", call "c1", question "q1": duplicate question id`},
		{"duplicate option", strings.Replace(minimal, `id = "b"`, `id = "a"`, 1), `p.toml: program "inc", call "c1", question "q1": option "a": duplicate option id`},
		{"duplicate call", secondCall("2026-12-01T18:00", "2026-12-02T18:00") + strings.Replace(secondCall("2027-01-01T18:00", "2027-01-02T18:00")[len(minimal):], "", "", 1), `p.toml: program "inc", call "c2": duplicate call id`},
		{"overlapping calls", secondCall("2026-11-30T09:00", "2027-01-01T18:00"), `p.toml: program "inc", call "c2": overlaps call "c1"`},
		{"choice without labels", strings.Replace(minimal, `label = { fr = "B", en = "B", ar = "B" }`, "", 1), `p.toml: program "inc", call "c1", question "q1": option "b": no label`},
		{"choice with one option", minimal[:strings.LastIndex(minimal, "      [[program.call.question.option]]")], `question "q1": a choice needs at least two`},
		{"options on text", strings.Replace(minimal, `kind = "choice"`, `kind = "text"`, 1), `question "q1": options belong to choice and choices, not text`},
		{"bounds on email", strings.Replace(minimal, `kind = "choice"`, "kind = \"email\"\n    min = 3", 1), `question "q1": min and max belong to text and number, not email`},
		{"min over max", strings.Replace(secondCall("2027-01-01T09:00", "2027-02-01T09:00"), `kind = "yesno"`, "kind = \"number\"\n    min = 5\n    max = 2", 1), `program "inc", call "c2", question "q1": min 5 is more than max 2`},
		{"bad time", strings.Replace(minimal, `closes = "2026-12-01T18:00"`, `closes = "1 December"`, 1), `program "inc", call "c1": closes: "1 December": want 2006-01-02T15:04`},
		{"closes before opens", strings.Replace(minimal, `closes = "2026-12-01T18:00"`, `closes = "2026-10-01T18:00"`, 1), `call "c1": closes must come after opens`},
		{"bad open_to", strings.Replace(minimal, `closes = "2026-12-01T18:00"`, "closes = \"2026-12-01T18:00\"\n  open_to = \"friends\"", 1), `call "c1": open_to "friends"`},
		{"open_to unknown program", strings.Replace(minimal, `closes = "2026-12-01T18:00"`, "closes = \"2026-12-01T18:00\"\n  open_to = \"accepted:alumni\"", 1), `program "inc", call "c1": open_to names unknown program "alumni"`},
		{"bad id", strings.Replace(minimal, `id = "inc"`, `id = "Inc ubation"`, 1), `program "Inc ubation": id "Inc ubation": use a-z`},
		{"no questions", minimal[:strings.Index(minimal, "    [[program.call.question]]")], `call "c1": no [[program.call.question]]`},
		{"no calls", minimal[:strings.Index(minimal, "  [[program.call]]")], `program "inc": no [[program.call]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrograms("p.toml", []byte(tt.file), nil)
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			var pe *ProgramsError
			if !errors.As(err, &pe) {
				t.Errorf("error %T; want *ProgramsError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error = %q; want one line containing %q", msg, tt.want)
			}
		})
	}
}

// FuzzParsePrograms: whatever the file, the parser answers without
// panicking, and what it accepts keeps the invariants the form relies on.
func FuzzParsePrograms(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add(readPrograms(f))
	f.Add([]byte("[[program]]\nid = \"x\"\n[[program.call]]\n"))
	f.Add([]byte("program = 3"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParsePrograms("f.toml", data, time.UTC)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error on several lines: %q", err)
			}
			return
		}
		if len(ps.List) == 0 {
			t.Fatal("accepted a file without programs")
		}
		for _, p := range ps.List {
			for _, l := range flows.Languages {
				if p.Name[l] == "" {
					t.Fatalf("program %s: no %s name", p.ID, l)
				}
			}
			for i, c := range p.Calls {
				if !c.Opens.Before(c.Closes) || len(c.Questions) == 0 {
					t.Fatalf("call %s: %v..%v, %d questions", c.ID, c.Opens, c.Closes, len(c.Questions))
				}
				if i > 0 && c.Opens.Before(p.Calls[i-1].Closes) {
					t.Fatalf("calls %s and %s overlap", p.Calls[i-1].ID, c.ID)
				}
				for _, q := range c.Questions {
					if (q.Kind == qChoice || q.Kind == qChoices) && len(q.Options) < 2 {
						t.Fatalf("question %s: %d options", q.ID, len(q.Options))
					}
					if q.Min > q.Max && (q.Kind == qText || q.Kind == qNumber) {
						t.Fatalf("question %s: min %d > max %d", q.ID, q.Min, q.Max)
					}
				}
			}
		}
	})
}
