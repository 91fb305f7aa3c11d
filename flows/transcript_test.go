package flows_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the expected replies in testdata/*.txt")

// TestTranscripts drives the engine with testdata/*.txt. A transcript is a
// list of founder actions, each followed by the replies expected:
//
//	> /apply            a command (or text: anything not starting with "/")
//	> [Label]           press the button with that label on the last message that had it
//	> {data}            press a button with raw data, as a forged request would
//	> !photo            a non-text message; !edited: an edited message; !group /apply
//	> !restart          a new engine on the same store (a process restart)
//	> !wait 31d         move the clock
//	> !lang en          the language Telegram reports from now on
//	> !as tg:2          act as another founder
//
// Replies are written as their text, then "  [Label] [Label]" for each row
// of buttons, "  ! notice" for a button toast, "  (duplicate)" or
// "  (submitted A-0001)". Run with -update to rewrite the replies.
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runTranscript(t, file)
		})
	}
}

type transcript struct {
	t       *testing.T
	env     *storetest.Env
	eng     *flows.Engine
	now     time.Time
	ids     int
	founder flows.FounderID
	hint    string
	updates int
	buttons map[flows.FounderID]map[string]string // label → data, newest wins
	last    flows.Event
	// programs, when set, replace the embedded default form.
	programs *application.Programs
}

func newEngine(tr *transcript) *flows.Engine {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages())
	if err != nil {
		tr.t.Fatal(err)
	}
	e := flows.NewEngine(tr.env.Store, cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	if err := e.Register(application.NewForm(tr.env.Store, application.FormConfig{Hub: "StartGate", Programs: tr.programs}).Conversation()); err != nil {
		tr.t.Fatal(err)
	}
	e.Now = func() time.Time { return tr.now }
	e.NewID = func() string { tr.ids++; return fmt.Sprintf("A-%04d", tr.ids) }
	return e
}

func runTranscript(t *testing.T, file string) {
	tr := &transcript{t: t, env: storetest.New(t), now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		founder: "tg:1", buttons: map[flows.FounderID]map[string]string{}}
	tr.eng = newEngine(tr)
	runScript(t, file, "TestTranscripts", tr.step)
}

// runScript plays a transcript file: each "> " line goes to step, whose
// output stands for the expected replies under it; comments are kept. With
// -update the file is rewritten, else it must match.
func runScript(t *testing.T, file, test string, step func(in string) string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		in, ok := strings.CutPrefix(line, "> ")
		if !ok {
			continue // an expected reply: regenerated below
		}
		out.WriteString(line + "\n")
		out.WriteString(step(in))
	}
	got := out.String()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != string(data) {
		t.Errorf("%s differs; run go test ./flows -run %s -update and review the diff.\n%s", file, test, lineDiff(string(data), got))
	}
}

func (tr *transcript) step(in string) string {
	ev := flows.Event{Founder: tr.founder, LangHint: tr.hint, Name: "Salma", Handle: "salma"}
	tr.updates++
	ev.UpdateID = fmt.Sprint(tr.updates)
	switch {
	case strings.HasPrefix(in, "!restart"):
		tr.eng = newEngine(tr)
		return ""
	case strings.HasPrefix(in, "!wait "):
		d, err := time.ParseDuration(strings.Replace(strings.TrimPrefix(in, "!wait "), "d", "h", 1))
		if err != nil {
			tr.t.Fatalf("bad wait %q", in)
		}
		if strings.HasSuffix(in, "d") {
			d *= 24
		}
		tr.now = tr.now.Add(d)
		return ""
	case strings.HasPrefix(in, "!lang "):
		tr.hint = strings.TrimPrefix(in, "!lang ")
		return ""
	case strings.HasPrefix(in, "!as "):
		tr.founder = flows.FounderID(strings.TrimPrefix(in, "!as "))
		return ""
	case in == "!again": // Telegram delivers the previous update again
		return tr.render(tr.handle(tr.last))
	case in == "!photo":
		ev.Kind = flows.KindUnsupported
	case in == "!edited":
		ev.Kind = flows.KindEdited
	case strings.HasPrefix(in, "!group "):
		ev.Group = true
		if text := strings.TrimPrefix(in, "!group "); strings.HasPrefix(text, "/") {
			ev.Kind, ev.Command, ev.Arg = command(text)
		} else {
			ev.Kind, ev.Text = flows.KindText, text
		}
	case strings.HasPrefix(in, "[") && strings.HasSuffix(in, "]"):
		label := in[1 : len(in)-1]
		d, ok := tr.buttons[tr.founder][label]
		if !ok {
			tr.t.Fatalf("no button %q to press", label)
		}
		ev.Kind, ev.Data = flows.KindButton, d
	case strings.HasPrefix(in, "{") && strings.HasSuffix(in, "}"):
		ev.Kind, ev.Data = flows.KindButton, in[1:len(in)-1]
	case strings.HasPrefix(in, "/"):
		ev.Kind, ev.Command, ev.Arg = command(in)
	default:
		ev.Kind, ev.Text = flows.KindText, in
	}
	tr.last = ev
	return tr.render(tr.handle(ev))
}

func command(s string) (flows.Kind, string, string) {
	name, arg, _ := strings.Cut(strings.TrimPrefix(s, "/"), " ")
	return flows.KindCommand, name, arg
}

func (tr *transcript) handle(ev flows.Event) flows.Result {
	res, err := tr.eng.Handle(context.Background(), ev)
	if err != nil {
		tr.t.Fatalf("Handle(%+v): %v", ev, err)
	}
	rememberButtons(tr.buttons, ev.Founder, res.Replies)
	return res
}

// rememberButtons notes each button's data under its label, newest wins,
// so that "> [Label]" can press it.
func rememberButtons(m map[flows.FounderID]map[string]string, f flows.FounderID, replies []flows.Reply) {
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if m[f] == nil {
					m[f] = map[string]string{}
				}
				m[f][b.Label] = b.Data
			}
		}
	}
}

func (tr *transcript) render(res flows.Result) string {
	var b strings.Builder
	if res.Duplicate {
		b.WriteString("  (duplicate)\n")
	}
	if res.Notice != "" {
		b.WriteString("  ! " + res.Notice + "\n")
	}
	writeReplies(&b, res.Replies)
	if a := application.SubmittedIn(res); a != nil && a.Program != "" {
		fmt.Fprintf(&b, "  (submitted %s to %s/%s: %s)\n", a.ID, a.Program, a.Call, a.Answers["startup"])
	} else if a != nil {
		fmt.Fprintf(&b, "  (submitted %s: %s)\n", a.ID, a.Answers["startup"])
	}
	return b.String()
}

// lineDiff shows the first lines that differ, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl, gl)
		}
	}
	return ""
}
