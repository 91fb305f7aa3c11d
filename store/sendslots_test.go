package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

var s0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return s0.Add(time.Duration(n) * time.Millisecond) }

// slots asks for send slots at given times, as the limiter does.
type slots struct {
	tb  testing.TB
	st  *store.Redis
	lim flows.SendLimits
	n   int
}

// newSlots asks for slots at rate a second, a chat's burst, booked up
// to ahead.
func newSlots(tb testing.TB, rate float64, burst int, ahead time.Duration) *slots {
	every := time.Duration(float64(time.Second) / rate)
	return &slots{tb: tb, st: storetest.New(tb).Store, lim: flows.SendLimits{Every: every, PerSecond: int(rate),
		ChatEvery: time.Second, ChatBurst: burst, Ahead: ahead, Open: 5 * time.Second}}
}

func (s *slots) req(chat int, now time.Time, direct bool) flows.SlotRequest {
	s.n++
	return flows.SlotRequest{Chat: fmt.Sprint(chat), ID: fmt.Sprint("b", s.n), Direct: direct, Now: now, Limits: s.lim}
}

// take books a slot for chat at now and returns it, failing without one.
func (s *slots) take(now time.Time, chat int, direct bool) (flows.SlotRequest, time.Time) {
	s.tb.Helper()
	r := s.req(chat, now, direct)
	got, err := s.st.TakeSendSlot(context.Background(), r)
	if err != nil {
		s.tb.Fatal(err)
	}
	if !got.Booked {
		s.tb.Fatalf("chat %d at %v: no slot (%s), retry in %v; want one", chat, now.Sub(s0), got.Reason, got.Wait)
	}
	return r, now.Add(got.Wait)
}

// busy checks chat gets no slot at now, and returns why and until when.
func (s *slots) busy(now time.Time, chat int, direct bool) (string, time.Time) {
	s.tb.Helper()
	got, err := s.st.TakeSendSlot(context.Background(), s.req(chat, now, direct))
	if err != nil {
		s.tb.Fatal(err)
	}
	if got.Booked {
		s.tb.Fatalf("chat %d at %v: booked at %v; want no slot", chat, now.Sub(s0), now.Add(got.Wait).Sub(s0))
	}
	return got.Reason, now.Add(got.Wait)
}

func (s *slots) answer(r flows.SlotRequest, at time.Time) {
	s.tb.Helper()
	r.Now = at
	if err := s.st.ReleaseSendSlot(context.Background(), r, true); err != nil {
		s.tb.Fatal(err)
	}
}

func TestSendSlotsEvenSpacing(t *testing.T) {
	s := newSlots(t, 10, 3, time.Second)
	for i := range 5 {
		if _, got := s.take(s0, i, true); !got.Equal(ms(100 * i)) {
			t.Errorf("message %d at %v; want %v", i, got.Sub(s0), ms(100*i).Sub(s0))
		}
	}
	// Booked only as far ahead as allowed.
	s = newSlots(t, 10, 3, 100*time.Millisecond)
	s.take(s0, 1, false)
	s.take(s0, 2, false)
	if why, retry := s.busy(s0, 3, false); why != "bot" || !retry.Equal(ms(100)) {
		t.Errorf("third at once: %s until %v; want bot until 100ms", why, retry.Sub(s0))
	}
}

// TestSendSlotsWindowFromAnswers: a message stays in the bot's second
// until a second after Telegram answered it, however late that was.
func TestSendSlotsWindowFromAnswers(t *testing.T) {
	s := newSlots(t, 3, 3, time.Second)
	var first flows.SlotRequest
	for i := range 3 {
		r, _ := s.take(s0, i, true)
		if i == 0 {
			first = r
		}
	}
	if why, retry := s.busy(s0, 9, true); why != "bot" || !retry.Equal(ms(1000)) {
		t.Errorf("3 messages out at 3/s: %s until %v; want bot, ask again in a second", why, retry.Sub(s0))
	}
	s.answer(first, ms(10))
	if _, retry := s.busy(ms(10), 9, true); !retry.Equal(ms(1010)) {
		t.Errorf("after an answer at 10ms: retry at %v; want 1.01s", retry.Sub(s0))
	}
	// The even spacing alone would have allowed it at 1s.
	s.busy(ms(1009), 9, true)
	if _, got := s.take(ms(1010), 9, true); !got.Equal(ms(1010)) {
		t.Errorf("booked at %v; want 1.01s", got.Sub(s0))
	}
}

func TestSendSlotsChatBurst(t *testing.T) {
	s := newSlots(t, 1000, 3, time.Second)
	var out []flows.SlotRequest
	for i := range 3 {
		r, _ := s.take(ms(i), 7, true)
		out = append(out, r)
	}
	if why, retry := s.busy(ms(3), 7, true); why != "chat" || !retry.Equal(ms(1000)) {
		t.Errorf("4th message to a chat: %s until %v; want chat, 1s after the first", why, retry.Sub(s0))
	}
	for _, r := range out {
		s.answer(r, ms(3))
	}
	// Another chat is not held back by chat 7's wait.
	if _, got := s.take(ms(3), 8, true); !got.Equal(ms(3)) {
		t.Errorf("other chat booked at %v; want at once", got.Sub(s0))
	}
	r, _ := s.take(ms(1000), 7, true)
	s.answer(r, ms(1001))
	s.busy(ms(1001), 7, true)
	// After a quiet spell the burst is back.
	for i := range 3 {
		s.take(ms(5000+i), 7, true)
	}
	// At most ChatBurst unanswered, whatever the spacing says.
	s = newSlots(t, 1000, 2, time.Second)
	s.lim.ChatEvery = time.Millisecond
	s.take(s0, 1, true)
	s.take(ms(1), 1, true)
	if why, retry := s.busy(ms(10), 1, true); why != "chat" || !retry.Equal(ms(60)) {
		t.Errorf("3rd unanswered message to a chat with burst 2: %s until %v; want chat, poll in 50ms", why, retry.Sub(s0))
	}
}

// TestSendSlotsChatStrict: with a burst of 1 a chat's next message waits
// ChatEvery from the later of its slot and its answer.
func TestSendSlotsChatStrict(t *testing.T) {
	s := newSlots(t, 1000, 1, time.Second)
	r, _ := s.take(s0, 1, false)
	if _, retry := s.busy(ms(500), 1, false); !retry.Equal(ms(1000)) {
		t.Errorf("before its answer: retry at %v; want 1s", retry.Sub(s0))
	}
	s.answer(r, ms(30))
	if _, retry := s.busy(ms(30), 1, false); !retry.Equal(ms(1030)) {
		t.Errorf("after an answer at 30ms: retry at %v; want 1.03s", retry.Sub(s0))
	}
}

func TestSendSlotsPause(t *testing.T) {
	s := newSlots(t, 100, 3, time.Second)
	ctx := context.Background()
	if err := s.st.PauseSends(ctx, 2*time.Second, s0); err != nil {
		t.Fatal(err)
	}
	if err := s.st.PauseSends(ctx, time.Second, s0); err != nil { // a shorter pause does not shorten it
		t.Fatal(err)
	}
	for _, direct := range []bool{true, false} {
		if why, retry := s.busy(ms(1000), 1, direct); why != "pause" || !retry.Equal(ms(2000)) {
			t.Errorf("during a pause: %s until %v; want pause until 2s", why, retry.Sub(s0))
		}
	}
	s.take(ms(2000), 1, false)
	// Unlimited, it still waits.
	s.lim = flows.SendLimits{}
	if why, _ := s.busy(ms(1500), 1, true); why != "pause" {
		t.Errorf("unlimited during a pause: %s; want pause", why)
	}
	for range 50 {
		s.take(ms(2000), 1, true)
	}
}

// TestSendSlotsDirectFirst: a direct reply books ahead of bulk messages,
// and while one waits for room, no bulk message gets a slot.
func TestSendSlotsDirectFirst(t *testing.T) {
	s := newSlots(t, 10, 3, 0)
	bulk := func(now time.Time, chat int) flows.SlotRequest {
		r := s.req(chat, now, false)
		r.Limits.Ahead = s.lim.Every
		return r
	}
	ctx := context.Background()
	take := func(r flows.SlotRequest) flows.SendSlot {
		got, err := s.st.TakeSendSlot(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := take(bulk(s0, 1)); !got.Booked {
		t.Fatalf("first bulk: %+v; want booked", got)
	}
	take(bulk(s0, 2))
	if got := take(bulk(s0, 3)); got.Booked || got.Reason != "bot" {
		t.Errorf("third bulk at once: %+v; want to wait for the bot", got)
	}
	s.lim.Ahead = time.Second
	var answers []flows.SlotRequest
	if r, at := s.take(s0, 100, true); !at.Equal(ms(200)) {
		t.Errorf("direct reply at %v; want 200ms, right after the 2 bulk booked", at.Sub(s0))
	} else {
		answers = append(answers, r)
	}
	for i := range 7 { // fill the bot's second
		r, _ := s.take(s0, 101+i, true)
		answers = append(answers, r)
	}
	// One direct reply finds the second full and waits, asking again
	// under the same booking when told to.
	waiting := s.req(200, s0, true)
	ask := func(now time.Time) flows.SendSlot {
		waiting.Now = now
		return take(waiting)
	}
	if got := ask(s0); got.Booked || got.Reason != "bot" || got.Wait != time.Second {
		t.Errorf("direct reply with the second full: %+v; want to wait for the bot 1s", got)
	}
	s.answer(answers[0], ms(210))
	if got := ask(ms(1000)); got.Booked || got.Wait != 210*time.Millisecond {
		t.Errorf("direct reply asking again: %+v; want the room at 1.21s", got)
	}
	// Room at 1.21s: the waiting direct reply's, not bulk's.
	if got := take(bulk(ms(1210), 4)); got.Booked || got.Reason != "direct" {
		t.Errorf("bulk while a direct reply waits: %+v; want held for it", got)
	}
	if got := ask(ms(1210)); !got.Booked || got.Wait != 0 {
		t.Errorf("waiting direct reply at 1.21s: %+v; want booked now", got)
	}
	if got := take(bulk(ms(1210), 4)); got.Booked || got.Reason != "bot" {
		t.Errorf("bulk after the direct reply took the room: %+v; want to wait for the bot", got)
	}
	// A waiting direct reply that gave up (cancelled) releases bulk.
	s.lim.Ahead = 0
	gone := s.req(300, ms(1210), true)
	if got := take(gone); got.Booked {
		t.Fatalf("direct reply with the second full booked: %+v", got)
	}
	if err := s.st.ReleaseSendSlot(ctx, gone, false); err != nil {
		t.Fatal(err)
	}
	if got := take(bulk(ms(1210), 5)); got.Reason == "direct" {
		t.Errorf("bulk held by a direct reply that gave up: %+v", got)
	}
}

// TestSendSlotsReleaseUnsent: a booking released unsent frees its place
// in the bot's second and its chat at once.
func TestSendSlotsReleaseUnsent(t *testing.T) {
	s := newSlots(t, 1, 1, time.Second)
	s.lim.ChatEvery = 0
	r, _ := s.take(s0, 1, true)
	s.busy(s0, 2, true)
	if err := s.st.ReleaseSendSlot(context.Background(), r, false); err != nil {
		t.Fatal(err)
	}
	s.take(ms(1000), 2, true)
}

// TestSendSlotsStoreClock: with no time in the request, Redis' clock is
// used: slots still come in order.
func TestSendSlotsStoreClock(t *testing.T) {
	s := newSlots(t, 100, 3, time.Second)
	prev := time.Duration(-1)
	for i := range 5 {
		got, err := s.st.TakeSendSlot(context.Background(), s.req(i, time.Time{}, true))
		if err != nil || !got.Booked {
			t.Fatalf("take %d on Redis' clock = %+v, %v; want booked", i, got, err)
		}
		if got.Wait <= prev-10*time.Millisecond || got.Wait > 50*time.Millisecond {
			t.Errorf("slot %d in %v after %v; want about 10ms apart", i, got.Wait, prev)
		}
		prev = got.Wait
	}
}
