// Command founderbot runs the hub's assistant: on Telegram when
// TELEGRAM_TOKEN is set, else as a chat in this terminal. founderbot -help
// lists its settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // HUB_TIMEZONE must resolve even on images without zoneinfo

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/startgate/founderbot/bot/console"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	var usage *errUsage
	switch {
	case err == nil, errors.Is(err, errHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "founderbot:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "founderbot:", err)
		os.Exit(1)
	}
}

// run wires everything and runs until ctx ends or a part fails.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	rdb, err := openRedis(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer rdb.Close()
	st := store.New(rdb, "")

	cat, err := flows.NewCatalog(cfg.lang)
	if err != nil {
		return err
	}
	eng := flows.NewEngine(st, cat, flows.Config{Hub: cfg.hubName}, log)

	g, ctx := errgroup.WithContext(ctx)
	if cfg.telegramToken == "" {
		c := console.New(eng, stdin, stdout)
		// The console ends the program when the founder quits (Ctrl-D).
		g.Go(func() error { return c.Run(ctx) })
	} else {
		tg, err := telegram.New(telegram.Config{Token: cfg.telegramToken, APIURL: cfg.telegramAPIURL, Lang: cfg.lang}, eng, st, log)
		if err != nil {
			return err
		}
		g.Go(func() error { return tg.Run(ctx) })
	}
	return g.Wait()
}

func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openRedis connects to REDIS_URL, or starts the embedded in-memory Redis.
func openRedis(ctx context.Context, cfg *config, log *slog.Logger) (redis.UniversalClient, error) {
	if cfg.redisURL == "" {
		m, rdb, err := store.Embedded(ctx)
		if err != nil {
			return nil, err
		}
		log.Warn("no REDIS_URL: state lives in memory in this process and is lost when it stops", "addr", m.Addr())
		return rdb, nil
	}
	rdb, err := store.Connect(cfg.redisURL)
	if err != nil {
		return nil, &errUsage{err.Error()}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at REDIS_URL does not answer: %w", err)
	}
	return rdb, nil
}
