package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/ops"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/store/storetest"
)

const hookSecret = "0123456789abcdef0123456789ABCDEF_-x"

// startTelegram runs a transport with cfg (token, API URL and a quick
// poll are filled in) until the test ends.
func startTelegram(t *testing.T, srv *telegramtest.Server, env *storetest.Env, cfg telegram.Config) *telegram.Telegram {
	t.Helper()
	return startTelegramOn(t, srv, env, env.Store, cfg)
}

// startTelegramOn is startTelegram with the transport on st, env's store
// or one wrapping it.
func startTelegramOn(t *testing.T, srv *telegramtest.Server, env *storetest.Env, st telegram.Inbox, cfg telegram.Config) *telegram.Telegram {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	cfg.Token, cfg.APIURL, cfg.Poll = token, srv.URL(), 2*time.Second
	tg, err := telegram.New(cfg, applicationEngine(t, env, log), st, log)
	if err != nil {
		t.Fatal(err)
	}
	stores.Store(srv, env)
	runBot(t, tg)
	return tg
}

// startWebhook runs a transport in webhook mode behind a loopback HTTP
// server, and returns the server's URL.
func startWebhook(t *testing.T, srv *telegramtest.Server, env *storetest.Env) string {
	t.Helper()
	return startWebhookOn(t, srv, env, env.Store, telegram.Config{Rate: -1})
}

// startWebhookOn is startWebhook with the transport on st and cfg.
func startWebhookOn(t *testing.T, srv *telegramtest.Server, env *storetest.Env, st telegram.Inbox, cfg telegram.Config) string {
	t.Helper()
	var h atomic.Pointer[http.Handler]
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	t.Cleanup(hook.Close)
	cfg.WebhookURL, cfg.WebhookSecret = hook.URL+"/tg", hookSecret
	tg := startTelegramOn(t, srv, env, st, cfg)
	handler := tg.WebhookHandler()
	h.Store(&handler)
	return hook.URL + "/tg"
}

// TestWebhookSecret: a post without the secret or with a wrong one is
// refused with 401 and stores nothing; with it, the update is applied,
// once even when posted twice.
func TestWebhookSecret(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	url := startWebhook(t, srv, env)
	post := func(secret string, u models.Update) int {
		t.Helper()
		body, _ := json.Marshal(&u)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	u := srv.Text(salma, salma.ID, "/start")
	u.ID = 500
	for _, secret := range []string{"", "wrong", hookSecret[:len(hookSecret)-1] + "y"} {
		if code := post(secret, u); code != http.StatusUnauthorized {
			t.Errorf("post with secret %q = %d; want 401", secret, code)
		}
	}
	if n, _ := env.Store.InboxLen(context.Background(), "tg:"+strconv.FormatInt(salma.ID, 10)); n != 0 {
		t.Errorf("refused posts stored %d updates", n)
	}
	for range 2 {
		if code := post(hookSecret, u); code != http.StatusOK {
			t.Fatalf("post with the secret = %d; want 200", code)
		}
	}
	srv.WaitMessages(t, salma.ID, 1, wait)
	settled(t, env, salma.ID)
	if code := post(hookSecret, u); code != http.StatusOK { // after it was answered
		t.Fatalf("third post = %d; want 200", code)
	}
	settled(t, env, salma.ID)
	if msgs := srv.Messages(salma.ID); len(msgs) != 1 {
		t.Errorf("an update posted three times got %d answers; want 1", len(msgs))
	}
	_, ver, _, _ := env.Store.LoadSession(context.Background(), telegram.FounderID(salma.ID), "")
	if ver != 1 {
		t.Errorf("session version %d; want 1 (applied once)", ver)
	}
}

// TestWebhookDelivery: the fake posts updates like Telegram, a chat's next
// only after the previous was answered; a founder goes through the first
// questions, and a failed post is posted again.
func TestWebhookDelivery(t *testing.T) {
	srv := telegramtest.New(t, token, telegramtest.WithWebhookRetry(10*time.Millisecond))
	env := storetest.New(t)
	startWebhook(t, srv, env)
	me := salma.ID
	q := last(t, chat(t, srv, me, srv.Text(salma, me, "/apply")))
	if !strings.Contains(q.Plain, "Question 1 sur 10") {
		t.Fatalf("after /apply: %q", q.Plain)
	}
	for _, a := range []string{"Acme", "Salma", "s@acme.ma"} {
		q = last(t, chat(t, srv, me, srv.Text(salma, me, a)))
	}
	q = last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "⏭ Passer")))
	if !strings.Contains(q.Plain, "Question 5 sur 10") {
		t.Errorf("after four answers: %q", q.Plain)
	}
	if posts, failed := srv.WebhookPosts(); posts < 5 {
		t.Errorf("webhook posts = %d (%d failed); want at least 5", posts, failed)
	}
}

// TestFairness: one founder's burst, whose replies wait on Telegram's
// per-chat limit, does not hold up another founder's answer; past the
// limit, the burst is cut.
func TestFairness(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	tg := startTelegram(t, srv, env, telegram.Config{Drain: 100 * time.Millisecond})
	srv.WaitPolling(t, wait)
	flood := models.User{ID: 2001, FirstName: "Flood", LanguageCode: "fr"}
	calm := models.User{ID: 2002, FirstName: "Calm", LanguageCode: "en"}
	var last int64
	for i := range 50 {
		last = srv.Push(srv.Text(flood, flood.ID, "message "+strconv.Itoa(i)))
	}
	srv.WaitConfirmed(t, last, wait)
	srv.WaitMessages(t, flood.ID, 3, wait) // the flood's burst went out: the rest wait on its chat's limit
	start := time.Now()
	srv.Push(srv.Text(calm, calm.ID, "/start"))
	srv.WaitMessages(t, calm.ID, 1, wait)
	for _, c := range srv.Calls("sendMessage") {
		if c.Params["chat_id"] != strconv.FormatInt(calm.ID, 10) {
			continue
		}
		// c.Time is when the reply reached the fake API.
		if took := c.Time.Sub(start); took > 200*time.Millisecond {
			t.Errorf("the calm founder's answer took %v behind the flood; want under 200ms", took)
		}
	}
	if got := tg.Dropped(); got != 50-21 {
		t.Errorf("dropped %d updates of the flood; want %d (20 taken, 1 answered \"slow down\")", got, 50-21)
	}
}

// TestChatLimit: past the limit a founder gets one "slow down" answer,
// in their language, after the updates taken.
func TestChatLimit(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	m := ops.NewMetrics()
	tg := startTelegram(t, srv, env, telegram.Config{Rate: -1, ChatLimit: 3, ChatWindow: time.Minute, Metrics: m})
	srv.WaitPolling(t, wait)
	u := models.User{ID: 2003, FirstName: "Fast", LanguageCode: "en"}
	var id int64
	for range 6 {
		id = srv.Push(srv.Text(u, u.ID, "/help"))
	}
	srv.WaitConfirmed(t, id, wait)
	settled(t, env, u.ID)
	msgs := srv.Messages(u.ID)
	if len(msgs) != 4 || !strings.Contains(msgs[3].Plain, "a lot of messages") {
		t.Fatalf("got %d messages, last %q; want 3 answers and a slow-down", len(msgs), lastText(msgs))
	}
	if tg.Dropped() != 2 {
		t.Errorf("dropped = %d; want 2", tg.Dropped())
	}
	for outcome, want := range map[string]float64{ops.LimitSlowed: 1, ops.LimitDropped: 2} {
		labels := map[string]string{"transport": "telegram", "outcome": outcome}
		if got := counter(t, m, "founderbot_updates_limited_total", labels); got != want {
			t.Errorf("updates_limited_total%v = %v; want %v", labels, got, want)
		}
	}
}

func lastText(msgs []telegramtest.SentMessage) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Plain
}
