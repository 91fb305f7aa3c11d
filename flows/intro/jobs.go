package intro

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/startgate/founderbot/flows"
)

// The timers of a request. Each job looks at the request's state when it
// runs: one answered, declined or expired meanwhile gets nothing.

// current loads the job's request; ok is false when it is gone or no
// longer in state.
func (s *Intros) current(ctx context.Context, j flows.Job, state State) (Intro, flows.Mentor, bool, error) {
	in, err := s.store.Intro(ctx, j.Subject)
	if errors.Is(err, flows.ErrNotFound) {
		return in, flows.Mentor{}, false, nil
	}
	if err != nil || in.State != state {
		return in, flows.Mentor{}, false, err
	}
	m, err := s.store.Mentor(ctx, in.Contact)
	if err != nil {
		return in, m, false, fmt.Errorf("contact of %s: %w", in.ID, err)
	}
	return in, m, true, nil
}

// askJob asks the contact of an approved request, then sets the reminder.
func (s *Intros) askJob(ctx context.Context, j flows.Job, _ time.Time) error {
	in, m, ok, err := s.current(ctx, j, StateApproved)
	if !ok || err != nil {
		return err
	}
	c := s.reach(m)
	if c == nil {
		// No way to the contact: nobody can be asked; the request expires
		// in time and the founder is told.
		s.log.WarnContext(ctx, "introduction contact not asked: not reachable", "intro", in.ID)
		return s.scheduleExpiry(ctx, in)
	}
	if err := c.Ask(ctx, in, m, false); err != nil {
		return fmt.Errorf("ask contact of %s: %w", in.ID, err)
	}
	return s.store.ScheduleJob(ctx, flows.Job{ID: KindRemind + ":" + in.ID, Kind: KindRemind, Subject: in.ID,
		Version: in.Version, Due: in.Decided.Add(s.cfg.ContactTimeout)})
}

// remindJob reminds a contact who has not answered, once, and sets the expiry.
func (s *Intros) remindJob(ctx context.Context, j flows.Job, _ time.Time) error {
	in, m, ok, err := s.current(ctx, j, StateApproved)
	if !ok || err != nil {
		return err
	}
	if c := s.reach(m); !in.Reminded && c != nil {
		if err := c.Ask(ctx, in, m, true); err != nil {
			return fmt.Errorf("remind contact of %s: %w", in.ID, err)
		}
		in, err = s.store.UpdateIntro(ctx, in.ID, func(in *Intro) error {
			if in.State != StateApproved {
				return ErrStale
			}
			in.Reminded = true
			return nil
		})
		if errors.Is(err, ErrStale) {
			return nil
		}
		if err != nil {
			return err
		}
		s.record(ctx, in, "reminded")
	}
	return s.scheduleExpiry(ctx, in)
}

func (s *Intros) scheduleExpiry(ctx context.Context, in Intro) error {
	return s.store.ScheduleJob(ctx, flows.Job{ID: KindExpire + ":" + in.ID, Kind: KindExpire, Subject: in.ID,
		Version: in.Version, Due: in.Decided.Add(2 * s.cfg.ContactTimeout)})
}

// expireJob ends a request the contact never answered, and tells the
// founder kindly.
func (s *Intros) expireJob(ctx context.Context, j flows.Job, _ time.Time) error {
	in, m, ok, err := s.current(ctx, j, StateApproved)
	if !ok || err != nil {
		return err
	}
	now := s.Now()
	in, err = s.store.UpdateIntro(ctx, in.ID, func(in *Intro) error {
		if in.State != StateApproved {
			return ErrStale
		}
		in.State, in.Updated = StateExpired, now
		return nil
	})
	if errors.Is(err, ErrStale) {
		return nil
	}
	if err != nil {
		return err
	}
	s.tellNo(ctx, in, m, "intro_expired")
	s.record(ctx, in, "expired")
	return nil
}

// followupJob asks both sides whether they met: each side that has not
// answered, or answered "not yet".
func (s *Intros) followupJob(ctx context.Context, j flows.Job, _ time.Time) error {
	in, m, ok, err := s.current(ctx, j, StateIntroduced)
	if !ok || err != nil || in.Followups >= 2 {
		return err
	}
	round := in.Followups + 1
	ask := func(sd Side) bool { return sd.Met == "" || sd.Met == MetNotYet }
	if c := s.reach(m); ask(in.ContactFollowup) && c != nil {
		if err := c.FollowUp(ctx, in, m); err != nil {
			return fmt.Errorf("follow up with the contact of %s: %w", in.ID, err)
		}
	}
	if ask(in.FounderFollowup) {
		lang := in.Lang
		r := flows.Reply{Text: s.tr(lang, "intro_followup", "Contact", s.cat.Value(lang, m.Name)), Buttons: [][]flows.Button{{
			{Label: s.tr(lang, "intro_btn_met_yes"), Data: "in:met:" + in.ID + ":" + string(MetYes)},
			{Label: s.tr(lang, "intro_btn_met_not_yet"), Data: "in:met:" + in.ID + ":" + string(MetNotYet)},
			{Label: s.tr(lang, "intro_btn_met_no"), Data: "in:met:" + in.ID + ":" + string(MetNo)},
		}}}
		// The outbox sends a key once: a retried job asks once per round.
		if err := s.send(ctx, "intro:"+in.ID+":followup:"+strconv.Itoa(round), in, r); err != nil {
			return fmt.Errorf("queue the follow-up of %s: %w", in.ID, err)
		}
	}
	_, err = s.store.UpdateIntro(ctx, in.ID, func(in *Intro) error {
		in.Followups = round
		return nil
	})
	return err
}

// againLater schedules the second and last follow-up after a "not yet".
func (s *Intros) againLater(ctx context.Context, in Intro) error {
	if in.Followups >= 2 {
		return nil
	}
	return s.store.ScheduleJob(ctx, flows.Job{ID: KindFollowup + ":" + in.ID, Kind: KindFollowup, Subject: in.ID,
		Version: in.Version, Due: s.Now().Add(s.cfg.FollowupAfter)})
}
