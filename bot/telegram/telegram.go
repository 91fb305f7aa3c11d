// Package telegram connects founders on Telegram to the flows engine:
// long polling with a durable offset, per-chat ordering, and replies sent
// with go-telegram/bot.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
)

// Engine is what the transport needs from the flows engine.
type Engine interface {
	Handle(ctx context.Context, ev flows.Event) (flows.Result, error)
	ErrorReply(lang string) flows.Reply
	Commands(lang string) []flows.Command
}

// Offsets keeps the polling offset across restarts; *store.Redis has it.
type Offsets interface {
	PollOffset(ctx context.Context) (int64, error)
	SavePollOffset(ctx context.Context, offset int64) error
}

// Config tunes the transport; zero values take the defaults.
type Config struct {
	Token   string
	Lang    string        // the hub's default language, for the default command list
	APIURL  string        // default https://api.telegram.org
	Poll    time.Duration // long-poll timeout, default 50s
	Workers int           // chats handled at once, default 8
	// Drain bounds how long a batch in progress may take to finish after
	// shutdown was asked, default 20s.
	Drain time.Duration
	// Rate is messages per second to all chats (TELEGRAM_RATE), default
	// 25, negative for no limits at all (fakes only); ChatBurst is how many
	// one chat may get back to back, default 3. Direct replies and the
	// outbox share these limits: see Limits.
	Rate      float64
	ChatBurst int
	// Metrics is told what the transport does (metrics.go); nil: nobody.
	Metrics Metrics
	// Started is called once start-up is done (startup.go), for readiness;
	// StartBackoff is the first wait after a failed start-up step, default 1s.
	Started      func()
	StartBackoff time.Duration
}

// Telegram is the founders' transport.
type Telegram struct {
	api  *tgbot.Bot
	http *http.Client
	cfg  Config
	eng  Engine
	off  Offsets
	log  *slog.Logger
	lim  *Limiter

	groupsMu sync.Mutex
	groups   map[int64]time.Time // when each group chat was last answered
}

// New prepares the transport; it makes no request until Run.
func New(cfg Config, eng Engine, off Offsets, log *slog.Logger) (*Telegram, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: no token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.Poll == 0 {
		cfg.Poll = 50 * time.Second
	}
	if cfg.Lang == "" {
		cfg.Lang = flows.Languages[0]
	}
	if cfg.Workers == 0 {
		cfg.Workers = 8
	}
	if cfg.Drain == 0 {
		cfg.Drain = 20 * time.Second
	}
	t := &Telegram{cfg: cfg, eng: eng, off: off, log: log,
		http: &http.Client{Timeout: cfg.Poll + 15*time.Second},
		lim:  NewLimiter(Limits{Rate: cfg.Rate, ChatBurst: cfg.ChatBurst})}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.Poll, &http.Client{Timeout: 30 * time.Second}),
		tgbot.WithErrorsHandler(func(err error) { log.Error("telegram client", "err", t.redact(err)) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %s", t.redact(err))
	}
	t.api = api
	return t, nil
}

// redact removes the token, which every Bot API URL contains, from an
// error before it is logged.
func (t *Telegram) redact(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), t.cfg.Token, "<token>")
}

// Run registers the commands and polls for updates until ctx ends. An
// update is confirmed to Telegram only after it was handled, and a batch
// in progress is finished before Run returns.
func (t *Telegram) Run(ctx context.Context) error {
	offset, err := t.startup(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	t.log.Info("telegram polling", "api", t.cfg.APIURL, "offset", offset)
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		updates, err := t.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			t.log.Error("telegram getUpdates", "err", t.redact(err), "retry_in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		if len(updates) == 0 {
			continue
		}
		// Shutdown must not cut a batch in half: it runs to its end, and
		// only once shutdown is asked is it bounded, by Drain. Updates it
		// could not finish then are not confirmed, so they come back.
		work, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() { time.AfterFunc(t.cfg.Drain, cancel) })
		offset = updates[len(updates)-1].ID + 1
		if first := t.handleBatch(work, updates); first != 0 {
			offset = first
		}
		stop()
		err = t.off.SavePollOffset(context.WithoutCancel(ctx), offset)
		cancel()
		if err != nil {
			t.log.Error("telegram save offset", "err", err)
		}
	}
	t.log.Info("telegram stopped", "offset", offset)
	return nil
}

func (t *Telegram) registerCommands(ctx context.Context) error {
	for _, lang := range append([]string{""}, flows.Languages...) {
		l := lang
		if l == "" {
			l = t.cfg.Lang
		}
		var cmds []models.BotCommand
		for _, c := range t.eng.Commands(l) {
			cmds = append(cmds, models.BotCommand{Command: c.Name, Description: c.Description})
		}
		if _, err := t.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			return fmt.Errorf("set commands for %q: %w", lang, err)
		}
	}
	return nil
}

// handleBatch handles updates of different chats at once and those of one
// chat in order, and returns when all are done, with the ID of the first
// update that ctx cut short (0 when none was).
func (t *Telegram) handleBatch(ctx context.Context, updates []*models.Update) int64 {
	var order []int64
	byChat := map[int64][]incoming{}
	for _, u := range updates {
		in, ok := toEvent(u)
		if !ok {
			continue
		}
		t.received(in)
		if _, seen := byChat[in.chatID]; !seen {
			order = append(order, in.chatID)
		}
		byChat[in.chatID] = append(byChat[in.chatID], in)
	}
	sem := make(chan struct{}, t.cfg.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first int64
	for _, chat := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(ins []incoming) {
			defer func() { <-sem; wg.Done() }()
			for _, in := range ins {
				if ctx.Err() == nil {
					t.handle(ctx, in)
				}
				if ctx.Err() != nil { // cut short: this one and the chat's later ones come back
					mu.Lock()
					if first == 0 || in.id < first {
						first = in.id
					}
					mu.Unlock()
					return
				}
			}
		}(byChat[chat])
	}
	wg.Wait()
	return first
}
