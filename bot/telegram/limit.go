package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/startgate/founderbot/flows"
)

// SendSlots keeps the bot's flood limits for every replica together;
// *store.Redis has it (TakeSendSlot documents the rules).
type SendSlots interface {
	TakeSendSlot(ctx context.Context, req flows.SlotRequest) (flows.SendSlot, error)
	ReleaseSendSlot(ctx context.Context, req flows.SlotRequest, answered bool) error
	PauseSends(ctx context.Context, d time.Duration, now time.Time) error
}

// Clock is the limiter's time. Tests drive a fake one; nil is the real
// time, with the store's clock for the shared state (the same for every
// replica, whatever their own clocks say).
type Clock interface {
	Now() time.Time
	// Wait returns after d (never, when d < 0), when wake is closed (nil:
	// never) or with ctx's error when ctx ends first.
	Wait(ctx context.Context, d time.Duration, wake <-chan struct{}) error
}

// Limits are the flood limits the bot keeps to; zero values take the defaults.
type Limits struct {
	// Rate is messages per second to all chats together, for the whole
	// bot whatever the number of replicas (TELEGRAM_RATE), default 25,
	// under Telegram's "about 30". Negative turns every limit off but
	// Telegram's pauses: only for fakes that enforce none.
	Rate float64
	// ChatEvery is the spacing of messages to one chat once its burst is
	// spent, default 1s.
	ChatEvery time.Duration
	// ChatBurst is how many messages one chat may get back to back after a
	// quiet spell, default 3 (Telegram allows "short bursts"; a founder's
	// answer and the next question should not wait a second). 1 keeps
	// strictly to one message per ChatEvery.
	ChatBurst int
	// Clock is the time; nil for the real one.
	Clock Clock
}

const (
	// directAhead is how far ahead a direct reply may book its slot: one
	// that is booked waits behind no bulk message asking after it.
	directAhead = time.Second
	// bulkAhead is how far ahead a bulk message may book its slot when
	// slots are closer than that: a few, so that the round trips to the
	// store do not cost slots at high rates, and few enough that a
	// direct reply waits little behind them.
	bulkAhead = 20 * time.Millisecond

	// openFor bounds how long a message counts as on its way without an
	// answer, so that the booking of a replica that died frees its place.
	// It is longer than any answer but a hung connection's.
	openFor = 5 * time.Second
	// releaseTimeout bounds recording an answer, even after shutdown.
	releaseTimeout = 5 * time.Second
)

// Limiter spaces the messages of one bot, across all its replicas: Rate a
// second, evenly, to all chats; one per ChatEvery to a chat after a burst
// of ChatBurst; none at all while Telegram asked to wait (429
// retry_after). The state is in the store (SendSlots), shared by every
// replica, so N replicas together keep the limits of one; each replica's
// direct replies and outbox share it too. It is safe for concurrent use;
// make it with NewLimiter.
//
// Telegram counts a message when it arrives, and requests sent evenly do
// not arrive evenly: scheduling and the network bunch them up. So a
// message is counted in the bot's one-second window from the moment it is
// booked until one second after Telegram answered it: then, whatever the
// delays, no second as Telegram sees it holds more than Rate messages.
// This costs the round trip: at most Rate/(1s + round trip) go out a
// second. A chat's spacing counts from the answer too.
//
// Direct replies (Wait: someone is waiting for them) come before bulk
// messages (WaitBulk: the outbox). A direct reply may book a slot up to a
// second ahead; a bulk message only the next one (those of the next 20 ms
// at rates above 50/s), so a direct reply waits behind at most one slot
// (20 ms) of bulk messages. When even that is not possible (the bot's
// second is full), the direct reply is noted in the store as waiting and
// no bulk message of any replica gets a slot until it got its own. Bulk
// thus uses the whole rate when nobody waits, and none of it while
// someone does.
//
// Each replica lets a few bulk messages at a time ask the store for the
// bot's next slots (the others wait their turn in the process, in line),
// so that tens of outbox workers do not all ask at every slot; chats that
// must wait for their own spacing do not hold a turn.
type Limiter struct {
	slots     SendSlots
	log       *slog.Logger
	clock     Clock
	shared    bool // the store's clock, not the replica's
	unlimited bool
	direct    flows.SendLimits
	bulk      flows.SendLimits
	// askers is how many bulk messages of this replica may ask for the
	// bot's next slots at once: as many as slots may be booked ahead, so
	// that at high rates the round trips to the store overlap, and at
	// Telegram's rates one, so that the others do not ask in vain.
	askers int

	mu    sync.Mutex
	pause time.Time // known to this replica: no message before it
	// turns are held by the bulk messages asking for the bot's next
	// slots, at most askers; the others wait in line, each on its own
	// channel, closed when a turn is handed to it.
	turns int
	queue []chan struct{}
}

// NewLimiter returns a Limiter keeping to lim with slots, which every
// replica shares. A nil slots keeps no limits at all but this replica's
// pauses, and is refused unless lim.Rate is negative.
func NewLimiter(slots SendSlots, lim Limits, log *slog.Logger) (*Limiter, error) {
	if lim.Rate == 0 {
		lim.Rate = 25
	}
	if lim.ChatEvery == 0 {
		lim.ChatEvery = time.Second
	}
	if lim.ChatBurst <= 0 {
		lim.ChatBurst = 3
	}
	if slots == nil && lim.Rate > 0 {
		return nil, fmt.Errorf("telegram limiter: no store to share %v messages a second with the other replicas", lim.Rate)
	}
	l := &Limiter{slots: slots, log: log, clock: lim.Clock, unlimited: lim.Rate < 0, askers: 1}
	if l.clock == nil {
		l.clock, l.shared = realClock{}, true
	}
	if !l.unlimited {
		every := time.Duration(float64(time.Second) / lim.Rate)
		l.bulk = flows.SendLimits{Every: every, PerSecond: max(1, int(math.Floor(lim.Rate))),
			ChatEvery: lim.ChatEvery, ChatBurst: lim.ChatBurst, Ahead: max(every, bulkAhead), Open: openFor}
		l.direct = l.bulk
		l.direct.Ahead = directAhead
		l.askers = max(1, int(l.bulk.Ahead/every))
	}
	return l, nil
}

// Wait blocks until a direct reply to chatID may go and books that
// moment, or returns an error (ctx's, or the store's). The message should
// be sent at once, and answered called when Telegram answered (whatever
// the answer) or the call failed.
func (l *Limiter) Wait(ctx context.Context, chatID int64) (answered func(), err error) {
	return l.wait(ctx, chatID, true)
}

// WaitBulk is Wait for a message nobody is waiting for (the outbox): it
// goes after the direct replies that wait.
func (l *Limiter) WaitBulk(ctx context.Context, chatID int64) (answered func(), err error) {
	return l.wait(ctx, chatID, false)
}

func (l *Limiter) wait(ctx context.Context, chatID int64, direct bool) (func(), error) {
	req := flows.SlotRequest{Chat: strconv.FormatInt(chatID, 10), ID: bookingID(), Direct: direct, Limits: l.direct}
	if !direct {
		req.Limits = l.bulk
	}
	turn := false
	defer func() {
		if turn {
			l.letTurnGo()
		}
	}()
	for {
		if d := l.paused(); d > 0 {
			if err := l.clock.Wait(ctx, d, nil); err != nil {
				return nil, err
			}
			continue
		}
		// Without limits (fakes only) nothing is booked: only a pause
		// this replica was told of holds messages back.
		if l.slots == nil || l.unlimited {
			return func() {}, nil
		}
		if !direct && !turn {
			if err := l.takeTurn(ctx); err != nil {
				return nil, err
			}
			turn = true
		}
		req.Now = l.now()
		slot, err := l.slots.TakeSendSlot(ctx, req)
		if err != nil {
			return nil, err
		}
		if turn && slot.Reason != "bot" && slot.Reason != "direct" {
			l.letTurnGo() // booked, or held by its chat or a pause: let the next ask
			turn = false
		}
		if !slot.Booked {
			if slot.Reason == "pause" {
				l.notePause(slot.Wait)
			}
			if err := l.clock.Wait(ctx, slot.Wait, nil); err != nil {
				if direct {
					l.release(req, false) // no longer waiting: bulk may go
				}
				return nil, err
			}
			continue
		}
		err = l.clock.Wait(ctx, slot.Wait, nil)
		if err != nil || l.paused() > 0 { // a 429 came in here while it waited (another replica's holds the next booking)
			l.release(req, false)
			if err != nil {
				return nil, err
			}
			continue
		}
		var once sync.Once
		return func() { once.Do(func() { l.release(req, true) }) }, nil
	}
}

// Pause holds every message of every replica back for d from now, as
// Telegram asks with retry_after. Telegram does not say whether the limit
// hit was the chat's or the bot's, so the whole bot waits.
func (l *Limiter) Pause(d time.Duration) {
	l.notePause(d)
	if l.slots == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if err := l.slots.PauseSends(ctx, d, l.now()); err != nil {
		// This replica pauses anyway; the others find out from their 429s.
		l.log.Error("telegram limiter: pause not shared", "pause", d, "err", err)
	}
}

// notePause remembers a pause in this replica, which can then wait
// without asking the store.
func (l *Limiter) notePause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.clock.Now().Add(d); until.After(l.pause) {
		l.pause = until
	}
}

// paused is how long the pause known here still lasts.
func (l *Limiter) paused() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pause.Sub(l.clock.Now())
}

// release ends a booking, even after shutdown was asked.
func (l *Limiter) release(req flows.SlotRequest, answered bool) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	req.Now = l.now()
	if err := l.slots.ReleaseSendSlot(ctx, req, answered); err != nil {
		// The booking ends by itself after openFor.
		l.log.Warn("telegram limiter: slot not released", "chat", req.Chat, "err", err)
	}
}

// takeTurn waits until fewer than l.askers bulk messages of this replica
// ask for the bot's next slots: turns are handed on in line.
func (l *Limiter) takeTurn(ctx context.Context) error {
	l.mu.Lock()
	if l.turns < l.askers {
		l.turns++
		l.mu.Unlock()
		return nil
	}
	mine := make(chan struct{})
	l.queue = append(l.queue, mine)
	l.mu.Unlock()
	if err := l.clock.Wait(ctx, -1, mine); err != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		if i := slices.Index(l.queue, mine); i >= 0 {
			l.queue = slices.Delete(l.queue, i, i+1)
		} else { // handed the turn as it gave up: hand it on
			l.handOnLocked()
		}
		return err
	}
	return nil
}

func (l *Limiter) letTurnGo() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handOnLocked()
}

// handOnLocked gives a turn to the first in line, or frees it.
func (l *Limiter) handOnLocked() {
	if len(l.queue) == 0 {
		l.turns--
		return
	}
	close(l.queue[0])
	l.queue = l.queue[1:]
}

// now is the time for the store: zero for its own clock.
func (l *Limiter) now() time.Time {
	if l.shared {
		return time.Time{}
	}
	return l.clock.Now()
}

// bookingID names one message's booking in the store.
func bookingID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// realClock is the time of the machine.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Wait(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if d == 0 {
		return ctx.Err()
	}
	var timeout <-chan time.Time
	if d > 0 {
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

// sleepUntil waits until t, or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) error {
	return realClock{}.Wait(ctx, max(time.Until(t), 0), nil)
}
