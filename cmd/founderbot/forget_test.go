package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// TestForgetMeThroughTheInbox erases a founder's data while the worker
// that applies /forgetme holds the chat: the confirmation still arrives,
// the founder can start again at once, and no key but the short-lived
// keys that expire by themselves name them afterwards.
func TestForgetMeThroughTheInbox(t *testing.T) {
	srv := telegramtest.New(t, "9:secret-token")
	m := miniredis.RunT(t)
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": srv.URL(), "HTTP_ADDR": "off",
			"REDIS_URL": "redis://" + m.Addr() + "/0", "HUB_NAME": "StartGate", "LOG_LEVEL": "warn",
		}), strings.NewReader(""), &bytes.Buffer{}, &logs)
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run = %v; log:\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("run did not stop")
		}
	}()
	u := models.User{ID: 77, FirstName: "Nora", Username: "nora_acme", LanguageCode: "en"}
	// last waits until the founder's last message holds want.
	last := func(want string) telegramtest.SentMessage {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			msgs := srv.Messages(u.ID)
			if len(msgs) > 0 && strings.Contains(msgs[len(msgs)-1].Plain, want) {
				return msgs[len(msgs)-1]
			}
			if time.Now().After(deadline) {
				t.Fatalf("no last message with %q within 10s; messages: %d", want, len(msgs))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	srv.Push(srv.Text(u, u.ID, "/apply"))
	last("startup's name")
	srv.Push(srv.Text(u, u.ID, "Acme Mobility"))
	last("Question 2 of 10")
	srv.Push(srv.Text(u, u.ID, "/forgetme"))
	ask := last("Erase all we store about you?")
	srv.Push(srv.PressButton(t, u, ask, "Erase my data"))
	last("all we stored about you is erased")
	settled(t, m, u.ID)
	for _, k := range m.Keys() {
		// Kept, each expiring by itself: update markers (48 h), the journal
		// of the /forgetme turn's own replies (48 h), and the founder's
		// rate window (seconds), which holds a count.
		shortLived := strings.Contains(k, ":upd:") || strings.Contains(k, ":out:") || strings.HasSuffix(k, ":rate")
		if strings.Contains(k, "tg:77") && (!shortLived || m.TTL(k) <= 0) {
			t.Errorf("key %q still names the founder after /forgetme (TTL %v)", k, m.TTL(k))
		}
	}
	// Every value of every type (strings, hashes, sets, lists), whole, not
	// only strings: a directory entry is a hash field.
	defer func(n int) { miniredis.DumpMaxLineLen = n }(miniredis.DumpMaxLineLen)
	miniredis.DumpMaxLineLen = 1 << 20
	for _, data := range []string{"Acme Mobility", "nora_acme"} {
		if dump := m.Dump(); strings.Contains(dump, data) {
			t.Errorf("the store still holds %q after /forgetme:\n%s", data, dump)
		}
	}
	srv.Push(srv.Text(u, u.ID, "/start"))
	last("Welcome")
}
