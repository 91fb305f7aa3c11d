package telegram_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/store/storetest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// replicas returns n limiters on one store, as n replicas of the bot have.
func replicas(tb testing.TB, n int, lim telegram.Limits) []*telegram.Limiter {
	tb.Helper()
	env := storetest.New(tb)
	out := make([]*telegram.Limiter, n)
	for i := range out {
		l, err := telegram.NewLimiter(env.Store, lim, slog.New(slog.DiscardHandler))
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = l
	}
	return out
}

// TestLimiterDirectOvertakesBulk: each of two replicas' outboxes has 20
// chats' bulk messages waiting for the bot's rate; a direct reply asked
// for half a second in goes within two slots, ahead of the bulk messages
// that were waiting before it in its replica and the other.
func TestLimiterDirectOvertakesBulk(t *testing.T) {
	clock := newVirtualClock(t0)
	lims := replicas(t, 2, telegram.Limits{Rate: 10, ChatBurst: 1, Clock: clock})
	ctx := context.Background()
	var mu sync.Mutex
	var sent []string // in the order of their slots
	var asked, directAt time.Time
	clock.run(t, 41, 10*time.Second, func(i int) {
		if i == 40 {
			_ = clock.Wait(ctx, 500*time.Millisecond, nil)
			asked = clock.Now()
			answered, err := lims[0].Wait(ctx, 999)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			directAt = clock.Now()
			sent = append(sent, "direct")
			mu.Unlock()
			answered()
			return
		}
		for range 2 {
			answered, err := lims[i%2].WaitBulk(ctx, int64(100+i))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			sent = append(sent, "bulk")
			mu.Unlock()
			answered()
		}
	})
	if wait := directAt.Sub(asked); wait > 200*time.Millisecond {
		t.Errorf("direct reply went %v after it was asked for; want within 2 slots of 100ms", wait)
	}
	after := 0
	for i, s := range sent {
		if s == "direct" {
			after = len(sent) - i - 1
		}
	}
	if after < 70 {
		t.Errorf("%d bulk messages went after the direct reply; want at least 70 of the 80, which were waiting before it", after)
	}
}

// TestLimiterPauseSharedByReplicas: a 429 seen by one replica holds the
// other's direct replies and bulk messages for its retry_after.
func TestLimiterPauseSharedByReplicas(t *testing.T) {
	clock := newVirtualClock(t0)
	lims := replicas(t, 2, telegram.Limits{Rate: 25, Clock: clock})
	lims[0].Pause(2 * time.Second)
	ctx := context.Background()
	clock.run(t, 2, 10*time.Second, func(i int) {
		wait := lims[1].Wait
		if i == 1 {
			wait = lims[1].WaitBulk
		}
		answered, err := wait(ctx, int64(i))
		if err != nil {
			t.Error(err)
			return
		}
		answered()
		if at := clock.Now(); at.Before(t0.Add(2 * time.Second)) {
			t.Errorf("message %d went %v after another replica's 2s pause; want no sooner than 2s", i, at.Sub(t0))
		}
	})
}

// TestLimiterChatSharedByReplicas: a chat's spacing counts the messages
// of every replica, from the answer.
func TestLimiterChatSharedByReplicas(t *testing.T) {
	clock := newVirtualClock(t0)
	lims := replicas(t, 2, telegram.Limits{Rate: 25, ChatBurst: 1, Clock: clock})
	ctx := context.Background()
	var at [3]time.Time
	clock.run(t, 1, 10*time.Second, func(int) {
		for i := range at {
			answered, err := lims[i%2].Wait(ctx, 7)
			if err != nil {
				t.Error(err)
				return
			}
			_ = clock.Wait(ctx, 30*time.Millisecond, nil) // the round trip
			at[i] = clock.Now()
			answered()
		}
	})
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < time.Second+30*time.Millisecond {
			t.Errorf("messages %d and %d to one chat from two replicas %v apart; want 1s after the answer", i-1, i, gap)
		}
	}
}

// TestLimiterCancel: a cancelled Wait returns ctx's error and leaves
// nothing booked.
func TestLimiterCancel(t *testing.T) {
	l := replicas(t, 1, telegram.Limits{Rate: 1, ChatBurst: 1})[0]
	answered, err := l.Wait(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Wait(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with a 20ms deadline and the second full = %v; want DeadlineExceeded", err)
	}
	if _, err := l.WaitBulk(ctx, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitBulk after the deadline = %v; want DeadlineExceeded", err)
	}
	answered()
	answered() // harmless
}

// TestLimiterNeedsStore: limits need the store that shares them; with
// none only "no limits" goes, and it still honours pauses.
func TestLimiterNeedsStore(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if _, err := telegram.NewLimiter(nil, telegram.Limits{}, log); err == nil {
		t.Error("NewLimiter without a store and with the default rate: no error")
	}
	clock := newVirtualClock(t0)
	l, err := telegram.NewLimiter(nil, telegram.Limits{Rate: -1, Clock: clock}, log)
	if err != nil {
		t.Fatal(err)
	}
	l.Pause(time.Second)
	clock.run(t, 1, 5*time.Second, func(int) {
		answered, err := l.Wait(context.Background(), 1)
		if err != nil {
			t.Error(err)
			return
		}
		answered()
		if got := clock.Now().Sub(t0); got < time.Second {
			t.Errorf("unlimited Wait returned %v into a 1s pause", got)
		}
	})
}

// TestLimiterPauseWhileBooked: a 429 that comes while a message waits for
// the slot it booked holds it too, until the pause ends.
func TestLimiterPauseWhileBooked(t *testing.T) {
	clock := newVirtualClock(t0)
	l := replicas(t, 1, telegram.Limits{Rate: 5, Clock: clock})[0] // slots 200ms apart
	ctx := context.Background()
	var went time.Time
	clock.run(t, 2, 10*time.Second, func(i int) {
		if i == 1 {
			_ = clock.Wait(ctx, 100*time.Millisecond, nil) // while message 2 waits for its slot at 200ms
			l.Pause(time.Second)
			return
		}
		for chat := range 2 {
			answered, err := l.Wait(ctx, int64(chat))
			if err != nil {
				t.Error(err)
				return
			}
			answered()
		}
		went = clock.Now()
	})
	if want := t0.Add(1100 * time.Millisecond); went.Before(want) {
		t.Errorf("second message went at %v, booked for 200ms, paused at 100ms for 1s; want no sooner than 1.1s", went.Sub(t0))
	}
}
