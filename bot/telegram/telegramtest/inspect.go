package telegramtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Calls returns the answered calls of method (any case) in the order they were
// answered; "" returns every call. Failed calls are included with their Status.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c.clone())
		}
	}
	return out
}

// Messages returns the messages (texts and documents) the bot sent to chatID, oldest
// first, as they stand now: edited and deleted ones are included, flagged.
func (s *Server) Messages(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []SentMessage {
	out := make([]SentMessage, 0, len(s.messages[chatID]))
	for _, m := range s.messages[chatID] {
		out = append(out, *m)
	}
	return out
}

// Find returns the bot's message messageID in chatID as it stands now, deleted or not.
func (s *Server) Find(chatID int64, messageID int) (SentMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages[chatID] {
		if m.ID == messageID {
			return *m, true
		}
	}
	return SentMessage{}, false
}

// Documents returns the documents the bot sent to chatID, oldest first.
func (s *Server) Documents(chatID int64) []SentDocument {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SentDocument
	for _, m := range s.messages[chatID] {
		if m.Document != nil {
			out = append(out, *m.Document)
		}
	}
	return out
}

// Commands returns the commands set for the default scope and languageCode ("" for
// all languages), or nil.
func (s *Server) Commands(languageCode string) []models.BotCommand {
	return s.commandsFor("default|" + languageCode)
}

// ScopedCommands returns the commands set for scope and languageCode, or nil.
func (s *Server) ScopedCommands(scope models.BotCommandScope, languageCode string) []models.BotCommand {
	raw, err := scope.MarshalCustom()
	if err != nil {
		return nil
	}
	key, aerr := scopeKey(string(raw))
	if aerr != nil {
		return nil
	}
	return s.commandsFor(key + "|" + languageCode)
}

func (s *Server) commandsFor(key string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[key])
}

// Answered reports whether callback query id was answered, and with what text.
func (s *Server) Answered(callbackID string) (text string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[callbackID]
	if cb == nil || !cb.answered {
		return "", false
	}
	return cb.text, true
}

// WaitMessages waits until the bot has sent at least n messages to chatID and returns
// them all; it fails the test after timeout. Call it from the test goroutine.
func (s *Server) WaitMessages(tb testing.TB, chatID int64, n int, timeout time.Duration) []SentMessage {
	tb.Helper()
	var got []SentMessage
	ok := s.waitFor(timeout, func() bool {
		got = s.messagesLocked(chatID)
		return len(got) >= n
	})
	if !ok {
		texts := make([]string, len(got))
		for i, m := range got {
			texts[i] = m.Text
		}
		tb.Fatalf("telegramtest: got %d messages in chat %d within %v; want %d: %q", len(got), chatID, timeout, n, texts)
	}
	return got
}

// AwaitMessages waits until the bot has sent at least n messages to chatID,
// and reports whether it did within timeout. Unlike WaitMessages it may be
// called from any goroutine.
func (s *Server) AwaitMessages(chatID int64, n int, timeout time.Duration) bool {
	return s.waitFor(timeout, func() bool { return len(s.messages[chatID]) >= n })
}

// WaitCall waits until method (any case) was answered at least n times and returns
// its calls; it fails the test after timeout. Call it from the test goroutine.
func (s *Server) WaitCall(tb testing.TB, method string, n int, timeout time.Duration) []Call {
	tb.Helper()
	var got []Call
	ok := s.waitFor(timeout, func() bool {
		got = s.callsLocked(method)
		return len(got) >= n
	})
	if !ok {
		tb.Fatalf("telegramtest: got %d %s calls within %v; want %d", len(got), method, timeout, n)
	}
	return got
}

// WaitAnswered waits until callback query id is answered and returns the answer's
// text; it fails the test after timeout. Call it from the test goroutine.
func (s *Server) WaitAnswered(tb testing.TB, callbackID string, timeout time.Duration) string {
	tb.Helper()
	var text string
	ok := s.waitFor(timeout, func() bool {
		cb := s.callbacks[callbackID]
		if cb != nil && cb.answered {
			text = cb.text
			return true
		}
		return false
	})
	if !ok {
		tb.Fatalf("telegramtest: callback query %s not answered within %v", callbackID, timeout)
	}
	return text
}

// waitFor evaluates cond under s.mu until it holds or timeout passes, waking on each
// state change rather than polling.
func (s *Server) waitFor(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		case <-s.done:
			return false
		}
	}
}
