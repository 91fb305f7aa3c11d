package flows

import "time"

// QueuedMessage is a message taken from the outbox for sending. It lives
// here so that transports that send them need not know the store.
type QueuedMessage struct {
	ID       string // the queue's entry, to acknowledge it
	Key      string // the message's idempotency key
	Tag      string // groups messages for counting (a broadcast)
	Outgoing Outgoing
	// Deliveries counts the times the message was handed to a sender,
	// this one included: more than 1 means a sender gave it up or died.
	Deliveries int64
}

// What became of a queued message.
const (
	OutcomeSent        = "sent"
	OutcomeFailed      = "failed"
	OutcomeUnreachable = "unreachable"
)

// SendLimits are a transport's flood limits, kept by the store for every
// replica together (see SlotRequest).
type SendLimits struct {
	// Every spaces two messages of the bot; zero turns every limit off
	// but pauses.
	Every time.Duration
	// PerSecond bounds the messages of the bot counted at once: each from
	// its booking until a second after its answer.
	PerSecond int
	// ChatEvery spaces the messages to one chat once ChatBurst of them went
	// back to back; at most ChatBurst of a chat wait for their answer.
	ChatEvery time.Duration
	ChatBurst int
	// Ahead is how far ahead of now a slot may be booked.
	Ahead time.Duration
	// Open is how long a booked message counts as on its way without an
	// answer: a sender that died then frees its place.
	Open time.Duration
}

// SlotRequest asks for the moment a message to Chat may go.
type SlotRequest struct {
	Chat string
	// ID names the booking, for its release; unique per message.
	ID string
	// Direct marks a reply to someone waiting for it: it goes before bulk
	// messages, which take a slot only while no direct reply waits.
	Direct bool
	// Now is the time of the request; zero takes the store's clock, the
	// same for every replica.
	Now    time.Time
	Limits SendLimits
}

// SendSlot is the answer to a SlotRequest.
type SendSlot struct {
	// Booked: the message may go after Wait; else ask again after Wait.
	Booked bool
	Wait   time.Duration
	// Reason says what held it back: "pause" (Telegram's retry_after),
	// "chat", "bot" (the bot's rate) or "direct" (a direct reply first).
	Reason string
}
