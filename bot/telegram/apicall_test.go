package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
)

// TestCallAsGoTelegram: the JSON calls send what go-telegram's multipart
// ones did (text, parse mode, keyboard) and fail with go-telegram's errors,
// which the limiter and the outbox test for.
func TestCallAsGoTelegram(t *testing.T) {
	const token = "7:call-token"
	srv := telegramtest.New(t, token)
	tg, err := New(Config{Token: token, APIURL: srv.URL(), Rate: -1}, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reply := flows.Reply{Text: "<b>Bonjour</b> &amp; bienvenue", Buttons: [][]flows.Button{{{Label: "Oui", Data: "y"}}}}
	if err := tg.sendMessage(ctx, tg.bot, 1001, reply); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(1001)
	if len(msgs) != 1 || msgs[0].Plain != "Bonjour & bienvenue" || msgs[0].ParseMode != "HTML" ||
		len(msgs[0].Keyboard) != 1 || msgs[0].Keyboard[0][0].CallbackData != "y" {
		t.Fatalf("sent %+v; want the text in HTML with one button", msgs)
	}

	srv.FailNext("sendMessage", 429, "", 7)
	var flood *tgbot.TooManyRequestsError
	if err := tg.sendMessage(ctx, tg.bot, 1001, flows.Reply{Text: "x"}); !errors.As(err, &flood) || flood.RetryAfter != 7 {
		t.Errorf("429 = %v; want *TooManyRequestsError with RetryAfter 7", err)
	}
	srv.FailNext("sendMessage", 403, "", 0)
	if err := tg.sendMessage(ctx, tg.bot, 1001, flows.Reply{Text: "x"}); !errors.Is(err, tgbot.ErrorForbidden) {
		t.Errorf("403 = %v; want ErrorForbidden", err)
	}
	srv.FailNext("answerCallbackQuery", 400, "Bad Request: query is too old", 0)
	if err := tg.call(ctx, "answerCallbackQuery", &tgbot.AnswerCallbackQueryParams{CallbackQueryID: "1"}); !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Errorf("400 = %v; want ErrorBadRequest", err)
	}

	// A transport error may name the address: never the token.
	if tg.bot, err = newBotAPI("http://127.0.0.1:1", token, 1); err != nil {
		t.Fatal(err)
	}
	err = tg.sendMessage(ctx, tg.bot, 1001, flows.Reply{Text: "x"})
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("unreachable API = %v; want an error without the token", err)
	}
}
