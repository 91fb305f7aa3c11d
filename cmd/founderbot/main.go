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
	"time"
	_ "time/tzdata" // HUB_TIMEZONE must resolve even on images without zoneinfo

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/startgate/founderbot/bot/console"
	"github.com/startgate/founderbot/bot/netio"
	"github.com/startgate/founderbot/bot/ops"
	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/flows/privacy"
	"github.com/startgate/founderbot/store"
)

func main() {
	ctx, stop := onSignals(os.Stderr)
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

// run wires everything and runs until ctx ends or a part fails, then
// shuts down within SHUTDOWN_TIMEOUT (shutdown.go).
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
	met := ops.NewMetrics()
	rdb.AddHook(ops.RedisHook{M: met})
	st := store.New(rdb, "")

	cat, err := flows.NewCatalog(cfg.lang, slack.Messages())
	if err != nil {
		return err
	}
	eng := flows.NewEngine(st, cat, flows.Config{Hub: cfg.hubName}, log)
	rem := application.NewReminders(st, st, cat, application.RemindersConfig{Hub: cfg.hubName, TZ: cfg.hubTZ, Deadline: cfg.deadline, Programs: cfg.programs})
	review := application.NewReview(st, cat, application.ReviewConfig{Hub: cfg.hubName, NextSteps: cfg.nextSteps, TZ: cfg.hubTZ, Programs: cfg.programs})
	review.Reminders = rem
	form := application.NewForm(st, application.FormConfig{Hub: cfg.hubName, Programs: cfg.programs, TZ: cfg.hubTZ})
	form.Reminders = rem
	oh := officehours.New(st, st, cat, cfg.officeHours, log)
	pv := privacy.New(dataParts(st), oh, st, log)
	cfg.intro.BookData = officehours.BookData
	intros := intro.New(st, st, cat, cfg.intro, log)
	form.StatusSections = append(form.StatusSections, intros.StatusSection)
	// The conversations founders have, one line each (with their
	// messages and jobs); the first is the hub's main one, whose commands
	// come first in the menu.
	for _, c := range []flows.Conversation{
		form.Conversation(),
		oh.Conversation(),
		pv.Conversation(),
		intros.Conversation(),
	} {
		if err := eng.Register(c); err != nil {
			return err
		}
	}

	if cfg.telegramToken == "" && !cfg.slack.enabled() {
		if cfg.redisURL == "" {
			if err := seedDemo(ctx, oh, time.Now(), cfg.hubTZ); err != nil {
				return err
			}
			log.Info("demo office hours: two mentors with slots on the next working days")
		}
		// The console ends the program when the founder quits (Ctrl-D). It
		// serves no HTTP: a terminal chat needs no probe, nor a port.
		return console.New(withDirectory{engine: eng, dir: st, log: log}, stdin, stdout).Run(ctx)
	}

	health := ops.NewHealth(st.Ping, readyTimeout)
	if err := met.Register(ops.NewStateCollector(storeState(st), stateMaxAge, stateTimeout)); err != nil {
		return err
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
			Command: cfg.slack.command, Lang: cfg.slack.lang, TZ: cfg.hubTZ, Hub: cfg.hubName, Metrics: met,
		}, review, cat, deliver, log)
		if err != nil {
			return err
		}
		staff.SetBroadcast(st)
		staff.SetFounders(st, pv)
		staff.SetIntros(intros)
		intros.SetContacts(staff.IntroContacts())
		handler = withStaff{Engine: eng, staff: staff}
	}
	handler = withDirectory{engine: handler, dir: st, log: log}

	sched := flows.NewScheduler(st, flows.SchedulerConfig{TZ: cfg.hubTZ}, log)
	sched.Observer, sched.Dropped, oh.Dropped = met, met.JobDropped, met.JobDropped
	sched.HandleAll(eng.Jobs())
	if err := sched.Every(retention(st, cfg.retentionDays, log)); err != nil {
		return err
	}
	if staff != nil {
		if err := schedulePosts(sched, cfg, review, oh, intros, staff); err != nil {
			return err
		}
		staff.SetOfficeHours(oh, func(ctx context.Context, key string, o flows.Outgoing) error {
			_, err := st.Enqueue(ctx, key, o, "office_hours")
			return err
		})
		oh.MentorReminders = staff
	}
	if cfg.telegramToken != "" {
		tg, err = telegram.New(telegram.Config{Token: cfg.telegramToken, APIURL: cfg.telegramAPIURL, Lang: cfg.lang, Rate: cfg.telegramRate,
			WebhookURL: cfg.webhookURL, WebhookSecret: cfg.webhookSecret, ChatLimit: cfg.chatLimit, ChatWindow: cfg.chatWindow, Lease: cfg.lease, Workers: cfg.workers, Slots: st,
			Metrics: met, Started: health.Part("telegram"), Drain: cfg.stopWithin * 3 / 4}, handler, st, log)
		if err != nil {
			return err
		}
	} else {
		log.Warn("no TELEGRAM_TOKEN: founders cannot be reached; messages for them wait in the outbox")
	}
	var slackStarted func()
	if staff != nil {
		slackStarted = health.Part("slack")
	}

	// One HTTP server for probes, metrics, Slack's HTTP mode and, with a
	// webhook, Telegram's updates.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	var srv *http.Server
	if cfg.httpAddr != "off" {
		routes := ops.Routes(health, met)
		if staff != nil && cfg.slack.signingSecret != "" {
			routes["/slack/"] = staff.Handler()
		}
		if tg != nil && cfg.webhookURL != "" {
			routes["POST "+webhookPath(cfg.webhookURL)] = tg.WebhookHandler()
		}
		if srv, err = startHTTP(cfg.httpAddr, routes, log, fail); err != nil {
			return err
		}
	} else if tg != nil && cfg.webhookURL != "" {
		return &errUsage{"TELEGRAM_WEBHOOK_URL needs the HTTP server: set HTTP_ADDR, not off"}
	}

	g, gctx := errgroup.WithContext(ctx)
	if staff != nil {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = staff.CheckChannel(cctx)
		cancel()
		if err != nil {
			return errors.Join(err, stopHTTP(srv, cfg.stopWithin))
		}
		slackStarted()
		if cfg.slack.appToken != "" {
			g.Go(func() error { return staff.RunSocketMode(gctx) })
		}
	}
	g.Go(func() error { return sched.Run(gctx, 5*time.Second) })
	if tg != nil {
		g.Go(func() error { return tg.Run(gctx) })
		host, _ := os.Hostname()
		g.Go(func() error { return tg.RunOutbox(gctx, st, telegram.OutboxConfig{Consumer: "founderbot-" + host}) })
	}
	return shutdown(ctx, cfg, log, health, g, srv, staff)
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
	rdb, err := store.Connect(cfg.redisURL, netio.Wrap)
	if err != nil {
		return nil, &errUsage{err.Error()}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = rdb.Ping(pctx).Err()
	var refused redis.Error
	switch {
	case errors.As(err, &refused):
		// It answers, but says no (a wrong password): no retry can mend that.
		rdb.Close()
		return nil, fmt.Errorf("redis at REDIS_URL refused the bot: %w", err)
	case err != nil:
		// Down or unreachable: start anyway, not ready (/readyz says why)
		// until it answers; every part waits for it with back-off.
		log.Warn("redis at REDIS_URL does not answer yet; starting anyway, not ready until it does", "err", err)
	}
	return rdb, nil
}
