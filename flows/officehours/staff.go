package officehours

import (
	"context"
	"fmt"
	"time"

	"github.com/startgate/founderbot/flows"
)

// BookingEventKind says what happened to a booking.
type BookingEventKind string

// Kinds of booking events.
const (
	EventBooked        BookingEventKind = "booked"
	EventCancelled     BookingEventKind = "cancelled" // by the founder
	EventRescheduled   BookingEventKind = "rescheduled"
	EventSlotCancelled BookingEventKind = "slot_cancelled" // staff cancelled the slot
	EventMentorRemoved BookingEventKind = "mentor_removed"
	EventOutcome       BookingEventKind = "outcome" // Held, No-show or Cancelled by mentor
)

// BookingEvent is a change staff and the mentor must hear about: enough
// for a line in the staff channel and a DM to Mentor.SlackUser. The
// founder's startup and stage are in Booking.Who, the agenda in
// Booking.Agenda.
type BookingEvent struct {
	Kind     BookingEventKind
	Booking  flows.Booking // after the change
	Mentor   flows.Mentor
	Previous *flows.Booking // EventRescheduled: the booking before the move
	By       string         // the FounderID, or the staff member's Actor.ID
	At       time.Time
}

// Topic implements flows.Notification.
func (BookingEvent) Topic() string { return "booking event" }

// FounderNotice is a message for a founder that a staff action caused,
// with the calendar file that goes with it (Outgoing.Document). Queue
// Outgoing in the outbox under Key: both go once, the file after the text.
type FounderNotice struct {
	Key      string
	Outgoing flows.Outgoing
}

// StaffResult is what a staff action changed: founders to tell, events
// for Slack.
type StaffResult struct {
	Notices []FounderNotice
	Events  []BookingEvent
}

// AddSlots creates the slots of a "slots add" request (see
// ParseSlotsAdd). Slots that start in the past or overlap one of the
// mentor's are refused, all of them: ErrSlotPast, *SlotOverlapError.
func (o *OfficeHours) AddSlots(ctx context.Context, req SlotsRequest) (flows.Mentor, []flows.Slot, error) {
	m, err := o.FindMentor(ctx, req.Mentor)
	if err != nil {
		return m, nil, err
	}
	if err := req.check(); err != nil {
		return m, nil, err
	}
	slots := req.Slots()
	if len(slots) == 0 || !slots[0].Start.After(o.Now()) {
		return m, nil, flows.ErrSlotPast
	}
	for i := range slots {
		slots[i].Mentor, slots[i].Week = m.ID, o.Week(slots[i].Start)
	}
	created, err := o.store.AddSlots(ctx, m.ID, slots)
	return m, created, err
}

// ListSlots lists the slots starting in [from, to), of the mentor staff
// named or of all when mentor is "", with their bookings.
func (o *OfficeHours) ListSlots(ctx context.Context, mentor string, from, to time.Time) ([]flows.SlotListing, error) {
	var id flows.MentorID
	if mentor != "" {
		m, err := o.FindMentor(ctx, mentor)
		if err != nil {
			return nil, err
		}
		id = m.ID
	}
	slots, err := o.store.Slots(ctx, id, from, to)
	if err != nil {
		return nil, err
	}
	mentors := map[flows.MentorID]flows.Mentor{}
	out := make([]flows.SlotListing, len(slots))
	for i, s := range slots {
		m, ok := mentors[s.Mentor]
		if !ok {
			if m, err = o.mentor(ctx, s.Mentor); err != nil {
				return nil, err
			}
			mentors[s.Mentor] = m
		}
		out[i] = flows.SlotListing{Slot: s, Mentor: m}
		if s.Booking != "" {
			b, err := o.store.Booking(ctx, s.Booking)
			if err != nil {
				return nil, err
			}
			out[i].Booking = &b
		}
	}
	return out, nil
}

// Booking returns one booking, for staff's buttons.
func (o *OfficeHours) Booking(ctx context.Context, id flows.BookingID) (flows.Booking, error) {
	return o.store.Booking(ctx, id)
}

// CancelSlot cancels a slot that has not ended. A founder booked on it is
// told, with an apology and the calendar file that removes the session.
func (o *OfficeHours) CancelSlot(ctx context.Context, id flows.SlotID, by flows.Actor) (flows.Slot, StaffResult, error) {
	now := o.Now()
	s, b, err := o.store.CancelSlot(ctx, id, now)
	if err != nil {
		return s, StaffResult{}, err
	}
	var res StaffResult
	if b != nil {
		err = o.tellCancelled(ctx, &res, *b, EventSlotCancelled, "book_cancelled_by_hub", by, now)
	}
	return s, res, err
}

// RemoveMentor removes a mentor: their slots to come are cancelled, and
// each founder booked on one is told, with an apology.
func (o *OfficeHours) RemoveMentor(ctx context.Context, ref string, by flows.Actor) (flows.Mentor, StaffResult, error) {
	m, err := o.FindMentor(ctx, ref)
	if err != nil {
		return m, StaffResult{}, err
	}
	now := o.Now()
	bookings, err := o.store.RemoveMentor(ctx, m.ID, now)
	if err != nil {
		return m, StaffResult{}, err
	}
	var res StaffResult
	for _, b := range bookings {
		if err := o.tellCancelled(ctx, &res, b, EventMentorRemoved, "book_mentor_left", by, now); err != nil {
			return m, res, err
		}
	}
	return m, res, nil
}

// RecordOutcome records what became of a session, from the mentor's
// buttons: StatusHeld, StatusNoShow or StatusMentorCancelled. A mentor's
// cancellation of a session still to come frees nobody's time twice: the
// slot is cancelled and the founder told, with an apology.
func (o *OfficeHours) RecordOutcome(ctx context.Context, id flows.BookingID, outcome flows.BookingStatus, by flows.Actor) (flows.Booking, StaffResult, error) {
	now := o.Now()
	before, err := o.store.Booking(ctx, id)
	if err != nil {
		return before, StaffResult{}, err
	}
	b, err := o.store.SetOutcome(ctx, id, outcome, by.ID, now)
	if err != nil {
		return b, StaffResult{}, err
	}
	var res StaffResult
	if outcome == flows.StatusMentorCancelled && before.Active() && before.Start.After(now) {
		err = o.tellCancelled(ctx, &res, b, EventOutcome, "book_mentor_cancelled", by, now)
		return b, res, err
	}
	m, err := o.mentor(ctx, b.Mentor)
	res.Events = append(res.Events, BookingEvent{Kind: EventOutcome, Booking: b, Mentor: m, By: by.ID, At: now})
	return b, res, err
}

// tellCancelled adds the founder's notice and the event of a booking
// staff or the mentor cancelled.
func (o *OfficeHours) tellCancelled(ctx context.Context, res *StaffResult, b flows.Booking, kind BookingEventKind, msg string, by flows.Actor, now time.Time) error {
	m, err := o.mentor(ctx, b.Mentor)
	if err != nil {
		return err
	}
	res.Events = append(res.Events, BookingEvent{Kind: kind, Booking: b, Mentor: m, By: by.ID, At: now})
	lang, err := o.founderLang(ctx, b.Founder, b.Who.Lang)
	if err != nil {
		return err
	}
	doc := o.calendarFile(lang, b, m, now)
	res.Notices = append(res.Notices, FounderNotice{
		Key: fmt.Sprintf("oh_cancel:%s:%d", b.ID, b.Seq),
		Outgoing: flows.Outgoing{Founder: b.Founder, Reply: flows.Reply{
			Text: o.tr(lang, msg, "Mentor", o.mentorName(lang, m, b.Mentor),
				"Details", o.sessionDetails(lang, b.Start, b.End, b.Place)),
			Buttons: [][]flows.Button{{{Label: o.tr(lang, "book_btn_book_again"), Data: BookData}}},
		}, Document: &doc},
	})
	return nil
}

// Stats counts the sessions of a period.
type Stats struct {
	Sessions      int // booked to start in the period, cancelled ones included
	ByStatus      map[flows.BookingStatus]int
	ByTopic       map[string]int // sessions not cancelled, by topic
	Rated         int
	AverageRating float64
	ByMentor      map[flows.MentorID]MentorStats
}

// MentorStats counts one mentor's sessions.
type MentorStats struct {
	Name            string
	Sessions        int // not cancelled by the founder or staff
	Held, NoShow    int
	MentorCancelled int
	Rated           int
	AverageRating   float64
}

// Stats counts the sessions starting in [from, to).
func (o *OfficeHours) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	bs, err := o.store.Bookings(ctx, from, to)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{ByStatus: map[flows.BookingStatus]int{}, ByTopic: map[string]int{}, ByMentor: map[flows.MentorID]MentorStats{}}
	ratings := map[flows.MentorID]int{}
	total := 0
	for _, b := range bs {
		st.Sessions++
		st.ByStatus[b.Status]++
		if b.Status == flows.StatusCancelled || b.Status == flows.StatusSlotCancelled {
			continue
		}
		st.ByTopic[b.Topic]++
		ms := st.ByMentor[b.Mentor]
		if ms.Name == "" {
			m, err := o.mentor(ctx, b.Mentor)
			if err != nil {
				return st, err
			}
			ms.Name = m.Name
		}
		ms.Sessions++
		switch b.Status {
		case flows.StatusHeld:
			ms.Held++
		case flows.StatusNoShow:
			ms.NoShow++
		case flows.StatusMentorCancelled:
			ms.MentorCancelled++
		}
		if b.Rating > 0 {
			ms.Rated++
			ratings[b.Mentor] += b.Rating
			st.Rated++
			total += b.Rating
		}
		st.ByMentor[b.Mentor] = ms
	}
	for id, ms := range st.ByMentor {
		if ms.Rated > 0 {
			ms.AverageRating = float64(ratings[id]) / float64(ms.Rated)
			st.ByMentor[id] = ms
		}
	}
	if st.Rated > 0 {
		st.AverageRating = float64(total) / float64(st.Rated)
	}
	return st, nil
}
