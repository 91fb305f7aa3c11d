package intro

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/startgate/founderbot/flows"
)

// maxStatusLines bounds the requests /status lists.
const maxStatusLines = 10

// StatusSection is the founder's introductions for /status ("" when they
// have none); the application conversation calls it (wired in cmd).
func (s *Intros) StatusSection(t *flows.Turn) (string, error) {
	l, err := s.store.FounderIntros(t.Context(), t.Event().Founder)
	if err != nil || len(l) == 0 {
		return "", err
	}
	var b strings.Builder
	b.WriteString(t.T("intro_status_header"))
	for _, in := range l[:min(len(l), maxStatusLines)] {
		m, err := s.store.Mentor(t.Context(), in.Contact)
		if err != nil {
			m.Name = string(in.Contact)
		}
		b.WriteString("\n")
		b.WriteString(t.T("intro_status_line", "Contact", t.V(m.Name), "State", t.T("intro_state_"+string(in.State)),
			"Date", in.Created.In(s.cfg.TZ).Format("2006-01-02")))
	}
	return b.String(), nil
}

// ContactStats are one contact's figures.
type ContactStats struct {
	Contact   flows.Mentor
	Requests  int // made
	Approved  int // by staff (whatever came next)
	Accepted  int // by the contact
	Met       int // either side said they met
	RatingSum int // of the ratings given, both sides
	Ratings   int
}

// Stats counts, per contact, the requests, approvals, acceptances,
// meetings and ratings, busiest first.
func (s *Intros) Stats(ctx context.Context) ([]ContactStats, error) {
	all, err := s.store.Intros(ctx)
	if err != nil {
		return nil, fmt.Errorf("introduction stats: %w", err)
	}
	by := map[flows.MentorID]*ContactStats{}
	var order []flows.MentorID
	for _, in := range all {
		c := by[in.Contact]
		if c == nil {
			m, err := s.store.Mentor(ctx, in.Contact)
			if err != nil {
				m = flows.Mentor{ID: in.Contact, Name: string(in.Contact)}
			}
			c = &ContactStats{Contact: m}
			by[in.Contact] = c
			order = append(order, in.Contact)
		}
		c.Requests++
		// A request withdrawn before staff decided was never approved.
		if in.State != StateRequested && in.State != StateStaffDeclined && !(in.State == StateWithdrawn && in.Decided.IsZero()) {
			c.Approved++
		}
		if in.State == StateIntroduced {
			c.Accepted++
		}
		if in.FounderFollowup.Met == MetYes || in.ContactFollowup.Met == MetYes {
			c.Met++
		}
		for _, sd := range []Side{in.FounderFollowup, in.ContactFollowup} {
			if sd.Rating > 0 {
				c.RatingSum += sd.Rating
				c.Ratings++
			}
		}
	}
	out := make([]ContactStats, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	slices.SortStableFunc(out, func(a, b ContactStats) int { return b.Requests - a.Requests })
	return out, nil
}

// Waiting lists the open requests: those waiting on staff, and those
// waiting on their contact, oldest first; for the daily digest.
func (s *Intros) Waiting(ctx context.Context) (onStaff, onContacts []Intro, err error) {
	all, err := s.store.Intros(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("waiting introductions: %w", err)
	}
	for _, in := range slices.Backward(all) {
		switch in.State {
		case StateRequested:
			onStaff = append(onStaff, in)
		case StateApproved:
			onContacts = append(onContacts, in)
		}
	}
	return onStaff, onContacts, nil
}
