package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// The modal's one input: the reason of a rejection, or the question.
const (
	noteBlock  = "note"
	noteAction = "note"
	// Slack's limits on what staff type in the modal, kept within what a
	// Telegram message can carry around it.
	maxReason   = 2000
	maxQuestion = 1000
)

// interaction answers a button press or a modal submission and returns
// the payload that acknowledges it (nil: empty).
func (s *Staff) interaction(ctx context.Context, cb *slackapi.InteractionCallback) any {
	switch cb.Type {
	case slackapi.InteractionTypeBlockActions:
		// Nothing in the acknowledgement depends on the outcome, so Slack is
		// answered at once and the press is handled in the background.
		s.goBG(ctx, workTimeout, func(ctx context.Context) { s.blockAction(ctx, cb) })
		return nil
	case slackapi.InteractionTypeViewSubmission:
		return s.respond(ctx, func(ctx context.Context) any { return s.submitView(ctx, cb) },
			func(ctx context.Context, answer any) {
				// Too late to show the error in the modal, which has closed.
				if r, ok := answer.(*slackapi.ViewSubmissionResponse); ok && r.Errors[noteBlock] != "" {
					s.notice(ctx, s.cfg.Channel, cb.User.ID, "", r.Errors[noteBlock])
				} else if ok && (cb.View.CallbackID == callbackMentor || cb.View.CallbackID == callbackSlots ||
					cb.View.CallbackID == callbackIntroStaff || cb.View.CallbackID == callbackIntroNo) {
					for _, text := range r.Errors { // the office-hours forms show one error at a time
						s.notice(ctx, s.cfg.Channel, cb.User.ID, "", text)
					}
				}
			})
	}
	return nil
}

// blockAction handles a press on an application message's button.
func (s *Staff) blockAction(ctx context.Context, cb *slackapi.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if s.broadcastAction(ctx, cb, act) || s.forgetAction(ctx, cb, act) {
		return
	}
	if s.outcomeAction(ctx, cb, act) || s.introAction(ctx, cb, act) {
		return
	}
	to, ok := decisionFor(act.ActionID)
	if !ok {
		s.log.DebugContext(ctx, "slack action ignored", "action_id", act.ActionID)
		return
	}
	id, ok := NormalizeID(act.Value)
	if !ok {
		s.log.WarnContext(ctx, "slack action with a bad application ID", "action_id", act.ActionID, "value", truncate(act.Value, 32))
		return
	}
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	say := func(text string) { s.notice(ctx, channel, user, cb.ResponseURL, text) }
	if !s.allowed(ctx, user, say) {
		return
	}
	if to == flows.StatusRejected || to == flows.StatusInfoRequested {
		s.openModal(ctx, cb.TriggerID, id, to, say)
		return
	}
	if _, err := s.decide(ctx, id, to, user, ""); err != nil {
		say(s.decisionError(ctx, err, id))
	}
}

// allowed checks that user is staff, telling them when they are not.
func (s *Staff) allowed(ctx context.Context, user string, say func(string)) bool {
	ok, err := s.isStaff(ctx, user)
	switch {
	case err != nil:
		s.log.ErrorContext(ctx, "slack staff check", "user", user, "err", err)
		say(s.t("staff_internal_error"))
	case !ok:
		s.log.InfoContext(ctx, "slack user is not staff: refused", "user", user)
		say(s.t("staff_not_authorized"))
	}
	return ok && err == nil
}

// openModal asks for the reason of a rejection or the question to the
// founder. Slack's trigger expires within seconds, so nothing is retried.
func (s *Staff) openModal(ctx context.Context, trigger, id string, to flows.Status, say func(string)) {
	a, err := s.review.Application(ctx, id)
	if err != nil {
		say(s.decisionError(ctx, err, id))
		return
	}
	if !application.CanMove(a.Status, to) {
		te := &application.TransitionError{ID: a.ID, From: a.Status, To: to}
		if n := len(a.Audit); n > 0 {
			te.Last = &a.Audit[n-1]
		}
		say(s.decisionError(ctx, te, id))
		return
	}
	if _, err := s.api.OpenViewContext(ctx, trigger, s.modal(a, to)); err != nil {
		s.log.ErrorContext(ctx, "slack modal not opened", "app", id, "err", err)
		say(s.t("staff_internal_error"))
	}
}

// modal is the form of Reject or Request info for a.
func (s *Staff) modal(a flows.Application, to flows.Status) slackapi.ModalViewRequest {
	kind, callback, limit := "ask", actionAsk, maxQuestion
	if to == flows.StatusRejected {
		kind, callback, limit = "reject", actionReject, maxReason
	}
	input := slackapi.NewPlainTextInputBlockElement(nil, noteAction)
	input.Multiline, input.MaxLength = true, limit
	in := slackapi.NewInputBlock(noteBlock,
		plain(s.t("staff_modal_"+kind+"_label"), maxInputLabel),
		plain(s.t("staff_modal_"+kind+"_hint"), maxHint), input)
	in.Optional = to == flows.StatusRejected
	about := s.t("staff_modal_about", "ID", a.ID, "Startup", s.v(clip(a.Answers["startup"], 200)), "Status", s.statusName(a.Status))
	return slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      callback,
		PrivateMetadata: a.ID,
		Title:           plain(s.t("staff_modal_"+kind+"_title", "ID", a.ID), maxModalTitle),
		Submit:          plain(s.t("staff_modal_"+kind+"_submit"), maxModalTitle),
		Close:           plain(s.t("staff_modal_cancel"), maxModalTitle),
		Blocks:          slackapi.Blocks{BlockSet: []slackapi.Block{section(about), in}},
	}
}

// submitView applies the decision of a submitted modal. Mistakes staff can
// fix show in the modal; other outcomes close it and are told in the
// staff channel, where mentions render.
func (s *Staff) submitView(ctx context.Context, cb *slackapi.InteractionCallback) any {
	if cb.View.CallbackID == callbackMentor {
		return s.submitMentor(ctx, cb)
	}
	if cb.View.CallbackID == callbackSlots {
		return s.submitSlots(ctx, cb)
	}
	if answer, ok := s.introView(ctx, cb); ok {
		return answer
	}
	to, ok := decisionFor(cb.View.CallbackID)
	if !ok || (to != flows.StatusRejected && to != flows.StatusInfoRequested) {
		s.log.DebugContext(ctx, "slack view ignored", "callback_id", cb.View.CallbackID)
		return nil
	}
	id, ok := NormalizeID(cb.View.PrivateMetadata)
	if !ok {
		s.log.WarnContext(ctx, "slack view with a bad application ID", "metadata", truncate(cb.View.PrivateMetadata, 32))
		return nil
	}
	inModal := func(text string) any {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{noteBlock: text})
	}
	user := cb.User.ID
	if ok, err := s.isStaff(ctx, user); err != nil || !ok {
		if err != nil {
			s.log.ErrorContext(ctx, "slack staff check", "user", user, "err", err)
			return inModal(s.t("staff_internal_error"))
		}
		s.log.InfoContext(ctx, "slack user is not staff: refused", "user", user)
		return inModal(s.t("staff_not_authorized"))
	}
	var note string
	if st := cb.View.State; st != nil {
		note = strings.TrimSpace(st.Values[noteBlock][noteAction].Value)
	}
	if to == flows.StatusInfoRequested && note == "" {
		return inModal(s.t("staff_question_required"))
	}
	a, err := s.decide(ctx, id, to, user, note)
	if err != nil {
		channel := s.cfg.Channel
		if a.StaffChannel != "" {
			channel = a.StaffChannel
		}
		text := s.decisionError(ctx, err, id)
		s.goBG(ctx, workTimeout, func(ctx context.Context) { s.notice(ctx, channel, user, "", text) })
	}
	return nil
}
