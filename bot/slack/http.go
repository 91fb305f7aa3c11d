package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Handler serves Slack's HTTP mode: POST /slack/commands,
// /slack/interactions and /slack/events, behind Verify with the signing
// secret, so that unsigned or stale requests get 401 before any parsing.
// Every request is answered within Slack's three seconds; slower work goes
// on in the background (see Wait).
func (s *Staff) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", s.observed("command", s.serveCommand))
	mux.HandleFunc("POST /slack/interactions", s.observed("interaction", s.serveInteraction))
	mux.HandleFunc("POST /slack/events", s.observed("event", s.serveEvent))
	return Verify(s.cfg.SigningSecret, s.cfg.Now, mux, s.log)
}

func (s *Staff) serveCommand(w http.ResponseWriter, r *http.Request) {
	sc, err := slackapi.SlashCommandParse(r)
	if err != nil {
		s.log.WarnContext(r.Context(), "slack command: bad form", "err", err)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	s.ack(w, r, s.command(r.Context(), sc))
}

func (s *Staff) serveInteraction(w http.ResponseWriter, r *http.Request) {
	cb, err := slackapi.InteractionCallbackParse(r)
	if err != nil {
		s.log.WarnContext(r.Context(), "slack interaction: bad payload", "err", err)
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	s.ack(w, r, s.interaction(r.Context(), &cb))
}

func (s *Staff) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // bounded by Verify
	if err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// Events the library does not know end here too: acknowledge them,
		// or Slack retries them for minutes.
		s.log.DebugContext(r.Context(), "slack event not parsed", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if v, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok && ev.Type == slackevents.URLVerification {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, v.Challenge)
		return
	}
	s.event(r.Context(), ev)
	w.WriteHeader(http.StatusOK)
}

// ack answers Slack: 200 with an empty body for nil, else the payload as JSON.
func (s *Staff) ack(w http.ResponseWriter, r *http.Request, payload any) {
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.log.ErrorContext(r.Context(), "slack ack: encode", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

// reply answers a slash command: as the acknowledgement's body, the
// Socket Mode ack's payload, or a post to response_url.
type reply struct {
	ResponseType string           `json:"response_type,omitempty"`
	Text         string           `json:"text"`
	Blocks       []slackapi.Block `json:"blocks,omitempty"`
	// ReplaceOriginal is false so that a late answer through response_url
	// is a new message rather than a replacement of the one it answers.
	ReplaceOriginal bool `json:"replace_original"`
}

// ephemeral is a reply only the user sees: blocks, or text in one section.
func ephemeral(text string, blocks ...slackapi.Block) *reply {
	if len(blocks) == 0 {
		blocks = []slackapi.Block{section(text)}
	}
	return &reply{ResponseType: slackapi.ResponseTypeEphemeral, Text: clip(text, maxFallback), Blocks: blocks}
}

// toResponseURL posts r to a response_url that came with a signed (or
// Socket Mode) request. Slack allows 5 posts in 30 minutes: no retries.
func (s *Staff) toResponseURL(ctx context.Context, url string, r *reply) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	// The URL lets anyone post to the user's channel for 30 minutes: it
	// never goes into an error, which would be logged.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return errors.New("response_url: not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post to response_url on %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post to response_url: %s", resp.Status)
	}
	return nil
}
