package intro

import (
	"errors"
	"time"

	"github.com/startgate/founderbot/flows"
)

// State is where an introduction request stands.
type State string

// The states of a request. Requested and Approved are open: they count
// against the founder's pending requests and block a second request to
// the same contact; the others are final, but Introduced is followed up.
const (
	StateRequested     State = "requested"      // waiting on staff
	StateApproved      State = "approved"       // waiting on the contact
	StateIntroduced    State = "introduced"     // the contact accepted; both were introduced
	StateStaffDeclined State = "staff_declined" // staff declined it
	StateNotNow        State = "not_now"        // the contact said not now
	StateDeclined      State = "declined"       // the contact declined
	StateExpired       State = "expired"        // the contact never answered
	// StateWithdrawn: the founder's data was erased (/forgetme) while the
	// request was open; nobody acts on it any more.
	StateWithdrawn State = "withdrawn"
)

// Open reports whether the request still waits on someone.
func (s State) Open() bool { return s == StateRequested || s == StateApproved }

// Declined reports whether the state keeps the founder from asking the
// same contact again for a while (Config.Cooldown).
func (s State) Declined() bool { return s == StateStaffDeclined || s == StateDeclined }

// Met is a follow-up answer: did they meet?
type Met string

// Follow-up answers.
const (
	MetYes    Met = "yes"
	MetNotYet Met = "not_yet"
	MetNo     Met = "no"
)

// Side is one side's follow-up: the answer, and with Yes a rating and a
// comment that only staff see.
type Side struct {
	Met     Met    `json:"met,omitempty"`
	Rating  int    `json:"rating,omitempty"` // 1..5; 0 = not rated
	Comment string `json:"comment,omitempty"`
}

// Intro is a founder's request to be introduced to a contact of the
// hub's network, from the request to the follow-up.
type Intro struct {
	ID      string          `json:"id"` // "I-7F3K"
	Founder flows.FounderID `json:"founder"`
	// Who the founder is, as the contact learns only after Accept.
	FounderName   string `json:"founder_name,omitempty"`
	FounderHandle string `json:"founder_handle,omitempty"`
	Lang          string `json:"lang"`
	// The founder's application, for staff and (after Accept) the contact.
	AppID   string `json:"app,omitempty"`
	Startup string `json:"startup,omitempty"`
	Sector  string `json:"sector,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Summary string `json:"summary,omitempty"` // the application's one-line pitch

	Contact flows.MentorID `json:"contact"`
	Kind    string         `json:"kind"`
	Topic   string         `json:"topic"`
	Reason  string         `json:"reason"` // the founder's why, 20–500 characters

	State   State     `json:"state"`
	Version int64     `json:"version"` // goes up with every change; jobs carry it
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Staff's decision.
	DecidedBy   string    `json:"decided_by,omitempty"`
	Decided     time.Time `json:"decided,omitempty"`
	StaffReason string    `json:"staff_reason,omitempty"`
	// The contact's answer.
	Answered      time.Time `json:"answered,omitempty"`
	ContactReason string    `json:"contact_reason,omitempty"`
	ShareReason   bool      `json:"share_reason,omitempty"`
	// CooldownEnds, once declined (by staff or the contact), is when the
	// founder may ask the contact again (Config.Cooldown); the store keeps
	// its mark of the pair until then, and no longer.
	CooldownEnds time.Time `json:"cooldown_ends,omitzero"`
	Reminded     bool      `json:"reminded,omitempty"`
	// After Accept: whether each side got the other's details yet.
	FounderTold bool `json:"founder_told,omitempty"`
	ContactTold bool `json:"contact_told,omitempty"`
	// Follow-up: how often the founder and the contact were asked, and what they said.
	Followups       int  `json:"followups,omitempty"`
	FounderFollowup Side `json:"founder_followup,omitzero"`
	ContactFollowup Side `json:"contact_followup,omitzero"`
	// StaffChannel and StaffTS locate the staff's vetting message, whose
	// thread records every later step.
	StaffChannel string `json:"staff_channel,omitempty"`
	StaffTS      string `json:"staff_ts,omitempty"`
}

// Limits are the rules the store checks atomically when a request is made.
type Limits struct {
	MaxPending int           // open requests per founder
	Cooldown   time.Duration // no new request to a contact who declined the founder this recently
	MonthlyCap int           // requests to the contact in Month; 0: none
	Month      string        // "2026-12", in the hub's time zone
	Now        time.Time
	// Op names the founder's action, so that a retried turn finds the
	// request it already made instead of a refusal.
	Op string
}

// Refusals of a new request; the conversation turns each into a message.
var (
	ErrTooManyPending   = errors.New("founder has the most pending introductions allowed")
	ErrAlreadyPending   = errors.New("a request to this contact is pending")
	ErrRecentlyDeclined = errors.New("this contact declined the founder recently")
	ErrCapReached       = errors.New("the contact's monthly cap is reached")
	ErrIntroIDTaken     = errors.New("introduction id taken")
	// ErrStale: the request is no longer in a state where the action applies
	// (a second click, an old view).
	ErrStale = errors.New("introduction already moved on")
	// ErrNotContact: the user answering is not the request's contact.
	ErrNotContact = errors.New("not this introduction's contact")
)
