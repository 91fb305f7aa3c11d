package flows

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Office hours' records: founders book short sessions with the hub's
// mentors. They live here, not in flows/officehours, because the store
// keeps them and other conversations read them (a mentor is also a
// contact of the hub's network).

// MentorID, SlotID and BookingID identify office-hours records. Slot IDs
// are short ("S12") because staff type them.
type (
	MentorID  string
	SlotID    string
	BookingID string
)

// FunctionalTags are the mentors' expertise beyond the application sectors.
var FunctionalTags = []string{"fundraising", "product", "legal", "go_to_market", "tech", "pilot"}

// ExpertiseTags are the topics founders book on, in display order: the
// application sectors, then the functional tags.
var ExpertiseTags = append(slices.Clip(Sectors), FunctionalTags...)

// Kinds of contact in the hub's network (Mentor.Kind).
const (
	KindMentor    = "mentor"    // a mentor or expert; the zero Kind means this
	KindCorporate = "corporate" // a corporate partner, for pilots
	KindInvestor  = "investor"
)

// ContactKinds are the kinds of contact, in display order.
var ContactKinds = []string{KindMentor, KindCorporate, KindInvestor}

// Mentor is a contact of the hub's network: a mentor or expert founders
// can book, a corporate partner or an investor founders can be
// introduced to.
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
	// Kind is one of ContactKinds; "" is a mentor (records older than the network).
	Kind string `json:"kind,omitempty"`
	// Contact is the contact for introductions: an e-mail address or an
	// https link, shown to a founder only once the contact accepted.
	Contact string `json:"contact,omitempty"`
	// IntroPaused stops new introduction requests; MonthlyCap bounds the
	// requests made to the contact in a calendar month (0: no cap).
	IntroPaused bool `json:"intro_paused,omitempty"`
	MonthlyCap  int  `json:"monthly_cap,omitempty"`
	// TelegramChat is the contact's own chat with the bot, once they
	// opened it as a contact (introductions reach a contact without a
	// Slack user there).
	TelegramChat FounderID `json:"telegram_chat,omitempty"`
}

// ContactKind is the mentor's kind, KindMentor for the zero value.
func (m Mentor) ContactKind() string {
	if m.Kind == "" {
		return KindMentor
	}
	return m.Kind
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

// SlotListing is a slot as staff see it in "slots list" and the digest.
type SlotListing struct {
	Slot
	Mentor  Mentor
	Booking *Booking // when booked
}
