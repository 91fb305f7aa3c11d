package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
)

// introEnv is ohEnv with introductions on, as cmd/founderbot wires them:
// the service on the same store, founders' messages through an outbox
// that sends each key once to the fake Telegram, the contacts reached
// through Staff on the fake Slack, and the jobs on an injected clock.
type introEnv struct {
	*ohEnv
	svc   *intro.Intros
	sched *flows.Scheduler
	now   time.Time
	mu    sync.Mutex
	sent  map[string]bool
}

func (e *introEnv) Enqueue(ctx context.Context, key string, o flows.Outgoing, _ string) (bool, error) {
	e.mu.Lock()
	dup := e.sent[key]
	e.sent[key] = true
	e.mu.Unlock()
	if dup {
		return false, nil
	}
	chat, _ := telegram.ChatID(o.Founder)
	return true, e.tg.Send(ctx, chat, o.Reply)
}

func (e *introEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *introEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func newIntroEnv(t *testing.T) *introEnv {
	e := &introEnv{ohEnv: newOHEnv(t), now: time.Now().UTC(), sent: map[string]bool{}}
	log := slog.New(slog.DiscardHandler)
	e.svc = intro.New(e.store.Store, e, e.cat, intro.Config{Hub: "StartGate", OpenTo: intro.OpenToApplicants}, log)
	e.svc.Now = e.clock
	if err := e.eng.Register(e.svc.Conversation()); err != nil {
		t.Fatal(err)
	}
	e.staff.SetIntros(e.svc)
	e.svc.SetContacts(e.staff.IntroContacts())
	e.sched = flows.NewScheduler(e.store.Store, flows.SchedulerConfig{}, log)
	e.sched.Now = e.clock
	e.sched.HandleAll(e.svc.Jobs())
	_, err := e.oh.AddMentor(context.Background(), flows.Mentor{Name: "Karim Benali", Kind: flows.KindInvestor, Tags: []string{"fintech"},
		Bio: "Seed investor.", SlackUser: karim, Contact: "karim@seed.ma", Telegram: "karim_b"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// request has the founder ask for an introduction to Karim, through every
// step, and passes the request to Staff as cmd/founderbot does.
func (e *introEnv) request() intro.Intro {
	e.t.Helper()
	res := e.founder(flows.Event{Kind: flows.KindCommand, Command: "intro", Name: "Youssef"})
	for range 3 { // kind, topic, contact
		res = e.press(res, "")
	}
	res = e.founder(flows.Event{Kind: flows.KindText, Text: "We want to raise a seed round for our e-scooters.", Name: "Youssef"})
	res = e.press(res, e.cat.T("en", "intro_btn_send"))
	in := intro.RequestedIn(res)
	if in == nil {
		e.t.Fatalf("no request made; replies %+v", res.Replies)
	}
	for _, n := range res.Notifications {
		e.staff.Notify(context.Background(), n)
	}
	e.staff.Wait()
	return *in
}

// pressAs presses an introduction button as user on message m.
func (e *introEnv) pressAs(user, action, id string, m slacktest.Message) {
	e.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": slacktest.TeamID},
		"channel":    map[string]any{"id": m.Channel},
		"container":  map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel},
		"trigger_id": "trigger-" + user, "response_url": e.hooks.url(user),
		"actions": []any{map[string]any{"action_id": action, "block_id": "intro", "value": id, "type": "button"}},
	})
}

// founderTexts are the texts the founder received on Telegram, keyboards' labels included.
func (e *introEnv) founderTexts() string {
	var b strings.Builder
	for _, m := range e.env.tg.Messages(founderChat) {
		b.WriteString(m.Text + "\n")
		for _, row := range m.Keyboard {
			for _, k := range row {
				b.WriteString(k.Text + " " + k.CallbackData + "\n")
			}
		}
	}
	return b.String()
}

// contactTexts are the texts of every Slack message outside the staff
// channel (the contact's DM), blocks included, updates included.
func (e *introEnv) contactTexts() string {
	var b strings.Builder
	for _, m := range e.slack.Posted() {
		if m.Channel == staffChannel {
			continue
		}
		b.WriteString(texts(m.Blocks) + "\n")
	}
	return b.String()
}

func count(s, sub string) int { return strings.Count(s, sub) }

// TestIntroEndToEnd: a founder asks on Telegram, two staff members
// approve at once in Slack (one outcome), the contact is asked in a DM,
// presses Accept twice at once (one introduction), both sides get each
// other's details only then, and a week later both are asked whether
// they met. Nothing identifying the founder reaches the contact, and
// nothing of the contact's details reaches the founder, before Accept.
func TestIntroEndToEnd(t *testing.T) {
	e := newIntroEnv(t)
	e.apply(founderChat, "youssef_ea", answers("Acme"))
	in := e.request()

	var vet slacktest.Message
	for _, m := range e.slack.Messages(staffChannel) {
		if strings.Contains(string(m.Blocks), actionIntroApprove) {
			vet = m
		}
	}
	if vet.TS == "" {
		t.Fatal("no vetting message in the staff channel")
	}
	mustContain(t, "vetting message", texts(vet.Blocks), "Introduction request", in.ID, "Youssef", "@youssef_ea", "Acme", "Karim Benali", "seed round")

	// Two staff members approve at once: one outcome, one message to the founder.
	var wg sync.WaitGroup
	for _, u := range []string{alice, bob} {
		wg.Add(1)
		go func() { defer wg.Done(); e.pressAs(u, actionIntroApprove, in.ID, vet) }()
	}
	wg.Wait()
	e.staff.Wait()
	if got := count(e.founderTexts(), "The team approved your request"); got != 1 {
		t.Fatalf("founder told of the approval %d times; want 1", got)
	}
	stale := 0
	for _, u := range []string{alice, bob} {
		for _, p := range e.slack.Ephemeral(u) {
			if strings.Contains(p.Text, "already moved on") {
				stale++
			}
		}
	}
	if stale != 1 {
		t.Errorf("%d staff told the request moved on; want 1", stale)
	}
	// A decline now is refused: the request is no longer waiting on staff.
	e.pressAs(alice, actionIntroDecline, in.ID, vet)
	e.staff.Wait()
	if got := e.slack.Ephemeral(alice); len(got) == 0 || !strings.Contains(got[len(got)-1].Text, "already moved on") {
		t.Errorf("a late Decline was not refused: %+v", got)
	}

	// The job asks the contact in a DM.
	e.sched.Tick(context.Background())
	e.staff.Wait()
	dm, ok := e.slack.DM(karim)
	if !ok || len(e.slack.Messages(dm)) != 1 {
		t.Fatalf("contact's DM: %v, %d messages; want the request", ok, len(e.slack.Messages(dm)))
	}
	ask := e.slack.Messages(dm)[0]
	mustContain(t, "contact's request", texts(ask.Blocks), "Acme", "seed round", "Accept", "Not now", "Decline")

	// No leak before Accept: on the contact's side nothing that reaches the
	// founder; on the founder's side nothing of the contact's details.
	for _, secret := range []string{"youssef_ea", "Youssef", "youssef@acme.io", "+212612345678", "612345678", "tg:", "1001"} {
		if strings.Contains(e.contactTexts(), secret) {
			t.Errorf("before Accept the contact saw %q:\n%s", secret, e.contactTexts())
		}
	}
	for _, secret := range []string{"karim@seed.ma", karim, "karim_b"} {
		if strings.Contains(e.founderTexts(), secret) {
			t.Errorf("before Accept the founder saw %q:\n%s", secret, e.founderTexts())
		}
	}

	// A stranger's Accept is refused; the contact's two Accepts introduce once.
	e.pressAs(mallory, actionIntroAccept, in.ID, ask)
	e.staff.Wait()
	if got, _ := e.svc.Intro(context.Background(), in.ID); got.State != intro.StateApproved {
		t.Fatalf("a stranger's Accept moved the request to %s", got.State)
	}
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); e.pressAs(karim, actionIntroAccept, in.ID, ask) }()
	}
	wg.Wait()
	e.staff.Wait()
	if got := count(e.founderTexts(), "accepted to meet you"); got != 1 {
		t.Fatalf("founder introduced %d times; want 1", got)
	}
	if got := count(e.contactTexts(), "Thank you for accepting"); got != 1 {
		t.Fatalf("contact introduced %d times; want 1", got)
	}
	mustContain(t, "founder's introduction", e.founderTexts(), "karim@seed.ma", "Karim Benali")
	mustContain(t, "contact's introduction", e.contactTexts(), "@youssef_ea", "Youssef")
	thread := 0
	for _, m := range e.slack.Messages(staffChannel) {
		if m.ThreadTS == vet.TS {
			thread++
		}
	}
	if thread < 2 {
		t.Errorf("the request's thread has %d steps; want approved and accepted", thread)
	}

	// A week later both are asked whether they met; the contact says yes and rates.
	e.advance(7*24*time.Hour + time.Minute)
	e.sched.Tick(context.Background())
	e.staff.Wait()
	mustContain(t, "founder's follow-up", e.founderTexts(), "Did you meet?")
	msgs := e.slack.Messages(dm)
	follow := msgs[len(msgs)-1]
	mustContain(t, "contact's follow-up", texts(follow.Blocks), "Did you meet?")
	e.pressAs(karim, actionIntroMet+"yes", in.ID, follow)
	e.staff.Wait()
	e.pressAs(karim, actionIntroRate+"5", in.ID, follow)
	e.staff.Wait()
	got, _ := e.svc.Intro(context.Background(), in.ID)
	if got.ContactFollowup.Met != intro.MetYes || got.ContactFollowup.Rating != 5 {
		t.Fatalf("contact's follow-up recorded as %+v", got.ContactFollowup)
	}
	_, body := e.command(alice, "stats")
	mustContain(t, "stats", body, "Introductions", "Karim Benali", "1 requested", "1 approved", "1 accepted", "1 met", "rating 5.0")
}

// TestIntroContactControls: a contact pauses and resumes requests and
// sets a cap from their own Slack account; a stranger cannot name a
// contact; staff can.
func TestIntroContactControls(t *testing.T) {
	e := newIntroEnv(t)
	_, body := e.command(karim, "intro pause")
	mustContain(t, "pause", body, "paused")
	if m, _ := e.oh.FindMentor(context.Background(), "karim"); !m.IntroPaused {
		t.Fatal("the contact's pause was not saved")
	}
	_, body = e.command(karim, "intro cap 3")
	mustContain(t, "cap", body, "at most 3 a month")
	_, body = e.command(mallory, "intro resume Karim")
	mustContain(t, "stranger", body, "only the hub's staff")
	_, body = e.command(mallory, "intro resume")
	mustContain(t, "stranger for themselves", body, "not linked to a contact")
	_, body = e.command(alice, "intro resume kar")
	mustContain(t, "staff resume", body, "takes introduction requests")
	if m, _ := e.oh.FindMentor(context.Background(), "karim-benali"); m.IntroPaused || m.MonthlyCap != 3 {
		t.Fatalf("contact saved as %+v", m)
	}
}

// TestIntroStaffDecline: Decline opens a modal whose view carries the
// request's version; a view older than the request is refused in the
// modal, the current one declines, the founder reads the note, the
// vetting message loses its buttons, and the digest lists what waits.
func TestIntroStaffDecline(t *testing.T) {
	e := newIntroEnv(t)
	e.apply(founderChat, "youssef_ea", answers("Acme"))
	in := e.request()

	ctx := context.Background()
	d := application.Digest{Until: e.clock()}
	if err := e.staff.PostDigest(ctx, d); err != nil {
		t.Fatal(err)
	}
	msgs := e.slack.Messages(staffChannel)
	mustContain(t, "digest", texts(msgs[len(msgs)-1].Blocks), "Introductions waiting on staff", in.ID, "Acme", "Karim Benali")

	in, _ = e.svc.Intro(ctx, in.ID)
	vet := e.message(in.StaffTS)
	e.pressAs(alice, actionIntroDecline, in.ID, vet)
	v := e.slack.WaitViews(t, 1, wait)[0]
	var view struct {
		CallbackID string `json:"callback_id"`
		Metadata   string `json:"private_metadata"`
	}
	if err := json.Unmarshal(v.View, &view); err != nil || view.CallbackID != callbackIntroStaff {
		t.Fatalf("decline modal %s: %v", v.View, err)
	}
	submit := func(metadata string) string {
		_, body := e.interact(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": alice}, "team": map[string]any{"id": slacktest.TeamID},
			"view": map[string]any{"id": v.ID, "type": "modal", "callback_id": callbackIntroStaff, "private_metadata": metadata,
				"state": map[string]any{"values": map[string]any{noteBlock: map[string]any{noteAction: map[string]any{"type": "plain_text_input", "value": "Nadia <@U0ALICE> fits better."}}}}},
		})
		return body
	}
	stale := in.ID + ":" + strconv.FormatInt(in.Version-1, 10)
	if body := submit(stale); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "already moved on") {
		t.Fatalf("an old view answered %s; want it refused in the modal", body)
	}
	if body := submit(view.Metadata); body != "" {
		t.Fatalf("decline answered %q; want the modal closed", body)
	}
	e.staff.Wait()
	got, _ := e.svc.Intro(ctx, in.ID)
	if got.State != intro.StateStaffDeclined {
		t.Fatalf("request is %s; want declined", got.State)
	}
	mustContain(t, "founder's decline", e.founderTexts(), "did not pass on your request", "Nadia &lt;@U0ALICE&gt; fits better.")
	if ids := actionIDs(e.message(in.StaffTS).Blocks); len(ids) != 0 {
		t.Errorf("the vetting message still has buttons %v", ids)
	}
	mustContain(t, "vetting message", texts(e.message(in.StaffTS).Blocks), "Declined by <@"+alice+">")
}
