package officehours

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/startgate/founderbot/flows"
)

// bookRequest is a founder's booking as the conversation gathered it.
type bookRequest struct {
	ID            flows.BookingID
	Slot          flows.SlotID
	Founder       flows.FounderID
	Topic, Agenda string
	Lang          string
	Name, Handle  string
}

// allowed says whether the founder may book (BOOKING_OPEN_TO), with the
// application that says who they are, if any.
func (o *OfficeHours) allowed(ctx context.Context, f flows.FounderID) (bool, *flows.Application, error) {
	apps, err := o.store.Applications(ctx, f)
	if err != nil {
		return false, nil, fmt.Errorf("list applications: %w", err)
	}
	var app *flows.Application
	for i := range apps { // newest first: the accepted one wins when it counts
		if app == nil || (o.cfg.OpenTo == OpenToAccepted && apps[i].Status == flows.StatusAccepted && app.Status != flows.StatusAccepted) {
			app = &apps[i]
		}
	}
	switch o.cfg.OpenTo {
	case OpenToAnyone:
		return true, app, nil
	case OpenToAccepted:
		return app != nil && app.Status == flows.StatusAccepted, app, nil
	}
	return app != nil, app, nil
}

// book books a slot for a founder under every rule, and schedules the
// rating prompt for the session's end.
func (o *OfficeHours) book(ctx context.Context, r bookRequest, now time.Time) (flows.Booking, flows.Mentor, error) {
	ok, app, err := o.allowed(ctx, r.Founder)
	if err != nil {
		return flows.Booking{}, flows.Mentor{}, err
	}
	if !ok {
		return flows.Booking{}, flows.Mentor{}, flows.ErrNotAllowed
	}
	who := flows.FounderInfo{Name: r.Name, Handle: r.Handle, Lang: r.Lang}
	if app != nil {
		who.AppID, who.Startup = app.ID, app.Answers["startup"]
		who.Stage, who.Sector = app.Answers["stage"], app.Answers["sector"]
		if who.Name == "" {
			who.Name = app.Answers["founder"]
		}
	}
	b := flows.Booking{ID: r.ID, Founder: r.Founder, Who: who, Topic: r.Topic, Agenda: r.Agenda}
	if b, err = o.store.BookSlot(ctx, r.Slot, b, now, o.cfg.Rules); err != nil {
		return b, flows.Mentor{}, err
	}
	o.scheduleRating(ctx, b)
	o.scheduleReminders(ctx, b, now)
	m, err := o.mentor(ctx, b.Mentor)
	return b, m, err
}

// reschedule moves a founder's booking to another slot, the old one
// held until the new one is booked. It returns the booking before and after.
func (o *OfficeHours) reschedule(ctx context.Context, f flows.FounderID, id flows.BookingID, to flows.SlotID, op string, now time.Time) (prev, b flows.Booking, m flows.Mentor, err error) {
	if prev, err = o.store.Booking(ctx, id); err != nil {
		return prev, b, m, err
	}
	if b, err = o.store.Reschedule(ctx, id, f, to, op, now, o.cfg.Rules); err != nil {
		return prev, b, m, err
	}
	o.scheduleRating(ctx, b)
	o.scheduleReminders(ctx, b, now)
	if b.PrevSlot != "" {
		o.slotFreed(ctx, b.PrevSlot, now)
	}
	m, err = o.mentor(ctx, b.Mentor)
	return prev, b, m, err
}

// cancel cancels a founder's booking, if it is not too late.
func (o *OfficeHours) cancel(ctx context.Context, f flows.FounderID, id flows.BookingID, op string, now time.Time) (flows.Booking, flows.Mentor, error) {
	b, err := o.store.CancelBooking(ctx, id, f, op, now, o.cfg.Rules)
	if err != nil {
		return b, flows.Mentor{}, err
	}
	o.slotFreed(ctx, b.Slot, now)
	o.unscheduleReminders(ctx, b.ID)
	m, err := o.mentor(ctx, b.Mentor)
	return b, m, err
}

// mentor returns a mentor, or one with only its ID if it is gone.
func (o *OfficeHours) mentor(ctx context.Context, id flows.MentorID) (flows.Mentor, error) {
	m, err := o.store.Mentor(ctx, id)
	if errors.Is(err, flows.ErrNotFound) {
		return flows.Mentor{ID: id}, nil
	}
	if err != nil {
		return m, fmt.Errorf("mentor %s: %w", id, err)
	}
	return m, nil
}

// bookable lists the mentor's slots the founder could book now: free or
// offered to them, in the future and the window, in a week under the
// mentor's cap. A slot the founder holds is booked, so it is not listed.
func (o *OfficeHours) bookable(ctx context.Context, m flows.Mentor, f flows.FounderID, now time.Time) ([]flows.Slot, error) {
	end := now.Add(o.cfg.Rules.Window)
	all, err := o.store.Slots(ctx, m.ID, now, end.Add(time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("slots of %s: %w", m.ID, err)
	}
	var slots []flows.Slot
	var weeks []string
	for _, s := range all {
		held := s.OfferTo != "" && s.OfferTo != f && s.OfferUntil.After(now)
		if s.Cancelled || s.Booking != "" || held || !s.Start.After(now) || s.Start.After(end) {
			continue
		}
		slots = append(slots, s)
		if !slices.Contains(weeks, s.Week) {
			weeks = append(weeks, s.Week)
		}
	}
	if m.WeeklyCap == 0 || len(slots) == 0 {
		return slots, nil
	}
	load, err := o.store.MentorLoad(ctx, m.ID, weeks)
	if err != nil {
		return nil, fmt.Errorf("load of %s: %w", m.ID, err)
	}
	return slices.DeleteFunc(slots, func(s flows.Slot) bool { return load[s.Week] >= m.WeeklyCap }), nil
}

// scheduleRating asks for a rating when the session ends; a booking
// cancelled or moved since makes the job do nothing.
func (o *OfficeHours) scheduleRating(ctx context.Context, b flows.Booking) {
	j := flows.Job{ID: "oh_rating:" + string(b.ID), Kind: KindSessionRating, Subject: string(b.ID), Version: int64(b.Seq), Due: b.End}
	if err := o.store.ScheduleJob(ctx, j); err != nil {
		o.log.Error("schedule rating prompt", "booking", b.ID, "err", err)
	}
}

// slotFreed has the freed slot offered to the mentor's waitlist by the
// scheduler, which retries when something fails: the founder's
// cancellation is done whatever happens to the offer.
func (o *OfficeHours) slotFreed(ctx context.Context, id flows.SlotID, now time.Time) {
	j := flows.Job{ID: "oh_offer:" + string(id), Kind: KindSlotOffer, Subject: string(id), Due: now}
	if err := o.store.ScheduleJob(ctx, j); err != nil {
		o.log.Error("schedule waitlist offer", "slot", id, "err", err)
	}
}

// offerExpired offers a free slot to the next founder of the waitlist:
// when it was freed, and each time an offer runs out unclaimed.
func (o *OfficeHours) offerExpired(ctx context.Context, j flows.Job, now time.Time) error {
	s, f, err := o.store.OfferSlot(ctx, flows.SlotID(j.Subject), now, o.cfg.OfferTTL)
	if errors.Is(err, flows.ErrNotFound) || (err == nil && f == "") {
		return nil
	}
	if err != nil {
		return err
	}
	// The offer may be one made by an earlier run whose message failed:
	// the outbox key makes sending it again harmless.
	lang, err := o.founderLang(ctx, f, "")
	if err != nil {
		return err
	}
	m, err := o.mentor(ctx, s.Mentor)
	if err != nil {
		return err
	}
	reply := flows.Reply{
		Text: o.tr(lang, "book_offer", "Mentor", o.mentorName(lang, m, s.Mentor),
			"Details", o.sessionDetails(lang, s.Start, s.End, s.Place),
			"Minutes", minutes(o.cfg.OfferTTL), "Until", o.cat.Value(lang, o.clock(s.OfferUntil))),
		Buttons: [][]flows.Button{{{Label: o.tr(lang, "book_btn_claim"), Data: "oh:cl:" + string(s.ID)}}},
	}
	key := fmt.Sprintf("oh_offer:%s:%d", s.ID, s.OfferSeq)
	if _, err := o.out.Enqueue(ctx, key, flows.Outgoing{Founder: f, Reply: reply}, "office_hours"); err != nil {
		return fmt.Errorf("queue %s: %w", key, err)
	}
	next := flows.Job{ID: j.ID, Kind: KindSlotOffer, Subject: j.Subject, Version: s.OfferSeq, Due: s.OfferUntil}
	if err := o.store.ScheduleJob(ctx, next); err != nil {
		return fmt.Errorf("schedule offer expiry of %s: %w", s.ID, err)
	}
	return nil
}

// ratingPrompt asks the founder, once, to rate a session that ended.
func (o *OfficeHours) ratingPrompt(ctx context.Context, j flows.Job, now time.Time) error {
	b, err := o.store.Booking(ctx, flows.BookingID(j.Subject))
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if int64(b.Seq) != j.Version || (b.Status != flows.StatusBooked && b.Status != flows.StatusHeld) || b.Rating > 0 {
		return nil // moved, cancelled, missed or rated: nothing to ask
	}
	lang, err := o.founderLang(ctx, b.Founder, b.Who.Lang)
	if err != nil {
		return err
	}
	m, err := o.mentor(ctx, b.Mentor)
	if err != nil {
		return err
	}
	row := make([]flows.Button, 5)
	for i := range row {
		row[i] = flows.Button{Label: fmt.Sprint(i + 1), Data: fmt.Sprintf("oh:rt:%s:%d", b.ID, i+1)}
	}
	reply := flows.Reply{Text: o.tr(lang, "book_rate_prompt", "Mentor", o.mentorName(lang, m, b.Mentor),
		"Date", o.dayName(lang, b.Start)), Buttons: [][]flows.Button{row}}
	key := fmt.Sprintf("oh_rating:%s:%d", b.ID, b.Seq)
	if _, err := o.out.Enqueue(ctx, key, flows.Outgoing{Founder: b.Founder, Reply: reply}, "office_hours"); err != nil {
		return fmt.Errorf("queue %s: %w", key, err)
	}
	return nil
}

// founderLang is the language to write to a founder in, outside a conversation.
func (o *OfficeHours) founderLang(ctx context.Context, f flows.FounderID, fallback string) (string, error) {
	s, _, _, err := o.store.LoadSession(ctx, f, "")
	if err != nil {
		return "", fmt.Errorf("session of %s: %w", f, err)
	}
	hint := s.Hint
	if hint == "" {
		hint = fallback
	}
	return o.cat.Resolve(s.Lang, hint), nil
}
