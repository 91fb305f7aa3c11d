package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// Message is a message posted with chat.postMessage, as it stands after any
// chat.update.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string          // parent's ts for a thread reply
	Text     string          // the text field (the fallback when there are blocks)
	Blocks   json.RawMessage // the blocks JSON as sent; nil without blocks
	Updates  int             // how many chat.update calls changed it
}

// Ephemeral is a message posted with chat.postEphemeral.
type Ephemeral struct {
	Channel  string
	User     string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
}

// ts returns a fresh Slack-style message timestamp; s.mu is held.
func (s *Server) ts() string {
	n := s.next()
	return fmt.Sprintf("%d.%06d", 1_700_000_000+n/1_000_000, n%1_000_000)
}

func (s *Server) postMessage(p params) (map[string]any, string) {
	channel := p.get("channel")
	if channel == "" {
		return nil, "channel_not_found"
	}
	if p.get("text") == "" && blocks(p) == nil && p.get("attachments") == "" {
		return nil, "no_text"
	}
	m := &Message{Channel: channel, TS: s.ts(), ThreadTS: p.get("thread_ts"), Text: p.get("text"), Blocks: blocks(p)}
	s.posted = append(s.posted, m)
	s.notify()
	return map[string]any{"channel": m.Channel, "ts": m.TS, "message": s.messageJSON(m)}, ""
}

func (s *Server) update(p params) (map[string]any, string) {
	channel, ts := p.get("channel"), p.get("ts")
	i := slices.IndexFunc(s.posted, func(m *Message) bool { return m.Channel == channel && m.TS == ts })
	if channel == "" || ts == "" || i < 0 {
		return nil, "message_not_found"
	}
	if p.get("text") == "" && blocks(p) == nil && p.get("attachments") == "" {
		return nil, "no_text"
	}
	// As in Slack, fields left out keep their previous value.
	m := s.posted[i]
	if p.has("text") {
		m.Text = p.get("text")
	}
	if b := blocks(p); b != nil {
		m.Blocks = b
	}
	m.Updates++
	s.notify()
	return map[string]any{"channel": m.Channel, "ts": m.TS, "text": m.Text, "message": s.messageJSON(m)}, ""
}

func (s *Server) postEphemeral(p params) (map[string]any, string) {
	channel, user := p.get("channel"), p.get("user")
	if channel == "" {
		return nil, "channel_not_found"
	}
	if user == "" {
		return nil, "user_not_found"
	}
	if members, ok := s.members[channel]; ok && !slices.Contains(members, user) {
		return nil, "user_not_in_channel"
	}
	if p.get("text") == "" && blocks(p) == nil && p.get("attachments") == "" {
		return nil, "no_text"
	}
	e := Ephemeral{Channel: channel, User: user, TS: s.ts(), ThreadTS: p.get("thread_ts"), Text: p.get("text"), Blocks: blocks(p)}
	s.ephemeral = append(s.ephemeral, e)
	s.notify()
	return map[string]any{"message_ts": e.TS}, ""
}

// blocks returns the blocks parameter, or nil when it is absent or empty.
func blocks(p params) json.RawMessage {
	b := p.get("blocks")
	if b == "" || b == "null" || b == "[]" {
		return nil
	}
	return json.RawMessage(b)
}

func (s *Server) messageJSON(m *Message) map[string]any {
	msg := map[string]any{
		"type": "message", "user": BotUserID, "bot_id": BotID,
		"text": m.Text, "ts": m.TS, "team": TeamID,
	}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		msg["blocks"] = m.Blocks
	}
	if m.Updates > 0 {
		msg["edited"] = map[string]any{"user": BotUserID, "ts": m.TS}
	}
	return msg
}

// Posted returns every message posted so far, in order, as it stands now.
func (s *Server) Posted() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked("")
}

// Messages returns the messages posted to channel, in order, as they stand
// now.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(channel)
}

func (s *Server) messagesLocked(channel string) []Message {
	var out []Message
	for _, m := range s.posted {
		if channel == "" || m.Channel == channel {
			c := *m
			c.Blocks = slices.Clone(m.Blocks)
			out = append(out, c)
		}
	}
	return out
}

// Ephemeral returns the ephemeral messages shown to user, in order.
func (s *Server) Ephemeral(user string) []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ephemeralLocked(user)
}

func (s *Server) ephemeralLocked(user string) []Ephemeral {
	var out []Ephemeral
	for _, e := range s.ephemeral {
		if e.User == user {
			e.Blocks = slices.Clone(e.Blocks)
			out = append(out, e)
		}
	}
	return out
}

// WaitPosted waits until at least n messages have been posted and returns
// all of them; it fails tb if that takes longer than timeout.
func (s *Server) WaitPosted(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d posted messages", n), func() bool { return len(s.posted) >= n })
	return s.Posted()
}

// WaitEphemeral waits until user has been shown at least n ephemeral
// messages and returns them; it fails tb after timeout.
func (s *Server) WaitEphemeral(tb testing.TB, user string, n int, timeout time.Duration) []Ephemeral {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d ephemeral messages for %s", n, user), func() bool {
		return len(s.ephemeralLocked(user)) >= n
	})
	return s.Ephemeral(user)
}
