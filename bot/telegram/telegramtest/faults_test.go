package telegramtest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimitSlidingWindow(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv := telegramtest.New(t, token, telegramtest.WithRateLimit(3, 2, clock.Now))
	b := newClient(t, srv)
	send := func(chat int64) error {
		_, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: chat, Text: "hi"})
		return err
	}
	retryAfter := func(err error) int {
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			t.Fatalf("err = %v; want *TooManyRequestsError", err)
		}
		return tooMany.RetryAfter
	}

	for i := range 2 {
		if err := send(1); err != nil {
			t.Fatalf("send %d to chat 1: %v", i, err)
		}
	}
	if got := retryAfter(send(1)); got != 1 {
		t.Errorf("third send to chat 1 in a second: retry_after %d; want 1", got)
	}
	clock.Advance(400 * time.Millisecond)
	if err := send(2); err != nil {
		t.Fatalf("send to chat 2: %v", err)
	}
	if got := retryAfter(send(3)); got != 1 {
		t.Errorf("fourth send in a second: retry_after %d; want 1 (global limit)", got)
	}
	// The first two sends leave the window at 1 s; the one at 0.4 s is still in it.
	clock.Advance(600 * time.Millisecond)
	if err := send(3); err != nil {
		t.Errorf("send after the window slid: %v", err)
	}
	if err := send(1); err != nil {
		t.Errorf("send to chat 1 after the window slid: %v", err)
	}
	if got := retryAfter(send(4)); got != 1 {
		t.Errorf("global limit again: retry_after %d; want 1", got)
	}
	if n := len(srv.Messages(1)); n != 3 {
		t.Errorf("chat 1 got %d messages; want 3", n)
	}
	if c := srv.Calls("sendMessage"); c[2].Status != 429 || c[2].Error != "Too Many Requests: retry after 1" {
		t.Errorf("refused call = %d %q", c[2].Status, c[2].Error)
	}
}

func TestFailNextQueuesAndStartRecovers(t *testing.T) {
	srv := telegramtest.New(t, token)
	srv.FailNext("getUpdates", 502, "", 0)
	srv.FailNext("GETUPDATES", 500, "Internal Server Error: restart", 0)
	got := make(chan string, 1)
	b := newClient(t, srv, tgbot.WithDefaultHandler(func(_ context.Context, _ *tgbot.Bot, u *models.Update) {
		if u.Message != nil {
			got <- u.Message.Text
		}
	}))
	start(t, b)
	srv.Push(srv.Text(alice(), alice().ID, "after the outage"))
	select {
	case text := <-got:
		if text != "after the outage" {
			t.Errorf("text = %q", text)
		}
	case <-time.After(wait):
		t.Fatal("update not delivered after the injected failures")
	}
	calls := srv.Calls("getUpdates")
	if len(calls) < 3 || calls[0].Status != 502 || calls[0].Error != "Bad Gateway" || calls[1].Status != 500 || calls[1].Error != "Internal Server Error: restart" {
		t.Errorf("first calls = %+v; want 502 Bad Gateway then the 500", calls[:min(len(calls), 2)])
	}
}
