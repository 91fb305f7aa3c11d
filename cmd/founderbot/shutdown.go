package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/startgate/founderbot/bot/ops"
	"github.com/startgate/founderbot/bot/slack"
)

const (
	// readyTimeout bounds the Redis ping of /readyz: a probe must not
	// hang on a frozen Redis.
	readyTimeout = 2 * time.Second
	// stateMaxAge and stateTimeout: the store's gauges are read at most
	// every few seconds, each reading bounded.
	stateMaxAge  = 5 * time.Second
	stateTimeout = 3 * time.Second
)

// shutdown waits until ctx ends (a signal, or the HTTP server failed) or
// the parts in g end by themselves (one failed), then stops in order,
// all within cfg.stopWithin:
//
//  1. /readyz says 503 at once, so load balancers stop sending traffic;
//  2. the parts finish what they hold (a Telegram batch in progress, an
//     outbox send) and stop;
//  3. the HTTP server stops taking requests and finishes those in flight;
//  4. Slack's background work (decision updates, deliveries) finishes.
//
// Past the timeout it returns an error and leaves what still runs: the
// process exits, and whatever was not confirmed is delivered again.
func shutdown(ctx context.Context, cfg *config, log *slog.Logger, health *ops.Health, g *errgroup.Group,
	srv *http.Server, staff *slack.Staff) error {
	parts := make(chan error, 1)
	go func() { parts <- g.Wait() }()
	var partsErr error
	partsDone := false
	select {
	case <-ctx.Done():
	case partsErr = <-parts:
		partsDone = true
	}
	health.Stopping()
	log.Info("shutting down", "timeout", cfg.stopWithin)
	deadline := time.Now().Add(cfg.stopWithin)

	finished := make(chan error, 1)
	go func() {
		err := partsErr
		if !partsDone {
			err = <-parts
		}
		err = errors.Join(err, stopHTTP(srv, time.Until(deadline)))
		if staff != nil {
			staff.Stop() // a running broadcast's messages are queued; stop following it
			staff.Wait() // decisions in flight reach Slack and the outbox
		}
		finished <- err
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case err := <-finished:
		if cause := context.Cause(ctx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause // the HTTP server failed
		}
		if err == nil {
			log.Info("stopped")
		}
		return err
	case <-timer.C:
		return fmt.Errorf("shutdown: work still running after SHUTDOWN_TIMEOUT=%s; exiting without it", cfg.stopWithin)
	}
}

// stopHTTP stops srv (nil: none) from taking requests and waits, at most
// timeout, for those in flight.
func stopHTTP(srv *http.Server, timeout time.Duration) error {
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(timeout, 0))
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("http server shutdown: %w", err)
	}
	return nil
}
