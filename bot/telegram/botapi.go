package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/startgate/founderbot/bot/netio"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
)

// botAPI makes the Bot API calls every update needs (getUpdates,
// sendMessage, answerCallbackQuery, editing the pressed message) in the
// calling goroutine. net/http hands each request to a connection's write
// goroutine and its answer back from a read goroutine: at steady load
// those hops, each a thread woken on another core, cost more CPU than
// the call itself (see README, Performance). fasthttp writes and reads
// on the caller's goroutine.
//
// fasthttp has no contexts: a call starts only while its context lives,
// ends by its deadline or the call's timeout, and closeConns cuts the
// calls in flight, which is how shutdown and the end of a long poll
// stop them.
type botAPI struct {
	c    *fasthttp.Client
	base string // APIURL/bot<token>/

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	cuts  atomic.Uint64 // closeConns calls
}

// apiConns bounds the workers' and the outbox's connections each.
// Telegram takes about 30 messages a second from a bot; at 100 ms a call,
// 32 connections carry ten times that. With one per worker (then 256),
// 200 founders at once held 200 connections and 1.7 MB more at peak for
// no more updates a second (BenchmarkProcess/saturated); a call finding
// all busy waits for one.
const apiConns = 32

// newBotAPI is a client for the Bot API at apiURL with up to conns
// connections; through HTTPS_PROXY/HTTP_PROXY (and NO_PROXY) when the
// environment names one, as net/http would.
func newBotAPI(apiURL, token string, conns int) (*botAPI, error) {
	a := &botAPI{base: apiURL + "/bot" + token + "/", conns: map[net.Conn]struct{}{}}
	dial := fasthttp.DialFunc(func(addr string) (net.Conn, error) {
		return fasthttp.DialDualStackTimeout(addr, dialTimeout)
	})
	if proxied() {
		d := fasthttpproxy.Dialer{Timeout: dialTimeout, ConnectTimeout: dialTimeout, DialDualStack: true}
		f, err := d.GetDialFuncForTLS(true, strings.HasPrefix(apiURL, "https:"))
		if err != nil {
			return nil, fmt.Errorf("proxy from the environment: %w", err)
		}
		dial = f
	}
	a.c = &fasthttp.Client{
		Name:                          "founderbot",
		MaxConnsPerHost:               conns,
		ConnPoolStrategy:              fasthttp.LIFO,    // the warmest connection
		MaxIdleConnDuration:           30 * time.Second, // under servers' usual keep-alive
		RetryIfErr:                    a.retryUnanswered,
		MaxConnWaitTimeout:            callTimeout,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true, // the token is part of the path
		Dial: func(addr string) (net.Conn, error) {
			c, err := dial(addr)
			if err != nil {
				return nil, err
			}
			return a.track(netio.Wrap(c)), nil
		},
	}
	return a, nil
}

const dialTimeout = 10 * time.Second

// retryUnanswered sends a call once more when the server closed the
// connection before any byte of an answer: what a keep-alive connection
// closed by the server while idle looks like, and what net/http retries
// too (errServerClosedIdle). fasthttp retries only idempotent requests,
// and every Bot API call is a POST. Other failures are the caller's to
// judge: Telegram may have acted on the call. A call closeConns cut looks
// the same and is not retried.
func (a *botAPI) retryUnanswered(req *fasthttp.Request, attempts int, err error) (resetTimeout, retry bool) {
	if req.UserValue(cutsKey{}) != a.cuts.Load() {
		return false, false
	}
	// fasthttp says io.EOF here, ErrConnectionClosed to the caller.
	closed := errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed)
	return false, attempts == 1 && closed
}

// cutsKey holds, on a request, how many times closeConns ran before it.
type cutsKey struct{}

func proxied() bool {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// post sends body (JSON) to method and hands the answer's status and body
// to read, which must not keep the body. timeout bounds the call unless
// ctx ends sooner.
func (a *botAPI) post(ctx context.Context, method string, body []byte, timeout time.Duration, read func(status int, body []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(a.base + method)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.SetBodyRaw(body)
	req.SetUserValue(cutsKey{}, a.cuts.Load())
	if err := a.c.DoTimeout(req, resp, timeout); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%w (%v)", cerr, err)
		}
		if errors.Is(err, fasthttp.ErrTimeout) {
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return err
	}
	return read(resp.StatusCode(), resp.Body())
}

// closeConns cuts every connection, the calls in flight with them; the
// next call dials again.
func (a *botAPI) closeConns() {
	a.cuts.Add(1)
	a.mu.Lock()
	conns := a.conns
	a.conns = map[net.Conn]struct{}{}
	a.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

func (a *botAPI) track(c net.Conn) net.Conn {
	a.mu.Lock()
	defer a.mu.Unlock()
	tc := &trackedConn{Conn: c, api: a}
	a.conns[tc] = struct{}{}
	return tc
}

// trackedConn leaves botAPI's set when closed.
type trackedConn struct {
	net.Conn
	api  *botAPI
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.api.mu.Lock()
		delete(c.api.conns, c)
		c.api.mu.Unlock()
	})
	return c.Conn.Close()
}

// callTimeout bounds one Bot API call other than getUpdates.
const callTimeout = 30 * time.Second
