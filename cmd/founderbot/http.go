package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/startgate/founderbot/bot/netio"
)

// startHTTP listens on addr and serves routes (pattern → handler, as
// http.ServeMux takes them: the operations endpoints, Slack's HTTP mode,
// and any transport's webhook) until the server is shut down. It returns
// at once; failed is called should serving stop on its own.
func startHTTP(addr string, routes map[string]http.Handler, log *slog.Logger, failed func(error)) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP_ADDR=%s: %w", addr, err)
	}
	// Telegram's webhook posts are read and answered like the Bot API's
	// calls (bot/netio).
	ln = netio.Listener(ln)
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.Handle(pattern, h)
	}
	// Slack's requests and probes are small and answered within seconds;
	// tight limits keep a slow or idle client from holding connections on
	// a public endpoint.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("http listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			failed(fmt.Errorf("http server: %w", err))
		}
	}()
	return srv, nil
}
