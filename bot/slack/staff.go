package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// Review is what staff act through; *application.Review has it.
type Review interface {
	Application(ctx context.Context, id string) (flows.Application, error)
	List(ctx context.Context, status flows.Status, skip, limit int) ([]flows.Application, int, error)
	Decide(ctx context.Context, id string, to flows.Status, by flows.Actor, note string) (flows.Application, flows.Outgoing, error)
	SetStaffMessage(ctx context.Context, id, channel, ts string) error
	// Programs: what founders apply to, and the lists and counts by program.
	Programs() *application.Programs
	ProgramName(lang, id string) string
	ListIn(ctx context.Context, program string, status flows.Status, skip, limit int) ([]flows.Application, int, error)
	StatsIn(ctx context.Context, program string) (application.Stats, error)
	DigestIn(ctx context.Context, since, until time.Time, program string) (application.Digest, error)
	ProgramCounts(ctx context.Context) ([]application.ProgramCount, error)
}

// Deliver sends a message to a founder (on Telegram); errors are logged and staff told.
type Deliver func(ctx context.Context, o flows.Outgoing) error

// Config is the staff side's Slack settings; see cmd/founderbot for the
// environment variables that fill it.
type Config struct {
	BotToken      string // SLACK_BOT_TOKEN (xoxb-…), for the Web API
	AppToken      string // SLACK_APP_TOKEN (xapp-…), for Socket Mode
	SigningSecret string // SLACK_SIGNING_SECRET, for HTTP mode
	APIURL        string // SLACK_API_URL; default Slack's
	Channel       string // SLACK_STAFF_CHANNEL: the channel ID where applications go
	// StaffUsers are the Slack user IDs allowed to act (SLACK_STAFF_USERS);
	// empty: the members of Channel, cached a few minutes.
	StaffUsers []string
	Command    string         // SLACK_COMMAND; default "/founderbot"
	Lang       string         // staff's language for texts, a flows language; default the catalog's
	TZ         *time.Location // times shown to staff; default UTC
	Now        func() time.Time
	// Hub is the hub's name, in the header of broadcasts to founders
	// (HUB_NAME); default "StartGate", as in flows.
	Hub string
	// Metrics is told of requests and posts (metrics.go); nil: nobody.
	Metrics Metrics
}

const (
	// defaultAckWithin leaves a second of Slack's three for the network.
	defaultAckWithin = 2 * time.Second
	// workTimeout bounds background work: a decision's message update, the
	// founder's message, a late answer.
	workTimeout = time.Minute
	// exportTimeout bounds building and uploading an export.
	exportTimeout = 3 * time.Minute
	// rateLimitAttempts and maxRateLimitWait bound how long a post waits
	// out Slack's 429s.
	rateLimitAttempts = 3
	maxRateLimitWait  = 30 * time.Second
	actorPrefix       = "slack:"
)

// Staff is the hub staff's Slack side: it posts new applications to the
// staff channel and answers the slash command, buttons and modals.
type Staff struct {
	cfg     Config
	api     *slackapi.Client
	review  Review
	cat     *flows.Catalog
	deliver Deliver
	log     *slog.Logger
	http    *http.Client // for response_url

	// ackWithin is how long a request may work before Slack is answered
	// and the rest goes on in the background.
	ackWithin time.Duration

	bg      sync.WaitGroup
	locks   keyedMutex
	members memberCache

	// bc is broadcasting, when SetBroadcast was called.
	bc *broadcasting

	// oh is office hours, when SetOfficeHours was called.
	oh officeHours

	// founders and forgetter, when SetFounders was called.
	founders  FounderDirectory
	forgetter Forgetter
	// intros is introductions, when SetIntros was called.
	intros Intros
}

// New returns the staff side; it makes no request until used.
func New(cfg Config, review Review, cat *flows.Catalog, deliver Deliver, log *slog.Logger) (*Staff, error) {
	switch {
	case cfg.BotToken == "":
		return nil, errors.New("slack: no bot token")
	case cfg.Channel == "":
		return nil, errors.New("slack: no staff channel")
	case review == nil || cat == nil || deliver == nil:
		return nil, errors.New("slack: review, catalog and deliver are required")
	}
	if cfg.Command == "" {
		cfg.Command = DefaultCommand
	}
	cfg.Lang = cat.Resolve(cfg.Lang, "")
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	opts := []slackapi.Option{slackapi.OptionHTTPClient(hc)}
	if cfg.APIURL != "" {
		// slack-go appends method names to the URL: it must end with a slash.
		opts = append(opts, slackapi.OptionAPIURL(strings.TrimRight(cfg.APIURL, "/")+"/"))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	s := &Staff{cfg: cfg, review: review, cat: cat, deliver: deliver, log: log, http: hc,
		api: slackapi.New(cfg.BotToken, opts...), ackWithin: defaultAckWithin}
	s.members.ttl = membersTTL
	return s, nil
}

// Wait waits for background work (message updates, deliveries, exports)
// to finish; call it after the HTTP server and Socket Mode have stopped.
// Every piece of that work is bounded by its own timeout.
func (s *Staff) Wait() { s.bg.Wait() }

// goBG runs f in the background with a context that keeps ctx's values
// but not its cancellation (the request that started the work is over by
// then), bounded by timeout. A panic is logged, not fatal.
func (s *Staff) goBG(ctx context.Context, timeout time.Duration, f func(ctx context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(ctx, "slack background work panicked", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		f(ctx)
	}()
}

// respond runs work and returns its answer for Slack if it is ready within
// s.ackWithin. Otherwise it returns nil, which acknowledges the request
// empty, and hands the answer to late when it comes.
func (s *Staff) respond(ctx context.Context, work func(ctx context.Context) any, late func(ctx context.Context, answer any)) any {
	done := make(chan any, 1)
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		var answer any
		defer func() { done <- answer }() // even when work panics
		answer = work(ctx)
	})
	timer := time.NewTimer(s.ackWithin)
	defer timer.Stop()
	select {
	case answer := <-done:
		return answer
	case <-timer.C:
	}
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		select {
		case answer := <-done:
			if answer != nil && late != nil {
				late(ctx, answer)
			}
		case <-ctx.Done():
		}
	})
	return nil
}

// actor is the flows identity of a Slack user.
func actor(user string) flows.Actor {
	return flows.Actor{ID: actorPrefix + user, Name: mention(user)}
}

// retry calls call until it is not refused with 429, waiting what Slack
// asks (bounded) between attempts. Never use it where Slack waits for an ack.
func (s *Staff) retry(ctx context.Context, what string, call func() error) error {
	for attempt := 1; ; attempt++ {
		err := call()
		var limited *slackapi.RateLimitedError
		if !errors.As(err, &limited) || attempt == rateLimitAttempts {
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			return nil
		}
		wait := min(limited.RetryAfter, maxRateLimitWait)
		s.log.WarnContext(ctx, "slack rate limited", "call", what, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// post sends a message to a channel and returns where it is.
func (s *Staff) post(ctx context.Context, channel string, opts ...slackapi.MsgOption) (string, string, error) {
	var ch, ts string
	err := s.sendRetry(ctx, "post to "+channel, func() (err error) {
		ch, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ch, ts, err
}

func (s *Staff) update(ctx context.Context, channel, ts string, opts ...slackapi.MsgOption) error {
	return s.sendRetry(ctx, "update message "+ts, func() error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// notice tells one user something only they see: ephemeral in channel,
// else (no channel, or they are not in it) through responseURL.
func (s *Staff) notice(ctx context.Context, channel, user, responseURL, text string) {
	blocks := []slackapi.Block{section(text)}
	if channel != "" {
		err := s.sendRetry(ctx, "ephemeral to "+user, func() error {
			_, err := s.api.PostEphemeralContext(ctx, channel, user,
				slackapi.MsgOptionText(clip(text, maxFallback), false), slackapi.MsgOptionBlocks(blocks...))
			return err
		})
		if err == nil {
			return
		}
		if responseURL == "" {
			s.log.ErrorContext(ctx, "slack notice not shown", "user", user, "err", err)
			return
		}
	}
	if responseURL == "" {
		return
	}
	if err := s.toResponseURL(ctx, responseURL, ephemeral(text, blocks...)); err != nil {
		s.log.ErrorContext(ctx, "slack notice not shown", "user", user, "err", err)
	}
}

// keyedMutex serializes work per key (an application ID) within this
// process, so that updates of one message cannot overtake each other.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
