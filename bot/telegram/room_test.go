package telegram_test

import (
	"context"
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
// meanwhile wait for a worker to be free, not for the next sweep; polling
// or with a webhook, a replica takes about Workers chats at once.
func TestFullPoolTakesNextChatAtOnce(t *testing.T) {
	for _, webhook := range []bool{false, true} {
		t.Run(map[bool]string{false: "polling", true: "webhook"}[webhook], func(t *testing.T) {
			const workers = 2
			srv := telegramtest.New(t, token)
			env := storetest.New(t)
			st := heldAcks{Redis: env.Store, held: map[string]bool{}, release: make(chan struct{})}
			var users []models.User
			for i := range 10 {
				u := models.User{ID: int64(4001 + i), FirstName: "F", LanguageCode: "fr"}
				users = append(users, u)
				if i < workers {
					st.held["tg:"+strconv.FormatInt(u.ID, 10)] = true
				}
			}
			// Registered before the transport's: runs first, so that the
			// held workers can finish when the test stops early.
			t.Cleanup(func() {
				select {
				case <-st.release:
				default:
					close(st.release)
				}
			})
			cfg := telegram.Config{Rate: -1, Workers: workers, Sweep: time.Hour}
			if webhook {
				startWebhookOn(t, srv, env, st, cfg)
			} else {
				startTelegramOn(t, srv, env, st, cfg)
				srv.WaitPolling(t, wait)
			}
			for i, u := range users {
				srv.WaitConfirmed(t, srv.Push(srv.Text(u, u.ID, "/start")), wait)
				if i < workers {
					srv.WaitMessages(t, u.ID, 1, wait) // answered, its worker held
				}
			}
			// Workers bounds the chats taken, but for the one a worker
			// already waited for when the last held chat came.
			time.Sleep(50 * time.Millisecond) // room for wrong answers
			answered := 0
			for _, u := range users[workers:] {
				if len(srv.Messages(u.ID)) != 0 {
					answered++
				}
			}
			if answered > 1 {
				t.Errorf("%d more chats answered while the %d workers were held; want 1 at most", answered, workers)
			}
			close(st.release)
			for _, u := range users {
				srv.WaitMessages(t, u.ID, 1, wait) // the sweep would take an hour
			}
		})
	}
}
