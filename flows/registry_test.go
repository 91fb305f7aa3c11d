package flows_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store/storetest"
)

// echo is a conversation of one command and one flow, for the registry's tests.
func echo(name string) flows.Conversation {
	return flows.Conversation{
		Name: name,
		Commands: []flows.CommandSpec{{Name: name, Run: func(t *flows.Turn, _ string) error {
			t.Start(name, "say", nil)
			t.Ask()
			return nil
		}}},
		Flows: []flows.Flow{{
			Name:  name,
			Ask:   func(t *flows.Turn) { t.Say("say something", []flows.Button{{Label: "Done", Data: t.Data("done")}}) },
			Press: func(t *flows.Turn, action string) bool { t.Clear(); t.Say("done"); return action == "done" },
			Text: func(t *flows.Turn, s string) error {
				t.Say("you said " + t.V(s))
				return nil
			},
			Cancel: func(t *flows.Turn) { t.Clear(); t.Say("stopped") },
		}},
		Buttons:     []flows.ButtonPrefix{{Prefix: name + ":", Press: func(t *flows.Turn, rest string) error { t.Say(name + " " + rest); return nil }}},
		SessionKeys: []string{name + "_seen"},
	}
}

func newBareEngine(t *testing.T) *flows.Engine {
	t.Helper()
	cat, err := flows.NewCatalog("en")
	if err != nil {
		t.Fatal(err)
	}
	return flows.NewEngine(storetest.New(t).Store, cat, flows.Config{}, slog.New(slog.DiscardHandler))
}

// TestRegisterRefusesDuplicates: a command, flow, button prefix, job kind
// or session key registered twice stops the start, and nothing of the
// refused conversation is registered.
func TestRegisterRefusesDuplicates(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *flows.Conversation)
	}{
		{"command", func(c *flows.Conversation) { c.Commands[0].Name = "echo" }},
		{"general command", func(c *flows.Conversation) { c.Commands[0].Name = "help" }},
		{"flow", func(c *flows.Conversation) { c.Flows[0].Name = "echo" }},
		{"prefix", func(c *flows.Conversation) { c.Buttons[0].Prefix = "echo:" }},
		{"prefix under a prefix", func(c *flows.Conversation) { c.Buttons[0].Prefix = "echo:x:" }},
		{"menu prefix", func(c *flows.Conversation) { c.Buttons[0].Prefix = "m:" }},
		{"prefix without colon", func(c *flows.Conversation) { c.Buttons[0].Prefix = "x" }},
		{"session key", func(c *flows.Conversation) { c.SessionKeys = []string{"echo_seen"} }},
		{"shared session key", func(c *flows.Conversation) { c.SessionKeys = []string{"answers"} }},
		{"conversation", func(c *flows.Conversation) { c.Name = "echo" }},
		{"message", func(c *flows.Conversation) {
			files := fstest.MapFS{}
			for _, l := range flows.Languages {
				files["locales/"+l+".toml"] = &fstest.MapFile{Data: []byte(`welcome = "hi"` + "\n")}
			}
			c.Messages = flows.Messages{Name: "other", Files: files}
		}},
		{"job", func(c *flows.Conversation) {
			c.Jobs = map[string]flows.JobHandler{"echo_job": func(context.Context, flows.Job, time.Time) error { return nil }}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := newBareEngine(t)
			first := echo("echo")
			first.Jobs = map[string]flows.JobHandler{"echo_job": func(context.Context, flows.Job, time.Time) error { return nil }}
			if err := eng.Register(first); err != nil {
				t.Fatal(err)
			}
			second := echo("other")
			tc.edit(&second)
			if err := eng.Register(second); err == nil {
				t.Fatalf("Register accepted a duplicate %s", tc.name)
			}
			if got := len(eng.Commands("en")); got != 5 {
				t.Errorf("after a refused registration: %d commands; want 5 (start, echo, language, cancel, help)", got)
			}
		})
	}
	if err := newBareEngine(t).Register(echo("echo")); err != nil {
		t.Errorf("a clean conversation is refused: %v", err)
	}
}

// TestRegisteredConversationRuns: a conversation the Engine never heard
// of runs from its registration alone: its command, its flow's question,
// buttons and text, its own button prefix, /cancel and its session key.
func TestRegisteredConversationRuns(t *testing.T) {
	eng := newBareEngine(t)
	c := echo("echo")
	c.Idle = func(t *flows.Turn, s string) (bool, error) {
		var seen bool
		t.Get("echo_seen", &seen)
		t.Set("echo_seen", true)
		if seen {
			t.Say("again: " + t.V(s))
		}
		return seen, nil
	}
	if err := eng.Register(c); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func(ev flows.Event) flows.Result {
		t.Helper()
		ev.Founder = "tg:1"
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	say := func(res flows.Result) string {
		var b []string
		for _, r := range res.Replies {
			b = append(b, r.Text)
		}
		return strings.Join(b, " | ")
	}
	res := send(flows.Event{Kind: flows.KindCommand, Command: "echo"})
	if got := say(res); got != "say something" {
		t.Fatalf("/echo = %q", got)
	}
	done := res.Replies[0].Buttons[0][0].Data
	if got := say(send(flows.Event{Kind: flows.KindText, Text: "<hi>"})); got != "you said &lt;hi&gt;" {
		t.Errorf("text in the flow = %q", got)
	}
	if got := say(send(flows.Event{Kind: flows.KindButton, Data: done})); got != "done" {
		t.Errorf("button of the flow = %q", got)
	}
	if res := send(flows.Event{Kind: flows.KindButton, Data: done}); !res.Expired {
		t.Errorf("second press = %+v; want expired", res)
	}
	if got := say(send(flows.Event{Kind: flows.KindButton, Data: "echo:42"})); got != "echo 42" {
		t.Errorf("prefixed button = %q", got)
	}
	send(flows.Event{Kind: flows.KindText, Text: "one"})
	if got := say(send(flows.Event{Kind: flows.KindText, Text: "two"})); got != "again: two" {
		t.Errorf("idle text with the session key set = %q", got)
	}
	send(flows.Event{Kind: flows.KindCommand, Command: "echo"})
	if got := say(send(flows.Event{Kind: flows.KindCommand, Command: "cancel"})); got != "stopped" {
		t.Errorf("/cancel in the flow = %q; want the flow's answer", got)
	}
	if res := send(flows.Event{Kind: flows.KindText, Text: "x"}); strings.HasPrefix(say(res), "you said") {
		t.Errorf("text after /cancel still went to the flow: %q", say(res))
	}
}

// TestRootKnowsNoConversation: the flows package names no conversation's
// command or flow; everything it does for them comes from registrations.
func TestRootKnowsNoConversation(t *testing.T) {
	form := application.NewForm(nil, application.FormConfig{}).Conversation()
	oh := officehours.New(nil, nil, nil, officehours.Config{}, nil).Conversation()
	var names []string
	for _, c := range []flows.Conversation{form, oh} {
		for _, cmd := range c.Commands {
			names = append(names, cmd.Name)
		}
		for _, f := range c.Flows {
			names = append(names, f.Name)
		}
		for _, b := range c.Buttons {
			names = append(names, b.Prefix)
		}
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			for _, name := range names {
				if s == name || s == "m:"+name || s == "cmd_"+name {
					t.Errorf("%s names the conversation's %q", f, s)
				}
			}
			return true
		})
	}
}

// TestRootTypesSmall: no type of the flows package grows back into the
// one that carried every conversation (at most 30 methods).
func TestRootTypesSmall(t *testing.T) {
	counts := map[string]int{}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				counts[id.Name]++
			}
		}
	}
	for typ, n := range counts {
		if n > 30 {
			t.Errorf("%s has %d methods; keep each type of the flows package at 30 or fewer", typ, n)
		}
	}
	if counts["Turn"] == 0 || counts["Engine"] == 0 {
		t.Fatalf("method counts %v: the scan is broken", counts)
	}
}
