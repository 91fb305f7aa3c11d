package flows

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/startgate/founderbot/flows/input"
)

// Store is what the Engine needs from storage; *store.Redis has it.
type Store interface {
	// LoadSession returns the founder's session, its version (0 when there
	// is none yet) and whether updateID was already applied.
	LoadSession(ctx context.Context, f FounderID, updateID string) (s Session, version int64, seen bool, err error)
	// SaveSession stores s if the stored version is still version, marks
	// updateID applied, when app is not nil stores the application and,
	// when out is not nil and updateID not empty, stores out's replies as
	// the update's journal, all at once: whoever finds the update applied
	// sends the journal rather than losing or recomputing the replies. It
	// returns ErrConflict or ErrDuplicate when it must not apply.
	SaveSession(ctx context.Context, f FounderID, updateID string, version int64, s Session, app *Application, out *Result) error
	// ReserveApplicationID claims a new application ID for the founder;
	// ErrIDTaken when another application has it.
	ReserveApplicationID(ctx context.Context, id string, f FounderID, at time.Time) error
	// ReleaseApplicationID gives back a reserved ID that was never used.
	ReleaseApplicationID(ctx context.Context, id string, f FounderID) error
	// Applications lists the founder's applications, newest first.
	Applications(ctx context.Context, f FounderID) ([]Application, error)
	// UpdateApplication changes an application atomically (see ReviewStore).
	UpdateApplication(ctx context.Context, id string, fn func(*Application) error) (Application, error)
}

// Config is what the hub decides about conversations.
type Config struct {
	Hub         string        // shown in messages
	DraftExpiry time.Duration // an untouched draft is dropped after this; 0 = 30 days
}

// Engine applies founders' events to their sessions, through the
// conversations registered on it.
type Engine struct {
	store Store
	cat   *Catalog
	cfg   Config
	log   *slog.Logger
	reg   registry
	// Now and NewID are replaceable for deterministic tests.
	Now   func() time.Time
	NewID func() string
}

// NewEngine returns an Engine on the given store and catalog.
func NewEngine(st Store, cat *Catalog, cfg Config, log *slog.Logger) *Engine {
	if cfg.DraftExpiry == 0 {
		cfg.DraftExpiry = 30 * 24 * time.Hour
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	return &Engine{store: st, cat: cat, cfg: cfg, log: log, reg: newRegistry(), Now: time.Now, NewID: RandomAppID}
}

// Register adds a conversation, its messages included. A command, flow,
// button prefix, job kind, session key or message registered twice is an
// error, meant to stop the program at start-up; nothing of a refused
// conversation is registered. Register before Handle runs.
func (e *Engine) Register(c Conversation) error {
	if err := e.reg.check(c); err != nil {
		return err
	}
	if c.Messages.Files != nil {
		if err := e.cat.Add(c.Messages); err != nil {
			return fmt.Errorf("register conversation %s: %w", c.Name, err)
		}
	}
	e.reg.add(c)
	return nil
}

// Jobs are the registered conversations' job handlers, by kind, for a
// Scheduler (see Scheduler.HandleAll).
func (e *Engine) Jobs() map[string]JobHandler { return maps.Clone(e.reg.jobs) }

// Catalog returns the engine's messages, for transports.
func (e *Engine) Catalog() *Catalog { return e.cat }

// maxAttempts bounds retries when another event for the same founder wins
// the race; each retry re-reads the session, so the loser sees the winner's
// state (a double-tapped button then finds its question gone).
const maxAttempts = 8

// maxDisplayName bounds a founder's display name or handle, in characters.
const maxDisplayName = 120

// Handle applies one event and returns what to tell the founder. Two events
// for one founder never both apply to the same state: the session is saved
// only if nobody saved it since it was read, else the event is applied again
// to the fresh state.
func (e *Engine) Handle(ctx context.Context, ev Event) (Result, error) {
	if ev.Group {
		return e.group(ev), nil
	}
	// Display names arrive as founders set them on Telegram: cleaned like
	// typed text, they carry no bidi override or zero-width character to
	// staff, mentors or other messages.
	ev.Name, ev.Handle = input.Clean(ev.Name, maxDisplayName), input.Clean(ev.Handle, maxDisplayName)
	var reserved string // an application ID reserved by an earlier attempt
	defer func() {
		if reserved != "" {
			if err := e.store.ReleaseApplicationID(context.WithoutCancel(ctx), reserved, ev.Founder); err != nil {
				e.log.Warn("release unused application id", "id", reserved, "err", err)
			}
		}
	}()
	for range maxAttempts {
		s, ver, seen, err := e.store.LoadSession(ctx, ev.Founder, ev.UpdateID)
		if err != nil {
			return Result{}, fmt.Errorf("load session: %w", err)
		}
		if seen {
			return Result{Duplicate: true}, nil
		}
		t := newTurn(ctx, e, ev, s)
		if err := errors.Join(e.run(t), t.err); err != nil {
			return Result{}, err
		}
		if t.app != nil {
			if reserved == "" {
				if reserved, err = e.reserveID(ctx, ev.Founder); err != nil {
					return Result{}, err
				}
			}
			t.app.ID = reserved
			t.onID(reserved)
		}
		res := Result{Replies: t.replies, Notice: t.notice, Expired: t.expired, Lang: t.lang, Notifications: t.notes}
		err = e.store.SaveSession(ctx, ev.Founder, ev.UpdateID, ver, t.s, t.app, &res)
		switch {
		case errors.Is(err, ErrConflict):
			continue
		case errors.Is(err, ErrDuplicate):
			return Result{Duplicate: true}, nil
		case err != nil:
			return Result{}, fmt.Errorf("save session: %w", err)
		}
		if t.app != nil {
			reserved = "" // used
		}
		for _, a := range t.after {
			// After the save: a failure here costs a reminder, not the answer.
			if err := a.fn(ctx, t.s); err != nil {
				e.log.Error(a.name, "founder", ev.Founder, "err", err)
			}
		}
		return res, nil
	}
	return Result{}, fmt.Errorf("save session for %s: still conflicting after %d attempts", ev.Founder, maxAttempts)
}

func (e *Engine) reserveID(ctx context.Context, f FounderID) (string, error) {
	for range 10 {
		id := e.NewID()
		err := e.store.ReserveApplicationID(ctx, id, f, e.Now())
		if errors.Is(err, ErrIDTaken) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reserve application id: %w", err)
		}
		return id, nil
	}
	return "", errors.New("reserve application id: ten IDs in a row were taken")
}

// group answers commands in group chats with a pointer to a private chat
// and ignores everything else, so the bot never spams a group.
func (e *Engine) group(ev Event) Result {
	lang := e.cat.Resolve("", ev.LangHint)
	if ev.Kind != KindCommand {
		return Result{Lang: lang}
	}
	return Result{Lang: lang, Replies: []Reply{{Text: e.cat.T(lang, "group_only", "Hub", e.cat.Value(lang, e.cfg.Hub))}}}
}

// ErrorReply is what a transport says when Handle failed: the founder's
// answers so far are safe, and trying again is the thing to do.
func (e *Engine) ErrorReply(lang string) Reply {
	return Reply{Text: e.cat.T(e.cat.Resolve("", lang), "internal_error")}
}

// SlowDownReply is what a transport says, once, to a founder who sent
// more than it takes in a short time; the rest of the burst is dropped.
func (e *Engine) SlowDownReply(lang string) Reply {
	return Reply{Text: e.cat.T(e.cat.Resolve("", lang), "slow_down")}
}

// Command is a bot command with its description in one language.
type Command struct {
	Name        string
	Description string
}

// Commands lists the founder commands in lang, for a transport's menu.
func (e *Engine) Commands(lang string) []Command {
	names := e.reg.commandNames()
	out := make([]Command, len(names))
	for i, n := range names {
		out[i] = Command{Name: n, Description: e.cat.T(lang, "cmd_"+n)}
	}
	return out
}

// appIDAlphabet is Crockford's base32: no I, L, O or U to misread.
const appIDAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// RandomAppID returns a short human application ID such as "A-7F3K".
func RandomAppID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	id := []byte("A-0000")
	for i, x := range b {
		id[2+i] = appIDAlphabet[x%32]
	}
	return string(id)
}
