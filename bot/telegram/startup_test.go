package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/startgate/founderbot/bot/ops"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// lockedBuffer is a log sink safe for the transport's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// flaky stands in front of the fake Bot API and cuts the first n
// connections, as an unreachable network does.
func flaky(t *testing.T, srv *telegramtest.Server, n int64) (string, *atomic.Int64) {
	t.Helper()
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var cut atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cut.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL, &cut
}

func newTransport(t *testing.T, srv *telegramtest.Server, cfg telegram.Config, env *storetest.Env, log *slog.Logger) *telegram.Telegram {
	t.Helper()
	stores.Store(srv, env) // for chat(), which waits on the chat's mailbox
	cat, err := flows.NewCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Token, cfg.Poll, cfg.Rate = token, 2*time.Second, -1
	tg, err := telegram.New(cfg, flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, log), env.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestStartupWaitsForBotAPI: the Bot API cannot be reached at first; the
// transport says so, retries, starts, and answers founders.
func TestStartupWaitsForBotAPI(t *testing.T) {
	srv := telegramtest.New(t, token)
	front, cut := flaky(t, srv, 3)
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	started := make(chan struct{})
	tg := newTransport(t, srv, telegram.Config{APIURL: front, StartBackoff: 10 * time.Millisecond,
		Started: func() { close(started) }}, storetest.New(t), log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatalf("not started after %s; logs:\n%s", wait, logs.String())
	}
	if cut.Load() < 3 {
		t.Errorf("started after %d connections; want the 3 cut ones first", cut.Load())
	}
	if got := strings.Count(logs.String(), "not reachable yet, retrying"); got != 3 {
		t.Errorf("%d retry log lines; want 3:\n%s", got, logs.String())
	}
	if strings.Contains(logs.String(), "TEST-token-secret") {
		t.Errorf("the token is in the logs")
	}
	msgs := chat(t, srv, salma.ID, srv.Text(salma, salma.ID, "/start"))
	if len(msgs) == 0 {
		t.Error("no answer to /start after a slow start")
	}
}

// TestStartupRefusedToken: a token Telegram refuses stops the transport
// at once with a one-line error that names the setting, not the token.
func TestStartupRefusedToken(t *testing.T) {
	srv := telegramtest.New(t, token)
	srv.FailNext("deleteWebhook", http.StatusUnauthorized, "Unauthorized", 0)
	tg := newTransport(t, srv, telegram.Config{APIURL: srv.URL(), StartBackoff: 10 * time.Millisecond,
		Started: func() { t.Error("started with a refused token") }}, storetest.New(t), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := tg.Run(ctx)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "TELEGRAM_TOKEN") ||
		strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "TEST-token-secret") {
		t.Errorf("Run = %v; want a one-line error about TELEGRAM_TOKEN, without the token", err)
	}
}

// TestStartupEndsWithContext: shutdown during an outage is not an error.
func TestStartupEndsWithContext(t *testing.T) {
	srv := telegramtest.New(t, token)
	front, _ := flaky(t, srv, 1<<30)
	tg := newTransport(t, srv, telegram.Config{APIURL: front, StartBackoff: 10 * time.Millisecond}, storetest.New(t), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := tg.Run(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v; want nil once ctx ended", err)
	}
}

// counter reads one series of a family from the registry.
func counter(t *testing.T, m *ops.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if matches(s, labels) {
				if h := s.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return s.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func matches(s *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range s.GetLabel() {
		if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(labels)
}

// TestTransportMetrics: the counters move with a founder's traffic.
func TestTransportMetrics(t *testing.T) {
	srv := telegramtest.New(t, token)
	m := ops.NewMetrics()
	tg := newTransport(t, srv, telegram.Config{APIURL: srv.URL(), Metrics: m}, storetest.New(t), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	defer func() { cancel(); <-done }()

	chat(t, srv, salma.ID, srv.Text(salma, salma.ID, "/start"))
	srv.FailNext("sendMessage", http.StatusTooManyRequests, "", 1)
	chat(t, srv, salma.ID, srv.Text(salma, salma.ID, "hello"))

	tgl := map[string]string{"transport": "telegram"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"founderbot_updates_received_total", map[string]string{"transport": "telegram", "kind": "command"}, 1},
		{"founderbot_updates_received_total", map[string]string{"transport": "telegram", "kind": "text"}, 1},
		{"founderbot_updates_handled_total", map[string]string{"transport": "telegram", "kind": "command"}, 1},
		{"founderbot_update_handling_seconds", map[string]string{"transport": "telegram", "kind": "text"}, 1},
		{"founderbot_messages_rate_limited_total", map[string]string{"platform": "telegram"}, 1},
		{"founderbot_messages_retried_total", map[string]string{"platform": "telegram"}, 1},
		{"founderbot_duplicates_dropped_total", tgl, 0},
	} {
		if got := counter(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v; want %v", c.name, c.labels, got, c.want)
		}
	}
	sent := counter(t, m, "founderbot_messages_sent_total", map[string]string{"platform": "telegram"})
	if want := float64(len(srv.Messages(salma.ID))); sent != want {
		t.Errorf("messages_sent_total = %v; want %v, as the fake API received", sent, want)
	}
}
