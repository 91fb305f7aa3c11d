package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.APIURL+"/bot"+t.cfg.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %s", method, t.redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.apiHTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = strings.ReplaceAll(ue.URL, t.cfg.Token, "<token>")
		}
		return fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
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
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: HTTP %d: decode answer: %w", method, resp.StatusCode, err)
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
