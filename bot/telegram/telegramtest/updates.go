package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// pendingUpdate is an update waiting in the queue, kept as the JSON it was pushed as
// so later changes to the test's values cannot leak in.
type pendingUpdate struct {
	id   int64
	chat int64  // for the webhook's per-chat order
	kind string // "message", "callback_query", ...
	raw  json.RawMessage
}

// msgKey names a message the bot received.
type msgKey struct {
	chat int64
	id   int
}

// notByDefault are the update kinds Telegram sends only when asked for in
// allowed_updates.
var notByDefault = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

// Push queues u with the next update_id, wakes any held getUpdates, and returns the
// id. Chats, messages and callback queries in u become known to the server, so that
// replies carry the right chat and answerCallbackQuery accepts the query id.
func (s *Server) Push(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.ID = s.nextUpdateID
	s.nextUpdateID++
	raw, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal update: %v", err))
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields)
	kind := ""
	for k := range fields {
		if k != "update_id" {
			kind = k
		}
	}
	s.rememberLocked(&u)
	s.pending = append(s.pending, pendingUpdate{id: u.ID, chat: updateChat(&u), kind: kind, raw: raw})
	s.notifyLocked()
	return u.ID
}

func (s *Server) rememberLocked(u *models.Update) {
	for _, m := range []*models.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil {
			continue
		}
		s.chats[m.Chat.ID] = m.Chat
		key := msgKey{m.Chat.ID, m.ID}
		if _, ok := s.incoming[key]; !ok && s.findLocked(m.Chat.ID, m.ID) == nil {
			s.incoming[key] = false
		}
		s.nextMsg[m.Chat.ID] = max(s.nextMsg[m.Chat.ID], m.ID)
	}
	if cq := u.CallbackQuery; cq != nil {
		if _, ok := s.callbacks[cq.ID]; !ok {
			s.callbacks[cq.ID] = &callbackState{}
		}
	}
}

// isAllowedLocked reports whether updates of kind are delivered under the current
// allowed_updates setting.
func (s *Server) isAllowedLocked(kind string) bool {
	if s.allowed == nil {
		return !notByDefault[kind]
	}
	return s.allowed[kind]
}

// getUpdates long-polls like the real server: it confirms updates below offset,
// returns pending ones at once, and otherwise holds the request until an update is
// pushed, timeout seconds pass, the client goes away, or a newer getUpdates takes
// over (which answers this one 409, as Telegram does).
func (s *Server) getUpdates(ctx context.Context, req *request) (any, *apiError) {
	offset, _ := req.int("offset")
	limit, ok := req.int("limit")
	if !ok || limit < 1 || limit > 100 {
		limit = 100
	}
	timeout, _ := req.int("timeout")
	if req.has("allowed_updates") {
		var allowed []string
		if err := json.Unmarshal([]byte(req.str("allowed_updates")), &allowed); err != nil {
			return nil, badRequest("can't parse allowed updates")
		}
	}

	s.mu.Lock()
	if s.hook != nil {
		s.mu.Unlock()
		return nil, &apiError{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	close(s.pollStop)
	stop := make(chan struct{})
	s.pollStop = stop
	if req.has("allowed_updates") {
		s.setAllowedLocked(req)
	}
	s.confirmLocked(offset)
	s.notifyLocked()
	s.mu.Unlock()

	timer := time.NewTimer(time.Duration(max(timeout, 0)) * time.Second)
	defer timer.Stop()
	held := false
	defer func() {
		if held {
			s.mu.Lock()
			s.held--
			s.notifyLocked()
			s.mu.Unlock()
		}
	}()
	for {
		s.mu.Lock()
		ups := s.takeLocked(int(limit))
		changed := s.changed
		if len(ups) == 0 && timeout > 0 && !held {
			held = true
			s.held++
			s.notifyLocked()
			changed = s.changed
		}
		s.mu.Unlock()
		if len(ups) > 0 || timeout <= 0 {
			return ups, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return ups, nil
		case <-stop:
			return nil, &apiError{Code: http.StatusConflict, Description: defaultDescription(http.StatusConflict, 0)}
		case <-ctx.Done():
			return ups, nil
		case <-s.done:
			return ups, nil
		}
	}
}

// setAllowedLocked applies a request's allowed_updates (already checked).
func (s *Server) setAllowedLocked(req *request) {
	if !req.has("allowed_updates") {
		return
	}
	var allowed []string
	_ = json.Unmarshal([]byte(req.str("allowed_updates")), &allowed)
	s.allowed = nil
	if len(allowed) > 0 {
		s.allowed = map[string]bool{}
		for _, k := range allowed {
			s.allowed[k] = true
		}
	}
}

// confirmLocked forgets updates below offset; a negative offset keeps only the last
// -offset updates.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.pending) && s.pending[i].id < offset {
			i++
		}
		s.pending = s.pending[i:]
	case offset < 0:
		if keep := int(-offset); keep < len(s.pending) {
			s.pending = s.pending[len(s.pending)-keep:]
		}
	}
}

// takeLocked returns up to limit deliverable updates, dropping those that
// allowed_updates excludes, as Telegram does.
func (s *Server) takeLocked(limit int) []json.RawMessage {
	out := []json.RawMessage{}
	kept := s.pending[:0:0]
	for _, p := range s.pending {
		if !s.isAllowedLocked(p.kind) {
			continue
		}
		kept = append(kept, p)
		if len(out) < limit {
			out = append(out, p.raw)
			s.delivered = max(s.delivered, p.id)
		}
	}
	s.pending = kept
	return out
}

func (s *Server) deleteWebhook(_ context.Context, req *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = nil
	if req.bool("drop_pending_updates") {
		s.pending = nil
	}
	s.notifyLocked()
	return true, nil
}

// Pending is the number of updates not yet confirmed by a getUpdates offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// WaitPolling waits until a getUpdates request is being held with nothing to deliver,
// that is, until the bot has taken every pending update and is waiting for more. It
// fails the test after timeout. Call it from the test goroutine.
func (s *Server) WaitPolling(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return s.held > 0 }) {
		tb.Fatalf("telegramtest: no getUpdates request held within %v", timeout)
	}
}

// WaitDelivered waits until getUpdates has handed out update id, and fails the test
// after timeout. Call it from the test goroutine.
func (s *Server) WaitDelivered(tb testing.TB, id int64, timeout time.Duration) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return s.delivered >= id }) {
		tb.Fatalf("telegramtest: update %d not delivered within %v", id, timeout)
	}
}

// WaitConfirmed waits until update id is no longer pending (confirmed by a later
// offset, or dropped), and fails the test after timeout. Call it from the test
// goroutine.
func (s *Server) WaitConfirmed(tb testing.TB, id int64, timeout time.Duration) {
	tb.Helper()
	ok := s.waitFor(timeout, func() bool {
		return len(s.pending) == 0 || s.pending[0].id > id
	})
	if !ok {
		tb.Fatalf("telegramtest: update %d not confirmed within %v", id, timeout)
	}
}
