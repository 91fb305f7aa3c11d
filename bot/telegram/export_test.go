package telegram

import (
	"context"
	"log/slog"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
)

// HandleForTest handles one update as a separate replica would: its own
// engine and transport on the shared store.
func HandleForTest(tb testing.TB, token, url string, st *store.Redis, u models.Update) {
	cat, err := flows.NewCatalog("fr")
	if err != nil {
		tb.Error(err)
		return
	}
	log := slog.New(slog.DiscardHandler)
	tg, err := New(Config{Token: token, APIURL: url, Rate: -1}, flows.NewEngine(st, cat, flows.Config{}, log), st, log)
	if err != nil {
		tb.Error(err)
		return
	}
	tg.handleBatch(context.Background(), []*models.Update{&u})
}

// SendBulkForTest sends r as the outbox does, without the outbox: a bulk
// message through the limiter, a 429 pausing every sender. answer runs
// between the call and recording its answer: the rest of the round trip.
func (t *Telegram) SendBulkForTest(ctx context.Context, chatID int64, r flows.Reply, answer func()) error {
	answered, err := t.lim.WaitBulk(ctx, chatID)
	if err != nil {
		return err
	}
	err = t.sendMessage(ctx, chatID, r)
	answer()
	answered()
	if answer, wait := classify(err); answer == answerFlood {
		t.lim.Pause(wait)
	}
	return err
}
