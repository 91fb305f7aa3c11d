package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"

	tgbot "github.com/go-telegram/bot"
)

// maxStartBackoff caps the wait between two start-up attempts.
const maxStartBackoff = 30 * time.Second

// errRefusedToken is a start-up failure no retry can mend.
var errRefusedToken = errors.New("telegram refused TELEGRAM_TOKEN (401 Unauthorized or 404 Not Found): check the token with @BotFather")

// startup gets the bot ready to receive: in webhook mode it sets the
// webhook (with its secret), else it drops any webhook (polling is
// refused while one is set; pending updates are kept); then it registers
// the commands. A Bot API that does not answer is waited for, with
// back-off and one log line per failure, so that a replica started during
// an outage comes up by itself; a token Telegram refuses ends it with
// errRefusedToken. When ctx ends first it returns ctx's error. Once done
// it calls cfg.Started, for readiness.
func (t *Telegram) startup(ctx context.Context) error {
	var err error
	if t.cfg.WebhookURL != "" {
		err = t.retryStart(ctx, "set webhook", func() error { return t.setWebhook(ctx) })
	} else {
		err = t.retryStart(ctx, "delete webhook", func() error {
			_, err := t.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
			return err
		})
	}
	if err != nil {
		return err
	}
	// Commands are a convenience: only an unreachable Bot API is waited
	// out, any other refusal is logged and the bot starts regardless.
	err = t.retryStart(ctx, "set commands", func() error {
		if err := t.registerCommands(ctx); err != nil && retryable(err) {
			return err
		} else if err != nil {
			t.log.Warn("telegram commands not registered", "err", t.redact(err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if t.cfg.Started != nil {
		t.cfg.Started()
	}
	return nil
}

// retryStart calls step until it succeeds, waiting longer after each
// failure (cfg.StartBackoff doubled up to maxStartBackoff). A refused
// token stops it at once, as does the end of ctx.
func (t *Telegram) retryStart(ctx context.Context, what string, step func() error) error {
	wait := t.cfg.StartBackoff
	if wait <= 0 {
		wait = time.Second
	}
	for {
		err := step()
		switch {
		case err == nil:
			return nil
		case errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound):
			return errRefusedToken
		case ctx.Err() != nil:
			return ctx.Err()
		case !retryable(err):
			return fmt.Errorf("telegram %s: %s", what, t.redact(err))
		}
		t.log.Warn("telegram start-up: not reachable yet, retrying", "step", what, "err", t.redact(err), "retry_in", wait)
		if err := sleepUntil(ctx, time.Now().Add(wait)); err != nil {
			return err
		}
		wait = min(2*wait, maxStartBackoff)
	}
}

// retryable reports whether a start-up failure may pass by itself: the
// network, a 5xx or a 429 of the Bot API, or Redis (any error that is not
// one of the Bot API's refusals).
func retryable(err error) bool {
	for _, refusal := range []error{tgbot.ErrorUnauthorized, tgbot.ErrorNotFound, tgbot.ErrorForbidden,
		tgbot.ErrorBadRequest, tgbot.ErrorConflict} {
		if errors.Is(err, refusal) {
			return false
		}
	}
	return true
}
