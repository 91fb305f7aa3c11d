package telegram_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

// heldAcks is the store, holding the acknowledgement of the chats in held
// until release closes: their workers stay busy.
type heldAcks struct {
	*store.Redis
	held    map[string]bool
	release chan struct{}
}

func (h heldAcks) AckUpdate(ctx context.Context, l *flows.ChatLease, id int64) (flows.InboxItem, bool, error) {
	if h.held[l.Chat] {
		<-h.release
	}
	return h.Redis.AckUpdate(ctx, l, id)
}

// TestFullPoolTakesNextChatAtOnce: with every worker busy, chats stored
// meanwhile wait for a worker to be free, not for the next sweep.
func TestFullPoolTakesNextChatAtOnce(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	st := heldAcks{Redis: env.Store, held: map[string]bool{}, release: make(chan struct{})}
	var users []models.User
	for i := range 12 {
		u := models.User{ID: int64(4001 + i), FirstName: "F", LanguageCode: "fr"}
		users = append(users, u)
		if i < 4 {
			st.held["tg:"+strconv.FormatInt(u.ID, 10)] = true
		}
	}
	log := slog.New(slog.DiscardHandler)
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL(), Poll: 2 * time.Second, Rate: -1, Workers: 2, Sweep: time.Hour},
		applicationEngine(t, env, log), st, log)
	if err != nil {
		t.Fatal(err)
	}
	stores.Store(srv, env)
	b := runBot(t, tg)
	t.Cleanup(func() {
		select {
		case <-st.release:
		default:
			close(st.release) // before stopping: the held workers must finish
		}
		b.stop()
	})
	srv.WaitPolling(t, wait)
	for i, u := range users {
		srv.WaitConfirmed(t, srv.Push(srv.Text(u, u.ID, "/start")), wait)
		if i < 4 {
			srv.WaitMessages(t, u.ID, 1, wait) // answered, its worker held
		}
	}
	close(st.release)
	for _, u := range users {
		srv.WaitMessages(t, u.ID, 1, wait) // the sweep would take an hour
	}
}
