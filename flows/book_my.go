package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows/input"
)

// Office-hours buttons that outlive a question carry "oh:<verb>:<arg>"
// rather than the session's nonce: the list of /mybookings, a waitlist
// offer or a rating prompt may be pressed much later, and each press is
// checked against the store, not the conversation.

// op names this event for the store, so that a retried attempt of the
// same event finds its own change done rather than refused.
func (c *conv) op() string { return c.ev.UpdateID }

// confirmBook books the chosen slot, or moves the booking to it.
func (c *conv) confirmBook() error {
	o := c.e.OfficeHours
	slot := SlotID(c.s.Answers[ansSlot])
	var prev *Booking
	var b Booking
	var m Mentor
	var err error
	if id := c.s.Answers[ansMove]; id != "" {
		var p Booking
		p, b, m, err = o.reschedule(c.ctx, c.ev.Founder, BookingID(id), slot, c.op(), c.now)
		prev = &p
	} else {
		b, m, err = o.book(c.ctx, bookRequest{ID: BookingID(c.s.Answers[ansID]), Slot: slot, Founder: c.ev.Founder,
			Topic: c.s.Answers[ansTopic], Agenda: c.s.Answers[ansAgenda], Lang: c.lang, Name: c.ev.Name, Handle: c.ev.Handle}, c.now)
	}
	if err != nil {
		return c.bookRefused(err)
	}
	c.clearFlow()
	kind, msg := EventBooked, "book_booked"
	if prev != nil {
		kind, msg = EventRescheduled, "book_moved"
	}
	c.say(c.tb(msg, "Mentor", o.mentorName(c.lang, m, b.Mentor), "Details", o.sessionDetails(c.lang, b.Start, b.End, b.Place),
		"Agenda", c.v(b.Agenda)), []Button{{Label: c.tb("book_btn_my"), Data: "oh:my"}})
	c.attachCalendar(b, m)
	c.events = append(c.events, BookingEvent{Kind: kind, Booking: b, Mentor: m, Previous: prev, By: string(c.ev.Founder), At: c.now})
	return nil
}

func (c *conv) attachCalendar(b Booking, m Mentor) {
	c.docs = append(c.docs, c.e.OfficeHours.calendarFile(c.lang, b, m, c.now))
}

// refusalID is the message that explains a refusal to the founder; "" when
// err is not a refusal.
func refusalID(err error) string {
	for _, r := range []struct {
		err error
		id  string
	}{
		{ErrSlotTaken, "book_err_taken"},
		{ErrSlotPast, "book_err_gone"},
		{ErrSlotCancelled, "book_err_gone"},
		{ErrOutsideWindow, "book_err_gone"},
		{ErrOverlap, "book_err_overlap"},
		{ErrWeeklyCap, "book_err_cap"},
		{ErrTooManyUpcoming, "book_err_too_many"},
		{ErrNotAllowed, "book_only_applicants"},
		{ErrCutoff, "book_err_cutoff"},
		{ErrRescheduleLimit, "book_err_resched_limit"},
		{ErrWeeklyBookings, "book_err_week_bookings"},
		{ErrWeeklyCancels, "book_err_week_cancels"},
		{ErrBookingClosed, "book_err_closed"},
		{ErrNotFound, "book_err_closed"},
		{ErrTooEarly, "book_err_too_early"},
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
func (c *conv) bookRefused(err error) error {
	id := refusalID(err)
	if id == "" {
		return err
	}
	if id == "book_only_applicants" { // or accepted: notAllowed says which
		c.clearFlow()
		c.notAllowed()
		return nil
	}
	o := c.e.OfficeHours
	r := o.cfg.Rules
	c.say(c.tb(id, "Max", r.MaxUpcoming, "MaxMoves", r.MaxReschedules, "Hours", int(r.CancelCutoff.Hours()),
		"MaxBookings", r.MaxBookingsPerWeek, "MaxCancels", r.MaxCancelsPerWeek,
		"Contact", c.contact(), "Hub", c.v(c.e.cfg.Hub)), c.refusalButtons(id)...)
	slotGone := id == "book_err_taken" || id == "book_err_gone" || id == "book_err_overlap" || id == "book_err_cap"
	switch {
	case slotGone && c.s.Flow == flowBook && c.s.Answers[ansClaim] == "":
		step := "time"
		if id == "book_err_cap" {
			step = "day"
		}
		c.goTo(step)
		c.ask()
	case c.s.Flow == flowBook:
		c.clearFlow()
	}
	return nil
}

func (c *conv) refusalButtons(id string) [][]Button {
	switch id {
	case "book_err_too_many", "book_err_resched_limit", "book_err_closed", "book_err_week_bookings":
		return [][]Button{{{Label: c.tb("book_btn_my"), Data: "oh:my"}}}
	}
	return nil
}

// contact says how to reach staff when only they can help.
func (c *conv) contact() string {
	if ct := c.e.OfficeHours.cfg.Contact; ct != "" {
		return c.v(ct)
	}
	return c.tb("book_contact_team", "Hub", c.v(c.e.cfg.Hub))
}

// myBookings is /mybookings: the founder's sessions to come, each with
// its Cancel and Reschedule buttons.
func (c *conv) myBookings() error {
	o := c.e.OfficeHours
	if o == nil {
		c.say(c.t("unknown_command", "Command", "mybookings"))
		c.ask()
		return nil
	}
	bs, err := o.store.FounderBookings(c.ctx, c.ev.Founder, c.now)
	if err != nil {
		return fmt.Errorf("bookings of %s: %w", c.ev.Founder, err)
	}
	if len(bs) == 0 {
		c.say(c.tb("book_my_none"), []Button{{Label: c.tb("book_btn_book"), Data: "oh:book"}})
		c.ask()
		return nil
	}
	c.say(c.tb("book_my_header", "Hours", int(o.cfg.Rules.CancelCutoff.Hours())))
	for _, b := range bs {
		m, err := o.mentor(c.ctx, b.Mentor)
		if err != nil {
			return err
		}
		row := []Button{{Label: c.tb("book_btn_cancel_session"), Data: "oh:c:" + string(b.ID)}}
		if left := o.cfg.Rules.MaxReschedules - b.Reschedules; left > 0 {
			row = append(row, Button{Label: c.tb("book_btn_reschedule"), Data: "oh:r:" + string(b.ID)})
		}
		topic := ""
		if b.Topic != "" {
			topic = c.v(o.tagLabel(c.lang, b.Topic))
		}
		c.say(c.tb("book_my_line", "Mentor", o.mentorName(c.lang, m, b.Mentor), "Topic", topic,
			"Details", o.sessionDetails(c.lang, b.Start, b.End, b.Place), "Agenda", c.v(b.Agenda)), row)
	}
	c.ask()
	return nil
}

// officeButton handles a press of an "oh:" button.
func (c *conv) officeButton(data string) error {
	o := c.e.OfficeHours
	verb, arg, _ := strings.Cut(data, ":")
	switch {
	case o == nil:
	case verb == "book":
		return c.book()
	case verb == "my":
		return c.myBookings()
	case verb == "c" || verb == "cy" || verb == "r":
		return c.bookingAction(verb, BookingID(arg))
	case verb == "cn":
		c.say(c.tb("book_cancel_kept"))
		c.ask()
		return nil
	case verb == "cl":
		return c.claim(SlotID(arg))
	case verb == "ok":
		return c.coming(BookingID(arg))
	case verb == "rt":
		id, n, _ := strings.Cut(arg, ":")
		if r, err := strconv.Atoi(n); err == nil && r >= 1 && r <= 5 {
			return c.rate(BookingID(id), r)
		}
	}
	c.expired = true
	c.notice = c.t("button_expired")
	c.say(c.t("button_expired_idle"), c.menu()...)
	return nil
}

// bookingAction is Cancel ("c", which asks first), its confirmation
// ("cy") or Reschedule ("r") on a booking of /mybookings.
func (c *conv) bookingAction(verb string, id BookingID) error {
	o := c.e.OfficeHours
	if verb == "cy" {
		b, m, err := o.cancel(c.ctx, c.ev.Founder, id, c.op(), c.now)
		if err != nil {
			return c.bookRefused(err)
		}
		c.say(c.tb("book_cancelled_ok", "Mentor", o.mentorName(c.lang, m, b.Mentor),
			"Details", o.sessionDetails(c.lang, b.Start, b.End, b.Place)),
			[]Button{{Label: c.tb("book_btn_book_again"), Data: "oh:book"}})
		c.attachCalendar(b, m)
		c.events = append(c.events, BookingEvent{Kind: EventCancelled, Booking: b, Mentor: m, By: string(c.ev.Founder), At: c.now})
		return nil
	}
	b, err := o.store.Booking(c.ctx, id)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && (b.Founder != c.ev.Founder || !b.Active())):
		return c.bookRefused(ErrBookingClosed)
	case err != nil:
		return fmt.Errorf("booking %s: %w", id, err)
	case b.Start.Sub(c.now) < o.cfg.Rules.CancelCutoff:
		return c.bookRefused(ErrCutoff)
	case verb == "r" && b.Reschedules >= o.cfg.Rules.MaxReschedules:
		return c.bookRefused(ErrRescheduleLimit)
	}
	m, err := o.mentor(c.ctx, b.Mentor)
	if err != nil {
		return err
	}
	name, details := o.mentorName(c.lang, m, b.Mentor), o.sessionDetails(c.lang, b.Start, b.End, b.Place)
	if verb == "c" {
		c.say(c.tb("book_cancel_confirm", "Mentor", name, "Details", details),
			[]Button{{Label: c.tb("book_btn_cancel_yes"), Data: "oh:cy:" + string(id)}, {Label: c.tb("book_btn_cancel_no"), Data: "oh:cn:" + string(id)}})
		return nil
	}
	if c.draftInTheWay() {
		return nil
	}
	c.startBook(map[string]string{ansMove: string(id), ansID: string(id), ansMentor: string(b.Mentor),
		ansTopic: b.Topic, ansAgenda: b.Agenda}, "day")
	c.say(c.tb("book_move_intro", "Mentor", name, "Details", details, "Left", o.cfg.Rules.MaxReschedules-b.Reschedules))
	c.ask()
	return nil
}

// claim is the Claim button of a waitlist offer: the slot is the
// founder's to book while the offer runs.
func (c *conv) claim(id SlotID) error {
	o := c.e.OfficeHours
	s, err := o.store.Slot(c.ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("slot %s: %w", id, err)
	}
	if err != nil || s.OfferTo != c.ev.Founder || !s.OfferUntil.After(c.now) || s.Booking != "" || s.Cancelled {
		c.say(c.tb("book_offer_gone"), []Button{{Label: c.tb("book_btn_book"), Data: "oh:book"}})
		return nil
	}
	if c.draftInTheWay() {
		return nil
	}
	m, err := o.mentor(c.ctx, s.Mentor)
	if err != nil {
		return err
	}
	c.startBook(map[string]string{ansClaim: string(id), ansSlot: string(id), ansMentor: string(s.Mentor)}, "agenda")
	c.say(c.tb("book_claim_intro", "Mentor", o.mentorName(c.lang, m, s.Mentor),
		"Details", o.sessionDetails(c.lang, s.Start, s.End, s.Place), "Until", c.v(o.clock(s.OfferUntil))))
	c.ask()
	return nil
}

// rate records a rating from the prompt sent after a session, then
// asks for a comment when no other conversation is going on.
func (c *conv) rate(id BookingID, rating int) error {
	o := c.e.OfficeHours
	_, err := o.store.RateBooking(c.ctx, id, c.ev.Founder, rating, "", c.now)
	if refusalID(err) != "" {
		c.say(c.tb("book_rate_closed"))
		return nil
	}
	if err != nil {
		return fmt.Errorf("rate %s: %w", id, err)
	}
	c.say(c.tb("book_rate_thanks", "Rating", rating))
	if c.s.Flow == "" || c.s.Flow == flowRate {
		c.clearFlow()
		c.s.Flow, c.s.Answers = flowRate, map[string]string{ansRated: string(id)}
		c.goTo("comment")
		c.ask()
	}
	return nil
}

// comment records the founder's comment after a rating.
func (c *conv) comment(typed string) error {
	s := input.Clean(typed, maxTyped)
	if p := input.Length(s, 1, maxAgenda); p != input.OK {
		c.say(c.t("err_"+p.String(), "Min", 1, "Max", maxAgenda))
		c.ask()
		return nil
	}
	id := BookingID(c.s.Answers[ansRated])
	_, err := c.e.OfficeHours.store.RateBooking(c.ctx, id, c.ev.Founder, 0, s, c.now)
	if err != nil && refusalID(err) == "" {
		return fmt.Errorf("comment on %s: %w", id, err)
	}
	c.clearFlow()
	c.say(c.tb("book_rate_comment_thanks"))
	return nil
}
