package telegram

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/startgate/founderbot/flows"
)

// Outbox is the durable queue of messages RunOutbox sends; *store.Redis has it.
type Outbox interface {
	ClaimOutgoing(ctx context.Context, consumer string, limit int, block, minIdle time.Duration) ([]flows.QueuedMessage, error)
	TouchOutgoing(ctx context.Context, consumer string, ids ...string) error
	MarkSendingPart(ctx context.Context, key string) (part int, ok bool, err error)
	MarkTextSent(ctx context.Context, key string) (bool, error)
	UnmarkSending(ctx context.Context, key string) error
	FinishOutgoing(ctx context.Context, m flows.QueuedMessage, outcome string) error
	AckOutgoing(ctx context.Context, ids ...string) error
	SetUnreachable(ctx context.Context, f flows.FounderID) error
	Unreachable(ctx context.Context, f flows.FounderID) (bool, error)
}

// OutboxConfig tunes RunOutbox; zero values take the defaults.
type OutboxConfig struct {
	// Consumer names this replica in the outbox's consumer group. Keep it
	// stable across restarts (the host name): each name stays in the group.
	Consumer string
	// Workers is how many chats are sent to at once, default 32. A worker
	// waits out its chat's 1s spacing, so it takes about Rate of them to
	// keep the rate when every message goes to a chat just written to.
	Workers int
	// MinIdle is how long a message may stay unacknowledged with a sender
	// that stopped touching it (crashed, or gave up on it) before another
	// takes it over, default 30s.
	MinIdle time.Duration
	// Attempts bounds the tries of one message on 5xx and network errors,
	// default 5; then it is left for a later claim.
	Attempts int
	// MaxDeliveries: a message handed out this many times is dropped and
	// counted as failed, default 5.
	MaxDeliveries int64
	// Backoff is the first wait after a 5xx or network error, doubled on
	// each further error up to 30s, with jitter; default 500ms.
	Backoff time.Duration
}

const (
	// claimBlock bounds a claim's wait for new messages, and so how long
	// shutdown waits for it and how late messages to take over are seen.
	claimBlock = 250 * time.Millisecond
	maxBackoff = 30 * time.Second
	// sendTimeout bounds a call to Telegram that started: it is not cut
	// by shutdown, lest a message Telegram took be sent again.
	sendTimeout = 30 * time.Second
	// recordTimeout bounds writing an outcome after shutdown was asked.
	recordTimeout = 5 * time.Second
)

// RunOutbox sends the outbox's messages until ctx ends: to different
// chats in parallel, to one chat in order, within the Limiter it shares
// with Send. Each replica runs one, under its own cfg.Consumer.
//
// What happens to a message, by Telegram's answer:
//   - ok, or 400 "message is not modified": sent.
//   - 429: everything waits retry_after, then it is sent again.
//   - 5xx, network error: sent again after a backoff, cfg.Attempts times
//     in all; then it is left in the outbox, where a claim takes it
//     again after cfg.MinIdle, at most cfg.MaxDeliveries times in all.
//   - 403 (blocked, account deleted): the founder is marked unreachable,
//     and their later messages are dropped without calling Telegram.
//   - other 400s: dropped. Drops are logged and counted per tag.
//
// Delivery is at most once across crashes and takeovers: a message is
// marked as being sent before the call (store MarkSendingPart) and
// unmarked only after a 429, a 5xx or a network error, so a crash during
// the call loses that message rather than sending it twice. The one way
// to a duplicate is a network error (a timeout) after Telegram took the
// message, which is retried. A message left in the outbox may be
// overtaken by later ones to its chat.
//
// A message with a document is sent in two parts, its text then its
// document, each as above; the store records that the text went
// (MarkTextSent), so that whoever finishes the message sends only the
// document, and never before the text. A refusal of either part drops
// what is left of the message; an unreachable founder too.
func (t *Telegram) RunOutbox(ctx context.Context, ob Outbox, cfg OutboxConfig) error {
	if cfg.Consumer == "" {
		return errors.New("telegram outbox: no consumer name")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.MinIdle <= 0 {
		cfg.MinIdle = 30 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	s := &sender{t: t, ob: ob, cfg: cfg, hold: 4 * cfg.Workers,
		queues: map[flows.FounderID][]flows.QueuedMessage{}, busy: map[flows.FounderID]bool{},
		held: map[string]bool{}, room: make(chan struct{}, 1)}
	s.ready = make(chan flows.FounderID, s.hold)
	t.log.Info("telegram outbox running", "consumer", cfg.Consumer, "workers", cfg.Workers)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() { s.touch(ctx) })
	s.claim(ctx)
	wg.Wait()
	t.log.Info("telegram outbox stopped", "consumer", cfg.Consumer)
	return nil
}

// sender is one RunOutbox. It holds at most hold messages, queued by
// founder; a founder with messages is either in ready or busy (a worker
// sends their oldest), never both, which keeps each chat in order.
type sender struct {
	t    *Telegram
	ob   Outbox
	cfg  OutboxConfig
	hold int

	mu     sync.Mutex
	queues map[flows.FounderID][]flows.QueuedMessage
	busy   map[flows.FounderID]bool
	held   map[string]bool // stream IDs, so that a message claimed again is not held twice
	ready  chan flows.FounderID
	room   chan struct{} // a message was let go
}

// claim takes messages from the outbox whenever half of the room is free.
func (s *sender) claim(ctx context.Context) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		s.mu.Lock()
		free := s.hold - len(s.held)
		s.mu.Unlock()
		if free < s.hold/2 {
			select {
			case <-s.room:
			case <-ctx.Done():
			}
			continue
		}
		msgs, err := s.ob.ClaimOutgoing(ctx, s.cfg.Consumer, free, claimBlock, s.cfg.MinIdle)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), maxBackoff)
			s.t.log.Error("telegram outbox claim", "err", err, "retry_in", backoff)
			_ = sleepUntil(ctx, time.Now().Add(backoff))
			continue
		}
		backoff = 0
		s.add(msgs)
	}
}

func (s *sender) add(msgs []flows.QueuedMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		if s.held[m.ID] {
			continue
		}
		s.held[m.ID] = true
		f := m.Outgoing.Founder
		q := s.queues[f]
		s.queues[f] = append(q, m)
		if len(q) == 0 && !s.busy[f] {
			s.ready <- f // never blocks: ready holds at most one entry per held message
		}
	}
}

// work sends the oldest message of one ready founder at a time.
func (s *sender) work(ctx context.Context) {
	for ctx.Err() == nil {
		var f flows.FounderID
		select {
		case f = <-s.ready:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		s.busy[f] = true
		m := s.queues[f][0]
		s.mu.Unlock()

		s.deliver(ctx, m)

		s.mu.Lock()
		delete(s.held, m.ID)
		delete(s.busy, f)
		if q := s.queues[f][1:]; len(q) > 0 {
			s.queues[f] = q
			s.ready <- f
		} else {
			delete(s.queues, f)
		}
		s.mu.Unlock()
		select {
		case s.room <- struct{}{}:
		default:
		}
	}
}

// touch keeps the messages held from being taken over by another replica
// while they wait for their turn.
func (s *sender) touch(ctx context.Context) {
	tick := time.NewTicker(s.cfg.MinIdle / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		ids := make([]string, 0, len(s.held))
		for id := range s.held {
			ids = append(ids, id)
		}
		s.mu.Unlock()
		if err := s.ob.TouchOutgoing(ctx, s.cfg.Consumer, ids...); err != nil && ctx.Err() == nil {
			s.t.log.Warn("telegram outbox touch", "err", err, "messages", len(ids))
		}
	}
}

// deliver sends one message and records what became of it; see RunOutbox.
// A message it returns without recording stays in the outbox, for a
// later claim.
func (s *sender) deliver(ctx context.Context, m flows.QueuedMessage) {
	f := m.Outgoing.Founder
	log := s.t.log.With("outbox", m.Key, "founder", f)
	if m.Deliveries > s.cfg.MaxDeliveries {
		log.Error("telegram outbox: message dropped, handed out too often", "deliveries", m.Deliveries)
		s.t.outboxDropped()
		s.finish(ctx, log, m, flows.OutcomeFailed)
		return
	}
	chatID, ok := ChatID(f)
	if !ok {
		log.Error("telegram outbox: message dropped, not a Telegram founder")
		s.t.outboxDropped()
		s.finish(ctx, log, m, flows.OutcomeFailed)
		return
	}
	unreachable, err := s.ob.Unreachable(ctx, f)
	if err != nil {
		s.leave(ctx, log, err)
		return
	}
	if unreachable {
		s.t.outboxDropped()
		s.finish(ctx, log, m, flows.OutcomeUnreachable)
		return
	}
	doc := m.Outgoing.Document
	for attempt := 1; ; {
		part, marked, err := s.ob.MarkSendingPart(ctx, m.Key)
		if err != nil {
			s.leave(ctx, log, err)
			return
		}
		if !marked { // taken over and sent (or being sent) by another sender
			if err := s.ob.AckOutgoing(ctx, m.ID); err != nil {
				log.Warn("telegram outbox ack", "err", err)
			}
			return
		}
		if part == 1 && doc == nil { // marked so by a sender that saw a document this entry lacks
			log.Error("telegram outbox: message dropped, its document is missing")
			s.finish(ctx, log, m, flows.OutcomeFailed)
			return
		}
		answered, err := s.t.lim.WaitBulk(ctx, chatID)
		if err != nil {
			s.unmark(ctx, log, m)
			return
		}
		call, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
		if part == 0 {
			err = s.t.sendMessage(call, s.t.out, chatID, m.Outgoing.Reply)
		} else {
			err = s.t.sendDocument(call, chatID, *doc)
		}
		cancel()
		answered()
		answer, wait := classify(err)
		s.t.outboxOutcome(answer)
		switch answer {
		case answerSent:
			if part == 0 && doc != nil {
				if next, err := s.ob.MarkTextSent(ctx, m.Key); err != nil || !next {
					// Left marked as sending, the document is lost rather than risk it twice.
					log.Error("telegram outbox: text sent, its document will not be", "err", err)
					return
				}
				attempt = 1
				continue
			}
			s.finish(ctx, log, m, flows.OutcomeSent)
			return
		case answerBlocked:
			if err := s.ob.SetUnreachable(ctx, f); err != nil {
				log.Error("telegram outbox: founder not marked unreachable", "err", err)
			}
			log.Info("telegram outbox: founder unreachable", "err", s.t.redact(err))
			s.finish(ctx, log, m, flows.OutcomeUnreachable)
			return
		case answerRefused:
			log.Error("telegram outbox: message refused", "err", s.t.redact(err))
			s.finish(ctx, log, m, flows.OutcomeFailed)
			return
		case answerFlood:
			// Not an attempt: the limiter holds every sender back for wait.
			s.t.lim.Pause(wait)
			log.Warn("telegram outbox: too many requests", "retry_after", wait)
			s.unmark(ctx, log, m)
		case answerRetry:
			s.unmark(ctx, log, m)
			if attempt >= s.cfg.Attempts {
				log.Warn("telegram outbox: message left for later", "attempts", attempt, "err", s.t.redact(err))
				return
			}
			d := jitter(min(s.cfg.Backoff<<(attempt-1), maxBackoff))
			log.Warn("telegram outbox: send failed, retrying", "attempt", attempt, "retry_in", d, "err", s.t.redact(err))
			attempt++
			if sleepUntil(ctx, time.Now().Add(d)) != nil {
				return
			}
		}
	}
}

// leave logs why a message stays in the outbox, unless shutdown is why.
func (s *sender) leave(ctx context.Context, log *slog.Logger, err error) {
	if ctx.Err() == nil {
		log.Error("telegram outbox: message left for later", "err", err)
	}
}

// finish records an outcome, even after shutdown was asked.
func (s *sender) finish(ctx context.Context, log *slog.Logger, m flows.QueuedMessage, outcome string) {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.ob.FinishOutgoing(rec, m, outcome); err != nil {
		log.Error("telegram outbox: outcome not recorded", "outcome", outcome, "err", err)
	}
}

// unmark gives a message Telegram did not take back to whoever sends it
// next, even after shutdown was asked.
func (s *sender) unmark(ctx context.Context, log *slog.Logger, m flows.QueuedMessage) {
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := s.ob.UnmarkSending(rec, m.Key); err != nil {
		// Left marked, a later claim takes it for sent: it is lost.
		log.Error("telegram outbox: message not unmarked, it will not be sent", "err", err)
	}
}

// answer is what Telegram's answer to a send means for the message.
type answer int

const (
	answerSent    answer = iota
	answerFlood          // 429: wait, then send again
	answerBlocked        // 403: the founder is unreachable
	answerRefused        // other 400s: it will never go
	answerRetry          // 5xx, network and the rest: maybe later
)

func classify(err error) (answer, time.Duration) {
	var flood *tgbot.TooManyRequestsError
	var migrate *tgbot.MigrateError
	switch {
	case err == nil:
		return answerSent, 0
	case errors.As(err, &flood):
		return answerFlood, retryAfter(flood)
	case errors.Is(err, tgbot.ErrorForbidden):
		return answerBlocked, 0
	case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified"):
		return answerSent, 0
	case errors.Is(err, tgbot.ErrorBadRequest), errors.As(err, &migrate):
		return answerRefused, 0
	}
	return answerRetry, 0
}

// jitter spreads retries over [d/2, d], so that senders that failed
// together do not retry together.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// String names an answer in logs and test failures.
func (a answer) String() string {
	return [...]string{"sent", "flood", "blocked", "refused", "retry"}[a]
}
