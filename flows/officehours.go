package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Office hours: founders book short sessions with the hub's mentors. The
// rules that need atomicity (one founder per slot, no overlap, caps) are
// the store's, in one operation each; the rest is here.

// MentorID, SlotID and BookingID identify office-hours records. Slot IDs
// are short ("S12") because staff type them.
type (
	MentorID  string
	SlotID    string
	BookingID string
)

// FunctionalTags are the mentors' expertise beyond the application sectors.
var FunctionalTags = []string{"fundraising", "product", "legal", "go_to_market", "tech"}

// ExpertiseTags are the topics founders book on, in display order: the
// application sectors, then the functional tags.
var ExpertiseTags = append(slices.Clip(Sectors), FunctionalTags...)

// Mentor is a mentor or expert founders can book.
type Mentor struct {
	ID        MentorID `json:"id"`
	Name      string   `json:"name"`
	Tags      []string `json:"tags"`
	Bio       string   `json:"bio,omitempty"`
	Languages []string `json:"languages,omitempty"` // of Languages
	SlackUser string   `json:"slack_user,omitempty"`
	Telegram  string   `json:"telegram,omitempty"` // username, without "@"
	// WeeklyCap is the most sessions booked with the mentor in one ISO
	// week of the hub's time zone; 0 means no cap.
	WeeklyCap int  `json:"weekly_cap,omitempty"`
	Removed   bool `json:"removed,omitempty"`
}

// Place is where a session happens: a link, a room, or neither (the team
// tells the founder later).
type Place struct {
	Link string `json:"link,omitempty"`
	Room string `json:"room,omitempty"`
}

// Slot is a mentor's time founders can book.
type Slot struct {
	ID         SlotID
	Mentor     MentorID
	Start, End time.Time
	// Week is the ISO week of Start in the hub's time zone ("2026-W49"),
	// the unit of the mentor's weekly cap.
	Week string
	Place
	Cancelled bool
	Booking   BookingID // the founder's booking; "" when free
	// OfferTo holds a freed slot for a founder of the waitlist until
	// OfferUntil; OfferSeq counts the offers made on the slot.
	OfferTo    FounderID
	OfferUntil time.Time
	OfferSeq   int64
}

// BookingStatus is where a booking stands.
type BookingStatus string

// Booking statuses. Only StatusBooked holds a slot.
const (
	StatusBooked          BookingStatus = "booked"
	StatusCancelled       BookingStatus = "cancelled"        // by the founder
	StatusSlotCancelled   BookingStatus = "slot_cancelled"   // by staff: the slot or the mentor went
	StatusHeld            BookingStatus = "held"             // the mentor says it happened
	StatusNoShow          BookingStatus = "no_show"          // the founder did not come
	StatusMentorCancelled BookingStatus = "mentor_cancelled" // the mentor could not make it
)

// FounderInfo is who booked, as staff and the mentor see it.
type FounderInfo struct {
	Name    string `json:"name,omitempty"`
	Handle  string `json:"handle,omitempty"`
	Lang    string `json:"lang,omitempty"`
	AppID   string `json:"app,omitempty"`
	Startup string `json:"startup,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Sector  string `json:"sector,omitempty"`
}

// Booking is a founder's session with a mentor. Its ID stays the same
// across reschedules (it is the calendar file's UID); Seq is the
// calendar's SEQUENCE and goes up with every change the founder's
// calendar must follow.
type Booking struct {
	ID          BookingID
	Slot        SlotID
	Mentor      MentorID
	Founder     FounderID
	Who         FounderInfo
	Topic       string
	Agenda      string
	Start, End  time.Time
	Place       Place
	Status      BookingStatus
	Seq         int
	Reschedules int
	Created     time.Time
	Updated     time.Time
	Rating      int // 1..5; 0 = not rated
	Comment     string
	OutcomeBy   string // who recorded the outcome
	PrevSlot    SlotID // the slot before the last reschedule

	// FounderCancels is how many sessions the founder had cancelled in
	// the 7 days before they made this booking, or, once they cancelled
	// it, up to and including this cancellation: staff's channel uses it
	// to collapse a founder's repeated book/cancel cycles into one notice.
	FounderCancels int
}

// Active reports whether the booking holds its slot.
func (b Booking) Active() bool { return b.Status == StatusBooked }

// BookingRules are the limits the store enforces atomically.
type BookingRules struct {
	Window         time.Duration // how far ahead founders may book
	MaxUpcoming    int           // upcoming sessions per founder
	CancelCutoff   time.Duration // no founder cancel or reschedule closer to the start
	MaxReschedules int           // per booking
	// Per founder in any 7 days, whatever the mentor, so that book/cancel
	// cycles stay bounded; 0 means no cap (the store's zero value).
	MaxBookingsPerWeek int // bookings made (reschedules not counted)
	MaxCancelsPerWeek  int // the founder's own cancellations
}

// FounderWeek is the span of the founder's weekly caps, counted back from now.
const FounderWeek = 7 * 24 * time.Hour

// MaxSlotLength bounds one slot; the store relies on it to look for
// overlaps only near a time.
const MaxSlotLength = 8 * time.Hour

// Refusals of office-hours operations. The store returns them when a rule
// forbids the operation; the conversation turns each into a message.
var (
	ErrSlotTaken       = errors.New("slot already booked")
	ErrOverlap         = errors.New("founder has a session at that time")
	ErrTooManyUpcoming = errors.New("founder has the most upcoming sessions allowed")
	ErrWeeklyCap       = errors.New("mentor's weekly cap reached")
	ErrSlotPast        = errors.New("slot has started")
	ErrSlotCancelled   = errors.New("slot cancelled")
	ErrOutsideWindow   = errors.New("slot beyond the booking window")
	ErrNotAllowed      = errors.New("founder may not book office hours")
	ErrCutoff          = errors.New("too close to the session to change it")
	ErrRescheduleLimit = errors.New("booking rescheduled too many times")
	ErrWeeklyBookings  = errors.New("founder made the most bookings allowed in 7 days")
	ErrWeeklyCancels   = errors.New("founder made the most cancellations allowed in 7 days")
	ErrBookingClosed   = errors.New("booking no longer active")
	ErrTooEarly        = errors.New("session has not started yet")
	ErrSlotOverlap     = errors.New("slot overlaps another of the mentor's slots")
	ErrMentorExists    = errors.New("mentor already exists")
	ErrInvalidMentor   = errors.New("invalid mentor")
	ErrAmbiguousMentor = errors.New("several mentors match")
)

// SlotOverlapError says which existing slot a new one overlaps.
type SlotOverlapError struct{ Existing Slot }

func (e *SlotOverlapError) Error() string {
	return fmt.Sprintf("slot overlaps %s (%s–%s)", e.Existing.ID,
		e.Existing.Start.UTC().Format("2006-01-02 15:04"), e.Existing.End.UTC().Format("15:04 MST"))
}

// Is makes errors.Is(err, ErrSlotOverlap) true.
func (e *SlotOverlapError) Is(target error) bool { return target == ErrSlotOverlap }

// OfficeHoursStore is what office hours need from storage; *store.Redis has it.
type OfficeHoursStore interface {
	JobStore
	// MarkSending and UnmarkSending keep a key's side effect at most once
	// (the outbox's marks); mentor reminders use them.
	MarkSending(ctx context.Context, key string) (bool, error)
	UnmarkSending(ctx context.Context, key string) error
	LoadSession(ctx context.Context, f FounderID, updateID string) (Session, int64, bool, error)
	Applications(ctx context.Context, f FounderID) ([]Application, error)

	// PutMentor stores m: a new mentor when create (ErrMentorExists if
	// the ID is taken by a mentor not removed), else an existing one
	// (ErrNotFound if there is none).
	PutMentor(ctx context.Context, m Mentor, create bool) error
	// Mentor returns a mentor, removed ones included; ErrNotFound.
	Mentor(ctx context.Context, id MentorID) (Mentor, error)
	// Mentors lists the mentors not removed.
	Mentors(ctx context.Context) ([]Mentor, error)
	// RemoveMentor marks the mentor removed, cancels their slots that
	// start after now with the bookings on them, and empties their
	// waitlist, at once; it returns the cancelled bookings.
	RemoveMentor(ctx context.Context, id MentorID, now time.Time) ([]Booking, error)

	// AddSlots creates the mentor's slots, all or none, giving them IDs;
	// a *SlotOverlapError when one overlaps a slot of the mentor.
	AddSlots(ctx context.Context, mentor MentorID, slots []Slot) ([]Slot, error)
	Slot(ctx context.Context, id SlotID) (Slot, error)
	// Slots lists slots starting in [from, to), of one mentor or all ("").
	Slots(ctx context.Context, mentor MentorID, from, to time.Time) ([]Slot, error)
	// CancelSlot cancels a slot that has not ended, and the booking on it.
	CancelSlot(ctx context.Context, id SlotID, now time.Time) (Slot, *Booking, error)
	// MentorLoad counts the sessions booked with a mentor in each week.
	MentorLoad(ctx context.Context, mentor MentorID, weeks []string) (map[string]int, error)

	// BookSlot books the slot for b.Founder under the ID b.ID, checking
	// every rule at once. Booking again with the same ID, founder and
	// slot returns the booking (a retried request).
	BookSlot(ctx context.Context, slot SlotID, b Booking, now time.Time, r BookingRules) (Booking, error)
	// Reschedule moves an active booking of the founder to another slot:
	// the new slot is booked and the old one freed at once, or nothing
	// changes. op names the request: a retry with the same op succeeds.
	Reschedule(ctx context.Context, id BookingID, f FounderID, to SlotID, op string, now time.Time, r BookingRules) (Booking, error)
	// CancelBooking cancels an active booking and frees its slot. A
	// founder (f not empty) is held to r's cutoff and weekly cap on
	// cancellations; staff (f empty) are not.
	CancelBooking(ctx context.Context, id BookingID, f FounderID, op string, now time.Time, r BookingRules) (Booking, error)
	Booking(ctx context.Context, id BookingID) (Booking, error)
	// FounderBookings lists the founder's active bookings starting after from.
	FounderBookings(ctx context.Context, f FounderID, from time.Time) ([]Booking, error)
	// Bookings lists all bookings starting in [from, to), whatever their status.
	Bookings(ctx context.Context, from, to time.Time) ([]Booking, error)
	// SetOutcome records what became of a session (StatusHeld,
	// StatusNoShow or StatusMentorCancelled); a mentor's cancellation
	// of a session to come also cancels its slot.
	SetOutcome(ctx context.Context, id BookingID, outcome BookingStatus, by string, now time.Time) (Booking, error)
	// RateBooking records the founder's rating (1..5; 0 keeps it) and
	// comment ("" keeps it) of a session that started.
	RateBooking(ctx context.Context, id BookingID, f FounderID, rating int, comment string, now time.Time) (Booking, error)
	// PastSessions lists up to max sessions of founder f with the mentor
	// that started before before, newest first: bookings that kept their
	// slot (booked, held or no-show), not cancelled or moved ones.
	PastSessions(ctx context.Context, mentor MentorID, f FounderID, before time.Time, max int) ([]Booking, error)

	// JoinWaitlist puts the founder on the mentor's waitlist, if not on it
	// yet, and returns their place (1 = next).
	JoinWaitlist(ctx context.Context, mentor MentorID, f FounderID, now time.Time) (int, error)
	// OfferSlot offers a free slot to the next founder on its mentor's
	// waitlist, unless an offer on it still runs: it returns the slot
	// with its offer, or an empty FounderID when nobody got one.
	OfferSlot(ctx context.Context, id SlotID, now time.Time, ttl time.Duration) (Slot, FounderID, error)
}

// Audience is who may book office hours (BOOKING_OPEN_TO).
type Audience string

// Audiences.
const (
	OpenToApplicants Audience = "applicants" // founders with a submitted application
	OpenToAccepted   Audience = "accepted"   // founders with an accepted application
	OpenToAnyone     Audience = "anyone"
)

// OfficeHoursConfig is what the hub decides about office hours; zero
// values take the defaults.
type OfficeHoursConfig struct {
	Hub string
	TZ  *time.Location // HUB_TIMEZONE; default Africa/Casablanca, else UTC
	// Rules default to 14 days, 2 upcoming, 12h, 2 reschedules, and 4
	// bookings and 3 cancellations a founder in 7 days; a MaxReschedules
	// of -1 allows none.
	Rules    BookingRules
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

// ParseOfficeHoursEnv reads the office-hours settings: MAX_UPCOMING_BOOKINGS,
// CANCEL_CUTOFF (a Go duration), MAX_RESCHEDULES, MAX_BOOKINGS_PER_WEEK,
// MAX_CANCELS_PER_WEEK, BOOKING_OPEN_TO, BOOKING_WINDOW_DAYS and
// BOOKING_CONTACT. tz is the parsed HUB_TIMEZONE.
func ParseOfficeHoursEnv(getenv func(string) string, hub string, tz *time.Location) (OfficeHoursConfig, error) {
	cfg := OfficeHoursConfig{Hub: hub, TZ: tz, Contact: getenv("BOOKING_CONTACT")}
	number := func(name string, min, max int) (int, bool, error) {
		s := getenv(name)
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			return 0, false, fmt.Errorf("%s=%q: want a whole number from %d to %d", name, s, min, max)
		}
		return n, true, nil
	}
	n, ok, err := number("MAX_UPCOMING_BOOKINGS", 1, 100)
	if err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxUpcoming = n
	}
	if n, ok, err = number("MAX_RESCHEDULES", 0, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxReschedules = n
		if n == 0 {
			cfg.Rules.MaxReschedules = -1 // none, not the default
		}
	}
	if n, ok, err = number("MAX_BOOKINGS_PER_WEEK", 1, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxBookingsPerWeek = n
	}
	if n, ok, err = number("MAX_CANCELS_PER_WEEK", 1, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxCancelsPerWeek = n
	}
	if n, ok, err = number("BOOKING_WINDOW_DAYS", 1, 365); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.Window = time.Duration(n) * 24 * time.Hour
	}
	if s := getenv("CANCEL_CUTOFF"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("CANCEL_CUTOFF=%q: want a duration such as 12h", s)
		}
		cfg.Rules.CancelCutoff = d
	}
	if s := getenv("BOOKING_OPEN_TO"); s != "" {
		a := Audience(strings.ToLower(s))
		if a != OpenToApplicants && a != OpenToAccepted && a != OpenToAnyone {
			return cfg, fmt.Errorf("BOOKING_OPEN_TO=%q: want applicants, accepted or anyone", s)
		}
		cfg.OpenTo = a
	}
	return cfg, nil
}

// Kinds of office-hours jobs.
const (
	KindSlotOffer     = "oh_offer"  // a waitlist offer runs out
	KindSessionRating = "oh_rating" // a session ended: ask the founder for a rating
	KindSessionRemind = "oh_remind" // a session is a day or an hour away
)

// OfficeHours is the office-hours service: the founders' side runs in the
// Engine's conversation (/book, /mybookings), staff's through the methods.
type OfficeHours struct {
	store OfficeHoursStore
	out   Outbox
	cat   *Catalog
	cfg   OfficeHoursConfig
	log   *slog.Logger
	// Now and NewID are replaceable for deterministic tests.
	Now   func() time.Time
	NewID func() BookingID
	// MentorReminders gets the mentors' session reminders (the Slack
	// side); nil: none are sent.
	MentorReminders MentorNotifier
	// Dropped counts session reminders dropped because they came due too
	// late to mean anything ("oh_remind:24h", "oh_remind:1h"); wire it to
	// the counter of Scheduler.Dropped. nil: not counted.
	Dropped func(what string)
}

// NewOfficeHours returns the service. out carries waitlist offers and
// rating prompts; Register the service on a Scheduler for them to go out.
func NewOfficeHours(st OfficeHoursStore, out Outbox, cat *Catalog, cfg OfficeHoursConfig, log *slog.Logger) *OfficeHours {
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
		NewID:   func() BookingID { return BookingID("B" + RandomAppID()[1:]) },
		Dropped: func(string) {}}
}

// Config returns the settings in force, defaults filled in.
func (o *OfficeHours) Config() OfficeHoursConfig { return o.cfg }

// Register sets the scheduler's handlers for office-hours jobs.
func (o *OfficeHours) Register(s *Scheduler) {
	s.Handle(KindSlotOffer, o.offerExpired)
	s.Handle(KindSessionRating, o.ratingPrompt)
	s.Handle(KindSessionRemind, o.sessionReminder)
}

// Week returns the ISO week of t in the hub's time zone, as stored in Slot.Week.
func (o *OfficeHours) Week(t time.Time) string { return isoWeek(t, o.cfg.TZ) }

func isoWeek(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// tr renders a message of the office-hours catalogs (book.<lang>.toml);
// see conv.tb for why it is not Catalog.T's usual call.
func (o *OfficeHours) tr(lang, id string, data ...any) string { return o.cat.T(lang, id, data...) }
