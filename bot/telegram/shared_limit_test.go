package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// TestSharedLimitTwoReplicas is the issue's: two replicas send 2,000
// messages to 500 chats together, 32 senders each, against the fake Bot
// API allowing 30/s overall and 1/s per chat, on a virtual clock (about
// 67 s of it). Each chat's messages go from one sender in order, as the
// outbox sends them. Every message is accepted once and in order, no 429
// comes after the first one's retry_after, and the rate is at least 90%
// of TELEGRAM_RATE. The fake sees each message at once, and its answer
// reaches the limiter 50ms later, as over a network: the limiter counts
// a message until a second after its answer. SHARED_LIMIT_RATE sets
// TELEGRAM_RATE, default 30 (the fake's limit, so that nothing but the
// limiter keeps it).
func TestSharedLimitTwoReplicas(t *testing.T) {
	rate := 30.0
	if v, err := strconv.ParseFloat(os.Getenv("SHARED_LIMIT_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	const n, chats, senders, base = 2000, 500, 64, 2_000_000
	const rtt = 50 * time.Millisecond
	clock := newVirtualClock(t0)
	srv := telegramtest.New(t, token, telegramtest.WithClock(clock.Now), telegramtest.WithRateLimit(30, 1, nil))
	env := storetest.New(t)
	var tgs [2]*telegram.Telegram
	for i := range tgs {
		tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL(), Rate: rate, ChatBurst: 1, Clock: clock},
			nil, env.Store, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		tgs[i] = tg
	}
	queues := make([][]int, senders)
	want := map[int64][]string{}
	for i := range n {
		chat := base + int64(i%chats)
		queues[i%chats%senders] = append(queues[i%chats%senders], i)
		want[chat] = append(want[chat], fmt.Sprint("m", i))
	}
	ctx := context.Background()
	start := time.Now()
	clock.run(t, senders, time.Minute, func(s int) {
		tg := tgs[s%2]
		for _, i := range queues[s] {
			for {
				err := tg.SendBulkForTest(ctx, base+int64(i%chats), flows.Reply{Text: fmt.Sprint("m", i)},
					func() { _ = clock.Wait(ctx, rtt, nil) })
				var flood *tgbot.TooManyRequestsError
				if errors.As(err, &flood) {
					continue // paused; send it again
				}
				if err != nil {
					t.Error(err)
					return
				}
				break
			}
		}
	})
	real := time.Since(start)

	for chat, w := range want {
		if got := texts(srv.Messages(chat)); !slices.Equal(got, w) {
			t.Errorf("chat %d got %q; want %q, each once, in order", chat, got, w)
		}
	}
	var ok []time.Time
	var tooMany, late int
	var firstEnd time.Time
	for _, c := range srv.Calls("sendMessage") {
		switch c.Status {
		case http.StatusOK:
			ok = append(ok, c.Time)
		case http.StatusTooManyRequests:
			tooMany++
			switch {
			case firstEnd.IsZero():
				firstEnd = c.Time.Add(time.Second)
			case c.Time.After(firstEnd):
				late++
			}
		default:
			t.Errorf("sendMessage answered %d %s", c.Status, c.Error)
		}
	}
	slices.SortFunc(ok, func(a, b time.Time) int { return a.Compare(b) })
	if len(ok) != n {
		t.Fatalf("%d messages accepted; want %d", len(ok), n)
	}
	elapsed := ok[len(ok)-1].Sub(ok[0])
	got := float64(len(ok)-1) / elapsed.Seconds()
	busiest := 0
	for i := range ok {
		j, _ := slices.BinarySearchFunc(ok, ok[i].Add(time.Second), func(a, b time.Time) int { return a.Compare(b) })
		busiest = max(busiest, j-i)
	}
	t.Logf("%d messages from 2 replicas in %v of virtual time (%v real), round trip %v: %.2f/s, TELEGRAM_RATE %v, %.1f%%; busiest second %d; %d answers 429; %.1f Redis calls a message",
		len(ok), elapsed.Round(time.Millisecond), real.Round(time.Millisecond), rtt, got, rate, 100*got/rate, busiest, tooMany,
		float64(env.Calls.Load())/n)
	if late > 0 {
		t.Errorf("%d answers 429 after the first one's retry_after; want none", late)
	}
	if busiest > 30 {
		t.Errorf("%d messages accepted within one second; want at most the fake's 30", busiest)
	}
	if got < 0.9*rate {
		t.Errorf("rate %.2f/s; want at least 90%% of %v/s", got, rate)
	}
}
