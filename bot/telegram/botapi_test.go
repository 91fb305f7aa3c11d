package telegram

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/segmentio/encoding/json"
)

// hangingAPI answers nothing until the test ends; started says when a
// request arrived.
func hangingAPI(t *testing.T) (url string, started <-chan string) {
	t.Helper()
	release := make(chan struct{})
	seen := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		seen <- r.URL.Path
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }); srv.Close() })
	return srv.URL, seen
}

// TestBotAPICutsCallsInFlight: fasthttp has no contexts, so botAPI ends a
// call by its context's deadline, and closeConns (the end of the drain,
// the end of a long poll) cuts the calls waiting on Telegram.
func TestBotAPICutsCallsInFlight(t *testing.T) {
	url, started := hangingAPI(t)
	api, err := newBotAPI(url, "1:tok", 4)
	if err != nil {
		t.Fatal(err)
	}
	read := func(int, []byte) error { return nil }

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	err = api.post(ctx, "sendMessage", []byte(`{}`), callTimeout, read)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 5*time.Second {
		t.Errorf("call past its context's deadline = %v after %v; want DeadlineExceeded at about 200ms", err, time.Since(begin))
	}
	<-started

	done := make(chan error, 1)
	go func() { done <- api.post(context.Background(), "sendMessage", []byte(`{}`), callTimeout, read) }()
	<-started
	api.closeConns()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cut call returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("closeConns did not end the call in flight")
	}

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if err := api.post(cancelled, "sendMessage", []byte(`{}`), callTimeout, read); !errors.Is(err, context.Canceled) {
		t.Errorf("call with an ended context = %v; want Canceled, and no request", err)
	}
	select {
	case p := <-started:
		t.Errorf("a call with an ended context reached the API: %s", p)
	default:
	}
}

// TestLongPollEndsWithContext: the poller's getUpdates, which Telegram
// holds open for up to the poll timeout, ends when polling does.
func TestLongPollEndsWithContext(t *testing.T) {
	url, started := hangingAPI(t)
	tg, err := New(Config{Token: "1:tok", APIURL: url, Poll: time.Minute, Rate: -1}, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tg.poll(ctx) }()
	if p := <-started; p != "/bot1:tok/getUpdates" {
		t.Fatalf("first call %s; want getUpdates", p)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll outlived its context")
	}
}

// TestBotAPIThroughProxy: with HTTP_PROXY set, as net/http would, the
// calls go through the proxy (CONNECT), to a host only the proxy knows.
func TestBotAPIThroughProxy(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	defer api.Close()
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())
	connects := make(chan string, 4)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		connects <- r.Host
		up, err := net.Dial("tcp", api.Listener.Addr().String()) // the only host it knows
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		down, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		_, _ = io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { _, _ = io.Copy(up, buf); up.Close() }()
		_, _ = io.Copy(down, up)
		down.Close()
	}))
	defer proxy.Close()
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")

	a, err := newBotAPI("http://bot-api.invalid:"+port, "1:tok", 1)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	err = a.post(context.Background(), "sendMessage", []byte(`{}`), callTimeout, func(_ int, b []byte) error {
		got = string(b)
		return nil
	})
	if err != nil || got != `{"ok":true,"result":true}` {
		t.Fatalf("call through the proxy = %q, %v", got, err)
	}
	if host := <-connects; host != "bot-api.invalid:"+port {
		t.Errorf("proxy asked for %s; want the API's host", host)
	}
}

// TestBotAPIRetriesClosedIdleConnection: a server that closes a
// keep-alive connection without answering the next call gets that call
// again, once, on a new connection.
func TestBotAPIRetriesClosedIdleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	requests := make(chan int, 8) // the connection each request came on
	go func() {
		for conn := 1; ; conn++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 1; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					requests <- conn
					if conn == 1 && n == 2 {
						return // closed while the client thought it idle
					}
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
				}
			}()
		}
	}()
	a, err := newBotAPI("http://"+ln.Addr().String(), "1:tok", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := a.post(context.Background(), "sendMessage", []byte(`{}`), callTimeout, func(int, []byte) error { return nil }); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	got := []int{<-requests, <-requests, <-requests}
	if got[0] != 1 || got[1] != 1 || got[2] != 2 {
		t.Errorf("requests came on connections %v; want 1, 1 (unanswered), then 2", got)
	}
	select {
	case c := <-requests:
		t.Errorf("a fourth request, on connection %d: the call was sent more than once again", c)
	default:
	}
}

// TestBotAPIOverTLS: the Bot API is HTTPS; TLS runs over the socket
// bot/netio reads and writes, and answers of several segments arrive whole.
func TestBotAPIOverTLS(t *testing.T) {
	big := strings.Repeat("é", 100_000) // a few TLS records and TCP segments
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, `{"ok":true,"result":%q,"echo":%s}`, big, body)
	}))
	defer api.Close()
	a, err := newBotAPI(api.URL, "1:tok", 2)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(api.Certificate())
	a.c.TLSConfig = &tls.Config{RootCAs: roots}
	for i := range 3 { // the second and third on the kept connection
		var got struct {
			Result string
			Echo   struct{ N int }
		}
		err := a.post(context.Background(), "getMe", fmt.Appendf(nil, `{"n":%d}`, i), callTimeout, func(_ int, b []byte) error {
			return json.Unmarshal(b, &got)
		})
		if err != nil || got.Result != big || got.Echo.N != i {
			t.Fatalf("call %d over TLS: %d bytes, echo %d, %v; want %d bytes, echo %d", i, len(got.Result), got.Echo.N, err, len(big), i)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.conns) != 1 {
		t.Fatalf("%d connections; want the one kept alive", len(a.conns))
	}
	for c := range a.conns {
		if _, plain := c.(*trackedConn).Conn.(*net.TCPConn); plain && runtime.GOOS == "linux" {
			t.Error("the socket under TLS is a plain *net.TCPConn; want bot/netio's")
		}
	}
}
