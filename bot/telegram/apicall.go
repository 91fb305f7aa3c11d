package telegram

import (
	"context"
	"fmt"
	"net/http"

	json "github.com/segmentio/encoding/json" // hot path: see poll.go

	tgbot "github.com/go-telegram/bot"
)

// call makes one Bot API call with a JSON body, for the calls every update
// makes (sendMessage, answerCallbackQuery, editing the pressed message),
// with go-telegram's parameter types. go-telegram builds each call as
// multipart by reflection in a goroutine of its own and decodes the whole
// result (a Message) that the bot never reads: most of the CPU an update
// spent in the Bot API client (see README, Performance). Errors are
// go-telegram's, so callers test them the same way (errors.As
// *tgbot.TooManyRequestsError, errors.Is tgbot.ErrorForbidden...).
func (t *Telegram) call(ctx context.Context, method string, params any) error {
	return t.callOn(ctx, t.bot, method, params)
}

// callOn makes the call on one of the clients: the workers' (bot), cut
// once the drain is over, or the outbox's (out), whose sends in flight
// finish by their own timeout.
func (t *Telegram) callOn(ctx context.Context, api *botAPI, method string, params any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	// The result is skipped, not decoded.
	var r struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		ErrorCode   int    `json:"error_code"`
		Parameters  struct {
			RetryAfter      int   `json:"retry_after"`
			MigrateToChatID int64 `json:"migrate_to_chat_id"`
		} `json:"parameters"`
	}
	err = api.post(ctx, method, body, callTimeout, func(status int, answer []byte) error {
		if err := json.Unmarshal(answer, &r); err != nil {
			return fmt.Errorf("HTTP %d: decode answer: %w", status, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if r.OK {
		return nil
	}
	// As go-telegram's rawRequest maps them (raw_request.go).
	switch r.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, r.Description)
	case http.StatusBadRequest:
		if r.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{Message: fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, r.Description),
				MigrateToChatID: int(r.Parameters.MigrateToChatID)}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, r.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, r.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, r.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, r.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, r.Description),
			RetryAfter: r.Parameters.RetryAfter}
	}
	return fmt.Errorf("error response from telegram for method %s, %d %s", method, r.ErrorCode, r.Description)
}
