package flows_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

// newProgramWorld is newWorld with the programs of
// application/testdata/programs.toml, in the hub's time (Casablanca):
// acceleration closes Saturday 2026-11-28 18:00; incubation closes
// 2026-12-15 18:00 and its next call, with the same questions, opens
// 2027-01-05 09:00.
func newProgramWorld(t *testing.T) *world {
	t.Helper()
	data, err := os.ReadFile("application/testdata/programs.toml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := application.ParsePrograms("programs.toml", data, casablanca)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, env: storetest.New(t), out: &outbox{},
		now: time.Date(2026, 11, 23, 10, 0, 0, 0, casablanca)} // a Monday
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		t.Fatal(err)
	}
	rem := application.NewReminders(w.env.Store, w.out, cat, application.RemindersConfig{Hub: "StartGate", TZ: casablanca, Programs: ps})
	w.eng = flows.NewEngine(w.env.Store, cat, flows.Config{}, slog.New(slog.DiscardHandler))
	form := application.NewForm(w.env.Store, application.FormConfig{Programs: ps, TZ: casablanca})
	form.Reminders = rem
	if err := w.eng.Register(form.Conversation()); err != nil {
		t.Fatal(err)
	}
	w.eng.Now = func() time.Time { return w.now }
	w.sched = w.newScheduler(rem)
	return w
}

// apply is "/apply <program>".
func (w *world) apply(f flows.FounderID, program string) {
	w.t.Helper()
	if _, err := w.eng.Handle(context.Background(), flows.Event{Founder: f, Kind: flows.KindCommand, Command: "apply", Arg: program}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) session(f flows.FounderID) flows.Session {
	w.t.Helper()
	s, _, _, err := w.env.Store.LoadSession(context.Background(), f, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// TestCallDeadlineAndClosing: a draft's deadline nudges follow its call's
// closing time, and at that time the founder is told the call closed
// and the draft, whose program has no next call, is dropped.
func TestCallDeadlineAndClosing(t *testing.T) {
	w := newProgramWorld(t)
	w.apply("tg:1", "acceleration")
	w.say("tg:1", "Acme")
	w.at(24 * time.Hour)
	w.tick()
	w.expect(1, "répondu à 1 question sur 8") // silence, after 24 h
	w.at(72 * time.Hour)
	w.tick()
	w.expect(2, "répondu à 1 question sur 8") // silence, 72 h after the last answer
	w.at(80*time.Hour - time.Minute)
	w.tick()
	w.expect(2, "")
	w.at(80 * time.Hour) // Thursday 18:00: 48 h before the call closes
	w.tick()
	w.expect(3, "2026-11-28, dans 48 heures")
	if s := w.session("tg:1"); s.Flow != "apply" {
		t.Fatalf("before the closing the draft is %q; want it kept", s.Flow)
	}
	w.at(128*time.Hour - time.Minute)
	w.tick()
	w.expect(3, "")
	w.at(128 * time.Hour) // Saturday 18:00: the call closes
	w.tick()
	w.tick()
	w.expect(4, "L'appel de <b>Accélération</b> est clos")
	if s := w.session("tg:1"); s.Flow != "" || len(s.Answers) != 0 {
		t.Errorf("after the closing the session is %+v; want the draft dropped", s)
	}
	w.at(400 * time.Hour)
	w.tick()
	w.expect(4, "") // nothing more
}

// TestCallClosingKeepsDraft: a draft of a call whose program's next call
// asks the same questions is kept for it, and its deadline nudges follow
// the next call's closing time.
func TestCallClosingKeepsDraft(t *testing.T) {
	w := newProgramWorld(t)
	w.apply("tg:2", "incubation")
	w.say("tg:2", "Acme")
	closes := time.Date(2026, 12, 15, 18, 0, 0, 0, casablanca)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, casablanca)
	w.at(closes.Sub(start) - 7*24*time.Hour) // a week before: the 7-day nudge
	w.tick()
	w.tick()
	w.tick()
	sent := len(w.out.sent())
	if !slices.ContainsFunc(w.out.sent(), func(o flows.Outgoing) bool { return strings.Contains(o.Reply.Text, "une semaine") }) {
		t.Errorf("a week before the closing: %+v; want the 7-day nudge", w.out.sent())
	}
	w.at(closes.Sub(start) - 48*time.Hour)
	w.tick()
	w.expect(sent+1, "dans 48 heures")
	w.at(closes.Sub(start))
	w.tick()
	w.expect(sent+2, "Vos réponses sont gardées pour le prochain appel, qui ouvre le 2027-01-05 09:00")
	s := w.session("tg:2")
	var call string
	if _, err := s.Get("call", &call); err != nil || s.Flow != "apply" || s.Answers["startup"] != "Acme" || call != "2027-spring" {
		t.Errorf("after the closing: flow %q, answers %v, call %q; want the draft kept for 2027-spring", s.Flow, s.Answers, call)
	}
	// The next call's deadline: 2027-02-15 18:00, a week before (in
	// Ramadan, when Morocco's clocks are at UTC).
	next := time.Date(2027, 2, 8, 18, 0, 0, 0, casablanca)
	w.at(next.Sub(start) - time.Minute)
	w.tick()
	w.expect(sent+2, "")
	w.at(next.Sub(start))
	w.tick()
	w.expect(sent+3, "2027-02-15")
}
