package telegramtest_test

import (
	"context"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

const (
	token = "123456:TEST-token"
	wait  = 5 * time.Second
)

func alice() models.User {
	return models.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
}

func bob() models.User {
	return models.User{ID: 1002, FirstName: "Bob", LanguageCode: "de"}
}

// newClient is the real go-telegram client pointed at srv.
func newClient(t *testing.T, srv *telegramtest.Server, opts ...tgbot.Option) *tgbot.Bot {
	t.Helper()
	opts = append([]tgbot.Option{
		tgbot.WithServerURL(srv.URL()),
		tgbot.WithSkipGetMe(),
	}, opts...)
	b, err := tgbot.New(srv.Token(), opts...)
	if err != nil {
		t.Fatalf("tgbot.New: %v", err)
	}
	return b
}

// start runs b.Start until the test ends and waits for it to return.
func start(t *testing.T, b *tgbot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Errorf("bot.Start did not return within %v", wait)
		}
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}
