package slack

import (
	"context"
	"errors"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// Submitted posts a new application to the staff channel and records
// where the message is, so that decisions update it in place. It returns
// at once; the post goes on in the background (see Wait), and failures
// are logged.
func (s *Staff) Submitted(ctx context.Context, a flows.Application) {
	s.goBG(ctx, workTimeout, func(ctx context.Context) { s.refresh(ctx, a.ID) })
}

// Answered posts the founder's answer (a's last Info entry) in the thread
// of the application's message and updates the message. Like Submitted,
// it returns at once.
func (s *Staff) Answered(ctx context.Context, a flows.Application) {
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		cur, ok := s.refresh(ctx, a.ID)
		if !ok {
			cur = a
		}
		n := len(cur.Info)
		if n == 0 || cur.Info[n-1].Answer == "" {
			s.log.WarnContext(ctx, "slack answered: no answer to show", "app", a.ID)
			return
		}
		text := s.t("staff_answer_thread", "ID", cur.ID, "Name", s.v(founderName(cur)),
			"Note", quote(s.v(clip(cur.Info[n-1].Answer, 2500))))
		s.tellStaff(ctx, cur, text)
	})
}

func founderName(a flows.Application) string {
	if a.Handle != "" {
		return "@" + a.Handle
	}
	if a.Name != "" {
		return a.Name
	}
	return a.Answers["founder"]
}

// refresh makes the staff message of an application show its current
// state: it updates the message, or posts it when there is none yet (a
// new application, or an earlier post that failed). It returns the
// application as read.
func (s *Staff) refresh(ctx context.Context, id string) (flows.Application, bool) {
	// Reading under the lock means the last update shows the last state.
	defer s.locks.lock(id)()
	a, err := s.review.Application(ctx, id)
	if err != nil {
		s.log.ErrorContext(ctx, "slack staff message: read application", "app", id, "err", err)
		return a, false
	}
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(s.appText(a), false),
		slackapi.MsgOptionBlocks(s.appBlocks(a, true)...)}
	if a.StaffTS != "" {
		if err := s.update(ctx, a.StaffChannel, a.StaffTS, opts...); err != nil {
			s.log.ErrorContext(ctx, "slack staff message not updated", "app", id, "err", err)
		}
		return a, true
	}
	opts = append(opts, slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
	channel, ts, err := s.post(ctx, s.cfg.Channel, opts...)
	if err != nil {
		s.log.ErrorContext(ctx, "slack staff message not posted", "app", id, "err", err)
		return a, true
	}
	if err := s.review.SetStaffMessage(ctx, id, channel, ts); err != nil {
		s.log.ErrorContext(ctx, "slack staff message not recorded", "app", id, "err", err)
		return a, true
	}
	a.StaffChannel, a.StaffTS = channel, ts
	s.log.InfoContext(ctx, "slack staff message posted", "app", id, "channel", channel, "ts", ts)
	return a, true
}

// tellStaff posts text in the thread of the application's message, or in
// the staff channel when the message is unknown.
func (s *Staff) tellStaff(ctx context.Context, a flows.Application, text string) {
	channel, opts := s.cfg.Channel, []slackapi.MsgOption{
		slackapi.MsgOptionText(clip(text, maxFallback), false),
		slackapi.MsgOptionBlocks(section(text)),
		slackapi.MsgOptionDisableLinkUnfurl(),
	}
	if a.StaffTS != "" {
		channel = a.StaffChannel
		opts = append(opts, slackapi.MsgOptionTS(a.StaffTS))
	}
	if _, _, err := s.post(ctx, channel, opts...); err != nil {
		s.log.ErrorContext(ctx, "slack thread reply not posted", "app", a.ID, "err", err)
	}
}

// decide applies a staff decision and, in the background, updates the
// staff message and tells the founder. Errors are for decisionError.
func (s *Staff) decide(ctx context.Context, id string, to flows.Status, user, note string) (flows.Application, error) {
	a, out, err := s.review.Decide(ctx, id, to, actor(user), note)
	if err != nil {
		return a, err
	}
	s.log.InfoContext(ctx, "slack decision", "app", id, "status", to, "by", user)
	s.goBG(ctx, workTimeout, func(ctx context.Context) { s.refresh(ctx, id) })
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		if err := s.deliver(ctx, out); err != nil {
			s.log.ErrorContext(ctx, "decision not delivered to the founder", "app", id, "founder", out.Founder, "err", err)
			s.tellStaff(ctx, a, s.t("staff_deliver_failed", "ID", a.ID))
		}
	})
	return a, nil
}

// decisionError says to staff why a decision was not applied; unexpected
// errors are logged here and shown as a generic apology.
func (s *Staff) decisionError(ctx context.Context, err error, id string) string {
	var te *application.TransitionError
	switch {
	case errors.As(err, &te):
		last := te.Last
		// "Already accepted by @x" only when @x is a staff member who made it so.
		if last != nil && last.To == te.From && strings.HasPrefix(last.By, actorPrefix) && application.CanMove(flows.StatusSubmitted, te.From) {
			return s.t("staff_already_"+string(te.From), "ID", te.ID, "Name", s.who(last.By, last.ByName))
		}
		return s.t("staff_cannot_move", "ID", te.ID, "Status", s.statusName(te.From))
	case errors.Is(err, flows.ErrNotFound):
		return s.t("staff_not_found", "ID", id)
	case errors.Is(err, application.ErrNoteRequired):
		return s.t("staff_question_required")
	}
	s.log.ErrorContext(ctx, "slack decision failed", "app", id, "err", err)
	return s.t("staff_internal_error")
}
