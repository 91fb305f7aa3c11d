package telegram

import (
	"context"
	"log/slog"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store"
)

// HandleForTest handles one update as a separate replica would: its own
// engine and transport on the shared store.
func HandleForTest(tb testing.TB, token, url string, st *store.Redis, u models.Update) {
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		tb.Error(err)
		return
	}
	log := slog.New(slog.DiscardHandler)
	eng := flows.NewEngine(st, cat, flows.Config{}, log)
	if err := eng.Register(application.NewForm(st, application.FormConfig{}).Conversation()); err != nil {
		tb.Error(err)
		return
	}
	tg, err := New(Config{Token: token, APIURL: url, Rate: -1}, eng, st, log)
	if err != nil {
		tb.Error(err)
		return
	}
	tg.handleBatch(context.Background(), []*models.Update{&u})
}
