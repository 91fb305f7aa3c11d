package telegramtest

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// webhook is what setWebhook set: the server then posts updates there, as
// Telegram does, instead of holding them for getUpdates.
type webhook struct {
	url, secret string
	maxConn     int
}

// WithWebhookRetry sets how long the server waits before posting an update
// again after a failed post (an error or a non-2xx answer); default 100ms.
func WithWebhookRetry(d time.Duration) Option {
	return func(s *Server) { s.hookRetry = d }
}

// WebhookPosts is how many webhook posts were made, and how many of them
// failed (and were retried).
func (s *Server) WebhookPosts() (posts, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookPosts, s.hookFailed
}

func (s *Server) setWebhook(_ context.Context, req *request) (any, *apiError) {
	url := req.str("url")
	secret := req.str("secret_token")
	if len(secret) > 256 {
		return nil, badRequest("secret token is too long")
	}
	for _, c := range secret {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return nil, badRequest("secret token contains unallowed characters")
		}
	}
	maxConn, ok := req.int("max_connections")
	if !ok || maxConn < 1 || maxConn > 100 {
		maxConn = 40
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if url == "" {
		s.hook = nil
		s.notifyLocked()
		return true, nil
	}
	s.setAllowedLocked(req)
	s.hook = &webhook{url: url, secret: secret, maxConn: int(maxConn)}
	if !s.hookRunning {
		s.hookRunning = true
		go s.deliver()
	}
	s.notifyLocked()
	return true, nil
}

// deliver posts pending updates to the webhook as Telegram does: in order,
// a chat's next update only once its previous post was answered with 2xx,
// a failed post retried after a while, up to maxConn posts at once.
func (s *Server) deliver() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		hook := s.hook
		if hook == nil {
			s.hookRunning = false
			s.mu.Unlock()
			return
		}
		now := time.Now()
		next := now.Add(time.Hour)
		busy := map[int64]bool{}
		for _, p := range s.pending {
			if !s.isAllowedLocked(p.kind) || busy[p.chat] {
				continue
			}
			busy[p.chat] = true // later updates of the chat wait for this one
			if s.inflight[p.id] || len(s.inflight) >= hook.maxConn {
				continue
			}
			if at, ok := s.retryAt[p.id]; ok && at.After(now) {
				if at.Before(next) {
					next = at
				}
				continue
			}
			s.inflight[p.id] = true
			s.hookPosts++
			go s.post(hook, p)
		}
		changed := s.changed
		s.mu.Unlock()
		timer.Reset(next.Sub(now))
		select {
		case <-changed:
		case <-timer.C:
		case <-s.done:
			return
		}
	}
}

// post makes one webhook post and records its outcome.
func (s *Server) post(hook *webhook, p pendingUpdate) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-stop:
		}
	}()
	ok := false
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.url, bytes.NewReader(p.raw))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if hook.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			ok = resp.StatusCode >= 200 && resp.StatusCode < 300
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inflight, p.id)
	if ok {
		delete(s.retryAt, p.id)
		for i, q := range s.pending {
			if q.id == p.id {
				s.pending = append(s.pending[:i:i], s.pending[i+1:]...)
				break
			}
		}
		s.delivered = max(s.delivered, p.id)
	} else {
		s.hookFailed++
		s.retryAt[p.id] = time.Now().Add(s.hookRetry)
	}
	s.notifyLocked()
}

// updateChat is the chat an update belongs to, for the webhook's order.
func updateChat(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message.Message != nil:
		return u.CallbackQuery.Message.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}
