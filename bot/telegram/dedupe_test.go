package telegram_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

// TestUpdateDeliveredTwice: Telegram redelivers an update after a crash
// (before the offset was saved); the second delivery has no effect.
func TestUpdateDeliveredTwice(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	me := salma.ID
	telegram.HandleForTest(t, token, srv.URL(), env.Store, srv.Text(salma, me, "/apply"))
	u := srv.Text(salma, me, "Acme")
	u.ID = 77
	telegram.HandleForTest(t, token, srv.URL(), env.Store, u)
	n := len(srv.Messages(me))
	telegram.HandleForTest(t, token, srv.URL(), env.Store, u)
	if got := len(srv.Messages(me)); got != n {
		t.Errorf("redelivered update sent %d more messages; want 0", got-n)
	}
	s, ver, _, err := env.Store.LoadSession(context.Background(), telegram.FounderID(me), "")
	if err != nil || s.Step != "founder" || ver != 2 {
		t.Errorf("session after redelivery = step %q version %d (%v); want step founder, version 2", s.Step, ver, err)
	}
}

// TestTokenNeverLogged: a Bot API server that cannot be reached yields
// errors whose URL holds the token; the start-up retries log them
// redacted.
func TestTokenNeverLogged(t *testing.T) {
	env := storetest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cat, _ := flows.NewCatalog("fr", application.Messages())
	eng := flows.NewEngine(env.Store, cat, flows.Config{}, log)
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	// A closed port on loopback: every request fails at once.
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: "http://127.0.0.1:1", Poll: time.Second,
		StartBackoff: 50 * time.Millisecond}, eng, env.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := tg.Run(ctx); err != nil {
		t.Errorf("Run = %v; want nil: an unreachable Bot API is waited for until shutdown", err)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("token leaked:\nlogs: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "deleteWebhook") {
		t.Errorf("logs do not say where it failed:\n%s", logs.String())
	}
}

// TestSlowBatchNotCut: a batch that waits out a long flood-control pause
// is not cut short by the shutdown drain limit, which only applies once
// shutdown is asked.
func TestSlowBatchNotCut(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	cat, _ := flows.NewCatalog("fr", application.Messages())
	log := slog.New(slog.DiscardHandler)
	eng := flows.NewEngine(env.Store, cat, flows.Config{}, log)
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL(), Poll: time.Second, Drain: 500 * time.Millisecond}, eng, env.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	defer func() { cancel(); <-done }()
	srv.FailNext("sendMessage", 429, "", 2)
	id := srv.Push(srv.Text(salma, salma.ID, "/start"))
	srv.WaitConfirmed(t, id, 10*time.Second)
	settled(t, env, salma.ID)
	if msgs := srv.Messages(salma.ID); len(msgs) != 1 {
		t.Errorf("after a 2 s flood pause the founder got %d messages; want the welcome", len(msgs))
	}
}
