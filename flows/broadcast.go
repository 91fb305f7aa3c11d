package flows

import "errors"

// OutboxCounts is what became of the queued messages of one tag (a
// broadcast) so far. It lives here, like QueuedMessage, so that the staff
// side can follow a broadcast without knowing the store.
type OutboxCounts struct {
	Queued      int64
	Sent        int64
	Failed      int64 // refused by Telegram or given up
	Unreachable int64 // the founder blocked the bot, or had before
}

// ErrNotAuthor refuses a staff member an action on a broadcast draft
// another drafted: only its author may send or cancel it.
var ErrNotAuthor = errors.New("broadcast draft of another staff member")

// BroadcastDraft is a staff broadcast previewed and not yet confirmed.
type BroadcastDraft struct {
	// Everyone: all who started the bot and did not block it, not only
	// those who applied (then Status and Program are empty).
	Everyone bool   `json:"everyone,omitempty"`
	Status   string `json:"status,omitempty"` // application status filter, "" for any
	Sector   string `json:"sector,omitempty"` // sector filter, "" for any
	// Program filters by the program applied to, "" for any.
	Program string `json:"program,omitempty"`
	Text    string `json:"text"` // the message, as staff typed it
	By      string `json:"by"`   // who drafted it
}
