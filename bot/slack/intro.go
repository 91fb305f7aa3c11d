package slack

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// Intros is the introductions service staff and contacts act through;
// *intro.Intros has it.
type Intros interface {
	Intro(ctx context.Context, id string) (intro.Intro, error)
	Approve(ctx context.Context, id string, by flows.Actor) (intro.Intro, error)
	Decline(ctx context.Context, id string, version int64, by flows.Actor, reason string) (intro.Intro, error)
	Respond(ctx context.Context, id, user string, ans intro.Answer, reason string, share bool) (intro.Intro, error)
	ContactOf(ctx context.Context, id, user string) (intro.Intro, flows.Mentor, error)
	ContactFollowup(ctx context.Context, id, user string, met intro.Met, rating int) (intro.Intro, error)
	SetIntroSettings(ctx context.Context, id flows.MentorID, paused *bool, monthlyCap *int) (flows.Mentor, error)
	ContactByUser(ctx context.Context, user string) (flows.Mentor, error)
	SetStaffMessage(ctx context.Context, id, channel, ts string) error
	Stats(ctx context.Context) ([]intro.ContactStats, error)
	Waiting(ctx context.Context) (onStaff, onContacts []intro.Intro, err error)
}

// SetIntros turns on introductions: the vetting messages, the contacts'
// buttons, the `intro` subcommand, and their lines in stats and the
// digest. Call it before serving requests.
func (s *Staff) SetIntros(svc Intros) { s.intros = svc }

// Action and callback IDs of introductions; a button's value is the
// request's ID.
const (
	actionIntroApprove = "intro_approve"
	actionIntroDecline = "intro_decline" // staff: opens the reason's modal
	actionIntroAccept  = "intro_accept"
	actionIntroNotNow  = "intro_not_now"
	actionIntroRefuse  = "intro_refuse" // the contact: opens the reason's modal
	actionIntroMet     = "intro_met_"   // + yes, not_yet, no
	actionIntroRate    = "intro_rate_"  // + 1..5
	callbackIntroStaff = "intro_staff_decline"
	callbackIntroNo    = "intro_contact_decline"
	blockIntroShare    = "intro_share"
	introShareValue    = "share"
)

var introIDPattern = regexp.MustCompile(`^I-[0-9A-Z]{4,12}$`)

// IntroRequested posts a new request to the staff channel for vetting:
// the founder, the startup, the contact and the reason, with Approve
// and Decline. It returns at once; failures are logged.
func (s *Staff) IntroRequested(ctx context.Context, in intro.Intro) {
	if s.intros == nil {
		return
	}
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		text := s.introText(ctx, in)
		buttons := slackapi.NewActionBlock("intro_vet",
			slackapi.NewButtonBlockElement(actionIntroApprove, in.ID, plain(s.t("staff_intro_btn_approve"), maxPlainLabel)).WithStyle(slackapi.StylePrimary),
			slackapi.NewButtonBlockElement(actionIntroDecline, in.ID, plain(s.t("staff_intro_btn_decline"), maxPlainLabel)).WithStyle(slackapi.StyleDanger))
		ch, ts, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(text, maxFallback), false),
			slackapi.MsgOptionBlocks(section(text), buttons), slackapi.MsgOptionDisableLinkUnfurl())
		if err != nil {
			s.log.ErrorContext(ctx, "slack introduction request not posted", "intro", in.ID, "err", err)
			return
		}
		if err := s.intros.SetStaffMessage(ctx, in.ID, ch, ts); err != nil {
			s.log.ErrorContext(ctx, "slack introduction message not recorded", "intro", in.ID, "err", err)
		}
	})
}

// introText is a request as staff see it: everything, founder included.
func (s *Staff) introText(ctx context.Context, in intro.Intro) string {
	contact := s.v(string(in.Contact))
	if m, err := s.oh.svcMentor(ctx, in.Contact); err == nil {
		contact = s.v(m.Name)
	}
	handle := s.t("staff_none")
	if in.FounderHandle != "" {
		handle = s.v("@" + in.FounderHandle)
	}
	return s.t("staff_intro_request", "ID", in.ID, "Founder", s.name(in.FounderName), "Telegram", handle,
		"App", s.v(cmp.Or(in.AppID, "—")), "Startup", s.v(cmp.Or(in.Startup, "—")), "Sector", s.choice("sector", in.Sector),
		"Stage", s.choice("stage", in.Stage), "Pitch", s.v(in.Summary), "Contact", contact,
		"Kind", s.t("staff_intro_kind_"+kindOf(in.Kind)), "Topic", s.v(s.tagLabel(in.Topic)), "Reason", quote(s.v(in.Reason)))
}

func kindOf(k string) string {
	switch k {
	case flows.KindCorporate, flows.KindInvestor:
		return k
	}
	return flows.KindMentor
}

// svcMentor reads a contact through office hours, when they are wired.
func (o officeHours) svcMentor(ctx context.Context, id flows.MentorID) (flows.Mentor, error) {
	if o.svc == nil {
		return flows.Mentor{}, flows.ErrNotFound
	}
	return o.svc.FindMentor(ctx, string(id))
}

// introAction handles a press on an introduction's button; false when
// the action is not one.
func (s *Staff) introAction(ctx context.Context, cb *slackapi.InteractionCallback, act *slackapi.BlockAction) bool {
	if !strings.HasPrefix(act.ActionID, "intro_") {
		return false
	}
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	say := func(text string) { s.notice(ctx, channel, user, cb.ResponseURL, text) }
	id := act.Value
	if s.intros == nil || !introIDPattern.MatchString(id) {
		s.log.WarnContext(ctx, "slack introduction action ignored", "action_id", act.ActionID, "value", truncate(act.Value, 32))
		return true
	}
	switch {
	case act.ActionID == actionIntroApprove:
		if !s.allowed(ctx, user, say) {
			return true
		}
		in, err := s.intros.Approve(ctx, id, actor(user))
		if err != nil {
			say(s.introError(ctx, err))
			return true
		}
		s.log.InfoContext(ctx, "slack introduction approved", "intro", id, "by", user)
		s.closeVetting(ctx, in, s.t("staff_intro_approved_by", "Name", mention(user), "Date", s.date(s.cfg.Now())))
	case act.ActionID == actionIntroDecline:
		if !s.allowed(ctx, user, say) {
			return true
		}
		in, err := s.intros.Intro(ctx, id)
		if err == nil && in.State != intro.StateRequested {
			err = intro.ErrStale
		}
		if err != nil {
			say(s.introError(ctx, err))
			return true
		}
		s.openIntroModal(ctx, cb.TriggerID, callbackIntroStaff, in, say)
	case act.ActionID == actionIntroAccept || act.ActionID == actionIntroNotNow:
		ans := intro.AnswerAccept
		if act.ActionID == actionIntroNotNow {
			ans = intro.AnswerNotNow
		}
		in, err := s.intros.Respond(ctx, id, user, ans, "", false)
		if err != nil {
			say(s.introError(ctx, err))
			return true
		}
		s.log.InfoContext(ctx, "slack introduction answered", "intro", id, "answer", ans)
		s.answered(ctx, channel, cb.Container.MessageTs, in)
	case act.ActionID == actionIntroRefuse:
		in, _, err := s.intros.ContactOf(ctx, id, user)
		if err == nil && in.State != intro.StateApproved {
			err = intro.ErrStale
		}
		if err != nil {
			say(s.introError(ctx, err))
			return true
		}
		s.openIntroModal(ctx, cb.TriggerID, callbackIntroNo, in, say)
	case strings.HasPrefix(act.ActionID, actionIntroMet):
		s.contactMet(ctx, cb, intro.Met(strings.TrimPrefix(act.ActionID, actionIntroMet)), id, say)
	case strings.HasPrefix(act.ActionID, actionIntroRate):
		n := int(strings.TrimPrefix(act.ActionID, actionIntroRate)[0] - '0')
		if _, err := s.intros.ContactFollowup(ctx, id, user, "", n); err != nil {
			say(s.introError(ctx, err))
			return true
		}
		s.replaceMessage(ctx, channel, cb.Container.MessageTs, s.t("staff_intro_rated", "N", n))
	default:
		s.log.DebugContext(ctx, "slack introduction action ignored", "action_id", act.ActionID)
	}
	return true
}

// closeVetting updates the vetting message: no more buttons, who decided.
func (s *Staff) closeVetting(ctx context.Context, in intro.Intro, done string) {
	if in.StaffTS == "" {
		return
	}
	text := s.introText(ctx, in)
	if err := s.update(ctx, in.StaffChannel, in.StaffTS, slackapi.MsgOptionText(clip(text, maxFallback), false),
		slackapi.MsgOptionBlocks(section(text), contextText(done))); err != nil {
		s.log.ErrorContext(ctx, "slack introduction message not updated", "intro", in.ID, "err", err)
	}
}

// answered replaces the contact's request message with what they answered.
func (s *Staff) answered(ctx context.Context, channel, ts string, in intro.Intro) {
	s.replaceMessage(ctx, channel, ts, s.t("staff_intro_you_"+string(in.State)))
}

func (s *Staff) replaceMessage(ctx context.Context, channel, ts, text string) {
	if channel == "" || ts == "" {
		return
	}
	if err := s.update(ctx, channel, ts, slackapi.MsgOptionText(clip(text, maxFallback), false), slackapi.MsgOptionBlocks(section(text))); err != nil {
		s.log.ErrorContext(ctx, "slack introduction DM not updated", "err", err)
	}
}

func (s *Staff) contactMet(ctx context.Context, cb *slackapi.InteractionCallback, met intro.Met, id string, say func(string)) {
	if met != intro.MetYes && met != intro.MetNotYet && met != intro.MetNo {
		return
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	if _, err := s.intros.ContactFollowup(ctx, id, cb.User.ID, met, 0); err != nil {
		say(s.introError(ctx, err))
		return
	}
	if met != intro.MetYes {
		s.replaceMessage(ctx, channel, cb.Container.MessageTs, s.t("staff_intro_met_"+string(met)))
		return
	}
	els := make([]slackapi.BlockElement, 0, 5)
	for n := 1; n <= 5; n++ {
		d := string(rune('0' + n))
		els = append(els, slackapi.NewButtonBlockElement(actionIntroRate+d, id, plain(d, maxPlainLabel)))
	}
	text := s.t("staff_intro_ask_rating")
	if err := s.update(ctx, channel, cb.Container.MessageTs, slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionBlocks(section(text), slackapi.NewActionBlock("intro_rate", els...))); err != nil {
		s.log.ErrorContext(ctx, "slack introduction rating not asked", "intro", id, "err", err)
	}
}

// openIntroModal asks for a decline's reason: staff's (shown to the
// founder) or the contact's (shown only if they tick the box). The
// metadata carries the request's version, so an old view is refused.
func (s *Staff) openIntroModal(ctx context.Context, trigger, callback string, in intro.Intro, say func(string)) {
	el := slackapi.NewPlainTextInputBlockElement(nil, noteAction)
	el.Multiline, el.MaxLength = true, 1000
	kind := "staff"
	if callback == callbackIntroNo {
		kind = "contact"
	}
	note := slackapi.NewInputBlock(noteBlock, plain(s.t("staff_intro_modal_"+kind+"_label"), maxInputLabel), nil, el)
	note.Optional = true
	blocks := []slackapi.Block{section(s.t("staff_intro_modal_about", "ID", in.ID, "Startup", s.v(cmp.Or(in.Startup, "—")))), note}
	if kind == "contact" {
		opt := slackapi.NewOptionBlockObject(introShareValue, plain(s.t("staff_intro_modal_share"), maxPlainLabel), nil)
		share := slackapi.NewInputBlock(blockIntroShare, plain(s.t("staff_intro_modal_share_label"), maxInputLabel), nil,
			slackapi.NewCheckboxGroupsBlockElement(noteAction, opt))
		share.Optional = true
		blocks = append(blocks, share)
	}
	view := slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: callback, PrivateMetadata: in.ID + ":" + strconv.FormatInt(in.Version, 10),
		Title:  plain(s.t("staff_intro_modal_title"), maxModalTitle),
		Submit: plain(s.t("staff_intro_modal_submit"), maxModalTitle),
		Close:  plain(s.t("staff_modal_cancel"), maxModalTitle),
		Blocks: slackapi.Blocks{BlockSet: blocks},
	}
	if _, err := s.api.OpenViewContext(ctx, trigger, view); err != nil {
		s.log.ErrorContext(ctx, "slack introduction modal not opened", "intro", in.ID, "err", err)
		say(s.t("staff_internal_error"))
	}
}

// introView handles the submission of an introduction's modal; handled
// is false when the view is not one.
func (s *Staff) introView(ctx context.Context, cb *slackapi.InteractionCallback) (answer any, handled bool) {
	if cb.View.CallbackID != callbackIntroStaff && cb.View.CallbackID != callbackIntroNo {
		return nil, false
	}
	id, ver, _ := strings.Cut(cb.View.PrivateMetadata, ":")
	if s.intros == nil || !introIDPattern.MatchString(id) {
		return nil, true
	}
	user := cb.User.ID
	var note string
	share := false
	if st := cb.View.State; st != nil {
		note = strings.TrimSpace(st.Values[noteBlock][noteAction].Value)
		for _, o := range st.Values[blockIntroShare][noteAction].SelectedOptions {
			share = share || o.Value == introShareValue
		}
	}
	inModal := func(text string) any {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{noteBlock: text})
	}
	if cb.View.CallbackID == callbackIntroNo {
		_, err := s.intros.Respond(ctx, id, user, intro.AnswerDecline, note, share)
		if err != nil {
			return inModal(s.introError(ctx, err)), true
		}
		s.log.InfoContext(ctx, "slack introduction declined by the contact", "intro", id)
		return nil, true
	}
	if ok, err := s.isStaff(ctx, user); err != nil || !ok {
		return inModal(s.t("staff_not_authorized")), true
	}
	version, _ := strconv.ParseInt(ver, 10, 64)
	in, err := s.intros.Decline(ctx, id, version, actor(user), note)
	if err != nil {
		return inModal(s.introError(ctx, err)), true
	}
	s.log.InfoContext(ctx, "slack introduction declined", "intro", id, "by", user)
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		s.closeVetting(ctx, in, s.t("staff_intro_declined_by", "Name", mention(user), "Date", s.date(s.cfg.Now())))
	})
	return nil, true
}

// introError says why an introduction action was refused.
func (s *Staff) introError(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, intro.ErrStale):
		return s.t("staff_intro_stale")
	case errors.Is(err, intro.ErrNotContact):
		return s.t("staff_intro_not_contact")
	case errors.Is(err, flows.ErrNotFound):
		return s.t("staff_intro_not_found")
	case errors.Is(err, flows.ErrInvalidMentor):
		return s.t("staff_oh_err_invalid_mentor", "Note", s.v(err.Error()))
	}
	s.log.ErrorContext(ctx, "slack introduction failed", "err", err)
	return s.t("staff_internal_error")
}
