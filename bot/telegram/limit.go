package telegram

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limits are the flood limits the bot keeps to; zero values take the defaults.
type Limits struct {
	// Rate is messages per second to all chats together (TELEGRAM_RATE),
	// default 25, under Telegram's "about 30". Negative turns every limit
	// off: only for fakes that enforce none.
	Rate float64
	// ChatEvery is the spacing of messages to one chat once its burst is
	// spent, default 1s.
	ChatEvery time.Duration
	// ChatBurst is how many messages one chat may get back to back after a
	// quiet spell, default 3 (Telegram allows "short bursts"; a founder's
	// answer and the next question should not wait a second). 1 keeps
	// strictly to one message per ChatEvery.
	ChatBurst int
}

// Limiter spaces the messages of one bot: Rate a second, evenly, to all
// chats; one per ChatEvery to a chat after a burst of ChatBurst; none at
// all while Telegram asked to wait (429 retry_after). The outbox sender
// and direct replies share one, so that together they keep the limits.
// It is safe for concurrent use; make it with NewLimiter.
//
// Telegram counts a message when it arrives, and requests sent evenly do
// not arrive evenly: scheduling and the network bunch them up. So a
// message is counted in the bot's one-second window from the moment it is
// booked until one second after Telegram answered it: then, whatever the
// delays, no second as Telegram sees it holds more than Rate messages.
// This costs the round trip: at most Rate/(1s + round trip) go out a
// second. A chat with ChatBurst 1 is held likewise until ChatEvery after
// the answer.
//
// It books a slot for each message rather than counting tokens
// (golang.org/x/time/rate) because a message needs a free slot of its
// chat and of the bot at the same instant, and because the windows end
// with Telegram's answers, which a token bucket does not know of.
type Limiter struct {
	unlimited bool
	every     time.Duration // between two messages of the bot
	perSecond int           // messages of the bot in any second
	chatEvery time.Duration
	chatBurst int
	now       func() time.Time

	mu    sync.Mutex
	next  time.Time // the bot's next free slot
	pause time.Time // no message before this (retry_after)
	open  int       // messages booked and not answered yet
	// ends holds, oldest first, when each answered message leaves the
	// bot's window: one second after its answer.
	ends  []time.Time
	chats map[int64]*chatLimit
	swept time.Time
	// answered is closed and replaced on each answer, waking those who
	// wait for a window to have room.
	answered chan struct{}
}

// chatLimit is one chat's GCRA: a message may go at tat -
// (chatBurst-1)*chatEvery. A chat with nothing open whose tat has passed
// has its whole burst again, exactly as an absent one, so such entries are
// dropped: the map holds only chats written to lately.
type chatLimit struct {
	tat  time.Time
	open int
}

// sweepEvery is how often chats is cleaned of entries that make no difference.
const sweepEvery = 10 * time.Second

// NewLimiter returns a Limiter keeping to lim.
func NewLimiter(lim Limits) *Limiter {
	if lim.Rate == 0 {
		lim.Rate = 25
	}
	if lim.ChatEvery == 0 {
		lim.ChatEvery = time.Second
	}
	if lim.ChatBurst <= 0 {
		lim.ChatBurst = 3
	}
	return &Limiter{
		unlimited: lim.Rate < 0,
		every:     time.Duration(float64(time.Second) / lim.Rate),
		perSecond: max(1, int(math.Floor(lim.Rate))),
		chatEvery: lim.ChatEvery,
		chatBurst: lim.ChatBurst,
		now:       time.Now,
		chats:     map[int64]*chatLimit{},
		answered:  make(chan struct{}),
	}
}

// Wait blocks until a message to chatID may go and books that moment, or
// returns ctx's error. The message should be sent at once, and answered
// called when Telegram answered (whatever the answer) or the call failed.
func (l *Limiter) Wait(ctx context.Context, chatID int64) (answered func(), err error) {
	for {
		l.mu.Lock()
		slot, booked := l.takeLocked(l.now(), chatID)
		wake := l.answered
		l.mu.Unlock()
		if !booked {
			if err := l.sleep(ctx, slot, wake); err != nil {
				return nil, err
			}
			continue
		}
		err := l.sleep(ctx, slot, nil)
		l.mu.Lock()
		paused := l.pause.After(slot) // a 429 came in while this one waited
		if err != nil || paused {
			l.releaseLocked(chatID, time.Time{})
		}
		l.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if !paused {
			var once sync.Once
			return func() { once.Do(func() { l.answer(chatID) }) }, nil
		}
	}
}

// Pause holds every message back for d from now, as Telegram asks with
// retry_after. Telegram does not say whether the limit hit was the chat's
// or the bot's, so the whole bot waits.
func (l *Limiter) Pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.pause) {
		l.pause = until
	}
}

// takeLocked books the slot of a message to chatID at or after now. When
// there is no room yet it books nothing and returns when to try again
// (zero: at the next answer), false.
func (l *Limiter) takeLocked(now time.Time, chatID int64) (time.Time, bool) {
	if l.pause.After(now) {
		return l.pause, false
	}
	if l.unlimited {
		return now, true
	}
	l.sweepLocked(now)
	c := l.chats[chatID]
	if c == nil {
		c = &chatLimit{}
		l.chats[chatID] = c
	}
	if c.open >= l.chatBurst {
		return time.Time{}, false
	}
	if free := c.tat.Add(-time.Duration(l.chatBurst-1) * l.chatEvery); free.After(now) {
		return free, false
	}
	if l.open+len(l.ends) >= l.perSecond {
		if len(l.ends) > 0 {
			return l.ends[0], false
		}
		return time.Time{}, false
	}
	slot := now
	if l.next.After(slot) {
		slot = l.next
	}
	l.next = slot.Add(l.every)
	l.open++
	c.open++
	c.tat = later(c.tat, slot).Add(l.chatEvery)
	return slot, true
}

// answer records Telegram's answer to a message booked for chatID.
func (l *Limiter) answer(chatID int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(chatID, l.now())
}

// releaseLocked ends a booking: answered at at, or never sent (zero at).
func (l *Limiter) releaseLocked(chatID int64, at time.Time) {
	if l.unlimited {
		return
	}
	l.open--
	if c := l.chats[chatID]; c != nil {
		c.open--
		if !at.IsZero() {
			// The chat's spacing counts from the answer too, so that
			// a late arrival does not bring the next one too close.
			c.tat = later(c.tat, at.Add(l.chatEvery))
		}
	}
	if !at.IsZero() {
		l.ends = append(l.ends, at.Add(time.Second))
	}
	close(l.answered)
	l.answered = make(chan struct{})
}

func (l *Limiter) sweepLocked(now time.Time) {
	i := 0
	for i < len(l.ends) && !l.ends[i].After(now) {
		i++
	}
	l.ends = l.ends[i:]
	if now.Sub(l.swept) < sweepEvery {
		return
	}
	for id, c := range l.chats {
		if c.open == 0 && !c.tat.After(now) {
			delete(l.chats, id)
		}
	}
	l.swept = now
}

// sleep waits until t (none if zero) or until wake is closed, or returns
// ctx's error.
func (l *Limiter) sleep(ctx context.Context, t time.Time, wake <-chan struct{}) error {
	var timeout <-chan time.Time
	if !t.IsZero() {
		d := t.Sub(l.now())
		if d <= 0 {
			return ctx.Err()
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return nil
	case <-wake:
		return nil
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sleepUntil waits until t, or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
