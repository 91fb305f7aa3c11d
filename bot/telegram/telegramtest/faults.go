package telegramtest

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// FailNext makes the next call of method (any case) fail with code and description
// instead of running; calls queue up in order. An empty description takes
// Telegram's usual one for code; retryAfter sets parameters.retry_after (for 429).
// Examples: FailNext("sendMessage", 429, "", 3); FailNext("getUpdates", 502, "", 0);
// FailNext("sendMessage", 403, "Forbidden: bot was blocked by the user", 0).
func (s *Server) FailNext(method string, code int, description string, retryAfter int) {
	if description == "" {
		description = defaultDescription(code, retryAfter)
	}
	key := strings.ToLower(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[key] = append(s.failures[key], apiError{Code: code, Description: description, RetryAfter: retryAfter})
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusForbidden:
		return "Forbidden: bot was blocked by the user"
	case http.StatusConflict:
		return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	}
	return http.StatusText(code)
}

func (s *Server) takeFailure(method string) *apiError {
	key := strings.ToLower(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[key]
	if len(q) == 0 {
		return nil
	}
	e := q[0]
	s.failures[key] = q[1:]
	return &e
}

// Block makes every send to chatID (sendMessage, sendDocument, sendChatAction)
// answer 403 "Forbidden: bot was blocked by the user", as when the user blocks the
// bot. Edits and deletes are not affected.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock undoes Block, as when the user restarts the bot.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// admitSendLocked checks that a send to chatID may go out: the chat has not blocked
// the bot and, for messages, the rate limit allows it.
func (s *Server) admitSendLocked(chatID int64, message bool) *apiError {
	if s.blocked[chatID] {
		return forbiddenBlocked()
	}
	if !message || s.limiter == nil {
		return nil
	}
	if wait := s.limiter.admit(chatID); wait > 0 {
		return &apiError{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", wait), RetryAfter: wait}
	}
	return nil
}

// rateLimiter counts accepted messages in a sliding one-second window, in total and
// per chat. It is guarded by Server.mu.
type rateLimiter struct {
	global, perChat int
	clock           func() time.Time
	all             []time.Time
	chats           map[int64][]time.Time
}

// admit records a message to chatID and returns 0, or refuses it and returns the
// whole seconds to wait until the window has room.
func (l *rateLimiter) admit(chatID int64) int {
	now := l.clock()
	l.all = prune(l.all, now)
	l.chats[chatID] = prune(l.chats[chatID], now)
	wait := time.Duration(0)
	if l.global > 0 && len(l.all) >= l.global {
		wait = max(wait, l.all[len(l.all)-l.global].Add(time.Second).Sub(now))
	}
	if c := l.chats[chatID]; l.perChat > 0 && len(c) >= l.perChat {
		wait = max(wait, c[len(c)-l.perChat].Add(time.Second).Sub(now))
	}
	if wait > 0 {
		return max(1, int(math.Ceil(wait.Seconds())))
	}
	l.all = append(l.all, now)
	l.chats[chatID] = append(l.chats[chatID], now)
	return 0
}

// prune drops times that are a second or more before now.
func prune(ts []time.Time, now time.Time) []time.Time {
	cut := now.Add(-time.Second)
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return ts[i:]
}
