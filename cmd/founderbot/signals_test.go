package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
)

// signalledBot builds the real binary for tests that signal it.
func signalledBot(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	return buildBot(t, "")
}

// apiFront stands in front of the fake Bot API and calls slow with each
// request's method before passing it on: to delay or hold it.
func apiFront(t *testing.T, srv *telegramtest.Server, slow func(method string)) string {
	t.Helper()
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // requests cut by the bot's exit are expected
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slow(path.Base(r.URL.Path))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// process is a running founderbot binary.
type process struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	addr string
}

func startBot(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin), logs: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	p.addr = httpAddr(t, p.logs)
	waitStatus(t, p.addr, "/readyz", http.StatusOK, 10*time.Second)
	return p
}

// signal sends sig and returns how long the process took to exit, and its status.
func (p *process) stop(t *testing.T, sig os.Signal, within time.Duration) (time.Duration, int) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return time.Since(start), p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("still running %s after %v; logs:\n%s", within, sig, p.logs.String())
		return 0, 0
	}
}

func botEnv(api, redisAddr, timeout string) map[string]string {
	return map[string]string{"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": api, "TELEGRAM_RATE": "-1",
		"REDIS_URL": "redis://" + redisAddr + "/0", "HTTP_ADDR": "127.0.0.1:0", "SHUTDOWN_TIMEOUT": timeout}
}

// TestSIGTERMDuringTraffic: SIGTERM while founders' updates are being
// answered lets those finish, exits 0 within SHUTDOWN_TIMEOUT, and loses
// nothing: after a restart every founder has exactly one answer.
func TestSIGTERMDuringTraffic(t *testing.T) {
	bin := signalledBot(t)
	srv := telegramtest.New(t, "9:secret-token")
	m := miniredis.RunT(t)
	var sends atomic.Int64
	api := apiFront(t, srv, func(method string) {
		if method == "sendMessage" {
			sends.Add(1)
			time.Sleep(300 * time.Millisecond) // a slow Bot API: answers are in flight at SIGTERM
		}
	})
	env := botEnv(api, m.Addr(), "10s")
	p := startBot(t, bin, env)

	const founders = 8
	var last int64
	for i := range founders {
		u := models.User{ID: int64(100 + i), FirstName: "F", LanguageCode: "en"}
		last = srv.Push(srv.Text(u, u.ID, "/start"))
	}
	for deadline := time.Now().Add(10 * time.Second); sends.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no answer started within 10s")
		}
	}
	took, code := p.stop(t, syscall.SIGTERM, 15*time.Second)
	if code != 0 || took > 10*time.Second {
		t.Errorf("after SIGTERM: exit %d in %v; want 0 within SHUTDOWN_TIMEOUT (10s); logs:\n%s", code, took, p.logs.String())
	}
	answered := 0
	for i := range founders {
		n := len(srv.Messages(int64(100 + i)))
		if n > 1 {
			t.Errorf("founder %d got %d answers before the restart; want at most 1", i, n)
		}
		answered += n
	}
	if answered == 0 {
		t.Errorf("no update in flight was finished")
	}

	p2 := startBot(t, bin, env)
	srv.WaitConfirmed(t, last, 15*time.Second)
	for i := range founders {
		srv.WaitMessages(t, int64(100+i), 1, 15*time.Second) // stored before, answered now
	}
	for i := range founders {
		if msgs := srv.Messages(int64(100 + i)); len(msgs) != 1 {
			t.Errorf("founder %d got %d answers in all; want exactly 1", i, len(msgs))
		}
	}
	if _, code := p2.stop(t, syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Errorf("second run exit %d; want 0", code)
	}
	t.Logf("SIGTERM during traffic: %d of %d answered before exit, exit took %v", answered, founders, took)
}

// stuckSend starts the binary with a message in the outbox whose send
// the Bot API never answers, so that shutdown has work it cannot finish.
func stuckSend(t *testing.T, timeout string) *process {
	t.Helper()
	bin := signalledBot(t)
	srv := telegramtest.New(t, "9:secret-token")
	m := miniredis.RunT(t)
	held := make(chan struct{}, 1)
	release := make(chan struct{})
	api := apiFront(t, srv, func(method string) {
		if method == "sendMessage" {
			select {
			case held <- struct{}{}:
			default:
			}
			<-release
		}
	})
	t.Cleanup(func() { close(release) }) // before the front closes: it waits for held requests
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	o := flows.Outgoing{Founder: "tg:5", Reply: flows.Reply{Text: "Your application was received."}}
	if _, err := store.New(rdb, "").Enqueue(context.Background(), "test:1", o, "test"); err != nil {
		t.Fatal(err)
	}
	p := startBot(t, bin, botEnv(api, m.Addr(), timeout))
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the outbox did not try to send within 10s")
	}
	return p
}

// TestSecondSignalExitsAtOnce: shutdown is waiting on a send; a second
// SIGTERM ends the process at once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	p := stuckSend(t, "60s")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		t.Fatalf("exited on the first SIGTERM with a send in flight; logs:\n%s", p.logs.String())
	case <-time.After(500 * time.Millisecond):
	}
	if code, _ := probe(p.addr, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while shutting down = %d; want 503", code)
	}
	took, code := p.stop(t, syscall.SIGTERM, 5*time.Second)
	if code != 128+int(syscall.SIGTERM) || took > 2*time.Second {
		t.Errorf("second SIGTERM: exit %d after %v; want %d at once", code, took, 128+int(syscall.SIGTERM))
	}
	if !strings.Contains(p.logs.String(), "second terminated: exiting now") {
		t.Errorf("no word of the second signal in the logs:\n%s", p.logs.String())
	}
}

// TestShutdownTimeout: work that does not finish cannot hold the exit
// beyond SHUTDOWN_TIMEOUT.
func TestShutdownTimeout(t *testing.T) {
	p := stuckSend(t, "1s")
	took, code := p.stop(t, syscall.SIGTERM, 10*time.Second)
	if code != 1 || took < time.Second || took > 4*time.Second {
		t.Errorf("SIGTERM with SHUTDOWN_TIMEOUT=1s: exit %d after %v; want 1 after about 1s", code, took)
	}
	if want := fmt.Sprintf("SHUTDOWN_TIMEOUT=%s", time.Second); !strings.Contains(p.logs.String(), want) {
		t.Errorf("logs do not name %s:\n%s", want, p.logs.String())
	}
}
