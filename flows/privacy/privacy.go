// Package privacy is the founders' rights over their data: /mydata sends
// a JSON file with everything stored about the founder, /forgetme erases
// it after a confirmation, and staff can do the same on request (Forget).
//
// The data lives in families the store keeps (the directory, sessions,
// applications, office hours, jobs, the outbox...). Each family is a
// Part: it exports what it holds about one founder and erases it. A
// conversation that adds a family of founders' data (introductions, say)
// adds a Part in cmd/founderbot, and the erasure test in store checks
// that nothing of it is left.
package privacy

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Part is one family of founders' data; store.Redis's DataParts are.
type Part interface {
	// Section names the part in the /mydata file ("applications").
	Section() string
	// Export returns what the part holds about f, for JSON; nil when nothing.
	Export(ctx context.Context, f flows.FounderID) (any, error)
	// Erase deletes or anonymises it; running it again does no harm.
	Erase(ctx context.Context, f flows.FounderID, now time.Time) error
}

// Sessions cancels a founder's sessions to come as staff would, without
// the founder's cutoff: their slots are freed and offered to the
// waitlists. The notifications tell staff and the mentors.
// officehours.OfficeHours has it.
type Sessions interface {
	CancelFor(ctx context.Context, f flows.FounderID, by string) ([]flows.Notification, error)
}

// SessionDropper deletes a founder's session; *store.Redis has it. The
// Engine saves the session after the /forgetme turn, so it goes again
// after that save.
type SessionDropper interface {
	DropSession(ctx context.Context, f flows.FounderID) error
}

// Privacy is the founders' data rights, for founders (Conversation) and
// staff (Export, Forget).
type Privacy struct {
	parts    []Part
	sessions Sessions
	drop     SessionDropper
	log      *slog.Logger
	// Now is replaceable for deterministic tests.
	Now func() time.Time
}

// New returns the service over the parts of founders' data, in the order
// they must be erased. sessions may be nil when office hours are not run.
func New(parts []Part, sessions Sessions, drop SessionDropper, log *slog.Logger) *Privacy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Privacy{parts: parts, sessions: sessions, drop: drop, log: log, Now: time.Now}
}

// Forgotten says a founder's data was erased: the directory must not
// record them again for the event that erased them, and staff hear of
// it without the founder's identity.
type Forgotten struct {
	By       string // "founder" or the staff member's Actor.ID
	Sessions int    // sessions to come that were cancelled
}

// Topic implements flows.Notification.
func (Forgotten) Topic() string { return "forgotten" }

// ForgottenIn reports whether a turn's result erased its founder.
func ForgottenIn(res flows.Result) bool {
	for _, n := range res.Notifications {
		if _, ok := n.(Forgotten); ok {
			return true
		}
	}
	return false
}

// Export is everything stored about f, as the /mydata file has it.
func (p *Privacy) Export(ctx context.Context, f flows.FounderID) ([]byte, error) {
	out := struct {
		Founder   flows.FounderID `json:"founder"`
		Generated time.Time       `json:"generated"`
		Data      map[string]any  `json:"data"`
	}{Founder: f, Generated: p.Now().UTC(), Data: map[string]any{}}
	for _, part := range p.parts {
		v, err := part.Export(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("export %s of %s: %w", part.Section(), f, err)
		}
		if v != nil {
			out.Data[part.Section()] = v
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode data of %s: %w", f, err)
	}
	return b, nil
}

// Forget erases f: their sessions to come are cancelled first (slots
// freed, mentors told, waitlists offered), then every part is erased.
// by is the staff member's Actor.ID, "" for the founder; it is logged,
// the founder is not. The notifications are for staff: the cancellations
// and Forgotten.
func (p *Privacy) Forget(ctx context.Context, f flows.FounderID, by string) ([]flows.Notification, error) {
	notes, err := p.erase(ctx, f, by)
	if err != nil {
		return nil, err
	}
	if err := p.drop.DropSession(ctx, f); err != nil {
		return nil, err
	}
	return notes, nil
}

// erase is Forget but for the session's key, which a turn's save needs.
func (p *Privacy) erase(ctx context.Context, f flows.FounderID, by string) ([]flows.Notification, error) {
	var notes []flows.Notification
	if p.sessions != nil {
		n, err := p.sessions.CancelFor(ctx, f, cmp.Or(by, string(f)))
		if err != nil {
			return nil, fmt.Errorf("cancel sessions before forgetting: %w", err)
		}
		notes = n
	}
	now := p.Now()
	for _, part := range p.parts {
		if err := part.Erase(ctx, f, now); err != nil {
			return nil, fmt.Errorf("erase %s: %w", part.Section(), err)
		}
	}
	by = cmp.Or(by, "founder")
	p.log.Info("founder data erased", "by", by, "sessions_cancelled", len(notes))
	return append(notes, Forgotten{By: by, Sessions: len(notes)}), nil
}
