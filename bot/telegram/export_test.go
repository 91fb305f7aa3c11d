package telegram

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store"
)

// HandleForTest handles one update as a separate replica would: its own
// engine and transport on the shared store. It stores the update in the
// inbox and drains the chat, unless another replica holds it (which then
// applies the update before it lets the chat go).
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
	raw, err := json.Marshal(&u)
	if err != nil {
		tb.Error(err)
		return
	}
	ctx := context.Background()
	if err := tg.store(ctx, []json.RawMessage{raw}); err != nil {
		tb.Error(err)
		return
	}
	_, chat, _ := updateHead(raw)
	p := &pool{t: tg, ctx: ctx, sem: make(chan struct{}, 1), active: map[string]*chatWork{}}
	p.sem <- struct{}{}
	p.work(&chatWork{lease: &flows.ChatLease{Chat: chatName(chat), Holder: tg.id, TTL: time.Minute}})
}

// SendBulkForTest sends r as the outbox does, without the outbox: a bulk
// message through the limiter, a 429 pausing every sender. answer runs
// between the call and recording its answer: the rest of the round trip.
func (t *Telegram) SendBulkForTest(ctx context.Context, chatID int64, r flows.Reply, answer func()) error {
	answered, err := t.lim.WaitBulk(ctx, chatID)
	if err != nil {
		return err
	}
	err = t.sendMessage(ctx, t.out, chatID, r)
	answer()
	answered()
	if answer, wait := classify(err); answer == answerFlood {
		t.lim.Pause(wait)
	}
	return err
}
