package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

// withBroadcast enables broadcasts on e's store, following them every few
// milliseconds rather than seconds.
func (e *env) withBroadcast() {
	e.staff.SetBroadcast(e.store.Store)
	e.staff.bc.every = 5 * time.Millisecond
}

// preview runs `broadcast` as user and returns the preview's texts and
// the draft's ID, the value of its Send button.
func (e *env) preview(user, text string) (string, string) {
	e.t.Helper()
	code, body := e.command(user, text)
	if code != http.StatusOK {
		e.t.Fatalf("%q answered %d %s", text, code, body)
	}
	var r struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		e.t.Fatalf("%q answered %s: %v", text, body, err)
	}
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(r.Blocks, &blocks)
	var confirm, cancel string
	for _, b := range blocks {
		for _, el := range b.Elements {
			switch el.ActionID {
			case actionBroadcastConfirm:
				confirm = el.Value
			case actionBroadcastCancel:
				cancel = el.Value
			}
		}
	}
	if confirm == "" || confirm != cancel {
		e.t.Fatalf("%q: preview's buttons carry %q and %q; want one draft ID:\n%s", text, confirm, cancel, texts(r.Blocks))
	}
	return texts(r.Blocks), confirm
}

// press presses a broadcast preview's button; the preview is ephemeral,
// in the staff channel.
func (e *env) press(user, action, id string) {
	e.t.Helper()
	code, body := e.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user},
		"team":       map[string]any{"id": slacktest.TeamID},
		"channel":    map[string]any{"id": staffChannel},
		"container":  map[string]any{"type": "message", "is_ephemeral": true, "channel_id": staffChannel},
		"trigger_id": "trigger-" + user, "response_url": e.hooks.url(user),
		"actions": []any{map[string]any{"action_id": action, "block_id": broadcastBlockID, "value": id, "type": "button"}},
	})
	if code != http.StatusOK || body != "" {
		e.t.Fatalf("block_actions answered %d %q; want 200 and an empty body", code, body)
	}
}

// runOutbox sends the outbox's messages to the fake Telegram until the test ends.
func (e *env) runOutbox() {
	e.t.Helper()
	tg, err := telegram.New(telegram.Config{Token: tgToken, APIURL: e.tg.URL(), Rate: -1}, nil, e.store.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.RunOutbox(ctx, e.store.Store, telegram.OutboxConfig{Consumer: "r1"}) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("RunOutbox: %v", err)
			}
		case <-time.After(wait):
			e.t.Errorf("RunOutbox did not stop within %v", wait)
		}
	})
}

func TestBroadcastEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.withBroadcast()
	ctx := context.Background()
	chats := []int64{2001, 2002, 2003, 2004}
	for i, chat := range chats {
		e.apply(chat, "founder"+strconv.Itoa(i), answers("Startup "+strconv.Itoa(i)))
	}
	e.tg.Block(2004)
	accepted := e.apply(2005, "other", answers("Accepted Co"))
	if _, _, err := e.review.Decide(ctx, accepted.ID, flows.StatusAccepted, flows.Actor{ID: "test"}, ""); err != nil {
		t.Fatal(err)
	}

	if got := e.answer(mallory, "broadcast status=submitted Hi"); !strings.Contains(got, "only the hub's staff") {
		t.Errorf("a non-staff broadcast answered %q; want a refusal", got)
	}
	text, id := e.preview(alice, "broadcast status=submitted Hello <all> & welcome")
	for _, want := range []string{"4 founders will receive this message (status: Submitted · sector: any)",
		"> Hello &lt;all&gt; &amp; welcome"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	_, second := e.preview(bob, "broadcast Second message")
	if n := len(e.slack.Posted()); n != 0 {
		t.Fatalf("the preview posted %d messages; want none before Send", n)
	}

	// Not staff: Send is refused, and the draft stays.
	e.press(mallory, actionBroadcastConfirm, id)
	if got := e.hooks.wait(t, mallory, 1); !strings.Contains(got[0].Text, "only the hub's staff") {
		t.Errorf("mallory's Send answered %q; want a refusal", got[0].Text)
	}

	e.press(alice, actionBroadcastConfirm, id)
	progress := e.slack.WaitPosted(t, 1, wait)[0]
	if got := e.hooks.wait(t, alice, 1)[0]; !got.ReplaceOriginal || !strings.Contains(got.Text, "on its way to 4 founders") {
		t.Errorf("the preview became %+v; want it replaced by the start notice", got)
	}
	if text := texts(progress.Blocks); !strings.Contains(text, "Broadcast* `"+id+"` by <@"+alice+"> to 4 founders") {
		t.Errorf("progress message:\n%s", text)
	}

	// A second broadcast while the first is being sent is refused, both
	// a new preview and the confirmation of an older one.
	if got := e.answer(bob, "broadcast Third"); !strings.Contains(got, "Broadcast `"+id+"` is being sent") {
		t.Errorf("a broadcast during another answered %q; want a refusal", got)
	}
	e.press(bob, actionBroadcastConfirm, second)
	if got := e.slack.WaitEphemeral(t, bob, 1, wait)[0]; !strings.Contains(got.Text, "Broadcast `"+id+"` is being sent") {
		t.Errorf("confirming a broadcast during another answered %q; want a refusal", got.Text)
	}

	e.runOutbox()
	msgs := e.slack.WaitPosted(t, 2, wait)
	result := msgs[1]
	if result.ThreadTS != progress.TS || !strings.Contains(result.Text, "3 sent, 0 failed, 1 unreachable, of 4") {
		t.Errorf("end result %q in thread %q; want 3 sent and 1 unreachable, in thread %s", result.Text, result.ThreadTS, progress.TS)
	}
	final := texts(e.message(progress.TS).Blocks)
	for _, want := range []string{"Sent: *3* · failed: *0* · unreachable: *1* · of 4", "Finished on"} {
		if !strings.Contains(final, want) {
			t.Errorf("final progress message lacks %q:\n%s", want, final)
		}
	}
	for _, chat := range chats[:3] {
		got := e.tg.Messages(chat)
		if len(got) != 1 {
			t.Fatalf("chat %d got %d messages; want the broadcast", chat, len(got))
		}
		if want := "📣 Message from the StartGate team\n\nHello <all> & welcome"; got[0].Plain != want {
			t.Errorf("chat %d got %q; want %q", chat, got[0].Plain, want)
		}
		if !strings.Contains(got[0].Text, "Hello &lt;all&gt; &amp; welcome") {
			t.Errorf("chat %d got the text %q; want the staff's text escaped", chat, got[0].Text)
		}
	}
	for _, chat := range []int64{2004, 2005} {
		if got := e.tg.Messages(chat); len(got) != 0 {
			t.Errorf("chat %d got %d messages; want none (blocked, or not submitted)", chat, len(got))
		}
	}

	// The lock is released: the refused draft can now be sent.
	e.press(bob, actionBroadcastConfirm, second)
	e.slack.WaitPosted(t, 4, wait) // its progress message and end result
	if got := e.tg.WaitMessages(t, 2005, 1, wait); !strings.Contains(got[0].Plain, "Second message") {
		t.Errorf("chat 2005 got %q; want the second broadcast", got[0].Plain)
	}
}

func TestBroadcastCancel(t *testing.T) {
	e := newEnv(t)
	e.withBroadcast()
	e.apply(2001, "founder", answers("Acme"))
	_, id := e.preview(alice, "broadcast sector=mobility Hi")
	e.press(alice, actionBroadcastCancel, id)
	if got := e.hooks.wait(t, alice, 1)[0]; !got.ReplaceOriginal || !strings.Contains(got.Text, "cancelled") {
		t.Errorf("Cancel answered %+v; want the preview replaced", got)
	}
	e.press(alice, actionBroadcastConfirm, id)
	if got := e.hooks.wait(t, alice, 2)[1]; !strings.Contains(got.Text, "expired or was already used") {
		t.Errorf("Send after Cancel answered %q", got.Text)
	}
	e.staff.Wait()
	if n := len(e.slack.Posted()); n != 0 {
		t.Errorf("a cancelled broadcast posted %d messages", n)
	}
	if running, err := e.store.Store.RunningBroadcast(context.Background()); running != "" || err != nil {
		t.Errorf("after a cancelled broadcast the lock is held by %q (%v)", running, err)
	}
}

func TestBroadcastRefusals(t *testing.T) {
	e := newEnv(t)
	if got := e.answer(alice, "broadcast Hi"); !strings.Contains(got, "not set up") {
		t.Errorf("broadcast without SetBroadcast answered %q", got)
	}
	e.withBroadcast()
	e.apply(2001, "founder", answers("Acme")) // sector mobility
	if got := e.answer(alice, "broadcast sector=fintech Hi"); !strings.Contains(got, "No founder matches") {
		t.Errorf("broadcast to nobody answered %q", got)
	}
	if got := e.answer(alice, "broadcast sector=space Hi"); !strings.Contains(got, "`sector=space` is not a sector") {
		t.Errorf("a bad sector answered %q", got)
	}
	if got := e.answer(alice, "broadcast "+strings.Repeat("x", MaxBroadcast+1)); !strings.Contains(got, strconv.Itoa(MaxBroadcast)+" characters at most") {
		t.Errorf("a long message answered %q", got)
	}
	if got := e.answer(alice, "broadcast status=accepted"); !strings.Contains(got, "needs a message") {
		t.Errorf("a broadcast without a message answered %q", got)
	}
}

// TestBroadcastTexts: the founders' header renders in every language, and
// the staff texts with every value they use.
func TestBroadcastTexts(t *testing.T) {
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range flows.Languages {
		if got := cat.T(lang, "broadcast_header", "Hub", "Hub &amp; Co"); got == "broadcast_header" ||
			!strings.Contains(got, "<b>") || !strings.Contains(got, "Hub &amp; Co") {
			t.Errorf("%s broadcast_header = %q", lang, got)
		}
		for id := range staffCatalog(t, lang) {
			if !strings.HasPrefix(id, "staff_bc_") {
				continue
			}
			got := cat.T(lang, id, "ID", "0123456789", "Name", "<@U1>", "Total", 4, "Label", "l", "Status", "s",
				"Sector", "x", "Sent", 1, "Failed", 2, "Unreachable", 3, "Date", "d", "N", 5)
			if got == id || strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
				t.Errorf("%s %s renders as %q", lang, id, got)
			}
		}
	}
}

// pagedReview lists apps newest first, a page at a time, like application.Review.
type pagedReview struct {
	Review
	apps []flows.Application
}

func (r pagedReview) ListIn(_ context.Context, program string, status flows.Status, skip, limit int) ([]flows.Application, int, error) {
	var match []flows.Application
	for _, a := range r.apps {
		if (status == "" || a.Status == status) && (program == "" || a.ProgramOf() == program) {
			match = append(match, a)
		}
	}
	if skip >= len(match) {
		return nil, len(match), nil
	}
	return match[skip:min(skip+limit, len(match))], len(match), nil
}

// TestAudienceEachFounderOnce: across pages, a founder with several
// applications is counted once, in the language of the newest.
func TestAudienceEachFounderOnce(t *testing.T) {
	var apps []flows.Application
	for i := range audiencePage + 10 {
		f := flows.FounderID("tg:" + strconv.Itoa(i%(audiencePage+5)))
		sector := "mobility"
		if i%7 == 0 {
			sector = "fintech"
		}
		apps = append(apps, flows.Application{Founder: f, Lang: "lang" + strconv.Itoa(i), Status: flows.StatusSubmitted,
			Answers: map[string]string{"sector": sector}})
	}
	s := &Staff{review: pagedReview{apps: apps}}
	to, err := s.audience(context.Background(), flows.BroadcastDraft{Status: "submitted"})
	if err != nil {
		t.Fatal(err)
	}
	if len(to) != audiencePage+5 {
		t.Fatalf("audience of %d founders; want %d", len(to), audiencePage+5)
	}
	seen := map[flows.FounderID]bool{}
	for _, r := range to {
		if seen[r.founder] {
			t.Fatalf("%s is in the audience twice", r.founder)
		}
		seen[r.founder] = true
	}
	if to[0].founder != "tg:0" || to[0].lang != "lang0" {
		t.Errorf("first recipient %+v; want tg:0 in the language of its newest application, lang0", to[0])
	}
	fintech, err := s.audience(context.Background(), flows.BroadcastDraft{Sector: "fintech"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fintech {
		if n, _ := strconv.Atoi(strings.TrimPrefix(string(r.founder), "tg:")); n%7 != 0 && (n+audiencePage+5)%7 != 0 {
			t.Errorf("%s is not in fintech", r.founder)
		}
	}
	if len(fintech) == 0 {
		t.Error("no fintech founder found")
	}
}
