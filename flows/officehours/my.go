package officehours

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// Office-hours buttons that outlive a question carry "oh:<verb>:<arg>"
// rather than the session's nonce: the list of /mybookings, a waitlist
// offer or a rating prompt may be pressed much later, and each press is
// checked against the store, not the conversation.

// confirmBook books the chosen slot, or moves the booking to it.
func (o *OfficeHours) confirmBook(t *flows.Turn) error {
	slot := flows.SlotID(t.Answers()[ansSlot])
	var prev *flows.Booking
	var b flows.Booking
	var m flows.Mentor
	var err error
	if id := t.Answers()[ansMove]; id != "" {
		var p flows.Booking
		p, b, m, err = o.reschedule(t.Context(), t.Event().Founder, flows.BookingID(id), slot, t.Event().UpdateID, t.Now())
		prev = &p
	} else {
		b, m, err = o.book(t.Context(), bookRequest{ID: flows.BookingID(t.Answers()[ansID]), Slot: slot, Founder: t.Event().Founder,
			Topic: t.Answers()[ansTopic], Agenda: t.Answers()[ansAgenda], Lang: t.Lang(), Name: t.Event().Name, Handle: t.Event().Handle}, t.Now())
	}
	if err != nil {
		return o.bookRefused(t, err)
	}
	t.Clear()
	kind, msg := EventBooked, "book_booked"
	if prev != nil {
		kind, msg = EventRescheduled, "book_moved"
	}
	t.Say(t.T(msg, "Mentor", o.mentorName(t.Lang(), m, b.Mentor), "Details", o.sessionDetails(t.Lang(), b.Start, b.End, b.Place),
		"Agenda", t.V(b.Agenda)), []flows.Button{{Label: t.T("book_btn_my"), Data: "oh:my"}})
	o.attachCalendar(t, b, m)
	t.Notify(BookingEvent{Kind: kind, Booking: b, Mentor: m, Previous: prev, By: string(t.Event().Founder), At: t.Now()})
	return nil
}

func (o *OfficeHours) attachCalendar(t *flows.Turn, b flows.Booking, m flows.Mentor) {
	t.Notify(o.calendarFile(t.Lang(), b, m, t.Now()))
}

// refusalID is the message that explains a refusal to the founder; "" when
// err is not a refusal.
func refusalID(err error) string {
	for _, r := range []struct {
		err error
		id  string
	}{
		{flows.ErrSlotTaken, "book_err_taken"},
		{flows.ErrSlotPast, "book_err_gone"},
		{flows.ErrSlotCancelled, "book_err_gone"},
		{flows.ErrOutsideWindow, "book_err_gone"},
		{flows.ErrOverlap, "book_err_overlap"},
		{flows.ErrWeeklyCap, "book_err_cap"},
		{flows.ErrTooManyUpcoming, "book_err_too_many"},
		{flows.ErrNotAllowed, "book_only_applicants"},
		{flows.ErrCutoff, "book_err_cutoff"},
		{flows.ErrRescheduleLimit, "book_err_resched_limit"},
		{flows.ErrWeeklyBookings, "book_err_week_bookings"},
		{flows.ErrWeeklyCancels, "book_err_week_cancels"},
		{flows.ErrBookingClosed, "book_err_closed"},
		{flows.ErrNotFound, "book_err_closed"},
		{flows.ErrTooEarly, "book_err_too_early"},
	} {
		if errors.Is(err, r.err) {
			return r.id
		}
	}
	return ""
}

// bookRefused tells the founder why the store refused, and asks what can
// still be chosen: another time when the slot went, another day when
// the mentor's week is full.
func (o *OfficeHours) bookRefused(t *flows.Turn, err error) error {
	id := refusalID(err)
	if id == "" {
		return err
	}
	if id == "book_only_applicants" { // or accepted: notAllowed says which
		t.Clear()
		o.notAllowed(t)
		return nil
	}
	r := o.cfg.Rules
	t.Say(t.T(id, "Max", r.MaxUpcoming, "MaxMoves", r.MaxReschedules, "Hours", int(r.CancelCutoff.Hours()),
		"MaxBookings", r.MaxBookingsPerWeek, "MaxCancels", r.MaxCancelsPerWeek,
		"Contact", o.contactLine(t), "Hub", t.V(o.cfg.Hub)), o.refusalButtons(t, id)...)
	slotGone := id == "book_err_taken" || id == "book_err_gone" || id == "book_err_overlap" || id == "book_err_cap"
	switch {
	case slotGone && t.Session().Flow == flowBook && t.Answers()[ansClaim] == "":
		step := "time"
		if id == "book_err_cap" {
			step = "day"
		}
		t.Goto(step)
		t.Ask()
	case t.Session().Flow == flowBook:
		t.Clear()
	}
	return nil
}

func (o *OfficeHours) refusalButtons(t *flows.Turn, id string) [][]flows.Button {
	switch id {
	case "book_err_too_many", "book_err_resched_limit", "book_err_closed", "book_err_week_bookings":
		return [][]flows.Button{{{Label: t.T("book_btn_my"), Data: "oh:my"}}}
	}
	return nil
}

// contact says how to reach staff when only they can help.
func (o *OfficeHours) contactLine(t *flows.Turn) string {
	if ct := o.cfg.Contact; ct != "" {
		return t.V(ct)
	}
	return t.T("book_contact_team", "Hub", t.V(o.cfg.Hub))
}

// myBookings is /mybookings: the founder's sessions to come, each with
// its Cancel and Reschedule buttons.
func (o *OfficeHours) myBookings(t *flows.Turn) error {
	bs, err := o.store.FounderBookings(t.Context(), t.Event().Founder, t.Now())
	if err != nil {
		return fmt.Errorf("bookings of %s: %w", t.Event().Founder, err)
	}
	if len(bs) == 0 {
		t.Say(t.T("book_my_none"), []flows.Button{{Label: t.T("book_btn_book"), Data: "oh:book"}})
		t.Ask()
		return nil
	}
	t.Say(t.T("book_my_header", "Hours", int(o.cfg.Rules.CancelCutoff.Hours())))
	for _, b := range bs {
		m, err := o.mentor(t.Context(), b.Mentor)
		if err != nil {
			return err
		}
		row := []flows.Button{{Label: t.T("book_btn_cancel_session"), Data: "oh:c:" + string(b.ID)}}
		if left := o.cfg.Rules.MaxReschedules - b.Reschedules; left > 0 {
			row = append(row, flows.Button{Label: t.T("book_btn_reschedule"), Data: "oh:r:" + string(b.ID)})
		}
		topic := ""
		if b.Topic != "" {
			topic = t.V(o.tagLabel(t.Lang(), b.Topic))
		}
		t.Say(t.T("book_my_line", "Mentor", o.mentorName(t.Lang(), m, b.Mentor), "Topic", topic,
			"Details", o.sessionDetails(t.Lang(), b.Start, b.End, b.Place), "Agenda", t.V(b.Agenda)), row)
	}
	t.Ask()
	return nil
}

// officeButton handles a press of an "oh:" button.
func (o *OfficeHours) officeButton(t *flows.Turn, data string) error {
	verb, arg, _ := strings.Cut(data, ":")
	switch {
	case verb == "book":
		return o.startBooking(t)
	case verb == "my":
		return o.myBookings(t)
	case verb == "c" || verb == "cy" || verb == "r":
		return o.bookingAction(t, verb, flows.BookingID(arg))
	case verb == "cn":
		t.Say(t.T("book_cancel_kept"))
		t.Ask()
		return nil
	case verb == "cl":
		return o.claim(t, flows.SlotID(arg))
	case verb == "ok":
		return o.coming(t, flows.BookingID(arg))
	case verb == "rt":
		id, n, _ := strings.Cut(arg, ":")
		if r, err := strconv.Atoi(n); err == nil && r >= 1 && r <= 5 {
			return o.rate(t, flows.BookingID(id), r)
		}
	}
	t.Expire()
	return nil
}

// bookingAction is Cancel ("c", which asks first), its confirmation
// ("cy") or Reschedule ("r") on a booking of /mybookings.
func (o *OfficeHours) bookingAction(t *flows.Turn, verb string, id flows.BookingID) error {
	if verb == "cy" {
		b, m, err := o.cancel(t.Context(), t.Event().Founder, id, t.Event().UpdateID, t.Now())
		if err != nil {
			return o.bookRefused(t, err)
		}
		t.Say(t.T("book_cancelled_ok", "Mentor", o.mentorName(t.Lang(), m, b.Mentor),
			"Details", o.sessionDetails(t.Lang(), b.Start, b.End, b.Place)),
			[]flows.Button{{Label: t.T("book_btn_book_again"), Data: "oh:book"}})
		o.attachCalendar(t, b, m)
		t.Notify(BookingEvent{Kind: EventCancelled, Booking: b, Mentor: m, By: string(t.Event().Founder), At: t.Now()})
		return nil
	}
	b, err := o.store.Booking(t.Context(), id)
	switch {
	case errors.Is(err, flows.ErrNotFound) || (err == nil && (b.Founder != t.Event().Founder || !b.Active())):
		return o.bookRefused(t, flows.ErrBookingClosed)
	case err != nil:
		return fmt.Errorf("booking %s: %w", id, err)
	case b.Start.Sub(t.Now()) < o.cfg.Rules.CancelCutoff:
		return o.bookRefused(t, flows.ErrCutoff)
	case verb == "r" && b.Reschedules >= o.cfg.Rules.MaxReschedules:
		return o.bookRefused(t, flows.ErrRescheduleLimit)
	}
	m, err := o.mentor(t.Context(), b.Mentor)
	if err != nil {
		return err
	}
	name, details := o.mentorName(t.Lang(), m, b.Mentor), o.sessionDetails(t.Lang(), b.Start, b.End, b.Place)
	if verb == "c" {
		t.Say(t.T("book_cancel_confirm", "Mentor", name, "Details", details),
			[]flows.Button{{Label: t.T("book_btn_cancel_yes"), Data: "oh:cy:" + string(id)}, {Label: t.T("book_btn_cancel_no"), Data: "oh:cn:" + string(id)}})
		return nil
	}
	if o.draftInTheWay(t) {
		return nil
	}
	o.startBook(t, map[string]string{ansMove: string(id), ansID: string(id), ansMentor: string(b.Mentor),
		ansTopic: b.Topic, ansAgenda: b.Agenda}, "day")
	t.Say(t.T("book_move_intro", "Mentor", name, "Details", details, "Left", o.cfg.Rules.MaxReschedules-b.Reschedules))
	t.Ask()
	return nil
}

// claim is the Claim button of a waitlist offer: the slot is the
// founder's to book while the offer runs.
func (o *OfficeHours) claim(t *flows.Turn, id flows.SlotID) error {
	s, err := o.store.Slot(t.Context(), id)
	if err != nil && !errors.Is(err, flows.ErrNotFound) {
		return fmt.Errorf("slot %s: %w", id, err)
	}
	if err != nil || s.OfferTo != t.Event().Founder || !s.OfferUntil.After(t.Now()) || s.Booking != "" || s.Cancelled {
		t.Say(t.T("book_offer_gone"), []flows.Button{{Label: t.T("book_btn_book"), Data: "oh:book"}})
		return nil
	}
	if o.draftInTheWay(t) {
		return nil
	}
	m, err := o.mentor(t.Context(), s.Mentor)
	if err != nil {
		return err
	}
	o.startBook(t, map[string]string{ansClaim: string(id), ansSlot: string(id), ansMentor: string(s.Mentor)}, "agenda")
	t.Say(t.T("book_claim_intro", "Mentor", o.mentorName(t.Lang(), m, s.Mentor),
		"Details", o.sessionDetails(t.Lang(), s.Start, s.End, s.Place), "Until", t.V(o.clock(s.OfferUntil))))
	t.Ask()
	return nil
}

// rate records a rating from the prompt sent after a session, then
// asks for a comment when no other conversation is going on.
func (o *OfficeHours) rate(t *flows.Turn, id flows.BookingID, rating int) error {
	_, err := o.store.RateBooking(t.Context(), id, t.Event().Founder, rating, "", t.Now())
	if refusalID(err) != "" {
		t.Say(t.T("book_rate_closed"))
		return nil
	}
	if err != nil {
		return fmt.Errorf("rate %s: %w", id, err)
	}
	t.Say(t.T("book_rate_thanks", "Rating", rating))
	if t.Session().Flow == "" || t.Session().Flow == flowRate {
		t.Start(flowRate, "comment", map[string]string{ansRated: string(id)})
		t.Ask()
	}
	return nil
}

// comment records the founder's comment after a rating.
func (o *OfficeHours) comment(t *flows.Turn, typed string) error {
	s := input.Clean(typed, maxTyped)
	if p := input.Length(s, 1, maxAgenda); p != input.OK {
		t.Say(t.T("err_"+p.String(), "Min", 1, "Max", maxAgenda))
		t.Ask()
		return nil
	}
	id := flows.BookingID(t.Answers()[ansRated])
	_, err := o.store.RateBooking(t.Context(), id, t.Event().Founder, 0, s, t.Now())
	if err != nil && refusalID(err) == "" {
		return fmt.Errorf("comment on %s: %w", id, err)
	}
	t.Clear()
	t.Say(t.T("book_rate_comment_thanks"))
	return nil
}
