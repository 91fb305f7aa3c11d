// Package telegram connects founders on Telegram to the flows engine:
// long polling with a durable offset, per-chat ordering, and replies sent
// with go-telegram/bot.
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
)

// Engine is what the transport needs from the flows engine.
type Engine interface {
	Handle(ctx context.Context, ev flows.Event) (flows.Result, error)
	ErrorReply(lang string) flows.Reply
	SlowDownReply(lang string) flows.Reply
	Commands(lang string) []flows.Command
}

// Inbox is where updates wait for their chat's worker, and the replies
// of applied updates for sending; *store.Redis has it (store/inbox.go).
type Inbox interface {
	// StoreUpdates stores updates in their chats' mailboxes, leasing free
	// chats to claim's holder; only then may they be confirmed to Telegram.
	StoreUpdates(ctx context.Context, ups []flows.InboxUpdate, lim flows.InboxLimit, claim *flows.ChatLease) ([]flows.StoreResult, error)
	// WaitChat waits, bounded, for a chat stored without a claim.
	WaitChat(ctx context.Context, timeout time.Duration) (string, error)
	// ReadyChats lists chats that have work nobody is doing.
	ReadyChats(ctx context.Context, n int) ([]string, error)
	ClaimChat(ctx context.Context, l *flows.ChatLease) (flows.InboxItem, bool, error)
	AckUpdate(ctx context.Context, l *flows.ChatLease, id int64) (flows.InboxItem, bool, error)
	ChatDone(ctx context.Context, ls ...*flows.ChatLease) error
	ReleaseChat(ctx context.Context, l *flows.ChatLease) error
	RenewChatLeases(ctx context.Context, leases []*flows.ChatLease) ([]*flows.ChatLease, error)
	// Journal returns the replies saved when an update was applied.
	Journal(ctx context.Context, f flows.FounderID, updateID string) (res flows.Result, sent, found bool, err error)
	// Lead takes or renews a lease that one replica holds at a time.
	Lead(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	Resign(ctx context.Context, name, holder string) error
}

// Config tunes the transport; zero values take the defaults.
type Config struct {
	Token  string
	Lang   string        // the hub's default language, for the default command list
	APIURL string        // default https://api.telegram.org
	Poll   time.Duration // long-poll timeout, default 50s
	// Workers is how many chats one replica works on at once, default
	// 64, polling or webhook (a batch of new chats may take a replica a
	// little past it); a chat waiting on Telegram's limits holds one. 64
	// chats each waiting on their own chat's 1 message a second still
	// keep the bot at Telegram's 30 a second; past them, a burst's updates
	// wait in their mailboxes rather than as goroutines and state in
	// memory: with 200 founders at once, 3 MB less at peak and the median
	// answer twice as fast as with 256, for as many updates a second
	// (README, Performance).
	Workers int
	// Drain bounds how long the update in progress of each chat may take
	// to finish after shutdown was asked, default 20s.
	Drain time.Duration
	// WebhookURL, when set, has Telegram post updates there (setWebhook)
	// instead of long polling; WebhookSecret, required with it, is the
	// secret_token every post must carry (see ValidWebhookSecret).
	WebhookURL    string
	WebhookSecret string
	// Lease is how long a replica holds a chat, or the polling, without
	// renewing before another takes over, default 10s.
	Lease time.Duration
	// Sweep is how often a replica looks for chats nobody works on
	// (another replica died), default Lease/5.
	Sweep time.Duration
	// ChatLimit is how many updates one founder may send per ChatWindow,
	// default 20 in 10s; negative: no limit.
	ChatLimit  int
	ChatWindow time.Duration
	// Rate is messages per second to all chats (TELEGRAM_RATE), default
	// 25, negative for no limits at all (fakes only); ChatBurst is how many
	// one chat may get back to back, default 3. Direct replies and the
	// outbox of every replica share these limits: see Limits.
	Rate      float64
	ChatBurst int
	// Slots keeps the limits for all replicas; default the Offsets store,
	// when it has them (*store.Redis does).
	Slots SendSlots
	// Clock is the limiter's time, for tests; nil is the real one.
	Clock Clock
	// Metrics is told what the transport does (metrics.go); nil: nobody.
	Metrics Metrics
	// Started is called once start-up is done (startup.go), for readiness;
	// StartBackoff is the first wait after a failed start-up step, default 1s.
	Started      func()
	StartBackoff time.Duration
}

// Telegram is the founders' transport.
type Telegram struct {
	api *tgbot.Bot // the calls an update seldom needs (botapi.go)
	// bot makes the calls of every update (call), out the outbox's;
	// poller is getUpdates' own, whose connection the end of a long poll
	// cuts.
	bot, out, poller *botAPI
	cfg              Config
	eng              Engine
	st               Inbox
	log              *slog.Logger
	lim              *Limiter
	id               string               // this replica, unique: it holds leases
	pool             atomic.Pointer[pool] // set by Run

	dropped atomic.Int64 // updates over a founder's limit, not applied

	groupsMu sync.Mutex
	groups   map[int64]time.Time // when each group chat was last answered
}

// New prepares the transport; it makes no request until Run.
func New(cfg Config, eng Engine, st Inbox, log *slog.Logger) (*Telegram, error) {
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
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Drain == 0 {
		cfg.Drain = 20 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Second
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = cfg.Lease / 5
	}
	if cfg.ChatLimit == 0 {
		cfg.ChatLimit = 20
	}
	if cfg.ChatWindow <= 0 {
		cfg.ChatWindow = 10 * time.Second
	}
	if cfg.WebhookURL != "" && !ValidWebhookSecret(cfg.WebhookSecret) {
		return nil, errors.New("telegram: webhook secret must be 32 to 256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if s, ok := st.(SendSlots); ok && cfg.Slots == nil {
		cfg.Slots = s
	}
	lim, err := NewLimiter(cfg.Slots, Limits{Rate: cfg.Rate, ChatBurst: cfg.ChatBurst, Clock: cfg.Clock}, log)
	if err != nil {
		return nil, err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	t := &Telegram{cfg: cfg, eng: eng, st: st, log: log, id: hex.EncodeToString(rnd[:]), lim: lim}
	for _, c := range []struct {
		api   **botAPI
		conns int
	}{{&t.bot, min(cfg.Workers, apiConns)}, {&t.out, min(cfg.Workers, apiConns)}, {&t.poller, 1}} {
		if *c.api, err = newBotAPI(cfg.APIURL, cfg.Token, c.conns); err != nil {
			return nil, fmt.Errorf("telegram: %w", err)
		}
	}
	// go-telegram makes the calls an update seldom needs (commands,
	// webhook, documents); every update's own go through botAPI.
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.Poll, &http.Client{Timeout: callTimeout}),
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

// Run registers the commands and works on founders' updates until ctx
// ends: with a webhook URL it has Telegram post them (WebhookHandler
// stores them), else it long-polls whenever this replica holds the
// polling lease. Every replica's workers apply the stored updates. The
// update in progress of each chat is finished before Run returns.
func (t *Telegram) Run(ctx context.Context) error {
	if err := t.startup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	p := t.startPool(ctx)
	if t.cfg.WebhookURL == "" {
		t.pollWhileLeading(ctx)
	}
	p.wait()
	t.log.Info("telegram stopped")
	return nil
}

// Dropped is how many updates were dropped because their founder went
// over the limit.
func (t *Telegram) Dropped() int64 { return t.dropped.Load() }

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
