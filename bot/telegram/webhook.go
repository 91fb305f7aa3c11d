package telegram

import (
	"context"
	"crypto/subtle"
	"io"
	"net/http"

	tgbot "github.com/go-telegram/bot"
	json "github.com/segmentio/encoding/json" // as poll.go
)

// ValidWebhookSecret reports whether s can be the webhook's secret_token:
// Telegram takes 1 to 256 characters of A-Z, a-z, 0-9, _ and -; fewer
// than 32 would be guessable.
func ValidWebhookSecret(s string) bool {
	if len(s) < 32 || len(s) > 256 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// setWebhook has Telegram post updates to the webhook URL with the secret.
func (t *Telegram) setWebhook(ctx context.Context) error {
	_, err := t.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: t.cfg.WebhookURL, SecretToken: t.cfg.WebhookSecret,
		AllowedUpdates: []string{"message", "edited_message", "callback_query"}})
	if err != nil {
		return err // startup redacts and wraps it
	}
	t.log.Info("telegram webhook set", "replica", t.id)
	return nil
}

// maxUpdateBytes bounds a posted update; real ones are a few kilobytes.
const maxUpdateBytes = 1 << 20

// WebhookHandler takes Telegram's posts of updates. It answers 401 to a
// post without the right secret (storing nothing), and 200 only once the
// update is stored, so that a failure makes Telegram post it again; the
// chat's next update comes only after that answer.
func (t *Telegram) WebhookHandler() http.Handler {
	secret := []byte(t.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
		if err != nil || !json.Valid(body) {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if err := t.store(r.Context(), []json.RawMessage{body}); err != nil {
			t.log.Error("telegram webhook store", "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
