package telegram

import (
	"errors"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/startgate/founderbot/flows"
)

// Metrics is told what the transport does; *ops.Metrics has it. The calls
// sit at single lines in the update path, the sends and the outbox, so
// that they carry over to a rewritten pipeline unchanged.
type Metrics interface {
	UpdateReceived(transport, kind string)
	UpdateHandled(transport, kind string, took time.Duration)
	UpdateFailed(transport, kind string)
	DuplicateDropped(transport string)
	// UpdateLimited counts an update of a founder over the per-founder
	// limit, by outcome: slowed (answered "slow down") or dropped.
	UpdateLimited(transport, outcome string)
	// Message counts what became of a send: sent, retried, dropped or
	// rate_limited (the ops.Message* outcomes).
	Message(platform, outcome string)
}

const transport = "telegram"

// noMetrics is the Metrics of a transport given none.
type noMetrics struct{}

func (noMetrics) UpdateReceived(string, string)               {}
func (noMetrics) UpdateHandled(string, string, time.Duration) {}
func (noMetrics) UpdateFailed(string, string)                 {}
func (noMetrics) DuplicateDropped(string)                     {}
func (noMetrics) UpdateLimited(string, string)                {}
func (noMetrics) Message(string, string)                      {}

func (t *Telegram) metrics() Metrics {
	if t.cfg.Metrics == nil {
		return noMetrics{}
	}
	return t.cfg.Metrics
}

// kindName is the metrics label of an event's kind.
func kindName(k flows.Kind) string {
	switch k {
	case flows.KindText:
		return "text"
	case flows.KindCommand:
		return "command"
	case flows.KindButton:
		return "button"
	case flows.KindEdited:
		return "edited"
	}
	return "unsupported"
}

// received counts an update taken from Telegram.
func (t *Telegram) received(in incoming) { t.metrics().UpdateReceived(transport, kindName(in.ev.Kind)) }

// handled counts an update whose handling ended; defer it with the start time.
func (t *Telegram) handled(in incoming, start time.Time) {
	t.metrics().UpdateHandled(transport, kindName(in.ev.Kind), time.Since(start))
}

// failed counts an update answered with the error reply.
func (t *Telegram) failed(in incoming) { t.metrics().UpdateFailed(transport, kindName(in.ev.Kind)) }

// duplicate counts an update dropped because it had been applied already.
func (t *Telegram) duplicate() { t.metrics().DuplicateDropped(transport) }

// sendOutcome counts the answer to a direct send; last says no further
// attempt follows a 429.
func (t *Telegram) sendOutcome(err error, last bool) {
	var flood *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		t.metrics().Message(transport, "sent")
	case errors.As(err, &flood):
		t.metrics().Message(transport, "rate_limited")
		if last {
			t.metrics().Message(transport, "dropped")
		} else {
			t.metrics().Message(transport, "retried")
		}
	default:
		t.metrics().Message(transport, "dropped")
	}
}

// outboxOutcome counts what the outbox makes of Telegram's answer to a send.
func (t *Telegram) outboxOutcome(a answer) {
	switch a {
	case answerSent:
		t.metrics().Message(transport, "sent")
	case answerFlood:
		t.metrics().Message(transport, "rate_limited")
		t.metrics().Message(transport, "retried")
	case answerRetry:
		t.metrics().Message(transport, "retried")
	case answerBlocked, answerRefused:
		t.metrics().Message(transport, "dropped")
	}
}

// outboxDropped counts a message the outbox drops without calling Telegram.
func (t *Telegram) outboxDropped() { t.metrics().Message(transport, "dropped") }
