package flows

import "time"

// Founder is a founder as the directory knows them: everyone who ever
// wrote to the bot, whether or not they applied. Staff list them
// (`founders`) and reach them (a broadcast to everyone).
type Founder struct {
	ID     FounderID `json:"id"`
	Name   string    `json:"name,omitempty"`   // display name on their transport
	Handle string    `json:"handle,omitempty"` // @username, without "@"
	Lang   string    `json:"lang,omitempty"`   // chosen, else the transport's
	First  time.Time `json:"first_seen"`
	Last   time.Time `json:"last_seen"`
	// Unreachable is true when their transport refused a message: they
	// blocked the bot or left. Writing again clears it.
	Unreachable bool `json:"unreachable,omitempty"`
}
