package slack

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// The mentor form: `mentor add` opens it empty, `mentor edit` filled in.
// Its private_metadata is the mentor's ID when editing, "" when adding.
// Every input's action ID is mentorValue, so blocks name the fields.
const (
	callbackMentor = "oh_mentor"
	mentorValue    = "v"
	blockName      = "oh_name"
	blockTags      = "oh_tags"
	blockBio       = "oh_bio"
	blockLangs     = "oh_langs"
	blockSlack     = "oh_slack"
	blockTelegram  = "oh_telegram"
	blockCap       = "oh_cap"
	blockKind      = "oh_kind"    // introductions: the kind of contact
	blockContact   = "oh_contact" // introductions: e-mail or link
	blockMonthly   = "oh_monthly" // introductions: monthly cap
	// Bounds of the form's inputs: those of flows' mentor record.
	maxMentorName = 80
	maxMentorBio  = 300
	maxWeeklyCap  = 100
)

// openMentorModal opens the mentor form. Slack's trigger expires within
// seconds, so nothing is retried.
func (s *Staff) openMentorModal(ctx context.Context, trigger string, m flows.Mentor) *reply {
	if _, err := s.api.OpenViewContext(ctx, trigger, s.mentorModal(m)); err != nil {
		s.log.ErrorContext(ctx, "slack mentor form not opened", "mentor", m.ID, "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	return ephemeral(s.t("staff_oh_form_opened"))
}

func (s *Staff) mentorModal(m flows.Mentor) slackapi.ModalViewRequest {
	text := func(multiline bool, max int, initial string) *slackapi.PlainTextInputBlockElement {
		el := slackapi.NewPlainTextInputBlockElement(nil, mentorValue)
		el.Multiline, el.MaxLength, el.InitialValue = multiline, max, initial
		return el
	}
	input := func(block, label string, optional bool, el slackapi.BlockElement) *slackapi.InputBlock {
		in := slackapi.NewInputBlock(block, plain(s.t(label), maxInputLabel), nil, el)
		in.Optional = optional
		return in
	}
	var tagOpts, tagInit []*slackapi.OptionBlockObject
	for _, t := range flows.ExpertiseTags {
		o := slackapi.NewOptionBlockObject(t, plain(s.tagLabel(t), maxPlainLabel), nil)
		tagOpts = append(tagOpts, o)
		if slices.Contains(m.Tags, t) {
			tagInit = append(tagInit, o)
		}
	}
	tags := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, nil, mentorValue, tagOpts...)
	tags.InitialOptions = tagInit
	var langOpts, langInit []*slackapi.OptionBlockObject
	for _, l := range flows.Languages {
		o := slackapi.NewOptionBlockObject(l, plain(s.cat.T(l, "language_name"), maxPlainLabel), nil)
		langOpts = append(langOpts, o)
		if slices.Contains(m.Languages, l) {
			langInit = append(langInit, o)
		}
	}
	langs := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, nil, mentorValue, langOpts...)
	langs.InitialOptions = langInit
	user := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, nil, mentorValue)
	user.InitialUser = m.SlackUser
	capValue := ""
	if m.WeeklyCap > 0 {
		capValue = strconv.Itoa(m.WeeklyCap)
	}
	telegram := ""
	if m.Telegram != "" {
		telegram = "@" + m.Telegram
	}
	var kindOpts []*slackapi.OptionBlockObject
	var kindInit *slackapi.OptionBlockObject
	for _, k := range flows.ContactKinds {
		o := slackapi.NewOptionBlockObject(k, plain(s.t("staff_intro_kind_"+k), maxPlainLabel), nil)
		kindOpts = append(kindOpts, o)
		if k == m.ContactKind() {
			kindInit = o
		}
	}
	kind := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic, nil, mentorValue, kindOpts...)
	kind.InitialOption = kindInit
	monthly := ""
	if m.MonthlyCap > 0 {
		monthly = strconv.Itoa(m.MonthlyCap)
	}
	title, submit := "staff_oh_form_add_title", "staff_oh_form_add_submit"
	if m.ID != "" {
		title, submit = "staff_oh_form_edit_title", "staff_oh_form_edit_submit"
	}
	return slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      callbackMentor,
		PrivateMetadata: mentorMetadata(m),
		Title:           plain(s.t(title), maxModalTitle),
		Submit:          plain(s.t(submit), maxModalTitle),
		Close:           plain(s.t("staff_modal_cancel"), maxModalTitle),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			input(blockName, "staff_oh_form_name", false, text(false, maxMentorName, m.Name)),
			input(blockTags, "staff_oh_form_tags", false, tags),
			input(blockBio, "staff_oh_form_bio", true, text(true, maxMentorBio, m.Bio)),
			input(blockLangs, "staff_oh_form_langs", true, langs),
			input(blockSlack, "staff_oh_form_slack", true, user),
			input(blockTelegram, "staff_oh_form_telegram", true, text(false, 33, telegram)),
			input(blockCap, "staff_oh_form_cap", true, text(false, 3, capValue)),
			input(blockKind, "staff_intro_form_kind", true, kind),
			input(blockContact, "staff_intro_form_contact", true, text(false, 200, m.Contact)),
			input(blockMonthly, "staff_intro_form_monthly", true, text(false, 3, monthly)),
		}},
	}
}

// mentorMetadata is the mentor form's metadata: the mentor's ID (none
// for a new one) and the monthly cap the form shows, which the contact
// may change while staff edit ("karim-benali:2").
func mentorMetadata(m flows.Mentor) string {
	if m.ID == "" {
		return ""
	}
	return string(m.ID) + ":" + strconv.Itoa(m.MonthlyCap)
}

// parseMentorMetadata reads mentorMetadata; a form opened before it
// carried the cap gives none.
func parseMentorMetadata(md string) (flows.MentorID, *int) {
	i := strings.LastIndexByte(md, ':')
	if i < 0 {
		return flows.MentorID(md), nil
	}
	n, err := strconv.Atoi(md[i+1:])
	if err != nil {
		return flows.MentorID(md), nil
	}
	return flows.MentorID(md[:i]), &n
}

// submitMentor saves the mentor form. Mistakes show in the form; success
// closes it and is told to the user.
func (s *Staff) submitMentor(ctx context.Context, cb *slackapi.InteractionCallback) any {
	get, refusal := s.formStart(ctx, cb, blockName)
	if refusal != nil {
		return refusal
	}
	user := cb.User.ID
	mentorID, shownCap := parseMentorMetadata(cb.View.PrivateMetadata)
	m := flows.Mentor{
		ID:        mentorID,
		Name:      get(blockName).Value,
		Bio:       get(blockBio).Value,
		SlackUser: get(blockSlack).SelectedUser,
		Telegram:  get(blockTelegram).Value,
		Contact:   get(blockContact).Value,
	}
	if o := get(blockKind).SelectedOption; o.Value != "" {
		m.Kind = o.Value
	}
	if c := strings.TrimSpace(get(blockMonthly).Value); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > maxWeeklyCap {
			return inForm(blockMonthly, s.t("staff_oh_form_bad_cap", "Max", maxWeeklyCap))
		}
		m.MonthlyCap = n
	}
	for _, o := range get(blockTags).SelectedOptions {
		m.Tags = append(m.Tags, o.Value)
	}
	for _, o := range get(blockLangs).SelectedOptions {
		m.Languages = append(m.Languages, o.Value)
	}
	if c := strings.TrimSpace(get(blockCap).Value); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > maxWeeklyCap {
			return inForm(blockCap, s.t("staff_oh_form_bad_cap", "Max", maxWeeklyCap))
		}
		m.WeeklyCap = n
	}
	if len(m.Tags) == 0 {
		return inForm(blockTags, s.t("staff_oh_form_no_tags"))
	}
	var saved flows.Mentor
	var err error
	if m.ID == "" {
		saved, err = s.oh.svc.AddMentor(ctx, m)
	} else {
		saved, err = s.oh.svc.EditMentor(ctx, m, shownCap)
	}
	switch {
	case errors.Is(err, flows.ErrInvalidMentor):
		// flows says which field is wrong in English; the form shows it by the name.
		return inForm(blockName, clip(strings.TrimPrefix(err.Error(), flows.ErrInvalidMentor.Error()+": "), 150))
	case errors.Is(err, flows.ErrMentorExists):
		return inForm(blockName, s.t("staff_oh_err_mentor_exists"))
	case err != nil:
		return inForm(blockName, s.ohError(ctx, err))
	}
	s.log.InfoContext(ctx, "slack mentor saved", "mentor", saved.ID, "by", user, "new", m.ID == "")
	id := "staff_oh_mentor_added"
	if m.ID != "" {
		id = "staff_oh_mentor_edited"
	}
	text := s.t(id, "Mentor", s.v(saved.Name), "ID", saved.ID, "Name", mention(user),
		"Command", code(s.cfg.Command+" slots add "+string(saved.ID)+" …"))
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(text, maxFallback), false),
			slackapi.MsgOptionBlocks(section(text))); err != nil {
			s.log.ErrorContext(ctx, "slack mentor saved: not posted", "mentor", saved.ID, "err", err)
		}
	})
	return nil
}

// formStart checks that the user submitting an office-hours form may act
// and that office hours are on. refusal, when not nil, is the answer that
// shows the problem in the form under block; get reads the form's values.
func (s *Staff) formStart(ctx context.Context, cb *slackapi.InteractionCallback, block string) (get func(string) slackapi.BlockAction, refusal any) {
	user := cb.User.ID
	if ok, err := s.isStaff(ctx, user); err != nil || !ok {
		if err != nil {
			s.log.ErrorContext(ctx, "slack staff check", "user", user, "err", err)
			return nil, inForm(block, s.t("staff_internal_error"))
		}
		return nil, inForm(block, s.t("staff_not_authorized"))
	}
	if s.oh.svc == nil {
		return nil, inForm(block, s.t("staff_oh_disabled"))
	}
	var vals map[string]map[string]slackapi.BlockAction
	if cb.View.State != nil {
		vals = cb.View.State.Values
	}
	return func(block string) slackapi.BlockAction { return vals[block][mentorValue] }, nil
}

// inForm answers a form's submission with text shown under block.
func inForm(block, text string) any {
	return slackapi.NewErrorsViewSubmissionResponse(map[string]string{block: text})
}
