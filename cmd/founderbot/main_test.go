package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("42:from-file\n"), 0o600)
	tests := []struct {
		env  map[string]string
		want string // in the one-line error
	}{
		{map[string]string{"TELEGRAM_TOKEN": "1:x"}, "REDIS_URL is not"},
		{map[string]string{"TELEGRAM_TOKEN_FILE": tokenFile}, "REDIS_URL is not"}, // the file counts as a token
		{map[string]string{"TELEGRAM_TOKEN_FILE": filepath.Join(dir, "missing")}, "TELEGRAM_TOKEN_FILE"},
		{map[string]string{"HUB_TIMEZONE": "Mars/Olympus"}, "HUB_TIMEZONE"},
		{map[string]string{"DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{map[string]string{"FOUNDERBOT_EPHEMERAL": "yes"}, "FOUNDERBOT_EPHEMERAL"},
		{map[string]string{"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
		{map[string]string{"REDIS_URL": "mysql://x"}, "REDIS_URL"},
		{map[string]string{"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg", "TELEGRAM_WEBHOOK_SECRET": "short"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg", "TELEGRAM_WEBHOOK_SECRET": strings.Repeat("a", 31) + "!"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"TELEGRAM_WEBHOOK_URL": "bot.example.org"}, "TELEGRAM_WEBHOOK_URL"},
		{map[string]string{"TELEGRAM_CHAT_LIMIT": "lots"}, "TELEGRAM_CHAT_LIMIT"},
		{map[string]string{"TELEGRAM_LEASE": "1ms"}, "TELEGRAM_LEASE"},
		{map[string]string{"TELEGRAM_WORKERS": "0"}, "TELEGRAM_WORKERS"},
		{map[string]string{"TELEGRAM_WORKERS": "many"}, "TELEGRAM_WORKERS"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, "SHUTDOWN_TIMEOUT"},
		{map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, "SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		err := run(context.Background(), nil, env(tt.env), strings.NewReader(""), &out, &errOut)
		var usage *errUsage
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("env %v: err = %v; want a one-line usage error about %s", tt.env, err, tt.want)
		}
	}
	cfg, err := loadConfig(nil, env(map[string]string{"TELEGRAM_TOKEN_FILE": tokenFile, "FOUNDERBOT_EPHEMERAL": "1"}), &bytes.Buffer{})
	if err != nil || cfg.telegramToken != "42:from-file" {
		t.Errorf("token from file = %q, %v", cfg.telegramToken, err)
	}
	secret := strings.Repeat("s3cret_-", 5)
	secretFile := filepath.Join(dir, "webhook")
	os.WriteFile(secretFile, []byte(secret+"\n"), 0o600)
	cfg, err = loadConfig(nil, env(map[string]string{"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg", "TELEGRAM_WEBHOOK_SECRET_FILE": secretFile,
		"TELEGRAM_CHAT_LIMIT": "5/2s"}), &bytes.Buffer{})
	if err != nil || cfg.webhookSecret != secret || cfg.chatLimit != 5 || cfg.chatWindow != 2*time.Second {
		t.Errorf("webhook secret from file = %q, limit %d/%v, %v", cfg.webhookSecret, cfg.chatLimit, cfg.chatWindow, err)
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-help"}, env(nil), strings.NewReader(""), &out, &bytes.Buffer{})
	if !errors.Is(err, errHelp) {
		t.Fatalf("run -help = %v", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.name) {
			t.Errorf("-help does not list %s", s.name)
		}
	}
	if !strings.Contains(out.String(), "Africa/Casablanca") {
		t.Errorf("-help does not show defaults:\n%s", out.String())
	}
}

// TestRunConsole: with no settings at all, the bot chats in the terminal
// on the embedded Redis, and says that state lives in memory.
func TestRunConsole(t *testing.T) {
	var out, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, nil, env(nil), strings.NewReader("1\nAcme\n"), &out, &logs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Bienvenue chez StartGate") || !strings.Contains(out.String(), "Question 2 sur 10") {
		t.Errorf("console output:\n%s", out.String())
	}
	if !strings.Contains(logs.String(), "state lives in memory") {
		t.Errorf("logs do not warn about memory: %s", logs.String())
	}
}

// TestRunTelegram wires the whole binary to a fake Bot API and a Redis.
func TestRunTelegram(t *testing.T) {
	srv := telegramtest.New(t, "9:secret-token")
	m := miniredis.RunT(t)
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": srv.URL(),
			"REDIS_URL": "redis://" + m.Addr() + "/0", "HUB_NAME": "Hub <Rabat>", "LOG_LEVEL": "debug",
			"HTTP_ADDR": "127.0.0.1:0",
		}), strings.NewReader(""), &bytes.Buffer{}, &logs)
	}()
	u := models.User{ID: 5, FirstName: "Nora", LanguageCode: "en"}
	id := srv.Push(srv.Text(u, u.ID, "/start"))
	srv.WaitConfirmed(t, id, 10*time.Second)
	msgs := srv.WaitMessages(t, u.ID, 1, 10*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Plain, "Welcome to Hub <Rabat>") {
		t.Errorf("messages = %+v", msgs)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if strings.Contains(logs.String(), "secret-token") {
		t.Errorf("the token is in the logs:\n%s", logs.String())
	}
	if srv.Pending() != 0 {
		t.Errorf("%d updates left unconfirmed; want none", srv.Pending())
	}
}

// TestRunConsoleDemo: the console's in-memory hub has mentors with slots
// to try /book on.
func TestRunConsoleDemo(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, nil, env(map[string]string{"BOOKING_OPEN_TO": "anyone", "DEFAULT_LANGUAGE": "en"}), strings.NewReader("/book\n1\n"), &out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Karim Benali") {
		t.Errorf("no demo mentor offered:\n%s", out.String())
	}
}
