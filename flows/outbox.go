package flows

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
