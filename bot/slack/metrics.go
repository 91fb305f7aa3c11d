package slack

import (
	"context"
	"errors"
	"net/http"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Metrics is told what the staff side does; *ops.Metrics has it.
type Metrics interface {
	UpdateReceived(transport, kind string)
	UpdateHandled(transport, kind string, took time.Duration)
	// Message counts what became of a post: sent, retried, dropped or
	// rate_limited (the ops.Message* outcomes).
	Message(platform, outcome string)
}

const platform = "slack"

type noMetrics struct{}

func (noMetrics) UpdateReceived(string, string)               {}
func (noMetrics) UpdateHandled(string, string, time.Duration) {}
func (noMetrics) Message(string, string)                      {}

func (s *Staff) metrics() Metrics {
	if s.cfg.Metrics == nil {
		return noMetrics{}
	}
	return s.cfg.Metrics
}

// sendRetry is retry for calls that post or change a message: it counts
// each outcome once (a 429 waited out is a retry; the last error a drop).
func (s *Staff) sendRetry(ctx context.Context, what string, call func() error) error {
	var limited int
	var lastLimited bool
	err := s.retry(ctx, what, func() error {
		err := call()
		var rl *slackapi.RateLimitedError
		lastLimited = errors.As(err, &rl)
		if lastLimited {
			limited++
			s.metrics().Message(platform, "rate_limited")
		}
		return err
	})
	retried := limited
	if err != nil && lastLimited {
		retried-- // the last 429 was given up on, not retried
	}
	for range retried {
		s.metrics().Message(platform, "retried")
	}
	if err != nil {
		s.metrics().Message(platform, "dropped")
	} else {
		s.metrics().Message(platform, "sent")
	}
	return err
}

// observed counts a request from Slack (HTTP mode) and how long it took.
func (s *Staff) observed(kind string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.metrics().UpdateReceived(platform, kind)
		defer s.observe(kind, time.Now())
		h(w, r)
	}
}

func (s *Staff) observe(kind string, start time.Time) {
	s.metrics().UpdateHandled(platform, kind, time.Since(start))
}

// observeSocket counts a request from Slack over Socket Mode; defer it
// with the start time. The client's own events are not requests.
func (s *Staff) observeSocket(t socketmode.EventType, start time.Time) {
	kind := map[socketmode.EventType]string{socketmode.EventTypeSlashCommand: "command",
		socketmode.EventTypeInteractive: "interaction", socketmode.EventTypeEventsAPI: "event"}[t]
	if kind == "" {
		return
	}
	s.metrics().UpdateReceived(platform, kind)
	s.observe(kind, start)
}
