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
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store/storetest"
)

// ohWorld is office hours on a store, with the engine founders talk to,
// the scheduler of its jobs and a clock the test moves.
type ohWorld struct {
	t     *testing.T
	env   *storetest.Env
	cat   *flows.Catalog
	eng   *flows.Engine
	oh    *officehours.OfficeHours
	sched *flows.Scheduler
	out   *outbox
	mu    sync.Mutex
	now   time.Time
	ids   int
	upd   int
}

func newOHWorld(t *testing.T, cfg officehours.Config, now time.Time) *ohWorld {
	t.Helper()
	w := &ohWorld{t: t, env: storetest.New(t), out: &outbox{}, now: now}
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages())
	if err != nil {
		t.Fatal(err)
	}
	w.cat = cat
	log := slog.New(slog.DiscardHandler)
	if cfg.TZ == nil {
		cfg.TZ = casablanca
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	w.oh = officehours.New(w.env.Store, w.out, cat, cfg, log)
	w.oh.Now = w.clock
	w.oh.NewID = func() flows.BookingID {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.ids++
		return flows.BookingID(fmt.Sprintf("B-%04d", w.ids))
	}
	w.eng = w.newEngine(w.oh)
	w.sched = flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca, Lease: time.Minute}, log)
	w.oh.Register(w.sched)
	w.sched.Now = w.clock
	return w
}

// newEngine is an engine with the application form and, when oh is not
// nil, office hours.
func (w *ohWorld) newEngine(oh *officehours.OfficeHours) *flows.Engine {
	w.t.Helper()
	eng := flows.NewEngine(w.env.Store, w.cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	convs := []flows.Conversation{application.NewForm(w.env.Store, application.FormConfig{Hub: "StartGate"}).Conversation()}
	if oh != nil {
		convs = append(convs, oh.Conversation())
	}
	for _, c := range convs {
		if err := eng.Register(c); err != nil {
			w.t.Fatal(err)
		}
	}
	eng.Now = w.clock
	return eng
}

func (w *ohWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *ohWorld) setNow(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = t
}

func (w *ohWorld) tick() { w.sched.Tick(context.Background()) }

// mentor adds a mentor with runs of slots ("2026-12-01 14:00-16:00 every 30").
func (w *ohWorld) mentor(name string, tags []string, weeklyCap int, runs ...string) flows.Mentor {
	w.t.Helper()
	return w.addMentor(flows.Mentor{Name: name, Tags: tags, Bio: "Bio of " + name, Languages: []string{"fr", "en"},
		WeeklyCap: weeklyCap, SlackUser: "U" + slackish(name) + "1"}, runs...)
}

func (w *ohWorld) addMentor(m flows.Mentor, runs ...string) flows.Mentor {
	w.t.Helper()
	m, err := w.oh.AddMentor(context.Background(), m)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, run := range runs {
		req, err := officehours.ParseSlotsAdd(string(m.ID)+" "+run, casablanca)
		if err != nil {
			w.t.Fatal(err)
		}
		if _, _, err := w.oh.AddSlots(context.Background(), req); err != nil {
			w.t.Fatalf("add slots %q: %v", run, err)
		}
	}
	return m
}

// send applies one event of founder f and fails the test on an error.
func (w *ohWorld) send(f flows.FounderID, lang string, ev flows.Event) flows.Result {
	w.t.Helper()
	w.mu.Lock()
	w.upd++
	ev.UpdateID = fmt.Sprint(w.upd)
	w.mu.Unlock()
	ev.Founder, ev.LangHint, ev.Name, ev.Handle = f, lang, "Founder "+string(f), "founder"
	res, err := w.eng.Handle(context.Background(), ev)
	if err != nil {
		w.t.Fatalf("%s: Handle(%+v): %v", f, ev, err)
	}
	return res
}

func (w *ohWorld) cmd(f flows.FounderID, lang, c string) flows.Result {
	return w.send(f, lang, flows.Event{Kind: flows.KindCommand, Command: c})
}

func (w *ohWorld) text(f flows.FounderID, lang, s string) flows.Result {
	return w.send(f, lang, flows.Event{Kind: flows.KindText, Text: s})
}

func (w *ohWorld) data(f flows.FounderID, lang, d string) flows.Result {
	return w.send(f, lang, flows.Event{Kind: flows.KindButton, Data: d})
}

// press presses the button whose label contains label, on the last reply that has one.
func (w *ohWorld) press(f flows.FounderID, lang string, res flows.Result, label string) flows.Result {
	w.t.Helper()
	d, ok := buttonWith(res, label)
	if !ok {
		w.t.Fatalf("%s: no button %q in %s", f, label, replyTexts(res))
	}
	return w.data(f, lang, d)
}

func buttonWith(res flows.Result, label string) (string, bool) {
	for i := len(res.Replies) - 1; i >= 0; i-- {
		for _, row := range res.Replies[i].Buttons {
			for _, b := range row {
				if strings.Contains(b.Label, label) {
					return b.Data, true
				}
			}
		}
	}
	return "", false
}

func replyTexts(res flows.Result) string {
	var b strings.Builder
	for _, r := range res.Replies {
		b.WriteString(r.Text)
		for _, row := range r.Buttons {
			for _, btn := range row {
				b.WriteString(" [" + btn.Label + "]")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func mustSay(t *testing.T, res flows.Result, parts ...string) {
	t.Helper()
	all := replyTexts(res)
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("replies lack %q:\n%s", p, all)
		}
	}
}

// bookFirst books the first free time of mentor m on topic for f, with
// the conversation, and returns the confirmation.
func (w *ohWorld) bookFirst(f flows.FounderID, lang, topic, mentor string) flows.Result {
	w.t.Helper()
	res := w.cmd(f, lang, "book")
	res = w.press(f, lang, res, topic)
	res = w.press(f, lang, res, mentor)
	d, _ := firstButton(res, ".d:")
	res = w.data(f, lang, d)
	s, _ := firstButton(res, ".s:")
	w.data(f, lang, s)
	res = w.text(f, lang, "Our pricing and the first hires.")
	return w.press(f, lang, res, "✅")
}

// firstButton returns the first button whose data contains part.
func firstButton(res flows.Result, part string) (string, bool) {
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Data, part) {
					return b.Data, true
				}
			}
		}
	}
	return "", false
}

// slackish makes a Slack-like user ID from a name: "Karim" → "KAR".
func slackish(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' && b.Len() < 3 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestEditMentorKeepsPauseAndLink: staff's form carries neither the
// contact's introductions pause nor the Telegram chat a founder linked;
// an edit changes what it carries and keeps those, as they are when it
// is saved.
func TestEditMentorKeepsPauseAndLink(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	ctx := context.Background()
	form := w.mentor("Karim Alaoui", []string{"fintech"}, 2) // as the form shows it
	if _, err := w.env.Store.UpdateMentor(ctx, form.ID, func(m *flows.Mentor) error {
		m.IntroPaused, m.TelegramChat = true, "tg:77" // meanwhile: a pause, a link
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	form.Bio, form.WeeklyCap = "Fintech, payments", 3
	got, err := w.oh.EditMentor(ctx, form, nil)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := w.env.Store.Mentor(ctx, form.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []flows.Mentor{got, saved} {
		if m.Bio != "Fintech, payments" || m.WeeklyCap != 3 || !m.IntroPaused || m.TelegramChat != "tg:77" {
			t.Errorf("after the edit: bio %q, cap %d, paused %v, chat %q; want the form's bio and cap, still paused and linked",
				m.Bio, m.WeeklyCap, m.IntroPaused, m.TelegramChat)
		}
	}
}
