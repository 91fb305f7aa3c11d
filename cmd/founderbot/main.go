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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // HUB_TIMEZONE must resolve even on images without zoneinfo

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/startgate/founderbot/bot/console"
	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	endProfile, err := startCPUProfile(os.Getenv)
	if err == nil {
		err = run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		endProfile()
	}
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

	cat, err := flows.NewCatalog(cfg.lang, slack.Messages())
	if err != nil {
		return err
	}
	eng := flows.NewEngine(st, cat, flows.Config{Hub: cfg.hubName}, log)
	rem := application.NewReminders(st, st, cat, application.RemindersConfig{Hub: cfg.hubName, TZ: cfg.hubTZ, Deadline: cfg.deadline})
	review := application.NewReview(st, cat, application.ReviewConfig{Hub: cfg.hubName, NextSteps: cfg.nextSteps, TZ: cfg.hubTZ})
	review.Reminders = rem
	form := application.NewForm(st, application.FormConfig{Hub: cfg.hubName})
	form.Reminders = rem
	oh := officehours.New(st, st, cat, cfg.officeHours, log)
	// The conversations founders have, one line each (with their
	// messages and jobs); the first is the hub's main one, whose commands
	// come first in the menu.
	for _, c := range []flows.Conversation{
		form.Conversation(),
		oh.Conversation(),
	} {
		if err := eng.Register(c); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)

	if cfg.telegramToken == "" && !cfg.slack.enabled() {
		if cfg.redisURL == "" {
			if err := seedDemo(ctx, oh, time.Now(), cfg.hubTZ); err != nil {
				return err
			}
			log.Info("demo office hours: two mentors with slots on the next working days")
		}
		// The console ends the program when the founder quits (Ctrl-D).
		c := console.New(eng, stdin, stdout)
		g.Go(func() error { return c.Run(ctx) })
		return g.Wait()
	}

	// Messages the bot starts (decisions, reminders) go through the outbox,
	// so a restart or a 429 loses none of them.
	var tg *telegram.Telegram
	deliver := func(ctx context.Context, o flows.Outgoing) error {
		_, err := st.Enqueue(ctx, outgoingKey(o), o, "staff")
		return err
	}
	var handler engine = eng
	var staff *slack.Staff
	if cfg.slack.enabled() {
		staff, err = slack.New(slack.Config{
			BotToken: cfg.slack.botToken, AppToken: cfg.slack.appToken, SigningSecret: cfg.slack.signingSecret,
			APIURL: cfg.slack.apiURL, Channel: cfg.slack.channel, StaffUsers: cfg.slack.users,
			Command: cfg.slack.command, Lang: cfg.slack.lang, TZ: cfg.hubTZ, Hub: cfg.hubName,
		}, review, cat, deliver, log)
		if err != nil {
			return err
		}
		staff.SetBroadcast(st)
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = staff.CheckChannel(cctx)
		cancel()
		if err != nil {
			return err
		}
		handler = withStaff{Engine: eng, staff: staff}
	}

	sched := flows.NewScheduler(st, flows.SchedulerConfig{TZ: cfg.hubTZ}, log)
	sched.HandleAll(eng.Jobs())
	if staff != nil {
		if err := schedulePosts(sched, cfg, review, oh, staff); err != nil {
			return err
		}
	}
	g.Go(func() error { return sched.Run(ctx, 5*time.Second) })

	if staff != nil {
		var doc slack.SendDocument
		if cfg.telegramToken != "" {
			doc = func(ctx context.Context, f flows.FounderID, d flows.Document) error {
				return tg.SendDocumentTo(ctx, f, d)
			}
		}
		staff.SetOfficeHours(oh, func(ctx context.Context, key string, o flows.Outgoing) error {
			_, err := st.Enqueue(ctx, key, o, "office_hours")
			return err
		}, doc)
		oh.MentorReminders = staff
	}
	if cfg.telegramToken != "" {
		tg, err = telegram.New(telegram.Config{Token: cfg.telegramToken, APIURL: cfg.telegramAPIURL, Lang: cfg.lang, Rate: cfg.telegramRate,
			WebhookURL: cfg.webhookURL, WebhookSecret: cfg.webhookSecret, ChatLimit: cfg.chatLimit, ChatWindow: cfg.chatWindow, Lease: cfg.lease}, handler, st, log)
		if err != nil {
			return err
		}
		g.Go(func() error { return tg.Run(ctx) })
		host, _ := os.Hostname()
		g.Go(func() error { return tg.RunOutbox(ctx, st, telegram.OutboxConfig{Consumer: "founderbot-" + host}) })
	} else {
		log.Warn("no TELEGRAM_TOKEN: founders cannot be reached; messages for them wait in the outbox")
	}

	// Slack's requests are small and answered within 3 s; tight limits keep
	// a slow or idle client from holding connections on a public endpoint.
	srv := &http.Server{Addr: cfg.httpAddr, Handler: withWebhook(httpHandler(st, staff), cfg.webhookURL, tg), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	if (staff != nil && cfg.slack.signingSecret != "") || (tg != nil && cfg.webhookURL != "") {
		g.Go(func() error {
			log.Info("http listening", "addr", cfg.httpAddr)
			if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http server: %w", err)
			}
			return nil
		})
	}
	if staff != nil && cfg.slack.appToken != "" {
		g.Go(func() error { return staff.RunSocketMode(ctx) })
	}
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	err = g.Wait()
	if staff != nil {
		staff.Stop() // a running broadcast's messages are queued; stop following it
		staff.Wait() // decisions in flight reach Slack and the outbox
	}
	return err
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
