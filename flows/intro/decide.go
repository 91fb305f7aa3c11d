package intro

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// maxNote bounds a staff or contact reason and a follow-up comment.
const maxNote = 1000

// Answer is a contact's answer to a request.
type Answer string

// Contacts' answers.
const (
	AnswerAccept  Answer = "accept"
	AnswerNotNow  Answer = "not_now"
	AnswerDecline Answer = "decline"
)

// Approve is staff's Approve: the request goes to the contact. Of
// concurrent decisions exactly one applies; the others get ErrStale.
func (s *Intros) Approve(ctx context.Context, id string, by flows.Actor) (Intro, error) {
	now := s.Now()
	in, err := s.store.UpdateIntro(ctx, id, func(in *Intro) error {
		if in.State != StateRequested {
			return ErrStale
		}
		in.State, in.DecidedBy, in.Decided, in.Updated = StateApproved, by.ID, now, now
		return nil
	})
	if err != nil {
		return in, err
	}
	// The contact is asked by a job, so that a failure to reach Slack is
	// retried and a crash here loses nothing.
	if err := s.store.ScheduleJob(ctx, flows.Job{ID: KindAsk + ":" + in.ID, Kind: KindAsk, Subject: in.ID, Version: in.Version, Due: now}); err != nil {
		return in, fmt.Errorf("schedule asking the contact of %s: %w", in.ID, err)
	}
	m, _ := s.store.Mentor(ctx, in.Contact)
	if err := s.send(ctx, "intro:"+in.ID+":approved", in, flows.Reply{Text: s.tr(in.Lang, "intro_approved", "Contact", s.cat.Value(in.Lang, m.Name))}); err != nil {
		s.log.ErrorContext(ctx, "introduction approval not queued for the founder", "intro", in.ID, "err", err)
	}
	s.record(ctx, in, "approved")
	return in, nil
}

// Decline is staff's Decline, with a reason the founder reads ("" for
// none). version is the request's Version when the staff member's view
// (the reason's modal) was made, 0 for any: a request changed since is
// refused with ErrStale rather than declined on an old view.
func (s *Intros) Decline(ctx context.Context, id string, version int64, by flows.Actor, reason string) (Intro, error) {
	now := s.Now()
	reason = input.Clean(reason, maxNote)
	in, err := s.store.UpdateIntro(ctx, id, func(in *Intro) error {
		if in.State != StateRequested || (version != 0 && in.Version != version) {
			return ErrStale
		}
		in.State, in.DecidedBy, in.Decided, in.Updated, in.StaffReason = StateStaffDeclined, by.ID, now, now, reason
		in.CooldownEnds = now.Add(s.cfg.Cooldown)
		return nil
	})
	if err != nil {
		return in, err
	}
	m, _ := s.store.Mentor(ctx, in.Contact)
	text := s.tr(in.Lang, "intro_staff_declined", "Contact", s.cat.Value(in.Lang, m.Name), "Hub", s.cat.Value(in.Lang, s.cfg.Hub))
	if reason != "" {
		text += "\n\n" + s.tr(in.Lang, "intro_reason_given", "Note", s.cat.Value(in.Lang, reason))
	}
	if err := s.send(ctx, "intro:"+in.ID+":declined", in, flows.Reply{Text: text}); err != nil {
		s.log.ErrorContext(ctx, "introduction decline not queued for the founder", "intro", in.ID, "err", err)
	}
	s.record(ctx, in, "staff_declined")
	return in, nil
}

// ContactOf finds the request and its contact, checking that user (a
// Slack user ID) is that contact; ErrNotContact otherwise.
func (s *Intros) ContactOf(ctx context.Context, id, user string) (Intro, flows.Mentor, error) {
	in, err := s.store.Intro(ctx, id)
	if err != nil {
		return in, flows.Mentor{}, err
	}
	m, err := s.store.Mentor(ctx, in.Contact)
	if err != nil {
		return in, m, fmt.Errorf("contact of %s: %w", id, err)
	}
	if m.SlackUser == "" || m.SlackUser != user {
		return in, m, ErrNotContact
	}
	return in, m, nil
}

// Respond records the contact's answer. Accept introduces both sides at
// once; of two Accept clicks only one introduces (the other gets
// ErrStale). Not now and Decline tell the founder kindly, with the
// contact's reason only when share is true, and suggest other contacts.
func (s *Intros) Respond(ctx context.Context, id, user string, ans Answer, reason string, share bool) (Intro, error) {
	_, m, err := s.ContactOf(ctx, id, user)
	if err != nil {
		return Intro{}, err
	}
	return s.respond(ctx, id, m, ans, reason, share)
}

// respond records the answer of m, whose identity the caller checked.
func (s *Intros) respond(ctx context.Context, id string, m flows.Mentor, ans Answer, reason string, share bool) (Intro, error) {
	var in Intro
	var err error
	to := map[Answer]State{AnswerAccept: StateIntroduced, AnswerNotNow: StateNotNow, AnswerDecline: StateDeclined}[ans]
	if to == "" {
		return in, fmt.Errorf("answer %q: unknown", ans)
	}
	now := s.Now()
	reason = input.Clean(reason, maxNote)
	in, err = s.store.UpdateIntro(ctx, id, func(in *Intro) error {
		if in.State != StateApproved {
			return ErrStale
		}
		in.State, in.Answered, in.Updated, in.ContactReason, in.ShareReason = to, now, now, reason, share && reason != ""
		if to.Declined() {
			in.CooldownEnds = now.Add(s.cfg.Cooldown)
		}
		return nil
	})
	if err != nil {
		return in, err
	}
	if ans == AnswerAccept {
		if err := s.store.ScheduleJob(ctx, flows.Job{ID: KindFollowup + ":" + in.ID, Kind: KindFollowup, Subject: in.ID,
			Version: in.Version, Due: now.Add(s.cfg.FollowupAfter)}); err != nil {
			s.log.ErrorContext(ctx, "introduction follow-up not scheduled", "intro", in.ID, "err", err)
		}
		s.record(ctx, in, "accepted")
		if err := s.introduce(ctx, in, m); err != nil {
			// The answer is recorded; a job tells the side not told yet.
			s.log.ErrorContext(ctx, "introduction not delivered; retried by a job", "intro", in.ID, "err", err)
			if err := s.store.ScheduleJob(ctx, flows.Job{ID: KindIntroduce + ":" + in.ID, Kind: KindIntroduce, Subject: in.ID,
				Version: in.Version, Due: now.Add(time.Minute)}); err != nil {
				s.log.ErrorContext(ctx, "introduction retry not scheduled", "intro", in.ID, "err", err)
			}
		}
		return in, nil
	}
	s.tellNo(ctx, in, m, "intro_contact_"+string(to))
	s.record(ctx, in, string(to))
	return in, nil
}

// introduce tells each side not told yet the other's details, and
// records who was told, so that a retry tells nobody twice.
func (s *Intros) introduce(ctx context.Context, in Intro, m flows.Mentor) error {
	lang := in.Lang
	v := func(x string) string { return s.cat.Value(lang, x) }
	text := s.tr(lang, "intro_introduced", "Contact", v(m.Name), "Address", v(m.Contact), "Blurb", s.Blurb(lang, in))
	if m.Contact == "" {
		text = s.tr(lang, "intro_introduced_slack", "Contact", v(m.Name), "Blurb", s.Blurb(lang, in))
	}
	now := s.Now()
	r := flows.Reply{Text: text}
	if s.cfg.BookData != "" {
		if slots, err := s.store.Slots(ctx, m.ID, now, now.Add(14*24*time.Hour)); err == nil && hasFree(slots, now) {
			r.Text += "\n\n" + s.tr(lang, "intro_book_hint", "Contact", v(m.Name))
			r.Buttons = [][]flows.Button{{{Label: s.tr(lang, "intro_btn_book"), Data: s.cfg.BookData}}}
		}
	}
	var errs []error
	founder, contact := in.FounderTold, in.ContactTold
	if !founder {
		// The outbox sends a key once: a retry cannot send it twice.
		if err := s.send(ctx, "intro:"+in.ID+":introduced", in, r); err != nil {
			errs = append(errs, fmt.Errorf("queue the introduction for the founder: %w", err))
		} else {
			founder = true
		}
	}
	if c := s.reach(m); !contact && c != nil {
		if err := c.Introduce(ctx, in, m); err != nil {
			errs = append(errs, fmt.Errorf("introduce %s to the contact: %w", in.ID, err))
		} else {
			contact = true
		}
	}
	if founder != in.FounderTold || contact != in.ContactTold {
		if _, err := s.store.UpdateIntro(ctx, in.ID, func(in *Intro) error {
			in.FounderTold, in.ContactTold = in.FounderTold || founder, in.ContactTold || contact
			return nil
		}); err != nil {
			errs = append(errs, fmt.Errorf("record the introduction of %s: %w", in.ID, err))
		}
	}
	return errors.Join(errs...)
}

// introduceJob retries an introduction a side did not get.
func (s *Intros) introduceJob(ctx context.Context, j flows.Job, _ time.Time) error {
	in, m, ok, err := s.current(ctx, j, StateIntroduced)
	if !ok || err != nil || (in.FounderTold && in.ContactTold) {
		return err
	}
	return s.introduce(ctx, in, m)
}

func hasFree(slots []flows.Slot, now time.Time) bool {
	for _, sl := range slots {
		if !sl.Cancelled && sl.Booking == "" && sl.Start.After(now) {
			return true
		}
	}
	return false
}

// tellNo tells the founder kindly that the request did not go through,
// suggesting other contacts on the topic.
func (s *Intros) tellNo(ctx context.Context, in Intro, m flows.Mentor, id string) {
	lang := in.Lang
	text := s.tr(lang, id, "Contact", s.cat.Value(lang, m.Name))
	if in.ShareReason && in.ContactReason != "" {
		text += "\n\n" + s.tr(lang, "intro_reason_given", "Note", s.cat.Value(lang, in.ContactReason))
	}
	others, err := s.available(ctx, in.Kind, in.Topic, in.Contact)
	if err != nil {
		s.log.ErrorContext(ctx, "other contacts not listed", "intro", in.ID, "err", err)
	}
	if len(others) > 0 {
		names := make([]string, 0, 3)
		for _, o := range others[:min(3, len(others))] {
			names = append(names, "• "+s.cat.Value(lang, o.Name))
		}
		text += "\n\n" + s.tr(lang, "intro_others", "Contacts", strings.Join(names, "\n"))
	}
	r := flows.Reply{Text: text, Buttons: [][]flows.Button{{{Label: s.tr(lang, "btn_intro"), Data: "m:intro"}}}}
	if err := s.send(ctx, "intro:"+in.ID+":"+string(in.State), in, r); err != nil {
		s.log.ErrorContext(ctx, "introduction outcome not queued for the founder", "intro", in.ID, "err", err)
	}
}

// SetIntroSettings pauses or resumes a contact's introductions and sets
// their monthly cap (nil: unchanged); the contact themselves (from their
// Slack account) or staff call it.
func (s *Intros) SetIntroSettings(ctx context.Context, id flows.MentorID, paused *bool, monthlyCap *int) (flows.Mentor, error) {
	if monthlyCap != nil && (*monthlyCap < 0 || *monthlyCap > 100) {
		return flows.Mentor{}, fmt.Errorf("%w: the monthly cap must be 0 (none) to 100", flows.ErrInvalidMentor)
	}
	m, err := s.store.UpdateMentor(ctx, id, func(m *flows.Mentor) error {
		if paused != nil {
			m.IntroPaused = *paused
		}
		if monthlyCap != nil {
			m.MonthlyCap = *monthlyCap
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("contact %s: %w", id, err)
	}
	return m, nil
}

// ContactByUser finds the contact linked to a Slack user; ErrNotFound.
func (s *Intros) ContactByUser(ctx context.Context, user string) (flows.Mentor, error) {
	ms, err := s.store.Mentors(ctx)
	if err != nil {
		return flows.Mentor{}, err
	}
	for _, m := range ms {
		if !m.Removed && m.SlackUser == user {
			return m, nil
		}
	}
	return flows.Mentor{}, fmt.Errorf("contact of %s: %w", user, flows.ErrNotFound)
}

// Intro returns a request, for the staff side.
func (s *Intros) Intro(ctx context.Context, id string) (Intro, error) { return s.store.Intro(ctx, id) }

// SetStaffMessage records where the vetting message of a request is.
func (s *Intros) SetStaffMessage(ctx context.Context, id, channel, ts string) error {
	_, err := s.store.UpdateIntro(ctx, id, func(in *Intro) error {
		if in.StaffTS != "" {
			return ErrStale
		}
		in.StaffChannel, in.StaffTS = channel, ts
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil
	}
	return err
}
