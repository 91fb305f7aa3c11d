package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

// startOutbox runs the outbox sender of a new transport on srv until the
// returned stop is called (at the latest when tb ends).
func startOutbox(tb testing.TB, srv *telegramtest.Server, env *storetest.Env, cfg telegram.Config, ocfg telegram.OutboxConfig) (*telegram.Telegram, func()) {
	tb.Helper()
	cfg.Token, cfg.APIURL = token, srv.URL()
	tg, err := telegram.New(cfg, nil, env.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	if ocfg.Consumer == "" {
		ocfg.Consumer = "r1"
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.RunOutbox(ctx, env.Store, ocfg) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("RunOutbox: %v", err)
				}
			case <-time.After(wait):
				tb.Errorf("RunOutbox did not stop within %v", wait)
			}
		})
	}
	tb.Cleanup(stop)
	return tg, stop
}

func enqueue(tb testing.TB, st *store.Redis, key string, chat int64, text, tag string) {
	tb.Helper()
	ok, err := st.Enqueue(context.Background(), key, flows.Outgoing{Founder: telegram.FounderID(chat), Reply: flows.Reply{Text: text}}, tag)
	if err != nil || !ok {
		tb.Fatalf("enqueue %s = %v, %v; want true, nil", key, ok, err)
	}
}

// waitCounts waits until tag's counts satisfy done, polling, for at most wait.
func waitCounts(tb testing.TB, st *store.Redis, tag string, done func(store.OutboxCounts) bool) store.OutboxCounts {
	tb.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := st.OutboxCounts(context.Background(), tag)
		if err != nil {
			tb.Fatal(err)
		}
		if done(c) {
			return c
		}
		if time.Now().After(deadline) {
			tb.Fatalf("counts of %q after %v: %+v", tag, wait, c)
		}
		<-tick.C
	}
}

func texts(msgs []telegramtest.SentMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Plain
	}
	return out
}

func callsTo(srv *telegramtest.Server, chat int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range srv.Calls("sendMessage") {
		if c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// bulkResult is what a bulk send against the rate-limited fake measured.
type bulkResult struct {
	sent     int
	elapsed  time.Duration // first accepted message to last
	rate     float64       // messages a second over elapsed
	tooMany  int           // 429 answers
	lateMany int           // 429 answers after the first one's retry_after
}

// sendBulk queues n messages to chats chats (message i to chat base+i%chats,
// in a shuffled order), sends them at rate through the outbox against a
// fake enforcing rate overall and 1/s per chat, and checks that each chat
// got its messages exactly once and in order.
func sendBulk(tb testing.TB, n, chats int, rate float64, workers int) bulkResult {
	srv := telegramtest.New(tb, token, telegramtest.WithRateLimit(int(rate), 1, time.Now))
	env := storetest.New(tb)
	const base = 1_000_000
	want := map[int64][]string{}
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		chat, text := base+int64(i%chats), fmt.Sprint("m", i)
		enqueue(tb, env.Store, fmt.Sprint("bulk:", i), chat, text, "bulk")
		want[chat] = append(want[chat], text)
	}
	_, stop := startOutbox(tb, srv, env, telegram.Config{Rate: rate, ChatBurst: 1},
		telegram.OutboxConfig{Workers: workers})
	// The fake enforces the limits: all of it takes n/rate seconds, plus 50%.
	deadline := time.Now().Add(time.Duration(float64(n)/rate*1.5+10) * time.Second)
	for chat, w := range want {
		srv.WaitMessages(tb, chat, len(w), time.Until(deadline))
	}
	stop()

	for chat, w := range want {
		if got := texts(srv.Messages(chat)); !slices.Equal(got, w) {
			tb.Errorf("chat %d got %q; want %q, each once, in order", chat, got, w)
		}
	}
	c, err := env.Store.OutboxCounts(context.Background(), "bulk")
	if err != nil || c != (store.OutboxCounts{Queued: int64(n), Sent: int64(n)}) {
		tb.Errorf("counts = %+v, %v; want %d queued and sent", c, err, n)
	}
	if left, err := env.Store.OutboxLen(context.Background()); err != nil || left != 0 {
		tb.Errorf("%d messages left in the outbox, %v; want none", left, err)
	}

	var r bulkResult
	var ok []time.Time
	var firstTooMany time.Time
	for _, c := range srv.Calls("sendMessage") {
		switch c.Status {
		case http.StatusOK:
			ok = append(ok, c.Time)
		case http.StatusTooManyRequests:
			r.tooMany++
			var after int
			if _, err := fmt.Sscanf(c.Error, "Too Many Requests: retry after %d", &after); err != nil {
				tb.Errorf("429 without retry after: %q", c.Error)
			}
			switch {
			case firstTooMany.IsZero():
				firstTooMany = c.Time.Add(time.Duration(after) * time.Second)
			case c.Time.After(firstTooMany):
				r.lateMany++
			}
		default:
			tb.Errorf("sendMessage answered %d %s", c.Status, c.Error)
		}
	}
	slices.SortFunc(ok, func(a, b time.Time) int { return a.Compare(b) })
	r.sent = len(ok)
	if len(ok) > 1 {
		r.elapsed = ok[len(ok)-1].Sub(ok[0])
		r.rate = float64(len(ok)-1) / r.elapsed.Seconds()
	}
	return r
}

// TestOutboxRateLimited is the issue's: 2,000 messages to 500 chats against
// a fake that allows 30/s overall and 1/s per chat, with the sender at
// 30/s: every message delivered once, no 429 after the first backoff, and
// the rate within 10% of 30/s.
func TestOutboxRateLimited(t *testing.T) {
	if testing.Short() {
		t.Skip("about 70s: 2,000 messages at 30/s")
	}
	const rate = 30
	r := sendBulk(t, 2000, 500, rate, 64)
	t.Logf("%d messages in %v: %.2f/s (configured %d/s, theoretical minimum %v); %d answers 429",
		r.sent, r.elapsed.Round(time.Millisecond), r.rate, rate, 2000*time.Second/rate, r.tooMany)
	if r.sent != 2000 {
		t.Errorf("%d messages accepted; want 2000", r.sent)
	}
	if r.lateMany > 0 {
		t.Errorf("%d answers 429 after the first backoff; want none", r.lateMany)
	}
	if r.rate < rate*0.9 || r.rate > rate*1.1 {
		t.Errorf("delivery rate %.2f/s; want within 10%% of %d/s", r.rate, rate)
	}
}

// BenchmarkOutbox10k sends 10,000 messages to 2,500 chats through the
// outbox, against the fake Bot API enforcing the sender's rate overall
// (the sliding one-second window of telegramtest) and 1/s per chat, as in
// TestOutboxRateLimited but scaled: at Telegram's 25/s it would take 400s.
// OUTBOX_BENCH_RATE sets the rate, default 250/s. One iteration is the
// 10,000 messages; run it once:
//
//	go test -run '^$' -bench Outbox10k -benchtime 1x ./bot/telegram/
//
// Metrics: msgs/s achieved (first accepted message to last), s/10k that
// took, min-s/10k the theoretical minimum (10,000/rate), and 429s.
func BenchmarkOutbox10k(b *testing.B) {
	rate := 250.0
	if v, err := strconv.ParseFloat(os.Getenv("OUTBOX_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	const n = 10_000
	var r bulkResult
	for range b.N {
		r = sendBulk(b, n, 2500, rate, 128)
	}
	b.ReportMetric(r.rate, "msgs/s")
	b.ReportMetric(r.elapsed.Seconds(), "s/10k")
	b.ReportMetric(n/rate, "min-s/10k")
	b.ReportMetric(float64(r.tooMany), "429s")
}

// TestOutboxBlockedChat: a chat that answers 403 is marked unreachable
// after one call, its later messages are dropped without calling Telegram,
// and the other chats get all of theirs.
func TestOutboxBlockedChat(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	const a, blocked, c = 2001, 2002, 2003
	srv.Block(blocked)
	for i := range 3 {
		for _, chat := range []int64{a, blocked, c} {
			enqueue(t, env.Store, fmt.Sprint(chat, ":", i), chat, fmt.Sprint("m", i), "t")
		}
	}
	startOutbox(t, srv, env, telegram.Config{Rate: -1}, telegram.OutboxConfig{})
	counts := waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Sent+c.Unreachable+c.Failed == 9 })
	if want := (store.OutboxCounts{Queued: 9, Sent: 6, Unreachable: 3}); counts != want {
		t.Errorf("counts = %+v; want %+v", counts, want)
	}
	for _, chat := range []int64{a, c} {
		if got := texts(srv.Messages(chat)); !slices.Equal(got, []string{"m0", "m1", "m2"}) {
			t.Errorf("chat %d got %q; want m0, m1, m2", chat, got)
		}
	}
	if calls := callsTo(srv, blocked); len(calls) != 1 || calls[0].Status != http.StatusForbidden {
		t.Errorf("%d calls to the blocked chat; want one, answered 403", len(calls))
	}
	if u, err := env.Store.Unreachable(context.Background(), telegram.FounderID(blocked)); !u || err != nil {
		t.Errorf("blocked founder unreachable = %v, %v; want true", u, err)
	}
	if u, _ := env.Store.Unreachable(context.Background(), telegram.FounderID(a)); u {
		t.Errorf("another founder was marked unreachable")
	}
}

// TestOutboxTakesOverCrashedSender: a sender takes messages and dies
// without acknowledging them; another takes them over after MinIdle and
// sends each once, except the one the dead sender was sending when it
// died, which is dropped rather than risk sending it twice.
func TestOutboxTakesOverCrashedSender(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	ctx := context.Background()
	for i := range 5 {
		enqueue(t, env.Store, fmt.Sprint("k", i), int64(3000+i), fmt.Sprint("m", i), "t")
	}
	if msgs, err := env.Store.ClaimOutgoing(ctx, "dead", 10, 0, 0); err != nil || len(msgs) != 5 {
		t.Fatalf("the doomed sender claimed %d, %v; want 5", len(msgs), err)
	}
	if ok, err := env.Store.MarkSending(ctx, "k0"); !ok || err != nil {
		t.Fatalf("MarkSending = %v, %v", ok, err)
	}
	start := time.Now()
	const minIdle = 300 * time.Millisecond
	startOutbox(t, srv, env, telegram.Config{Rate: -1}, telegram.OutboxConfig{Consumer: "alive", MinIdle: minIdle})
	for i := 1; i < 5; i++ {
		srv.WaitMessages(t, int64(3000+i), 1, wait)
	}
	if took := time.Since(start); took < minIdle {
		t.Errorf("messages taken over after %v; want no sooner than MinIdle %v", took, minIdle)
	}
	waitOutboxEmpty(t, env.Store)
	for i := range 5 {
		want := []string{fmt.Sprint("m", i)}
		if i == 0 {
			want = []string{}
		}
		if got := texts(srv.Messages(int64(3000 + i))); !slices.Equal(got, want) {
			t.Errorf("chat %d got %q; want %q", 3000+i, got, want)
		}
	}
	if c, _ := env.Store.OutboxCounts(ctx, "t"); c.Sent != 4 {
		t.Errorf("sent count = %d; want 4", c.Sent)
	}
}

func waitOutboxEmpty(tb testing.TB, st *store.Redis) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := st.OutboxLen(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d messages still in the outbox after %v", n, wait)
		}
		<-tick.C
	}
}

// TestOutboxRestart: a sender stopped halfway through loses nothing; the
// next one (same name, as after a deploy) sends the rest, each once.
func TestOutboxRestart(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	const n = 40
	for i := range n {
		enqueue(t, env.Store, fmt.Sprint("k", i), int64(3100+i), fmt.Sprint("m", i), "t")
	}
	cfg := telegram.OutboxConfig{Consumer: "r1", MinIdle: 300 * time.Millisecond, Workers: 4}
	_, stop := startOutbox(t, srv, env, telegram.Config{Rate: 20}, cfg)
	srv.WaitCall(t, "sendMessage", 10, wait)
	stop()
	if sent := len(srv.Calls("sendMessage")); sent >= n {
		t.Fatalf("all %d sent before the restart; the test needs a slower sender", sent)
	}
	startOutbox(t, srv, env, telegram.Config{Rate: 20}, cfg)
	for i := range n {
		srv.WaitMessages(t, int64(3100+i), 1, wait)
	}
	waitOutboxEmpty(t, env.Store)
	for i := range n {
		if got := texts(srv.Messages(int64(3100 + i))); len(got) != 1 {
			t.Errorf("chat %d got %q; want m%d once", 3100+i, got, i)
		}
	}
}

// TestOutboxDuplicateKey: the same key queued twice is sent once.
func TestOutboxDuplicateKey(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	o := flows.Outgoing{Founder: telegram.FounderID(3200), Reply: flows.Reply{Text: "nudge"}}
	for i, want := range []bool{true, false} {
		if ok, err := env.Store.Enqueue(context.Background(), "remind:A-7F3K:nudge1", o, "t"); ok != want || err != nil {
			t.Fatalf("Enqueue #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	startOutbox(t, srv, env, telegram.Config{Rate: -1}, telegram.OutboxConfig{})
	waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Sent == 1 })
	waitOutboxEmpty(t, env.Store)
	if got := texts(srv.Messages(3200)); !slices.Equal(got, []string{"nudge"}) {
		t.Errorf("chat got %q; want one nudge", got)
	}
}

// TestOutbox429: after a 429 with retry_after 2, nothing goes to any chat
// for 2 seconds, then the message is sent once.
func TestOutbox429(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	srv.FailNext("sendMessage", http.StatusTooManyRequests, "", 2)
	enqueue(t, env.Store, "a", 3301, "to a", "t")
	enqueue(t, env.Store, "b", 3302, "to b", "t")
	// 5/s: the second message is 200ms behind the first, long after the 429.
	startOutbox(t, srv, env, telegram.Config{Rate: 5}, telegram.OutboxConfig{})
	// Calls are recorded just after the message is: wait for the calls.
	calls := srv.WaitCall(t, "sendMessage", 3, wait)
	if len(calls) != 3 || calls[0].Status != http.StatusTooManyRequests {
		t.Fatalf("calls = %d, first answered %d; want 3, the first 429", len(calls), calls[0].Status)
	}
	for _, c := range calls[1:] {
		if gap := c.Time.Sub(calls[0].Time); gap < 2*time.Second || c.Status != http.StatusOK {
			t.Errorf("call to %s %v after the 429, answered %d; want 200, no sooner than 2s", c.Params["chat_id"], gap, c.Status)
		}
	}
	if c := waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Sent == 2 }); c.Failed != 0 {
		t.Errorf("counts = %+v; want 2 sent", c)
	}
}

// TestOutboxRetries5xx: 5xx answers are retried with a backoff; after
// Attempts the message is left to a later claim, which sends it.
func TestOutboxRetries5xx(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	for range 3 {
		srv.FailNext("sendMessage", http.StatusBadGateway, "", 0)
	}
	enqueue(t, env.Store, "k", 3400, "hello", "t")
	const minIdle = 300 * time.Millisecond
	startOutbox(t, srv, env, telegram.Config{Rate: -1},
		telegram.OutboxConfig{Attempts: 2, Backoff: 20 * time.Millisecond, MinIdle: minIdle})
	calls := srv.WaitCall(t, "sendMessage", 4, wait)
	var statuses []int
	for _, c := range calls {
		statuses = append(statuses, c.Status)
	}
	if want := []int{502, 502, 502, 200}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses = %v; want %v", statuses, want)
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < 10*time.Millisecond {
		t.Errorf("retry %v after a 502; want a backoff of 10-20ms", gap)
	}
	// MinIdle counts from the claim that handed the message out, just
	// before the first send (a Redis round trip), not from the last retry.
	if gap := calls[2].Time.Sub(calls[0].Time); gap < minIdle-50*time.Millisecond {
		t.Errorf("message taken again %v after it was first sent; want no sooner than MinIdle %v", gap, minIdle)
	}
	waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Sent == 1 })
}

// TestOutboxGivesUp: a message handed out more than MaxDeliveries times is
// dropped and counted as failed.
func TestOutboxGivesUp(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	for range 10 {
		srv.FailNext("sendMessage", http.StatusInternalServerError, "", 0)
	}
	enqueue(t, env.Store, "k", 3500, "hello", "t")
	startOutbox(t, srv, env, telegram.Config{Rate: -1},
		telegram.OutboxConfig{Attempts: 1, MaxDeliveries: 2, MinIdle: 100 * time.Millisecond})
	c := waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Failed == 1 })
	if c.Sent != 0 {
		t.Errorf("counts = %+v; want only failed", c)
	}
	if n := len(srv.Calls("sendMessage")); n != 2 {
		t.Errorf("%d calls; want 2, one per delivery allowed", n)
	}
	waitOutboxEmpty(t, env.Store)
}

// TestOutboxBadRequests: "message is not modified" counts as sent; other
// 400s and founders of other transports are dropped as failed, without
// retrying.
func TestOutboxBadRequests(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	srv.FailNext("sendMessage", http.StatusBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same", 0)
	srv.FailNext("sendMessage", http.StatusBadRequest, "Bad Request: chat not found", 0)
	enqueue(t, env.Store, "a", 3601, "a", "t")
	enqueue(t, env.Store, "b", 3602, "b", "t")
	if _, err := env.Store.Enqueue(context.Background(), "c", flows.Outgoing{Founder: "console:local", Reply: flows.Reply{Text: "c"}}, "t"); err != nil {
		t.Fatal(err)
	}
	startOutbox(t, srv, env, telegram.Config{Rate: -1}, telegram.OutboxConfig{})
	c := waitCounts(t, env.Store, "t", func(c store.OutboxCounts) bool { return c.Sent+c.Failed == 3 })
	if want := (store.OutboxCounts{Queued: 3, Sent: 1, Failed: 2}); c != want {
		t.Errorf("counts = %+v; want %+v", c, want)
	}
	if n := len(srv.Calls("sendMessage")); n != 2 {
		t.Errorf("%d calls; want 2: no retries, nothing for the console founder", n)
	}
}

// TestSendSharesLimiter: a direct reply and an outbox message to one chat
// at once are spaced by the chat's second, so the fake (1/s per chat)
// refuses neither.
func TestSendSharesLimiter(t *testing.T) {
	srv := telegramtest.New(t, token, telegramtest.WithRateLimit(0, 1, nil))
	env := storetest.New(t)
	const chat = 3700
	enqueue(t, env.Store, "k", chat, "queued", "t")
	tg, _ := startOutbox(t, srv, env, telegram.Config{Rate: 100, ChatBurst: 1}, telegram.OutboxConfig{})
	if err := tg.Send(context.Background(), chat, flows.Reply{Text: "direct"}); err != nil {
		t.Fatal(err)
	}
	srv.WaitCall(t, "sendMessage", 2, wait)
	calls := callsTo(srv, chat)
	if len(calls) != 2 {
		t.Fatalf("%d calls to the chat; want 2, none refused", len(calls))
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Errorf("two messages to one chat %v apart; want at least 1s", gap)
	}
}

// TestSend429: a direct reply waits out retry_after, through the limiter.
func TestSend429(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	srv.FailNext("sendMessage", http.StatusTooManyRequests, "", 1)
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL()}, nil, env.Store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Send(context.Background(), 3800, flows.Reply{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 2 || calls[1].Status != http.StatusOK {
		t.Fatalf("%d calls; want a 429 then a 200", len(calls))
	}
	if gap := calls[1].Time.Sub(calls[0].Time); gap < time.Second {
		t.Errorf("retry %v after a 429 with retry_after 1; want at least 1s", gap)
	}
}
