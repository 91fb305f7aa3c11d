package flows_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

// outbox records what was queued, each key once, as the store's does.
type outbox struct {
	mu   sync.Mutex
	keys map[string]bool
	msgs []flows.Outgoing
}

func (o *outbox) Enqueue(_ context.Context, key string, m flows.Outgoing, _ string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys == nil {
		o.keys = map[string]bool{}
	}
	if o.keys[key] {
		return false, nil
	}
	o.keys[key] = true
	o.msgs = append(o.msgs, m)
	return true, nil
}

func (o *outbox) sent() []flows.Outgoing {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]flows.Outgoing(nil), o.msgs...)
}

var casablanca, _ = time.LoadLocation("Africa/Casablanca")

type world struct {
	t     *testing.T
	env   *storetest.Env
	eng   *flows.Engine
	rev   *application.Review
	sched *flows.Scheduler
	out   *outbox
	now   time.Time
}

func newWorld(t *testing.T, deadline time.Time) *world {
	t.Helper()
	w := &world{t: t, env: storetest.New(t), out: &outbox{},
		now: time.Date(2026, 11, 23, 10, 0, 0, 0, casablanca)} // a Monday
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	rem := application.NewReminders(w.env.Store, w.out, cat, application.RemindersConfig{Hub: "StartGate", TZ: casablanca, Deadline: deadline})
	w.eng = flows.NewEngine(w.env.Store, cat, flows.Config{}, log)
	form := application.NewForm(w.env.Store, application.FormConfig{})
	form.Reminders = rem
	if err := w.eng.Register(form.Conversation()); err != nil {
		t.Fatal(err)
	}
	w.eng.Now = func() time.Time { return w.now }
	w.rev = application.NewReview(w.env.Store, cat, application.ReviewConfig{TZ: casablanca})
	w.rev.Reminders = rem
	w.rev.Now = w.eng.Now
	w.sched = w.newScheduler(rem)
	return w
}

func (w *world) newScheduler(rem *application.Reminders) *flows.Scheduler {
	s := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca, Lease: time.Minute}, slog.New(slog.DiscardHandler))
	rem.Register(s)
	s.Now = func() time.Time { return w.now }
	return s
}

func (w *world) at(d time.Duration) { w.now = time.Date(2026, 11, 23, 10, 0, 0, 0, casablanca).Add(d) }

func (w *world) say(f flows.FounderID, text string) {
	w.t.Helper()
	ev := flows.Event{Founder: f, Kind: flows.KindText, Text: text}
	if strings.HasPrefix(text, "/") {
		ev = flows.Event{Founder: f, Kind: flows.KindCommand, Command: text[1:]}
	}
	if _, err := w.eng.Handle(context.Background(), ev); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) tick() { w.sched.Tick(context.Background()) }

func (w *world) expect(n int, contains string) {
	w.t.Helper()
	got := w.out.sent()
	if len(got) != n {
		w.t.Fatalf("at %s: %d messages queued; want %d: %+v", w.now.Format("Mon 15:04"), len(got), n, got)
	}
	if n > 0 && !strings.Contains(got[n-1].Reply.Text, contains) {
		w.t.Errorf("message %d = %q; want it to contain %q", n, got[n-1].Reply.Text, contains)
	}
}

func TestDraftNudges(t *testing.T) {
	w := newWorld(t, time.Time{})
	w.say("tg:1", "/apply")
	w.say("tg:1", "Acme")
	w.at(23 * time.Hour)
	w.tick()
	w.expect(0, "")
	w.at(24 * time.Hour)
	w.tick()
	w.tick() // a second tick, or a second replica, sends nothing more
	w.expect(1, "répondu à 1 question sur 10")
	if w.out.sent()[0].Founder != "tg:1" || w.out.sent()[0].Reply.Buttons[0][0].Data != "m:apply" {
		t.Errorf("nudge = %+v", w.out.sent()[0])
	}
	w.at(30 * time.Hour)
	w.say("tg:1", "Salma") // the founder answers: the next nudge waits 72 h from here
	w.at(101 * time.Hour)
	w.tick()
	w.expect(1, "")
	w.at(102 * time.Hour) // Friday 16:00
	w.tick()
	w.expect(2, "2 questions sur 10")
	w.at(400 * time.Hour)
	w.tick()
	w.expect(2, "") // at most two
}

func TestDraftNudgeQuietHours(t *testing.T) {
	w := newWorld(t, time.Time{})
	w.at(13*time.Hour + 30*time.Minute) // Monday 23:30 in Casablanca
	w.say("tg:2", "/apply")
	w.at(37*time.Hour + 30*time.Minute) // Tuesday 23:30: night
	w.tick()
	w.expect(0, "")
	w.at(46 * time.Hour) // Wednesday 08:00
	w.tick()
	w.expect(1, "répondu à 0 question")
}

func TestNoNudgeAfterSubmitOrCancel(t *testing.T) {
	w := newWorld(t, time.Time{})
	w.say("tg:3", "/apply")
	w.say("tg:3", "/cancel") // no answer yet: cancelled at once
	w.at(48 * time.Hour)
	w.tick()
	w.expect(0, "")
}

func TestDeadlineNudges(t *testing.T) {
	deadline := time.Date(2026, 12, 4, 18, 0, 0, 0, casablanca) // Friday week
	w := newWorld(t, deadline)
	w.say("tg:4", "/apply")
	w.say("tg:4", "Acme")
	w.at(24 * time.Hour)
	w.tick()
	w.expect(1, "répondu à 1 question") // silence first: Tuesday 10:00
	w.at(3*24*time.Hour + 8*time.Hour)  // Thursday 18:00: 72 hours of silence
	w.tick()
	w.expect(2, "répondu à 1 question")
	w.at(4*24*time.Hour + 8*time.Hour) // Friday 18:00: 7 days before
	w.tick()
	w.expect(3, "plus qu'une semaine")
	w.at(9*24*time.Hour + 8*time.Hour) // Wednesday 18:00: 48 hours before
	w.tick()
	w.expect(4, "dans 48 heures")
	w.at(20 * 24 * time.Hour)
	w.tick()
	w.expect(4, "") // nothing after
	// A draft started 3 days before the deadline skips the 7-day nudge.
	w.at(8*24*time.Hour + 8*time.Hour)
	w.say("tg:7", "/apply")
	w.at(9*24*time.Hour + 8*time.Hour)
	w.tick()
	if got := w.out.sent(); len(got) != 5 || got[4].Founder != "tg:7" || !strings.Contains(got[4].Reply.Text, "48 heures") {
		t.Errorf("late draft got %+v; want only the 48-hour nudge", got[4:])
	}
	for _, m := range w.out.sent() {
		if !strings.Contains(m.Reply.Text, "StartGate") {
			t.Errorf("nudge without the hub's name: %q", m.Reply.Text)
		}
	}
}

func TestInfoReminder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Time{})
	a := submitted(t, w.eng, "tg:5", "en")
	b := submitted(t, w.eng, "tg:6", "en")
	for _, id := range []string{a.ID, b.ID} {
		if _, _, err := w.rev.Decide(ctx, id, flows.StatusInfoRequested, karim, "Revenue?"); err != nil {
			t.Fatal(err)
		}
	}
	w.at(time.Hour)
	w.say("tg:6", "About 1000 a month") // b answers
	w.at(72 * time.Hour)
	w.tick()
	w.tick()
	got := w.out.sent()
	var reminders []flows.Outgoing
	for _, m := range got {
		if strings.Contains(m.Reply.Text, "still waiting") {
			reminders = append(reminders, m)
		}
	}
	if len(reminders) != 1 || reminders[0].Founder != "tg:5" || !strings.Contains(reminders[0].Reply.Text, "Revenue?") {
		t.Errorf("reminders = %+v; want one to tg:5", reminders)
	}
}

// TestThreeReplicas: three schedulers on one store run every due job and
// every periodic occurrence exactly once.
func TestThreeReplicas(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Time{})
	var mu sync.Mutex
	runs := map[string]int{}
	var scheds []*flows.Scheduler
	for range 3 {
		s := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca, Lease: time.Minute, Batch: 7}, slog.New(slog.DiscardHandler))
		s.Now = func() time.Time { return w.now }
		s.Handle("test", func(_ context.Context, j flows.Job, _ time.Time) error {
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
			return nil
		})
		if err := s.Every(flows.Periodic{Name: "digest", Spec: "0 9 * * *", Run: func(_ context.Context, at time.Time) error {
			mu.Lock()
			runs["digest@"+at.Format("Mon 15:04")]++
			mu.Unlock()
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	const n = 60
	for i := range n {
		if err := w.env.Store.ScheduleJob(ctx, flows.Job{ID: fmt.Sprint("j", i), Kind: "test", Due: w.now.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	tickAll := func() {
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Add(1)
			go func() { defer wg.Done(); s.Tick(ctx) }()
		}
		wg.Wait()
	}
	tickAll() // the first tick records where the periodic job starts
	for h := 0; h < 48; h++ {
		w.at(time.Duration(h) * time.Hour)
		tickAll()
	}
	for i := range n {
		if c := runs[fmt.Sprint("j", i)]; c != 1 {
			t.Errorf("job j%d ran %d times; want 1", i, c)
		}
	}
	if runs["digest@Tue 09:00"] != 1 || runs["digest@Wed 09:00"] != 1 || len(runs) != n+2 {
		t.Errorf("digest runs = %v; want Tue and Wed 09:00 once each", runs)
	}
}

// TestLeaseExpiry: a worker that claimed jobs and died leaves them to
// another after the lease.
func TestLeaseExpiry(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Time{})
	for i := range 3 {
		w.env.Store.ScheduleJob(ctx, flows.Job{ID: fmt.Sprint("d", i), Kind: "test", Due: w.now})
	}
	// The dead worker: claims, never acks.
	if jobs, err := w.env.Store.ClaimDueJobs(ctx, w.now, time.Minute, 10); err != nil || len(jobs) != 3 {
		t.Fatalf("claim = %d jobs, %v", len(jobs), err)
	}
	var done []string
	w.sched.Handle("test", func(_ context.Context, j flows.Job, _ time.Time) error { done = append(done, j.ID); return nil })
	w.at(30 * time.Second)
	w.tick()
	if len(done) != 0 {
		t.Fatalf("jobs taken from a live lease: %v", done)
	}
	w.at(61 * time.Second)
	w.tick()
	w.at(5 * time.Minute)
	w.tick()
	if len(done) != 3 {
		t.Errorf("after the lease: done %v; want the 3 jobs once", done)
	}
}

// TestPeriodicCatchUp: after a restart a missed occurrence runs if it is
// recent enough, and is dropped if it is not.
func TestPeriodicCatchUp(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Time{})
	var ran []string
	dropped := 0
	s := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca}, slog.New(slog.DiscardHandler))
	s.Now = func() time.Time { return w.now }
	s.Dropped = func(string) { dropped++ }
	s.Every(flows.Periodic{Name: "weekly", Spec: "0 9 * * 1", CatchUp: 6 * time.Hour, Run: func(_ context.Context, at time.Time) error {
		ran = append(ran, at.Format("Jan 2 15:04"))
		return nil
	}})
	if err := s.Every(flows.Periodic{Name: "bad", Spec: "CRON_TZ=UTC 0 9 * * *"}); err == nil {
		t.Error("a spec with its own time zone was accepted")
	}
	s.Tick(ctx)                        // Monday 10:00: first start, nothing from the past
	w.at(7*24*time.Hour + 2*time.Hour) // down over the next Monday 09:00; back at 12:00
	s.Tick(ctx)
	w.at(14*24*time.Hour + 8*time.Hour) // down again; back at 18:00, 9 hours late
	s.Tick(ctx)
	if len(ran) != 1 || ran[0] != "Nov 30 09:00" || dropped != 1 {
		t.Errorf("ran %v, dropped %d; want [Nov 30 09:00] and 1", ran, dropped)
	}
}

// TestPeriodicRetried: an occurrence whose run fails is tried again at a
// later tick, and runs once in the end.
func TestPeriodicRetried(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Time{})
	fails, runs := 1, 0
	s := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca}, slog.New(slog.DiscardHandler))
	s.Now = func() time.Time { return w.now }
	s.Every(flows.Periodic{Name: "digest", Spec: "0 11 * * *", Run: func(context.Context, time.Time) error {
		if fails > 0 {
			fails--
			return fmt.Errorf("slack is down")
		}
		runs++
		return nil
	}})
	s.Tick(ctx) // 10:00: starts the schedule
	for _, m := range []time.Duration{60, 61, 62, 90} {
		w.at(m * time.Minute)
		s.Tick(ctx)
	}
	if runs != 1 {
		t.Errorf("runs = %d; want 1 after one failure", runs)
	}
}
