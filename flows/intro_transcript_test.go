package flows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/store/storetest"
)

// TestIntroTranscripts drives introductions with testdata/intro/*.txt
// (the syntax of TestTranscripts, same -update flag) on a network of:
//
//	Karim Benali     mentor: fundraising, fintech; Slack UKARIM; karim@seed.ma; has office hours
//	Sara Idrissi     mentor: fintech; Slack USARA; no contact address (introduced on Slack)
//	Nadia El Amrani  investor: fintech; Slack UNADIA; https://nadia.vc; monthly cap 1
//	Omar Tazi        corporate: pilot, energy; Slack UOMAR; omar@ocp.ma
//	Leila Bennani    corporate: pilot; Slack ULEILA; paused
//	Youssef Alaoui   investor: fintech; no Slack user, Telegram @youssef_inv: offered
//	                 once he opened the bot (then asked on Telegram)
//
// tg:1 (Salma, @salma) has an accepted application for Argana Pay; tg:2
// applied and is not accepted yet; tg:3 never applied. The clock starts
// on Thursday 3 December 2026, 10:00 UTC. Beyond the founder's actions:
//
//	> !staff approve | !staff decline <reason>    on the newest request
//	> !contact accept | notnow | decline [share] <reason>
//	> !contact met yes|not_yet|no | !contact rate N
//	> !pause karim-benali | !resume karim-benali
//	> !tick          run the due jobs
//	> !slack-down    the contacts' side fails once
//	> !open anyone   INTRO_OPEN_TO from now on
//	> !handle name   the Telegram username of the founder acting from now on
//	> {data}         press a button with raw data, as a forged request would
//
// After every action, what went to founders through the outbox shows as
// "  (to tg:1) …", and what the contacts' side was asked to do as
// "  (contact …) …" and "  (thread I-0001) …".
func TestIntroTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/intro/*.txt")
	if len(files) == 0 {
		t.Fatal("no introduction transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			w := newIntroWorld(t)
			runScript(t, file, "TestIntroTranscripts", w.step)
			w.checkCooldowns()
		})
	}
}

// checkCooldowns: every declined request ends its cool-down Cooldown after
// the decline (the store's mark of the pair lasts that long); no other does.
func (w *introWorld) checkCooldowns() {
	all, err := w.env.Store.Intros(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	for _, in := range all {
		want := time.Time{}
		if in.State.Declined() {
			want = in.Updated.Add(w.svc.Config().Cooldown)
		}
		if !in.CooldownEnds.Equal(want) {
			w.t.Errorf("%s (%s) ends its cool-down at %v; want %v", in.ID, in.State, in.CooldownEnds, want)
		}
	}
}

// introWorld is a hub with introductions, its clock, outbox and contacts.
type introWorld struct {
	t       *testing.T
	env     *storetest.Env
	now     time.Time
	cfg     intro.Config
	eng     *flows.Engine
	svc     *intro.Intros
	sched   *flows.Scheduler
	out     *recordingOutbox
	side    *recordingContacts
	founder flows.FounderID
	handle  string
	hint    string
	updates int
	ids     int
	buttons map[flows.FounderID]map[string]string
}

func newIntroWorld(t *testing.T) *introWorld {
	w := &introWorld{t: t, env: storetest.New(t), now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		founder: "tg:1", handle: "salma", buttons: map[flows.FounderID]map[string]string{},
		out: &recordingOutbox{seen: map[string]bool{}}, side: &recordingContacts{}}
	ctx := context.Background()
	st := w.env.Store
	for _, m := range []flows.Mentor{
		{ID: "karim-benali", Name: "Karim Benali", Tags: []string{"fundraising", "fintech"}, Languages: []string{"fr", "en"},
			Bio: "Ex-investisseur seed.", SlackUser: "UKARIM", Contact: "karim@seed.ma"},
		{ID: "sara-idrissi", Name: "Sara Idrissi", Tags: []string{"fintech"}, Languages: []string{"ar"}, SlackUser: "USARA"},
		{ID: "nadia-el-amrani", Name: "Nadia El Amrani", Kind: flows.KindInvestor, Tags: []string{"fintech"}, Languages: []string{"fr", "ar"},
			Bio: "Partner, Atlas Ventures.", SlackUser: "UNADIA", Contact: "https://nadia.vc", MonthlyCap: 1},
		{ID: "omar-tazi", Name: "Omar Tazi", Kind: flows.KindCorporate, Tags: []string{"energy", "pilot"}, Languages: []string{"fr"},
			Bio: "Innovation lead, a utility.", SlackUser: "UOMAR", Contact: "omar@utility.ma"},
		{ID: "leila-bennani", Name: "Leila Bennani", Kind: flows.KindCorporate, Tags: []string{"pilot"}, SlackUser: "ULEILA", IntroPaused: true},
		{ID: "youssef-alaoui", Name: "Youssef Alaoui", Kind: flows.KindInvestor, Tags: []string{"fintech"}, Languages: []string{"fr"},
			Telegram: "youssef_inv", Contact: "youssef@invest.ma"},
	} {
		if err := st.PutMentor(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddSlots(ctx, "karim-benali", []flows.Slot{{Start: w.now.Add(48 * time.Hour), End: w.now.Add(48*time.Hour + 30*time.Minute), Week: "2026-W49"}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []flows.Application{
		{ID: "A-0001", Founder: "tg:1", Status: flows.StatusAccepted, Answers: map[string]string{"startup": "Argana Pay", "sector": "fintech",
			"stage": "mvp", "pitch": "Payments for souk merchants.", "email": "salma@argana.ma", "phone": "+212612345678"}},
		{ID: "A-0002", Founder: "tg:2", Status: flows.StatusSubmitted, Answers: map[string]string{"startup": "Dune Solar", "sector": "energy"}},
	} {
		a.Submitted = w.now.Add(-30 * 24 * time.Hour)
		if err := st.SaveSession(ctx, a.Founder, "", 0, flows.Session{}, &a, nil); err != nil {
			t.Fatal(err)
		}
	}
	w.build()
	return w
}

// build makes the engine and service, as a process start does.
func (w *introWorld) build() {
	cat, err := flows.NewCatalog("fr", application.Messages(), intro.Messages())
	if err != nil {
		w.t.Fatal(err)
	}
	st := w.env.Store
	w.eng = flows.NewEngine(st, cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	w.eng.Now = func() time.Time { return w.now }
	w.cfg.BookData = "oh:book"
	w.svc = intro.New(st, w.out, cat, w.cfg, nil)
	w.svc.Now = func() time.Time { return w.now }
	w.svc.NewID = func() string { w.ids++; return fmt.Sprintf("I-%04d", w.ids) }
	w.svc.SetContacts(w.side)
	form := application.NewForm(st, application.FormConfig{Hub: "StartGate"})
	form.StatusSections = append(form.StatusSections, w.svc.StatusSection)
	for _, c := range []flows.Conversation{form.Conversation(), w.svc.Conversation()} {
		if err := w.eng.Register(c); err != nil {
			w.t.Fatal(err)
		}
	}
	w.sched = flows.NewScheduler(st, flows.SchedulerConfig{}, slog.New(slog.DiscardHandler))
	w.sched.Now = func() time.Time { return w.now }
	w.sched.HandleAll(w.eng.Jobs())
}

// newest is the newest request of the current founder.
func (w *introWorld) newest() intro.Intro {
	l, err := w.env.Store.FounderIntros(context.Background(), w.founder)
	if err != nil || len(l) == 0 {
		w.t.Fatalf("no request of %s: %v", w.founder, err)
	}
	return l[0]
}

func (w *introWorld) step(in string) string {
	ctx := context.Background()
	var b strings.Builder
	fail := func(err error) {
		if err != nil {
			fmt.Fprintf(&b, "  (error: %v)\n", err)
		}
	}
	cmd, arg, _ := strings.Cut(in, " ")
	switch cmd {
	case "!wait":
		d, err := time.ParseDuration(strings.Replace(arg, "d", "h", 1))
		if err != nil {
			w.t.Fatalf("bad wait %q", in)
		}
		if strings.HasSuffix(arg, "d") {
			d *= 24
		}
		w.now = w.now.Add(d)
	case "!lang":
		w.hint = arg
	case "!as":
		w.founder = flows.FounderID(arg)
	case "!handle":
		w.handle = arg
	case "!open":
		w.cfg.OpenTo = intro.Audience(arg)
		w.build()
	case "!tick":
		w.sched.Tick(ctx)
	case "!slack-down":
		w.side.mu.Lock()
		w.side.fail = 1
		w.side.mu.Unlock()
	case "!pause", "!resume":
		p := cmd == "!pause"
		_, err := w.svc.SetIntroSettings(ctx, flows.MentorID(arg), &p, nil)
		fail(err)
	case "!staff":
		act, note, _ := strings.Cut(arg, " ")
		id := w.newest().ID
		var err error
		if act == "approve" {
			_, err = w.svc.Approve(ctx, id, flows.Actor{ID: "slack:USTAFF", Name: "@staff"})
		} else {
			_, err = w.svc.Decline(ctx, id, 0, flows.Actor{ID: "slack:USTAFF", Name: "@staff"}, note)
		}
		fail(err)
	case "!contact":
		in := w.newest()
		m, err := w.env.Store.Mentor(ctx, in.Contact)
		if err != nil {
			w.t.Fatal(err)
		}
		act, rest, _ := strings.Cut(arg, " ")
		switch act {
		case "met":
			_, err = w.svc.ContactFollowup(ctx, in.ID, m.SlackUser, intro.Met(rest), 0)
		case "rate":
			n, _ := strconv.Atoi(rest)
			_, err = w.svc.ContactFollowup(ctx, in.ID, m.SlackUser, "", n)
		default:
			share := strings.HasPrefix(rest, "share ")
			rest = strings.TrimPrefix(rest, "share ")
			_, err = w.svc.Respond(ctx, in.ID, m.SlackUser, intro.Answer(act), rest, share)
		}
		fail(err)
	default:
		b.WriteString(w.founderStep(in))
	}
	for _, o := range w.out.take() {
		fmt.Fprintf(&b, "  (to %s) %s\n", o.Founder, strings.ReplaceAll(o.Reply.Text, "\n", "\n  "))
		rememberButtons(w.buttons, o.Founder, []flows.Reply{o.Reply})
		for _, row := range o.Reply.Buttons {
			var labels []string
			for _, btn := range row {
				labels = append(labels, "["+btn.Label+"]")
			}
			fmt.Fprintf(&b, "    %s\n", strings.Join(labels, " "))
		}
	}
	for _, line := range w.side.take() {
		b.WriteString("  " + line + "\n")
	}
	return b.String()
}

func (w *introWorld) founderStep(in string) string {
	w.updates++
	ev := flows.Event{Founder: w.founder, LangHint: w.hint, Name: "Salma", Handle: w.handle, UpdateID: fmt.Sprint(w.updates)}
	switch {
	case strings.HasPrefix(in, "[") && strings.HasSuffix(in, "]"):
		d, ok := w.buttons[w.founder][in[1:len(in)-1]]
		if !ok {
			w.t.Fatalf("no button %q to press", in)
		}
		ev.Kind, ev.Data = flows.KindButton, d
	case strings.HasPrefix(in, "{") && strings.HasSuffix(in, "}"):
		ev.Kind, ev.Data = flows.KindButton, in[1:len(in)-1]
	case strings.HasPrefix(in, "/"):
		ev.Kind, ev.Command, ev.Arg = command(in)
	default:
		ev.Kind, ev.Text = flows.KindText, in
	}
	res, err := w.eng.Handle(context.Background(), ev)
	if err != nil {
		w.t.Fatalf("Handle(%+v): %v", ev, err)
	}
	rememberButtons(w.buttons, ev.Founder, res.Replies)
	var b strings.Builder
	if res.Notice != "" {
		b.WriteString("  ! " + res.Notice + "\n")
	}
	writeReplies(&b, res.Replies)
	if r := intro.RequestedIn(res); r != nil {
		fmt.Fprintf(&b, "  (requested %s: %s to %s)\n", r.ID, r.Founder, r.Contact)
	}
	return b.String()
}

// recordingOutbox keeps what went to founders, each key once.
type recordingOutbox struct {
	mu   sync.Mutex
	seen map[string]bool
	new  []flows.Outgoing
	all  []flows.Outgoing // every message, never drained
}

func (o *recordingOutbox) Enqueue(_ context.Context, key string, m flows.Outgoing, _ string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[key] {
		return false, nil
	}
	o.seen[key] = true
	o.new = append(o.new, m)
	o.all = append(o.all, m)
	return true, nil
}

func (o *recordingOutbox) take() []flows.Outgoing {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.new
	o.new = nil
	return l
}

// recordingContacts stands for the Slack side: what contacts and the
// staff's thread were told.
type recordingContacts struct {
	mu    sync.Mutex
	lines []string
	fail  int // Introduce calls to fail, as when Slack is down
}

func (c *recordingContacts) add(format string, a ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, fmt.Sprintf(format, a...))
}

func (c *recordingContacts) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	c.lines = nil
	return l
}

func (c *recordingContacts) Ask(_ context.Context, in intro.Intro, m flows.Mentor, reminder bool) error {
	what := "asked"
	if reminder {
		what = "reminded"
	}
	c.add("(contact %s) %s about %s: %s, %q", m.Name, what, in.ID, in.Startup, in.Reason)
	return nil
}

func (c *recordingContacts) Introduce(_ context.Context, in intro.Intro, m flows.Mentor) error {
	c.mu.Lock()
	down := c.fail > 0
	c.fail--
	c.mu.Unlock()
	if down {
		c.add("(contact %s) not reached: Slack is down", m.Name)
		return errors.New("slack is down")
	}
	c.add("(contact %s) introduced to %s (@%s) of %s", m.Name, in.FounderName, in.FounderHandle, in.Startup)
	return nil
}

func (c *recordingContacts) FollowUp(_ context.Context, in intro.Intro, m flows.Mentor) error {
	c.add("(contact %s) asked whether they met about %s", m.Name, in.ID)
	return nil
}

func (c *recordingContacts) Record(_ context.Context, in intro.Intro, step string) {
	c.add("(thread %s) %s", in.ID, step)
}

// TestIntroJobsOnce: two replicas ticking at the same time ask, remind
// and expire a request once each; a request answered meanwhile gets none
// of its timers.
func TestIntroJobsOnce(t *testing.T) {
	w := newIntroWorld(t)
	w.cfg.OpenTo = intro.OpenToAnyone
	w.build()
	for _, in := range []string{"!lang en", "/intro", "[A mentor or expert]", "[Fundraising]", "[Karim Benali]",
		"Advice on our seed round and its terms, please.", "[✅ Send the request]", "!staff approve"} {
		w.step(in)
	}
	other := newIntroReplica(w)
	tickBoth := func() []string {
		var wg sync.WaitGroup
		for _, s := range []*flows.Scheduler{w.sched, other} {
			wg.Add(1)
			go func() { defer wg.Done(); s.Tick(context.Background()) }()
		}
		wg.Wait()
		return w.side.take()
	}
	countOf := func(lines []string, sub string) int {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, sub) {
				n++
			}
		}
		return n
	}
	if got := countOf(tickBoth(), "asked about"); got != 1 {
		t.Fatalf("contact asked %d times; want 1", got)
	}
	w.now = w.now.Add(72*time.Hour + time.Minute)
	if got := countOf(tickBoth(), "reminded about"); got != 1 {
		t.Fatalf("contact reminded %d times; want 1", got)
	}
	w.now = w.now.Add(72 * time.Hour)
	if got := countOf(tickBoth(), ") expired"); got != 1 {
		t.Fatalf("request expired %d times; want 1", got)
	}
	w.out.take()

	// A second request, answered before its reminder: no reminder, no expiry.
	for _, in := range []string{"!lang en", "/intro", "[A mentor or expert]", "[Fundraising]", "[Karim Benali]",
		"Advice on our seed round and its terms, please.", "[✅ Send the request]", "!staff approve"} {
		w.step(in)
	}
	tickBoth()
	w.step("!contact not_now")
	w.now = w.now.Add(7 * 24 * time.Hour)
	if lines := tickBoth(); len(lines) != 0 || len(w.out.take()) != 0 {
		t.Fatalf("an answered request still got %v", lines)
	}
}

// newIntroReplica is a second process's scheduler on the same store.
func newIntroReplica(w *introWorld) *flows.Scheduler {
	cat, err := flows.NewCatalog("fr", application.Messages(), intro.Messages())
	if err != nil {
		w.t.Fatal(err)
	}
	svc := intro.New(w.env.Store, w.out, cat, w.cfg, nil)
	svc.Now = func() time.Time { return w.now }
	svc.SetContacts(w.side)
	s := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{}, slog.New(slog.DiscardHandler))
	s.Now = func() time.Time { return w.now }
	s.HandleAll(svc.Jobs())
	return s
}

// TestIntroNoLeakOnTelegram: with a contact on Telegram, every message
// either side received before Accept is free of the other's details;
// after Accept each has them.
func TestIntroNoLeakOnTelegram(t *testing.T) {
	w := newIntroWorld(t)
	var toFounder, toContact strings.Builder
	play := func(steps ...string) {
		for _, in := range steps {
			w.out.mu.Lock()
			before := len(w.out.all)
			w.out.mu.Unlock()
			acting := w.founder
			replies := w.founderReplies(in)
			to := map[flows.FounderID]*strings.Builder{"tg:1": &toFounder, "tg:9": &toContact}
			if b := to[acting]; b != nil {
				b.WriteString(replies)
			}
			w.out.mu.Lock()
			for _, o := range w.out.all[before:] {
				if b := to[o.Founder]; b != nil {
					b.WriteString(o.Reply.Text + "\n")
				}
			}
			w.out.mu.Unlock()
		}
	}
	play("!as tg:9", "!handle youssef_inv", "/intro", "!as tg:1", "!handle salma", "!lang en", "/intro", "[An investor]", "[FinTech]",
		"[Youssef Alaoui]", "We are preparing our seed round and need a fintech investor.", "[✅ Send the request]", "!staff approve", "!tick")
	for _, secret := range []string{"Salma", "salma", "+212612345678", "tg:1"} {
		if strings.Contains(toContact.String(), secret) {
			t.Errorf("before Accept the contact saw %q:\n%s", secret, toContact.String())
		}
	}
	for _, secret := range []string{"youssef@invest.ma", "youssef_inv", "tg:9"} {
		if strings.Contains(toFounder.String(), secret) {
			t.Errorf("before Accept the founder saw %q:\n%s", secret, toFounder.String())
		}
	}
	toFounder.Reset()
	toContact.Reset()
	play("!as tg:9", "[✅ Accepter]")
	if !strings.Contains(toFounder.String(), "youssef@invest.ma") || !strings.Contains(toContact.String(), "@salma") {
		t.Errorf("after Accept: founder got %q; contact got %q", toFounder.String(), toContact.String())
	}
}

// founderReplies runs a step and returns only the acting founder's own
// replies (not the outbox lines, which the caller reads itself).
func (w *introWorld) founderReplies(in string) string {
	var own []string
	for _, line := range strings.Split(w.step(in), "\n") {
		if !strings.HasPrefix(line, "  (") && !strings.HasPrefix(line, "    [") {
			own = append(own, line)
		}
	}
	return strings.Join(own, "\n")
}
