// Package officehours is the office-hours conversation and service:
// founders book short sessions with the hub's mentors (/book,
// /mybookings, ratings, the waitlist), staff manage mentors and slots
// (the methods of OfficeHours), and reminders go out before sessions. The
// rules that need atomicity (one founder per slot, no overlap, caps) are
// the store's, in one operation each; the rest is here. The records
// (flows.Mentor, flows.Slot, flows.Booking) are the flows package's,
// because the store keeps them and other conversations read them.
package officehours

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Store is what office hours need from storage; *store.Redis has it.
type Store interface {
	flows.JobStore
	// MarkSending and UnmarkSending keep a key's side effect at most once
	// (the outbox's marks); mentor reminders use them.
	MarkSending(ctx context.Context, key string) (bool, error)
	UnmarkSending(ctx context.Context, key string) error
	LoadSession(ctx context.Context, f flows.FounderID, updateID string) (flows.Session, int64, bool, error)
	Applications(ctx context.Context, f flows.FounderID) ([]flows.Application, error)

	// PutMentor stores a new mentor (ErrMentorExists if the ID is taken
	// by a mentor not removed); UpdateMentor changes one.
	PutMentor(ctx context.Context, m flows.Mentor) error
	// UpdateMentor applies fn to a mentor not removed, again on the fresh
	// record if it changed meanwhile, and saves it; ErrNotFound.
	UpdateMentor(ctx context.Context, id flows.MentorID, fn func(*flows.Mentor) error) (flows.Mentor, error)
	// Mentor returns a mentor, removed ones included; ErrNotFound.
	Mentor(ctx context.Context, id flows.MentorID) (flows.Mentor, error)
	// Mentors lists the mentors not removed.
	Mentors(ctx context.Context) ([]flows.Mentor, error)
	// RemoveMentor marks the mentor removed, cancels their slots that
	// start after now with the bookings on them, and empties their
	// waitlist, at once; it returns the cancelled bookings.
	RemoveMentor(ctx context.Context, id flows.MentorID, now time.Time) ([]flows.Booking, error)

	// AddSlots creates the mentor's slots, all or none, giving them IDs;
	// a *SlotOverlapError when one overlaps a slot of the mentor.
	AddSlots(ctx context.Context, mentor flows.MentorID, slots []flows.Slot) ([]flows.Slot, error)
	Slot(ctx context.Context, id flows.SlotID) (flows.Slot, error)
	// Slots lists slots starting in [from, to), of one mentor or all ("").
	Slots(ctx context.Context, mentor flows.MentorID, from, to time.Time) ([]flows.Slot, error)
	// CancelSlot cancels a slot that has not ended, and the booking on it.
	CancelSlot(ctx context.Context, id flows.SlotID, now time.Time) (flows.Slot, *flows.Booking, error)
	// MentorLoad counts the sessions booked with a mentor in each week.
	MentorLoad(ctx context.Context, mentor flows.MentorID, weeks []string) (map[string]int, error)

	// BookSlot books the slot for b.Founder under the ID b.ID, checking
	// every rule at once. Booking again with the same ID, founder and
	// slot returns the booking (a retried request).
	BookSlot(ctx context.Context, slot flows.SlotID, b flows.Booking, now time.Time, r flows.BookingRules) (flows.Booking, error)
	// Reschedule moves an active booking of the founder to another slot:
	// the new slot is booked and the old one freed at once, or nothing
	// changes. op names the request: a retry with the same op succeeds.
	Reschedule(ctx context.Context, id flows.BookingID, f flows.FounderID, to flows.SlotID, op string, now time.Time, r flows.BookingRules) (flows.Booking, error)
	// CancelBooking cancels an active booking and frees its slot. A
	// founder (f not empty) is held to r's cutoff and weekly cap on
	// cancellations; staff (f empty) are not.
	CancelBooking(ctx context.Context, id flows.BookingID, f flows.FounderID, op string, now time.Time, r flows.BookingRules) (flows.Booking, error)
	Booking(ctx context.Context, id flows.BookingID) (flows.Booking, error)
	// FounderBookings lists the founder's active bookings starting after from.
	FounderBookings(ctx context.Context, f flows.FounderID, from time.Time) ([]flows.Booking, error)
	// Bookings lists all bookings starting in [from, to), whatever their status.
	Bookings(ctx context.Context, from, to time.Time) ([]flows.Booking, error)
	// SetOutcome records what became of a session (StatusHeld,
	// StatusNoShow or StatusMentorCancelled); a mentor's cancellation
	// of a session to come also cancels its slot.
	SetOutcome(ctx context.Context, id flows.BookingID, outcome flows.BookingStatus, by string, now time.Time) (flows.Booking, error)
	// RateBooking records the founder's rating (1..5; 0 keeps it) and
	// comment ("" keeps it) of a session that started.
	RateBooking(ctx context.Context, id flows.BookingID, f flows.FounderID, rating int, comment string, now time.Time) (flows.Booking, error)
	// PastSessions lists up to max sessions of founder f with the mentor
	// that started before before, newest first: bookings that kept their
	// slot (booked, held or no-show), not cancelled or moved ones.
	PastSessions(ctx context.Context, mentor flows.MentorID, f flows.FounderID, before time.Time, max int) ([]flows.Booking, error)

	// JoinWaitlist puts the founder on the mentor's waitlist, if not on it
	// yet, and returns their place (1 = next).
	JoinWaitlist(ctx context.Context, mentor flows.MentorID, f flows.FounderID, now time.Time) (int, error)
	// OfferSlot offers a free slot to the next founder on its mentor's
	// waitlist, unless an offer on it still runs: it returns the slot
	// with its offer, or an empty FounderID when nobody got one.
	OfferSlot(ctx context.Context, id flows.SlotID, now time.Time, ttl time.Duration) (flows.Slot, flows.FounderID, error)
}

// Audience is who may book office hours (BOOKING_OPEN_TO).
type Audience string

// Audiences.
const (
	OpenToApplicants Audience = "applicants" // founders with a submitted application
	OpenToAccepted   Audience = "accepted"   // founders with an accepted application
	OpenToAnyone     Audience = "anyone"
)

// Config is what the hub decides about office hours; zero
// values take the defaults.
type Config struct {
	Hub string
	TZ  *time.Location // HUB_TIMEZONE; default Africa/Casablanca, else UTC
	// Rules default to 14 days, 2 upcoming, 12h, 2 reschedules, and 4
	// bookings and 3 cancellations a founder in 7 days; a MaxReschedules
	// of -1 allows none.
	Rules    flows.BookingRules
	OpenTo   Audience      // default OpenToApplicants
	OfferTTL time.Duration // how long a waitlist offer holds; default 30 minutes
	// Contact is how founders reach staff when it is too late to cancel
	// ("@startgate_team"); empty: "the team".
	Contact string
	// CalendarDomain makes calendar UIDs global ("B-7F3K@<domain>") and
	// is the organizer's mail domain; default founderbot.invalid.
	CalendarDomain string
	// Quiet hours in the hub's time zone (default 22 to 8): a day-before
	// session reminder that falls in them goes out earlier; see remindAt.
	QuietFrom, QuietTo int
}

// Kinds of office-hours jobs.
const (
	KindSlotOffer     = "oh_offer"  // a waitlist offer runs out
	KindSessionRating = "oh_rating" // a session ended: ask the founder for a rating
	KindSessionRemind = "oh_remind" // a session is a day or an hour away
)

// OfficeHours is the office-hours service: the founders' side runs in the
// conversation it registers on the Engine (Conversation: /book,
// /mybookings), staff's through the methods.
type OfficeHours struct {
	store Store
	out   flows.Outbox
	cat   *flows.Catalog
	cfg   Config
	log   *slog.Logger
	// Now and NewID are replaceable for deterministic tests.
	Now   func() time.Time
	NewID func() flows.BookingID
	// MentorReminders gets the mentors' session reminders (the Slack
	// side); nil: none are sent.
	MentorReminders MentorNotifier
	// Dropped counts session reminders dropped because they came due too
	// late to mean anything ("oh_remind:24h", "oh_remind:1h"); wire it to
	// the counter of Scheduler.Dropped. nil: not counted.
	Dropped func(what string)
}

// New returns the service. out carries waitlist offers and
// rating prompts; Register the service on a Scheduler for them to go out.
func New(st Store, out flows.Outbox, cat *flows.Catalog, cfg Config, log *slog.Logger) *OfficeHours {
	if cfg.TZ == nil {
		if loc, err := time.LoadLocation("Africa/Casablanca"); err == nil {
			cfg.TZ = loc
		} else {
			cfg.TZ = time.UTC
		}
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	r := &cfg.Rules
	if r.Window == 0 {
		r.Window = 14 * 24 * time.Hour
	}
	if r.MaxUpcoming == 0 {
		r.MaxUpcoming = 2
	}
	if r.CancelCutoff == 0 {
		r.CancelCutoff = 12 * time.Hour
	}
	if r.MaxBookingsPerWeek == 0 {
		r.MaxBookingsPerWeek = 4
	}
	if r.MaxCancelsPerWeek == 0 {
		r.MaxCancelsPerWeek = 3
	}
	switch {
	case r.MaxReschedules == 0:
		r.MaxReschedules = 2
	case r.MaxReschedules < 0:
		r.MaxReschedules = 0
	}
	if cfg.OpenTo == "" {
		cfg.OpenTo = OpenToApplicants
	}
	if cfg.OfferTTL == 0 {
		cfg.OfferTTL = 30 * time.Minute
	}
	if cfg.CalendarDomain == "" {
		cfg.CalendarDomain = "founderbot.invalid"
	}
	if cfg.QuietFrom == 0 && cfg.QuietTo == 0 {
		cfg.QuietFrom, cfg.QuietTo = 22, 8
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OfficeHours{store: st, out: out, cat: cat, cfg: cfg, log: log, Now: time.Now,
		NewID:   func() flows.BookingID { return flows.BookingID("B" + flows.RandomAppID()[1:]) },
		Dropped: func(string) {}}
}

// Config returns the settings in force, defaults filled in.
func (o *OfficeHours) Config() Config { return o.cfg }

// Register sets the scheduler's handlers for office-hours jobs.
func (o *OfficeHours) Register(s *flows.Scheduler) { s.HandleAll(o.jobs()) }

func (o *OfficeHours) jobs() map[string]flows.JobHandler {
	return map[string]flows.JobHandler{KindSlotOffer: o.offerExpired, KindSessionRating: o.ratingPrompt,
		KindSessionRemind: o.sessionReminder}
}

// Week returns the ISO week of t in the hub's time zone, as stored in Slot.Week.
func (o *OfficeHours) Week(t time.Time) string { return isoWeek(t, o.cfg.TZ) }

func isoWeek(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// tr renders a message in lang, for messages sent outside a turn.
func (o *OfficeHours) tr(lang, id string, data ...any) string { return o.cat.T(lang, id, data...) }
