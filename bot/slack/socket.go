package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges a Socket Mode request; *socketmode.Client has it.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

// fatalAuth are the errors after which connecting again cannot help.
var fatalAuth = []string{"invalid_auth", "account_inactive", "not_authed", "token_revoked"}

// RunSocketMode serves the slash command, interactions and events over
// Socket Mode until ctx ends, reconnecting after failures (with backoff).
// It returns an error only when Slack refuses the app-level token.
func (s *Staff) RunSocketMode(ctx context.Context) error {
	if s.cfg.AppToken == "" {
		return errors.New("slack socket mode: no app-level token")
	}
	client := socketmode.New(s.api, socketmode.OptionLog(slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	var readers sync.WaitGroup
	defer func() {
		cancel()
		readers.Wait()
	}()
	readers.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-client.Events:
				// One slow request must not hold back the acks of others.
				s.goBG(ctx, workTimeout, func(ctx context.Context) { s.dispatch(ctx, ev, client) })
			}
		}
	})
	backoff := time.Duration(0)
	for {
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			s.log.InfoContext(ctx, "slack socket mode stopped")
			return nil
		}
		if slices.Contains(fatalAuth, err.Error()) {
			return fmt.Errorf("slack socket mode: %w", err)
		}
		backoff = min(max(2*backoff, time.Second), time.Minute)
		s.log.ErrorContext(ctx, "slack socket mode disconnected", "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// dispatch handles one Socket Mode event: requests from Slack are
// acknowledged through a (with the answer when there is one) and handled
// like their HTTP counterparts; the client's own events are logged.
func (s *Staff) dispatch(ctx context.Context, ev socketmode.Event, a acker) {
	defer s.observeSocket(ev.Type, time.Now())
	switch ev.Type {
	case socketmode.EventTypeSlashCommand:
		sc, ok := ev.Data.(slackapi.SlashCommand)
		if !ok || ev.Request == nil {
			s.log.WarnContext(ctx, "slack socket mode: malformed slash command")
			return
		}
		s.ackSocket(ctx, a, ev.Request, s.command(ctx, sc), sc.ResponseURL)
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slackapi.InteractionCallback)
		if !ok || ev.Request == nil {
			s.log.WarnContext(ctx, "slack socket mode: malformed interaction")
			return
		}
		s.ackSocket(ctx, a, ev.Request, s.interaction(ctx, &cb), "")
	case socketmode.EventTypeEventsAPI:
		e, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok || ev.Request == nil {
			s.log.WarnContext(ctx, "slack socket mode: malformed event")
			return
		}
		s.ackSocket(ctx, a, ev.Request, nil, "")
		s.event(ctx, e)
	case socketmode.EventTypeConnected:
		s.log.InfoContext(ctx, "slack socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage,
		socketmode.EventTypeErrorWriteFailed:
		s.log.WarnContext(ctx, "slack socket mode trouble", append([]any{"type", ev.Type}, troubleAttrs(ev.Data)...)...)
	case socketmode.EventTypeInvalidAuth:
		s.log.ErrorContext(ctx, "slack socket mode: the app-level token is refused")
	default:
		s.log.DebugContext(ctx, "slack socket mode event", "type", ev.Type)
	}
}

// troubleAttrs describes a Socket Mode error event for the log without
// its payload: the raw message or our answer may hold founders' text and
// a response_url, and a connection error's URL holds the WebSocket ticket.
func troubleAttrs(data any) []any {
	switch d := data.(type) {
	case *socketmode.ErrorBadMessage:
		return []any{"cause", safeErr(d.Cause), "bytes", len(d.Message)}
	case *socketmode.ErrorWriteFailed:
		envelope := ""
		if d.Response != nil {
			envelope = d.Response.EnvelopeID
		}
		return []any{"cause", safeErr(d.Cause), "envelope", envelope}
	case *slackapi.ConnectionErrorEvent:
		return []any{"attempt", d.Attempt, "retry_in", d.Backoff, "cause", safeErr(d.ErrorObj)}
	case *slackapi.IncomingEventError:
		return []any{"cause", safeErr(d.ErrorObj)}
	}
	return []any{"data_type", fmt.Sprintf("%T", data)}
}

// safeErr is err's text with any URL cut to its origin, its path and
// query (a WebSocket ticket, a response_url's secret) left out.
func safeErr(err error) string {
	if err == nil {
		return ""
	}
	var u *url.Error
	if errors.As(err, &u) {
		origin := "[invalid URL]"
		if p, perr := url.Parse(u.URL); perr == nil && p.Host != "" {
			origin = p.Scheme + "://" + p.Host
		}
		return u.Op + " " + origin + ": " + safeErr(u.Err)
	}
	return truncate(urlInText.ReplaceAllString(err.Error(), "$1"), 200)
}

// urlInText matches a URL in an error's text; its first group is the origin.
var urlInText = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s"'?#]+)[^\s"']*`)

// ackSocket acknowledges a request with payload. Slack drops acks of
// 20 KB or more, which the client refuses to send: such a request is
// acknowledged empty, and a slash command's answer goes to response_url.
func (s *Staff) ackSocket(ctx context.Context, a acker, req *socketmode.Request, payload any, responseURL string) {
	var err error
	if payload == nil {
		err = a.Ack(*req)
	} else {
		err = a.Ack(*req, payload)
	}
	if err == nil {
		return
	}
	if payload != nil {
		if err := a.Ack(*req); err == nil {
			if r, ok := payload.(*reply); ok && responseURL != "" {
				if err := s.toResponseURL(ctx, responseURL, r); err != nil {
					s.log.ErrorContext(ctx, "slack answer lost", "err", err)
				}
			}
			return
		}
	}
	s.log.ErrorContext(ctx, "slack socket mode ack", "envelope", req.EnvelopeID, "err", err)
}
