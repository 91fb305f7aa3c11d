package telegram

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// at is t0 plus ms milliseconds.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// take books a slot at now, failing the test if none is free.
func take(t *testing.T, l *Limiter, now time.Time, chat int64) time.Time {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	slot, booked := l.takeLocked(now, chat)
	if !booked {
		t.Fatalf("chat %d at %v: no room until %v; want a slot", chat, now.Sub(t0), slot.Sub(t0))
	}
	return slot
}

// busy checks that chat has no room at now, and returns when to try again
// (zero: at the next answer).
func busy(t *testing.T, l *Limiter, now time.Time, chat int64) time.Time {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	retry, booked := l.takeLocked(now, chat)
	if booked {
		t.Fatalf("chat %d at %v: booked %v; want no room", chat, now.Sub(t0), retry.Sub(t0))
	}
	return retry
}

// answerAt records Telegram's answer to a message to chat at when.
func answerAt(l *Limiter, chat int64, when time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(chat, when)
}

func TestLimiterEvenSpacing(t *testing.T) {
	l := NewLimiter(Limits{Rate: 10})
	for i := range 5 {
		if got, want := take(t, l, t0, int64(i)), at(100*i); !got.Equal(want) {
			t.Errorf("message %d at %v; want %v", i, got.Sub(t0), want.Sub(t0))
		}
	}
}

// TestLimiterWindowFromAnswers: a message stays in the bot's second until
// a second after Telegram answered it, however late that was.
func TestLimiterWindowFromAnswers(t *testing.T) {
	l := NewLimiter(Limits{Rate: 3})
	for i := range 3 {
		take(t, l, t0, int64(i))
	}
	if retry := busy(t, l, t0, 9); !retry.IsZero() {
		t.Errorf("3 messages out at 3/s: retry at %v; want at the next answer", retry.Sub(t0))
	}
	answerAt(l, 0, at(10))
	if retry := busy(t, l, at(10), 9); !retry.Equal(at(1010)) {
		t.Errorf("after an answer at 10ms: retry at %v; want 1.01s", retry.Sub(t0))
	}
	// The even spacing alone would have allowed it at 1s.
	busy(t, l, at(1009), 9)
	if got := take(t, l, at(1010), 9); !got.Equal(at(1010)) {
		t.Errorf("booked at %v; want 1.01s", got.Sub(t0))
	}
}

func TestLimiterChatBurst(t *testing.T) {
	l := NewLimiter(Limits{Rate: 1000, ChatBurst: 3})
	for i := range 3 {
		take(t, l, at(i), 7)
	}
	if retry := busy(t, l, at(3), 7); !retry.IsZero() {
		t.Errorf("4th message while 3 are out: retry at %v; want at the next answer", retry.Sub(t0))
	}
	for range 3 {
		answerAt(l, 7, at(3))
	}
	if retry := busy(t, l, at(3), 7); !retry.Equal(at(1000)) {
		t.Errorf("4th message to a chat: retry at %v; want 1s after the first", retry.Sub(t0))
	}
	// Another chat is not held back by chat 7's wait.
	if got := take(t, l, at(3), 8); !got.Equal(at(3)) {
		t.Errorf("other chat booked at %v; want at once", got.Sub(t0))
	}
	take(t, l, at(1000), 7)
	answerAt(l, 7, at(1001))
	busy(t, l, at(1001), 7)
	// After a quiet spell the burst is back.
	for i := range 3 {
		take(t, l, at(5000+i), 7)
	}
}

// TestLimiterChatStrict: with a burst of 1, a chat's next message waits for
// the answer to the last one, then ChatEvery from that answer.
func TestLimiterChatStrict(t *testing.T) {
	l := NewLimiter(Limits{Rate: 1000, ChatBurst: 1})
	take(t, l, t0, 1)
	if retry := busy(t, l, at(500), 1); !retry.IsZero() {
		t.Errorf("while the first is out: retry at %v; want at its answer", retry.Sub(t0))
	}
	answerAt(l, 1, at(30))
	if retry := busy(t, l, at(30), 1); !retry.Equal(at(1030)) {
		t.Errorf("after an answer at 30ms: retry at %v; want 1.03s", retry.Sub(t0))
	}
}

// TestLimiterChatSpacedFromSlot: a chat's spacing counts from the slot its
// message went in, not from when it asked.
func TestLimiterChatSpacedFromSlot(t *testing.T) {
	l := NewLimiter(Limits{Rate: 2, ChatBurst: 1})
	take(t, l, t0, 1) // the bot's next slot is at 500ms
	slot := take(t, l, t0, 2)
	if !slot.Equal(at(500)) {
		t.Fatalf("chat 2 slot at %v; want 500ms", slot.Sub(t0))
	}
	answerAt(l, 2, at(505))
	answerAt(l, 1, at(505))
	if retry := busy(t, l, at(505), 2); !retry.Equal(at(1505)) {
		t.Errorf("chat 2 again: retry at %v; want 1s after its answer", retry.Sub(t0))
	}
}

func TestLimiterPause(t *testing.T) {
	l := NewLimiter(Limits{Rate: 100})
	l.now = func() time.Time { return t0 }
	l.Pause(2 * time.Second)
	l.Pause(time.Second) // a shorter pause does not shorten it
	if retry := busy(t, l, at(1000), 1); !retry.Equal(at(2000)) {
		t.Errorf("during a pause: retry at %v; want 2s", retry.Sub(t0))
	}
	take(t, l, at(2000), 1)
	// Unlimited, it still waits.
	l = NewLimiter(Limits{Rate: -1})
	l.now = func() time.Time { return t0 }
	l.Pause(time.Second)
	busy(t, l, at(500), 1)
}

func TestLimiterSweep(t *testing.T) {
	l := NewLimiter(Limits{Rate: 1e6, ChatBurst: 1})
	for i := range 1000 {
		take(t, l, t0, int64(i))
		answerAt(l, int64(i), t0)
	}
	take(t, l, t0.Add(sweepEvery+time.Second), 5000)
	if n, e := len(l.chats), len(l.ends); n != 1 || e != 0 {
		t.Errorf("%d chats and %d window entries kept after all went quiet; want 1 and 0", n, e)
	}
	// Sweeping forgets only what makes no difference: a chat whose
	// message is still out stays.
	take(t, l, t0.Add(sweepEvery+time.Second), 1)
	take(t, l, t0.Add(3*sweepEvery), 2)
	busy(t, l, t0.Add(3*sweepEvery), 1)
}

func TestLimiterUnlimited(t *testing.T) {
	l := NewLimiter(Limits{Rate: -1})
	for range 100 {
		if got := take(t, l, t0, 1); !got.Equal(t0) {
			t.Fatalf("unlimited limiter booked %v; want now", got.Sub(t0))
		}
	}
}

func TestLimiterWait(t *testing.T) {
	ctx := context.Background()
	l := NewLimiter(Limits{Rate: 1000, ChatBurst: 1, ChatEvery: 50 * time.Millisecond})
	start := time.Now()
	for range 3 {
		answered, err := l.Wait(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		answered()
		answered() // harmless
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("3 messages to a chat spaced 50ms went in %v; want at least 100ms", took)
	}

	// One waiting for a chat's answer wakes when it comes.
	first, err := l.Wait(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	woke := make(chan time.Time, 1)
	go func() {
		answered, err := l.Wait(ctx, 2)
		if err != nil {
			t.Error(err)
			return
		}
		answered()
		woke <- time.Now()
	}()
	select {
	case <-woke:
		t.Fatal("second message to a chat went before the first was answered")
	case <-time.After(100 * time.Millisecond):
	}
	answeredAt := time.Now()
	first()
	select {
	case w := <-woke:
		if gap := w.Sub(answeredAt); gap < 50*time.Millisecond {
			t.Errorf("second message went %v after the first's answer; want ChatEvery, 50ms", gap)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by the answer within 5s")
	}
}

// TestLimiterPauseWhileBooked: a pause set while a message waits for its
// booked slot holds it too.
func TestLimiterPauseWhileBooked(t *testing.T) {
	ctx := context.Background()
	l := NewLimiter(Limits{Rate: 5}) // slots 200ms apart
	answered, err := l.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	answered()
	waited := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		answered, err := l.Wait(ctx, 2)
		if err != nil {
			t.Error(err)
		}
		answered()
		waited <- time.Since(start)
	}()
	for booked := false; !booked; {
		if time.Since(start) > 5*time.Second {
			t.Fatal("Wait booked no slot within 5s")
		}
		runtime.Gosched()
		l.mu.Lock()
		booked = l.chats[2] != nil && l.chats[2].open == 1
		l.mu.Unlock()
	}
	l.Pause(400 * time.Millisecond)
	select {
	case d := <-waited:
		if d < 380*time.Millisecond {
			t.Errorf("Wait during a 400ms pause returned after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return within 5s")
	}
}

// TestLimiterCancel: a cancelled Wait returns at once and books nothing.
func TestLimiterCancel(t *testing.T) {
	l := NewLimiter(Limits{Rate: 1})
	answered, err := l.Wait(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Wait(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with a 20ms deadline and the second full = %v; want DeadlineExceeded", err)
	}
	answered()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open != 0 || l.chats[2] != nil && l.chats[2].open != 0 {
		t.Errorf("%d messages out after the only one was answered; want 0", l.open)
	}
}
