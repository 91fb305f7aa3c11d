package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

var listening = regexp.MustCompile(`msg="http listening" addr=(\S+)`)

// httpAddr waits for the bot to log the address it listens on (HTTP_ADDR
// with port 0) and returns it.
func httpAddr(t *testing.T, logs interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the bot did not log its HTTP address; logs:\n%s", logs.String())
	return ""
}

// probe GETs a path of the bot and returns the status and body.
func probe(addr, path string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitStatus polls path until it answers code, within timeout.
func waitStatus(t *testing.T, addr, path string, code int, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, body := probe(addr, path)
		if got == code {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %d %q; want %d within %s", path, got, body, code, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrape reads /metrics with the Prometheus text parser: series name and
// sorted labels → value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	code, body := probe(addr, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key+",count"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// realRedis starts a redis-server owned by the test on a free loopback
// port, for faults miniredis cannot play (a frozen server). It skips the
// test when redis-server is not installed.
func realRedis(t *testing.T) (addr string, proc *exec.Cmd) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	addr = freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	proc = exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proc.Process.Signal(syscall.SIGCONT)
		proc.Process.Kill()
		proc.Wait()
	})
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr, proc
}

// TestReadyWhileRedisFrozen: a frozen Redis (SIGSTOP) makes the bot not
// ready, without stopping it; when Redis resumes the bot is ready again
// and answers founders by itself.
func TestReadyWhileRedisFrozen(t *testing.T) {
	raddr, redisProc := realRedis(t)
	tg := telegramtest.New(t, "9:secret-token")
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": tg.URL(), "TELEGRAM_RATE": "-1",
			"REDIS_URL": "redis://" + raddr + "/0", "HTTP_ADDR": "127.0.0.1:0",
		}), strings.NewReader(""), io.Discard, &logs)
	}()
	defer func() {
		redisProc.Process.Signal(syscall.SIGCONT)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run = %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not stop")
		}
	}()
	addr := httpAddr(t, &logs)
	waitStatus(t, addr, "/readyz", http.StatusOK, 10*time.Second)

	if err := redisProc.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	body := waitStatus(t, addr, "/readyz", http.StatusServiceUnavailable, 10*time.Second)
	if !strings.Contains(body, "redis") || strings.Count(body, "\n") != 1 {
		t.Errorf("/readyz body = %q; want one line naming redis", body)
	}
	if code, _ := probe(addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with Redis frozen = %d; want 200: the process is alive", code)
	}
	time.Sleep(time.Second) // the parts meet the frozen Redis and back off
	if err := redisProc.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, addr, "/readyz", http.StatusOK, 10*time.Second)

	u := models.User{ID: 8, FirstName: "Imane", LanguageCode: "en"}
	tg.Push(tg.Text(u, u.ID, "/start"))
	if msgs := tg.WaitMessages(t, u.ID, 1, 15*time.Second); len(msgs) != 1 || !strings.Contains(msgs[0].Plain, "Welcome") {
		t.Errorf("after Redis resumed, /start got %+v; want the welcome", msgs)
	}
	if got := scrape(t, addr); got["founderbot_redis_command_errors_total,kind=timeout"] == 0 {
		t.Errorf("no Redis timeout counted while it was frozen: %v", got)
	}
}

// TestRunConsoleNoHTTP: the console needs no port, even one in use.
func TestRunConsoleNoHTTP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := run(ctx, nil, env(map[string]string{"HTTP_ADDR": l.Addr().String()}), strings.NewReader("1\n"), &out, io.Discard); err != nil {
		t.Errorf("console with HTTP_ADDR in use = %v; want it to ignore HTTP", err)
	}
}

// TestHTTPAddrInUse: a port taken is a clear error, not a hang.
func TestHTTPAddrInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tg := telegramtest.New(t, "9:secret-token")
	m := miniredisAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = run(ctx, nil, env(map[string]string{"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": tg.URL(),
		"REDIS_URL": "redis://" + m + "/0", "HTTP_ADDR": l.Addr().String()}), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "HTTP_ADDR") {
		t.Errorf("run = %v; want an error naming HTTP_ADDR", err)
	}
}

func miniredisAddr(t *testing.T) string {
	t.Helper()
	return miniredis.RunT(t).Addr()
}

// TestHTTPOff: HTTP_ADDR=off runs the bot with no HTTP server at all.
func TestHTTPOff(t *testing.T) {
	tg := telegramtest.New(t, "9:secret-token")
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": tg.URL(),
			"REDIS_URL": "redis://" + miniredisAddr(t) + "/0", "HTTP_ADDR": "off"}), strings.NewReader(""), io.Discard, &logs)
	}()
	u := models.User{ID: 9, FirstName: "Omar", LanguageCode: "en"}
	tg.WaitConfirmed(t, tg.Push(tg.Text(u, u.ID, "/start")), 10*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v", err)
	}
	if strings.Contains(logs.String(), "http listening") {
		t.Errorf("HTTP_ADDR=off still served:\n%s", logs.String())
	}
}
