package store

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Connect makes a client from a REDIS_URL:
//
//	redis://[user:pass@]host:port/db, rediss://… (TLS)     one server
//	redis://host:26379?master_name=mymaster&addr=host2:26379 Sentinel
//	redis://host:7000?addr=host2:7000&addr=host3:7000       Cluster
//	redis://host:7000?cluster=true                          Cluster found from one node
//
// It does not dial; the first command does. Commands end at their
// context's deadline (go-redis' context_timeout_enabled, on unless the URL
// says otherwise): a probe or a shutdown bounded by a context is not held
// for the full read timeout and retries by a frozen Redis.
//
// wrap, if not nil, is given every connection dialed without TLS: cmd has
// bot/netio read and write the sockets.
func Connect(rawURL string, wrap func(net.Conn) net.Conn) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", redact(err))
	}
	q := u.Query()
	ctxTimeout := !q.Has("context_timeout_enabled") || q.Get("context_timeout_enabled") == "true"
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse Sentinel REDIS_URL: %w", redact(err))
		}
		opt.ContextTimeoutEnabled = ctxTimeout
		smallBuffers(&opt.ReadBufferSize, &opt.WriteBufferSize, &opt.PipelineReadBufferSize, &opt.PipelineWriteBufferSize)
		opt.Dialer = dialer(opt.DialTimeout, opt.TLSConfig, wrap)
		return redis.NewFailoverClient(opt), nil
	case q.Has("addr") || q.Get("cluster") == "true":
		q.Del("cluster")
		u.RawQuery = q.Encode()
		opt, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("parse Cluster REDIS_URL: %w", redact(err))
		}
		opt.ContextTimeoutEnabled = ctxTimeout
		smallBuffers(&opt.ReadBufferSize, &opt.WriteBufferSize, &opt.PipelineReadBufferSize, &opt.PipelineWriteBufferSize)
		opt.Dialer = dialer(opt.DialTimeout, opt.TLSConfig, wrap)
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", redact(err))
	}
	opt.ContextTimeoutEnabled = ctxTimeout
	smallBuffers(&opt.ReadBufferSize, &opt.WriteBufferSize, &opt.PipelineReadBufferSize, &opt.PipelineWriteBufferSize)
	opt.Dialer = dialer(opt.DialTimeout, opt.TLSConfig, wrap)
	return redis.NewClient(opt), nil
}

// dialer is go-redis' default dialer (its keep-alives, 5 s unless the URL
// says otherwise) with wrap reading and writing the socket; nil, go-redis'
// own, with TLS or no wrap.
func dialer(timeout time.Duration, tlsConf *tls.Config, wrap func(net.Conn) net.Conn) func(context.Context, string, string) (net.Conn, error) {
	if wrap == nil || tlsConf != nil {
		return nil
	}
	dial := redis.NewDialer(&redis.Options{DialTimeout: cmp.Or(timeout, 5*time.Second)})
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wrap(c), nil
	}
}

// bufferSize is each Redis connection's read and write buffer, unless the
// URL sets one. go-redis' defaults (32 KiB, 128 KiB for pipelines) suit
// large values; the bot's commands and replies are a few KiB (a session,
// a batch of updates), and with a pool per core and a pipeline pool the
// defaults were a third of the heap with 200 founders at once (README,
// Performance). A larger reply is read in several fills, not refused.
const bufferSize = 8 << 10

func smallBuffers(sizes ...*int) {
	for _, s := range sizes {
		if *s == 0 {
			*s = bufferSize
		}
	}
}

// redact keeps a password in REDIS_URL out of error messages (url.Error
// quotes the whole URL).
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = u.Redacted()
		} else {
			ue.URL = "(redacted)"
		}
	}
	return err
}

// Embedded starts an in-process Redis on a loopback port, for trying the
// bot with no setup. Its data lives in memory only and is gone when the
// process ends, or when ctx ends. Keys expire on the wall clock, advanced
// once a minute: miniredis' own ClockTTL walks every key on every command,
// which slows it down as update markers pile up.
func Embedded(ctx context.Context) (*miniredis.Miniredis, redis.UniversalClient, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	go func() {
		defer m.Close()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return m, redis.NewClient(&redis.Options{Addr: m.Addr(), ContextTimeoutEnabled: true,
		ReadBufferSize: bufferSize, WriteBufferSize: bufferSize, PipelineReadBufferSize: bufferSize, PipelineWriteBufferSize: bufferSize}), nil
}
