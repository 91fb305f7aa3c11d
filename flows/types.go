// Package flows is founderbot's conversation engine and the records that
// several conversations share. It knows nothing of Telegram, Slack or
// Redis: transports turn their updates into Events, the Engine applies
// them to the founder's persisted Session through a Store, and the
// transports render the Replies it returns.
//
// The Engine knows no conversation by name. Each is a package under
// flows/ (flows/application, flows/officehours) that registers a
// Conversation: its commands, flows, button prefixes, jobs, session keys
// and messages. The Engine routes each event to the conversation it
// belongs to, which works on a Turn; what a turn produces for other sides
// comes back as the Result's Notifications.
package flows

import (
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"
)

// FounderID identifies a founder across transports ("tg:123", "console:local").
// Only the bot package creates or parses it.
type FounderID string

// Kind says what a founder did.
type Kind int

// The kinds of Event.
const (
	KindText        Kind = iota // typed text that is not a command
	KindCommand                 // "/apply", "/start apply"
	KindButton                  // an inline button press
	KindUnsupported             // photo, sticker, voice, file, location...
	KindEdited                  // an edit of an earlier message
)

// Event is one thing a founder did, already translated out of its transport.
type Event struct {
	Founder FounderID
	// UpdateID makes redelivery harmless: an event whose UpdateID was
	// already applied is skipped. Empty means "no dedupe" (the console).
	UpdateID string
	Kind     Kind
	Text     string // KindText: what was typed
	Command  string // KindCommand: name without slash or @bot, lower case
	Arg      string // KindCommand: the rest ("/start apply" → "apply")
	Data     string // KindButton: the button's data
	// LangHint is the transport's idea of the founder's language
	// (Telegram's language_code); used until the founder picks one.
	LangHint string
	// Group is true when the event comes from a group chat, where the bot
	// only points the founder to a private chat.
	Group bool
	// Who the founder is, as the transport knows them; stored with an application.
	Handle string // @username, without "@"
	Name   string // display name
}

// Button is an inline choice. Data is opaque to transports and comes back
// in an Event of KindButton.
type Button struct {
	Label string // plain text, never markup
	Data  string
}

// Reply is one message to the founder. Text uses Telegram's HTML subset
// (<b>, <i>, <code>); every value a founder typed is escaped in it, so a
// transport with another format converts it (see PlainText).
type Reply struct {
	Text    string
	Buttons [][]Button
	// FreeText says the question also accepts typed text, so a transport
	// that maps numbers to buttons must not take a typed number as a choice.
	FreeText bool
}

// Result is what the Engine decided for one Event.
type Result struct {
	Replies []Reply
	// Notice is a short text for a button press (Telegram shows it as a
	// toast); transports always acknowledge presses, with or without it.
	Notice string
	// Expired is true when a pressed button no longer fits the
	// conversation and was ignored.
	Expired bool
	// Duplicate is true when the event had already been applied.
	Duplicate bool
	// Lang is the founder's language after the event.
	Lang string
	// Notifications are what the event produced for other sides, in the
	// order it produced them: files for the founder's transport
	// (Document), and the conversations' news for staff (their own types,
	// such as a submitted application or a booking made).
	Notifications []Notification
}

// Notification is an output of a turn for another side. Its concrete
// type belongs to the conversation that made it, and the receiving side
// switches on it; Topic names it in logs.
type Notification interface {
	Topic() string
}

// Documents are the files the event produced for the founder, to send
// after the replies.
func (r Result) Documents() []Document {
	var out []Document
	for _, n := range r.Notifications {
		if d, ok := n.(Document); ok {
			out = append(out, d)
		}
	}
	return out
}

// Document is a file for a founder, sent after the replies (Telegram's
// sendDocument): the calendar file of a booking.
type Document struct {
	Name    string // file name, such as "office-hours-B-7F3K.ics"
	MIME    string
	Data    []byte
	Caption string // Telegram HTML, may be empty
}

// Topic implements Notification.
func (Document) Topic() string { return "document" }

// Actor is a staff member acting on founders' records.
type Actor struct {
	ID   string // "slack:U024BE7LH"
	Name string // how people see them, such as "@karim"
}

// Outgoing is a message for a founder, to be sent by their transport.
type Outgoing struct {
	Founder FounderID
	Reply   Reply
	// Document, when set, is sent right after Reply, as part of the same
	// message: once, and never before it.
	Document *Document
}

// Status is where an application stands.
type Status string

// Application statuses.
const (
	StatusSubmitted     Status = "submitted"
	StatusShortlisted   Status = "shortlisted"
	StatusAccepted      Status = "accepted"
	StatusRejected      Status = "rejected"
	StatusInfoRequested Status = "info_requested"
)

// Sectors and Stages are the application's choices, in display order.
// Sectors are also topics of office hours, so they live here.
var (
	Sectors = []string{"smart_cities", "mobility", "energy", "agritech", "fintech", "healthtech", "edtech", "other"}
	Stages  = []string{"idea", "mvp", "revenue", "scaling"}
)

// Application is a submitted application.
type Application struct {
	ID      string            `json:"id"`
	Founder FounderID         `json:"founder"`
	Handle  string            `json:"handle,omitempty"`
	Name    string            `json:"name,omitempty"`
	Lang    string            `json:"lang"`
	Status  Status            `json:"status"`
	Answers map[string]string `json:"answers"`
	// Program and Call say what the founder applied to (empty Program:
	// DefaultProgram); Questions are the call's questions as asked
	// (none for applications stored before programs existed).
	Program   string     `json:"program,omitempty"`
	Call      string     `json:"call,omitempty"`
	Questions []Question `json:"questions,omitempty"`
	Submitted time.Time  `json:"submitted"`
	Updated   time.Time  `json:"updated"`
	// Prev is the status to return to when the founder answers a request
	// for information.
	Prev  Status        `json:"prev,omitempty"`
	Audit []AuditEntry  `json:"audit,omitempty"`
	Info  []InfoRequest `json:"info,omitempty"`
	// StaffChannel and StaffTS locate the staff's Slack message about the
	// application, so that it is updated in place.
	StaffChannel string `json:"staff_channel,omitempty"`
	StaffTS      string `json:"staff_ts,omitempty"`
}

// AuditEntry records one change of an application's status.
type AuditEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`      // "slack:U123" for staff, the FounderID for the founder
	ByName string    `json:"by_name"` // shown to people
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Note   string    `json:"note,omitempty"` // the reason, the question or the answer
}

// InfoRequest is a question staff asked about an application, and the founder's answer.
type InfoRequest struct {
	Question   string    `json:"question"`
	AskedBy    string    `json:"asked_by"`
	AskedAt    time.Time `json:"asked_at"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitempty"`
}

// Session is a founder's conversation state, saved after every event.
// Its fields are those every conversation shares; a conversation keeps
// its own state in keys it registers (see Conversation.SessionKeys),
// stored at the top level of the same JSON object.
type Session struct {
	Lang string `json:"lang,omitempty"` // chosen with /language; "" = not chosen
	Flow string `json:"flow,omitempty"` // "" when idle
	Step string `json:"step,omitempty"`
	// Nonce changes whenever the question changes; button data carries it,
	// so only buttons of the current question are honoured.
	Nonce   int64             `json:"nonce,omitempty"`
	Answers map[string]string `json:"answers,omitempty"`
	// Pending is a question the flow asked on top of the step, such as a
	// confirmation; the flow names and answers it.
	Pending string    `json:"pending,omitempty"`
	Started time.Time `json:"started,omitempty"`
	Touched time.Time `json:"touched,omitempty"`
	// Hint is the language the transport last reported, for messages the
	// bot starts (reminders) when the founder never chose one.
	Hint string `json:"hint,omitempty"`
	// own holds the conversations' keys, as stored.
	own map[string]json.RawMessage
}

// Errors a Store returns.
var (
	// ErrConflict: the session changed since it was loaded.
	ErrConflict = errors.New("session changed concurrently")
	// ErrDuplicate: the event was already applied.
	ErrDuplicate = errors.New("event already applied")
	// ErrIDTaken: an application ID is already in use.
	ErrIDTaken = errors.New("application id taken")
	// ErrNotFound: no such application.
	ErrNotFound = errors.New("not found")
)

// The inbox: transports store every incoming update before confirming it,
// and workers apply a chat's updates in order (store/inbox.go). These
// types live here so that transports need not know the store.

// InboxUpdate is one incoming update to store in its chat's mailbox.
type InboxUpdate struct {
	Chat string // the mailbox, "tg:<chat id>"
	ID   int64  // the update's ID: the mailbox's order
	Data []byte // the update as received
}

// InboxItem is an update taken from a mailbox.
type InboxItem struct {
	ID   int64
	Data []byte
	// SlowDown: the chat went over its limit with this update; answer
	// "slow down" instead of applying it.
	SlowDown bool
}

// InboxLimit is how many updates one chat may send per Window; Max 0 is
// no limit.
type InboxLimit struct {
	Max    int
	Window time.Duration
}

// Admission is what became of a stored update.
type Admission int

// The admissions.
const (
	Dropped  Admission = iota // over the chat's limit: not stored
	Stored                    // in the mailbox (or it already was)
	SlowDown                  // the first over the limit: stored, to be answered "slow down"
	Done                      // applied and answered already: nothing to do
)

// StoreResult is what became of a stored update and, when the store took the
// chat for the caller at once, the chat's first update.
type StoreResult struct {
	Admission Admission
	Claimed   bool      // the chat is now leased to the caller
	First     InboxItem // when Claimed: the update to start with
	Due       int64     // when Claimed: the chat's score in the ready set
}

// ChatLease is a worker's hold on one chat's mailbox; the store keeps the
// lease and the worker this value.
type ChatLease struct {
	Chat   string
	Holder string        // the worker, unique across replicas
	TTL    time.Duration // how long the lease lasts unless renewed
	// Due is when other replicas should look at the chat again, as last
	// set in the ready set (Unix ms); the store and the renewer set it.
	Due atomic.Int64
}

// ErrLeaseLost: another worker holds the chat now.
var ErrLeaseLost = errors.New("chat lease held by another worker")
