// Package intro is the introductions conversation: a founder asks to be
// introduced to a contact of the hub's network (a mentor or expert, a
// corporate partner, an investor) with /intro; staff vet the request; the
// contact accepts, says not now or declines; on Accept both sides are
// introduced at once, and a week later both are asked whether they met.
//
// Double opt-in: until the contact accepts, the contact sees nothing that
// tells how to reach the founder (no name, Telegram username, e-mail or
// phone: only the startup and the founder's reason), and the founder
// sees nothing of the contact beyond the name and bio the directory shows.
//
// The request's state lives in the store (Intro), changed only through
// UpdateIntro, so that concurrent clicks give one outcome; every timer
// (the contact's reminder and expiry, the follow-ups) is a due-time job
// carrying the request's Version, so a request answered meanwhile gets
// nothing and replicas send each message once.
package intro

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/startgate/founderbot/flows"
)

//go:embed locales/*.toml
var locales embed.FS

// Messages are the conversation's message catalogs, for flows.NewCatalog.
func Messages() flows.Messages { return flows.Messages{Name: "intro", Files: locales} }

// Store is what introductions need from storage; *store.Redis has it.
type Store interface {
	flows.JobStore
	Applications(ctx context.Context, f flows.FounderID) ([]flows.Application, error)
	// The network: the office-hours mentor directory.
	Mentors(ctx context.Context) ([]flows.Mentor, error)
	Mentor(ctx context.Context, id flows.MentorID) (flows.Mentor, error)
	UpdateMentor(ctx context.Context, id flows.MentorID, fn func(*flows.Mentor) error) (flows.Mentor, error)
	Slots(ctx context.Context, mentor flows.MentorID, from, to time.Time) ([]flows.Slot, error)

	CreateIntro(ctx context.Context, in Intro, l Limits) (Intro, error)
	UpdateIntro(ctx context.Context, id string, fn func(*Intro) error) (Intro, error)
	Intro(ctx context.Context, id string) (Intro, error)
	FounderIntros(ctx context.Context, f flows.FounderID) ([]Intro, error)
	Intros(ctx context.Context) ([]Intro, error)
	MonthlyIntros(ctx context.Context, contact flows.MentorID, month string) (int, error)
}

// Contacts reaches the contacts and the staff's thread; the Slack side
// implements it. A method returns an error only when trying again may
// help: the job that called it is then retried after its lease.
type Contacts interface {
	// Ask asks the contact to accept the request (again when reminder):
	// the blurb, and Accept / Not now / Decline.
	Ask(ctx context.Context, in Intro, m flows.Mentor, reminder bool) error
	// Introduce gives the contact the founder's name, Telegram username
	// and startup, once the contact accepted.
	Introduce(ctx context.Context, in Intro, m flows.Mentor) error
	// FollowUp asks the contact whether they met the founder.
	FollowUp(ctx context.Context, in Intro, m flows.Mentor) error
	// Record notes a step of the request in the staff's thread
	// ("approved", "accepted", "expired", ...); failures are logged, not returned.
	Record(ctx context.Context, in Intro, step string)
}

// Audience is who may ask for introductions (INTRO_OPEN_TO).
type Audience string

// Audiences.
const (
	OpenToApplicants Audience = "applicants"
	OpenToAccepted   Audience = "accepted"
	OpenToAnyone     Audience = "anyone"
)

// Config is what the hub decides about introductions; zero values take the defaults.
type Config struct {
	Hub        string
	TZ         *time.Location // the hub's, for the monthly caps; default UTC
	MaxPending int            // MAX_PENDING_INTROS; default 2
	OpenTo     Audience       // INTRO_OPEN_TO; default accepted
	// ContactTimeout is when an unanswered contact is reminded, once;
	// at twice that the request expires (INTRO_CONTACT_TIMEOUT, 72h).
	ContactTimeout time.Duration
	// FollowupAfter is how long after the introduction both are asked
	// whether they met (INTRO_FOLLOWUP_AFTER, 7 days); "not yet" asks
	// again as long after, once.
	FollowupAfter time.Duration
	// BookData, when set, is the data of a button that starts booking
	// office hours (officehours.BookData); an introduced founder gets it
	// when the contact has free slots. Empty: no such button.
	BookData string
	// Cooldown keeps a founder from asking a contact who declined them
	// (or whom staff declined) again; default 90 days.
	Cooldown time.Duration
}

// Kinds of introduction jobs; each job's subject is the request's ID.
const (
	KindAsk       = "intro_ask"       // approved: ask the contact
	KindRemind    = "intro_remind"    // the contact has not answered: remind them once
	KindExpire    = "intro_expire"    // still no answer: the request expires
	KindFollowup  = "intro_followup"  // introduced: did they meet?
	KindIntroduce = "intro_introduce" // introduced, but a side was not told yet: try again
)

// Intros is the introductions service: the founders' side runs in the
// conversation it registers (Conversation), staff's and contacts' through
// its methods, the timers through its jobs.
type Intros struct {
	store    Store
	out      flows.Outbox
	cat      *flows.Catalog
	cfg      Config
	log      *slog.Logger
	contacts Contacts
	// Now and NewID are replaceable for deterministic tests.
	Now   func() time.Time
	NewID func() string
}

// New returns the service; set its Contacts (SetContacts) before jobs run.
func New(st Store, out flows.Outbox, cat *flows.Catalog, cfg Config, log *slog.Logger) *Intros {
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 2
	}
	if cfg.OpenTo == "" {
		cfg.OpenTo = OpenToAccepted
	}
	if cfg.ContactTimeout == 0 {
		cfg.ContactTimeout = 72 * time.Hour
	}
	if cfg.FollowupAfter == 0 {
		cfg.FollowupAfter = 7 * 24 * time.Hour
	}
	if cfg.Cooldown == 0 {
		cfg.Cooldown = 90 * 24 * time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Intros{store: st, out: out, cat: cat, cfg: cfg, log: log, Now: time.Now,
		NewID: func() string { return "I" + flows.RandomAppID()[1:] }}
}

// SetContacts sets how contacts are reached (the Slack side).
func (s *Intros) SetContacts(c Contacts) { s.contacts = c }

// Config returns the settings in force, defaults filled in.
func (s *Intros) Config() Config { return s.cfg }

// Requested is the notification of a new request, for staff to vet.
type Requested struct{ Intro Intro }

// Topic implements flows.Notification.
func (Requested) Topic() string { return "introduction requested" }

// RequestedIn is the request a turn's result made, if any.
func RequestedIn(res flows.Result) *Intro {
	for _, n := range res.Notifications {
		if r, ok := n.(Requested); ok {
			return &r.Intro
		}
	}
	return nil
}

// Conversation is what the Engine needs to run introductions for
// founders: /intro (a menu button too), the request flow, the "in:"
// buttons of follow-up questions, the follow-up comment typed after a
// rating, and the jobs.
func (s *Intros) Conversation() flows.Conversation {
	return flows.Conversation{
		Name:     "intro",
		Commands: []flows.CommandSpec{{Name: "intro", Run: s.start, Menu: true, DeepLink: true}},
		Flows: []flows.Flow{{Name: flowIntro, Ask: s.ask, Press: s.press, Text: s.text, Cancel: s.cancel,
			Holds: func(t *flows.Turn) bool { return t.Answers()[ansReason] != "" }, Resume: "intro",
			// The comment after a rating is taken only until the founder
			// starts anything else.
			Keys: []string{keyComment}}},
		Buttons:  []flows.ButtonPrefix{{Prefix: "in:", Press: s.button}},
		Idle:     s.idle,
		Jobs:     s.Jobs(),
		Messages: Messages(),
	}
}

// Jobs are the handlers of the introduction jobs, by kind.
func (s *Intros) Jobs() map[string]flows.JobHandler {
	return map[string]flows.JobHandler{KindAsk: s.askJob, KindRemind: s.remindJob, KindExpire: s.expireJob,
		KindFollowup: s.followupJob, KindIntroduce: s.introduceJob}
}

// month is the calendar month of t in the hub's time zone, the unit of caps.
func (s *Intros) month(t time.Time) string { return t.In(s.cfg.TZ).Format("2006-01") }

// tr renders a message in lang, for messages sent outside a turn.
func (s *Intros) tr(lang, id string, data ...any) string { return s.cat.T(lang, id, data...) }

// send queues a message for the founder under key, once.
func (s *Intros) send(ctx context.Context, key string, in Intro, r flows.Reply) error {
	_, err := s.out.Enqueue(ctx, key, flows.Outgoing{Founder: in.Founder, Reply: r}, "intro")
	return err
}

func (s *Intros) record(ctx context.Context, in Intro, step string) {
	if s.contacts != nil {
		s.contacts.Record(ctx, in, step)
	}
}
