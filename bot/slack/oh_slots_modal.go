package slack

import (
	"context"
	"errors"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// The slots form: `slots add` without arguments opens it. It builds the
// same request as the typed command, so the rules are the same.
const (
	callbackSlots = "oh_slots"
	blockMentor   = "oh_mentor"
	blockDate     = "oh_date"
	blockStart    = "oh_start"
	blockEnd      = "oh_end"
	blockEvery    = "oh_every"
	blockWhere    = "oh_where"
	// maxSelectOptions is Slack's limit on a static select's options.
	maxSelectOptions = 100
)

// openSlotsModal opens the slots form, with the mentors to choose from.
func (s *Staff) openSlotsModal(ctx context.Context, trigger string) *reply {
	ms, err := s.oh.svc.Mentors(ctx)
	if err != nil {
		return ephemeral(s.ohError(ctx, err))
	}
	if len(ms) == 0 {
		return ephemeral(s.t("staff_oh_mentors_empty", "Command", code(s.cfg.Command+" mentor add")))
	}
	var opts []*slackapi.OptionBlockObject
	for _, m := range ms[:min(len(ms), maxSelectOptions)] {
		opts = append(opts, slackapi.NewOptionBlockObject(string(m.ID), plain(m.Name, maxPlainLabel), nil))
	}
	input := func(block, label string, optional bool, el slackapi.BlockElement) *slackapi.InputBlock {
		in := slackapi.NewInputBlock(block, plain(s.t(label), maxInputLabel), nil, el)
		in.Optional = optional
		return in
	}
	text := func(max int) *slackapi.PlainTextInputBlockElement {
		el := slackapi.NewPlainTextInputBlockElement(nil, mentorValue)
		el.MaxLength = max
		return el
	}
	view := slackapi.ModalViewRequest{
		Type:       slackapi.VTModal,
		CallbackID: callbackSlots,
		Title:      plain(s.t("staff_oh_slots_form_title"), maxModalTitle),
		Submit:     plain(s.t("staff_oh_form_add_submit"), maxModalTitle),
		Close:      plain(s.t("staff_modal_cancel"), maxModalTitle),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			input(blockMentor, "staff_oh_slots_form_mentor", false,
				slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, nil, mentorValue, opts...)),
			input(blockDate, "staff_oh_slots_form_date", false, slackapi.NewDatePickerBlockElement(mentorValue)),
			input(blockStart, "staff_oh_slots_form_start", false, slackapi.NewTimePickerBlockElement(mentorValue)),
			input(blockEnd, "staff_oh_slots_form_end", false, slackapi.NewTimePickerBlockElement(mentorValue)),
			input(blockEvery, "staff_oh_slots_form_every", true, text(3)),
			input(blockWhere, "staff_oh_slots_form_where", true, text(200)),
		}},
	}
	if _, err := s.api.OpenViewContext(ctx, trigger, view); err != nil {
		s.log.ErrorContext(ctx, "slack slots form not opened", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	return ephemeral(s.t("staff_oh_slots_form_opened"))
}

// submitSlots adds the slots of the form. Mistakes show in the form;
// success closes it and lists the slots to the user.
func (s *Staff) submitSlots(ctx context.Context, cb *slackapi.InteractionCallback) any {
	get, refusal := s.formStart(ctx, cb, blockMentor)
	if refusal != nil {
		return refusal
	}
	user := cb.User.ID
	// The spec is built from picked values, which have no spaces; only
	// "where" is typed, and it comes last.
	spec := []string{get(blockMentor).SelectedOption.Value, get(blockDate).SelectedDate,
		get(blockStart).SelectedTime + "-" + get(blockEnd).SelectedTime}
	if every := strings.TrimSpace(get(blockEvery).Value); every != "" {
		if _, err := strconv.Atoi(every); err != nil {
			return inForm(blockEvery, s.t("staff_oh_slots_form_bad_every"))
		}
		spec = append(spec, "every", every)
	}
	switch where := strings.TrimSpace(get(blockWhere).Value); {
	case strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://"):
		spec = append(spec, "online", where)
	case where != "":
		spec = append(spec, "room", where)
	}
	if spec[0] == "" || strings.Contains(spec[0], " ") {
		return inForm(blockMentor, s.t("staff_oh_err_not_found"))
	}
	req, err := officehours.ParseSlotsAdd(strings.Join(spec, " "), s.hubTZ())
	if err != nil {
		return inForm(blockStart, s.ohError(ctx, err))
	}
	m, slots, err := s.oh.svc.AddSlots(ctx, req)
	var overlap *flows.SlotOverlapError
	switch {
	case errors.Is(err, flows.ErrNotFound):
		return inForm(blockMentor, s.ohError(ctx, err))
	case errors.As(err, &overlap), errors.Is(err, flows.ErrSlotPast):
		return inForm(blockStart, s.ohError(ctx, err))
	case err != nil:
		return inForm(blockMentor, s.ohError(ctx, err))
	}
	s.log.InfoContext(ctx, "slack slots added", "mentor", m.ID, "slots", len(slots), "by", user)
	lines := make([]string, len(slots))
	for i, sl := range slots {
		lines[i] = s.t("staff_oh_slot_added_line", "Slot", sl.ID, "When", s.when(sl.Start, sl.End))
	}
	text := s.t("staff_oh_slots_added", "N", len(slots), "Mentor", s.v(m.Name), "Value", s.place(req.Place)) +
		"\n" + strings.Join(lines, "\n")
	s.goBG(ctx, workTimeout, func(ctx context.Context) { s.notice(ctx, s.cfg.Channel, user, "", text) })
	return nil
}
