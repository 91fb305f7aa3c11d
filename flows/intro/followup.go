package intro

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// keyComment is the session key of a rated request whose optional
// comment the founder may type next.
const keyComment = "intro_comment"

// button handles the "in:" buttons of follow-up messages, which outlive
// any question: "in:met:<id>:<answer>", "in:rate:<id>:<1-5>", "in:skip:<id>".
func (s *Intros) button(t *flows.Turn, rest string) error {
	parts := strings.Split(rest, ":")
	if len(parts) < 2 {
		t.Expire()
		return nil
	}
	ctx, id, f := t.Context(), parts[1], t.Event().Founder
	if strings.HasPrefix(parts[0], "c") { // a contact's button on Telegram
		return s.contactButton(t, parts)
	}
	in, err := s.store.Intro(ctx, id)
	if errors.Is(err, flows.ErrNotFound) || (err == nil && in.Founder != f) || (err == nil && in.State != StateIntroduced) {
		t.Expire()
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case parts[0] == "met" && len(parts) == 3:
		met := Met(parts[2])
		if met != MetYes && met != MetNotYet && met != MetNo {
			t.Expire()
			return nil
		}
		in, err = s.store.UpdateIntro(ctx, id, func(in *Intro) error {
			if in.FounderFollowup.Met == MetYes || in.FounderFollowup.Met == MetNo {
				return ErrStale
			}
			in.FounderFollowup.Met = met
			return nil
		})
		if errors.Is(err, ErrStale) {
			t.Expire()
			return nil
		}
		if err != nil {
			return err
		}
		return s.afterMet(t, in, met)
	case parts[0] == "rate" && len(parts) == 3:
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 || n > 5 {
			t.Expire()
			return nil
		}
		if _, err := s.store.UpdateIntro(ctx, id, func(in *Intro) error {
			if in.FounderFollowup.Met != MetYes {
				return ErrStale
			}
			in.FounderFollowup.Rating = n
			return nil
		}); errors.Is(err, ErrStale) {
			t.Expire()
			return nil
		} else if err != nil {
			return err
		}
		t.Set(keyComment, id)
		t.Reply(flows.Reply{Text: t.T("intro_ask_comment"), FreeText: true,
			Buttons: [][]flows.Button{{{Label: t.T("intro_btn_skip"), Data: "in:skip:" + id}}}})
	case parts[0] == "skip":
		t.Set(keyComment, "")
		t.Say(t.T("intro_thanks"))
	default:
		t.Expire()
	}
	return nil
}

func (s *Intros) afterMet(t *flows.Turn, in Intro, met Met) error {
	switch met {
	case MetYes:
		var row []flows.Button
		for n := 1; n <= 5; n++ {
			row = append(row, flows.Button{Label: strconv.Itoa(n), Data: "in:rate:" + in.ID + ":" + strconv.Itoa(n)})
		}
		t.Say(t.T("intro_ask_rating"), row)
	case MetNotYet:
		if in.Followups >= 2 { // asked twice: no third time
			t.Say(t.T("intro_thanks"))
			return nil
		}
		if err := s.againLater(t.Context(), in); err != nil {
			return fmt.Errorf("schedule the second follow-up of %s: %w", in.ID, err)
		}
		t.Say(t.T("intro_not_yet"))
	default:
		t.Say(t.T("intro_thanks"))
	}
	return nil
}

// idle takes the comment typed after a rating.
func (s *Intros) idle(t *flows.Turn, text string) (bool, error) {
	var id string
	if !t.Get(keyComment, &id) || id == "" {
		return false, nil
	}
	comment := input.Clean(text, maxNote)
	_, err := s.store.UpdateIntro(t.Context(), id, func(in *Intro) error {
		if in.Founder != t.Event().Founder {
			return ErrStale
		}
		in.FounderFollowup.Comment = comment
		return nil
	})
	if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, flows.ErrNotFound) {
		return true, err
	}
	t.Set(keyComment, "")
	t.Say(t.T("intro_thanks"))
	return true, nil
}

// ContactFollowup records the contact's answer to "did you meet?"
// (rating 0) or their rating (met empty); user is their Slack user.
func (s *Intros) ContactFollowup(ctx context.Context, id, user string, met Met, rating int) (Intro, error) {
	if _, _, err := s.ContactOf(ctx, id, user); err != nil {
		return Intro{}, err
	}
	return s.contactFollowup(ctx, id, met, rating)
}

func (s *Intros) contactFollowup(ctx context.Context, id string, met Met, rating int) (Intro, error) {
	in, err := s.store.UpdateIntro(ctx, id, func(in *Intro) error {
		switch {
		case in.State != StateIntroduced:
			return ErrStale
		case met != "" && (in.ContactFollowup.Met == MetYes || in.ContactFollowup.Met == MetNo):
			return ErrStale
		case met != "":
			in.ContactFollowup.Met = met
		case rating < 1 || rating > 5 || in.ContactFollowup.Met != MetYes:
			return ErrStale
		default:
			in.ContactFollowup.Rating = rating
		}
		return nil
	})
	if err == nil && met == MetNotYet {
		err = s.againLater(ctx, in)
	}
	return in, err
}
