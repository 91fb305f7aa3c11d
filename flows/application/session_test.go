package application

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// oldSession is flows.Session as it was before conversations became
// packages, field for field: what sessions stored until then hold.
type oldSession struct {
	Lang         string            `json:"lang,omitempty"`
	Flow         string            `json:"flow,omitempty"`
	Step         string            `json:"step,omitempty"`
	Nonce        int64             `json:"nonce,omitempty"`
	Editing      bool              `json:"editing,omitempty"`
	Answers      map[string]string `json:"answers,omitempty"`
	Pending      string            `json:"pending,omitempty"`
	OpenApp      string            `json:"open_app,omitempty"`
	AwaitingInfo string            `json:"awaiting_info,omitempty"`
	Started      time.Time         `json:"started,omitempty"`
	Touched      time.Time         `json:"touched,omitempty"`
	Hint         string            `json:"hint,omitempty"`
	Nudges       int               `json:"nudges,omitempty"`
	Deadline     int               `json:"deadline,omitempty"`
}

// TestStoredSessionsLoad stores sessions as the code before this package
// saved them, and checks that the application conversation sees their
// application fields: the draft edited from the summary, the reminders
// it had, the submitted application and the question awaiting an answer.
func TestStoredSessionsLoad(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	put := func(f flows.FounderID, s oldSession) {
		t.Helper()
		d, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		key := env.Prefix + "{" + string(f) + "}:session"
		if err := env.Client.HSet(ctx, key, "v", 1, "d", string(d)).Err(); err != nil {
			t.Fatal(err)
		}
	}

	// tg:1 submitted A-0001, and staff asked a question about it.
	app := &flows.Application{ID: "A-0001", Founder: "tg:1", Lang: "en", Status: flows.StatusInfoRequested,
		Prev: flows.StatusSubmitted, Answers: map[string]string{"startup": "Acme"}, Submitted: now, Updated: now,
		Info: []flows.InfoRequest{{Question: "Revenue?", AskedBy: "@karim", AskedAt: now}}}
	if err := env.Store.ReserveApplicationID(ctx, app.ID, app.Founder, now); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.SaveSession(ctx, app.Founder, "", 0, flows.Session{}, app, nil); err != nil {
		t.Fatal(err)
	}
	put("tg:1", oldSession{Lang: "en", OpenApp: "A-0001", AwaitingInfo: "A-0001", Touched: now, Hint: "en"})
	// tg:2 edits the first answer of a complete draft from the summary;
	// one silence nudge and the first deadline nudge went out.
	answers := map[string]string{"startup": "Acme", "founder": "Salma", "email": "s@acme.ma", "phone": "",
		"city": "Rabat", "sector": "mobility", "stage": "idea", "team": "2", "pitch": "Shared scooters for campuses.", "link": ""}
	draft := oldSession{Lang: "en", Flow: "apply", Step: "startup", Nonce: 12, Editing: true, Answers: answers,
		Started: now.Add(-48 * time.Hour), Touched: now.Add(-time.Hour), Hint: "en", Nudges: 1, Deadline: 1}
	put("tg:2", draft)

	cat, err := flows.NewCatalog("en", Messages())
	if err != nil {
		t.Fatal(err)
	}
	eng := flows.NewEngine(env.Store, cat, flows.Config{}, slog.New(slog.DiscardHandler))
	eng.Now = func() time.Time { return now }
	if err := eng.Register(NewForm(env.Store, FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	send := func(ev flows.Event) flows.Result {
		t.Helper()
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// open_app: /apply shows the application instead of a new form.
	res := send(flows.Event{Founder: "tg:1", Kind: flows.KindCommand, Command: "apply"})
	if len(res.Replies) != 1 || !strings.Contains(res.Replies[0].Text, "A-0001") {
		t.Errorf("/apply with an open application = %+v; want it shown", res.Replies)
	}
	// awaiting_info: the next text answers staff's question.
	res = send(flows.Event{Founder: "tg:1", Kind: flows.KindText, Text: "12k MAD a month"})
	if a := AnsweredIn(res); a == nil || a.Info[0].Answer != "12k MAD a month" || a.Status != flows.StatusSubmitted {
		t.Errorf("answer to staff's question = %+v; want A-0001 answered and submitted again", a)
	}

	// nudges and deadline: the draft's reminders see the ones sent.
	s, _, _, err := env.Store.LoadSession(ctx, "tg:2", "")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := readMarks(&s); err != nil || m != (marks{nudges: 1, deadline: 1}) {
		t.Errorf("reminders of the stored draft = %+v, %v; want 1 nudge and deadline bit 0", m, err)
	}
	// Unseen marks would make it the first silence nudge (tomorrow) or
	// the 7-days-before deadline nudge (in an hour).
	rem := NewReminders(nil, nil, cat, RemindersConfig{Deadline: now.Add(7*24*time.Hour + time.Hour)})
	if at, ok, err := rem.nextNudge(s); err != nil || !ok || !at.Equal(draft.Touched.Add(nudgeAfter[1])) {
		t.Errorf("next nudge = %v, %v, %v; want the second silence nudge at %v", at, ok, err, draft.Touched.Add(nudgeAfter[1]))
	}
	// editing: the first question has Back (to the summary), and an
	// answer returns to the summary.
	res = send(flows.Event{Founder: "tg:2", Kind: flows.KindUnsupported})
	last := res.Replies[len(res.Replies)-1]
	if b := last.Buttons[len(last.Buttons)-1]; len(b) != 2 || b[0].Data != "c.back" {
		t.Errorf("first question while editing has %+v; want Back and Cancel", b)
	}
	res = send(flows.Event{Founder: "tg:2", Kind: flows.KindText, Text: "Acme Mobility"})
	if !strings.Contains(res.Replies[0].Text, "Acme Mobility") || !strings.Contains(res.Replies[0].Buttons[0][0].Data, ".submit") {
		t.Errorf("answer while editing = %+v; want the summary", res.Replies)
	}
	// The draft saved by this code keeps the keys as they were.
	raw, err := env.Client.HGet(ctx, env.Prefix+"{tg:2}:session", "d").Result()
	if err != nil {
		t.Fatal(err)
	}
	var back oldSession
	if err := json.Unmarshal([]byte(raw), &back); err != nil {
		t.Fatal(err)
	}
	if back.Nudges != 1 || back.Deadline != 1 || back.Editing || back.Answers["startup"] != "Acme Mobility" {
		t.Errorf("session saved again = %s; want nudges 1, deadline 1, no longer editing", raw)
	}
}

// TestStoredDraftWithProgramsFile: once the hub has a programs file, a
// draft stored before programs (of the standard form) can still be
// finished and submitted, as an application to the default program.
func TestStoredDraftWithProgramsFile(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	answers := map[string]string{"startup": "Acme", "founder": "Salma", "email": "s@acme.ma", "phone": "",
		"city": "Rabat", "sector": "mobility", "stage": "idea", "team": "2", "pitch": "Shared scooters for campuses."}
	d, _ := json.Marshal(oldSession{Lang: "en", Flow: "apply", Step: "link", Nonce: 3, Answers: answers,
		Started: now.Add(-48 * time.Hour), Touched: now.Add(-time.Hour)})
	if err := env.Client.HSet(ctx, env.Prefix+"{tg:2}:session", "v", 1, "d", string(d)).Err(); err != nil {
		t.Fatal(err)
	}
	ps, err := ParsePrograms("programs.toml", readPrograms(t), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := flows.NewCatalog("en", Messages())
	if err != nil {
		t.Fatal(err)
	}
	eng := flows.NewEngine(env.Store, cat, flows.Config{}, slog.New(slog.DiscardHandler))
	eng.Now = func() time.Time { return now }
	if err := eng.Register(NewForm(env.Store, FormConfig{Programs: ps}).Conversation()); err != nil {
		t.Fatal(err)
	}
	send := func(ev flows.Event) flows.Result {
		t.Helper()
		ev.Founder = "tg:2"
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := send(flows.Event{Kind: flows.KindText, Text: "https://acme.ma"})
	if len(res.Replies) != 1 || !strings.Contains(res.Replies[0].Text, "<b>Startup:</b> Acme") {
		t.Fatalf("last answer of the old draft = %+v; want the standard summary", res.Replies)
	}
	res = send(flows.Event{Kind: flows.KindButton, Data: res.Replies[0].Buttons[0][0].Data})
	a := SubmittedIn(res)
	if a == nil || a.Program != "" || a.ProgramOf() != flows.DefaultProgram || a.Answers["link"] != "https://acme.ma" {
		t.Fatalf("submitted %+v; want the old draft, in the default program", a)
	}
	// The founder may now apply to the file's programs too.
	res = send(flows.Event{Kind: flows.KindCommand, Command: "apply"})
	if len(res.Replies) != 1 || !strings.Contains(res.Replies[0].Text, "Programs open for applications") {
		t.Errorf("/apply after = %+v; want the programs open", res.Replies)
	}
}
