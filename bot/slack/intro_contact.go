package slack

import (
	"cmp"
	"context"
	"errors"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// IntroContacts reaches the contacts of introductions on Slack and keeps
// the staff's thread of each request; it implements intro.Contacts.
type IntroContacts struct{ s *Staff }

// IntroContacts is the staff side as introductions' way to contacts.
func (s *Staff) IntroContacts() IntroContacts { return IntroContacts{s} }

// errNoSlack: the contact has no Slack user to write to.
var errNoSlack = errors.New("contact has no Slack user")

// blurb is the request as the contact sees it before Accept: the
// startup, the topic and the founder's reason. Never the founder's name,
// Telegram username, e-mail or phone: the double opt-in.
func (s *Staff) blurb(in intro.Intro) string {
	return s.t("staff_intro_blurb", "Startup", s.v(cmp.Or(in.Startup, "—")), "Sector", s.choice("sector", in.Sector),
		"Stage", s.choice("stage", in.Stage), "Pitch", s.v(in.Summary), "Topic", s.v(s.tagLabel(in.Topic)), "Reason", quote(s.v(in.Reason)))
}

// Ask implements intro.Contacts: the blurb with Accept / Not now / Decline.
func (c IntroContacts) Ask(ctx context.Context, in intro.Intro, m flows.Mentor, reminder bool) error {
	s := c.s
	if m.SlackUser == "" {
		return errNoSlack
	}
	head := "staff_intro_ask"
	if reminder {
		head = "staff_intro_remind"
	}
	text := s.t(head, "Name", s.v(m.Name), "Hub", s.v(s.cfg.Hub)) + "\n\n" + s.blurb(in)
	buttons := slackapi.NewActionBlock("intro_answer",
		slackapi.NewButtonBlockElement(actionIntroAccept, in.ID, plain(s.t("staff_intro_btn_accept"), maxPlainLabel)).WithStyle(slackapi.StylePrimary),
		slackapi.NewButtonBlockElement(actionIntroNotNow, in.ID, plain(s.t("staff_intro_btn_not_now"), maxPlainLabel)),
		slackapi.NewButtonBlockElement(actionIntroRefuse, in.ID, plain(s.t("staff_intro_btn_refuse"), maxPlainLabel)).WithStyle(slackapi.StyleDanger))
	return s.dm(ctx, m.SlackUser, text, section(text), contextText(s.t("staff_intro_private")), buttons)
}

// Introduce implements intro.Contacts: the founder's name and Telegram
// username and the startup, now that the contact accepted.
func (c IntroContacts) Introduce(ctx context.Context, in intro.Intro, m flows.Mentor) error {
	s := c.s
	if m.SlackUser == "" {
		return errNoSlack
	}
	handle := s.t("staff_none")
	if in.FounderHandle != "" {
		handle = s.v("@"+in.FounderHandle) + " (https://t.me/" + escAngle(in.FounderHandle) + ")"
	}
	text := s.t("staff_intro_introduce", "Founder", s.name(in.FounderName), "Telegram", handle) + "\n\n" + s.blurb(in)
	return s.dm(ctx, m.SlackUser, text, section(text))
}

// FollowUp implements intro.Contacts: did you meet?
func (c IntroContacts) FollowUp(ctx context.Context, in intro.Intro, m flows.Mentor) error {
	s := c.s
	if m.SlackUser == "" {
		return errNoSlack
	}
	text := s.t("staff_intro_followup", "Founder", s.name(in.FounderName), "Startup", s.v(cmp.Or(in.Startup, "—")))
	els := []slackapi.BlockElement{}
	for _, met := range []intro.Met{intro.MetYes, intro.MetNotYet, intro.MetNo} {
		els = append(els, slackapi.NewButtonBlockElement(actionIntroMet+string(met), in.ID, plain(s.t("staff_intro_btn_met_"+string(met)), maxPlainLabel)))
	}
	return s.dm(ctx, m.SlackUser, text, section(text), slackapi.NewActionBlock("intro_met", els...))
}

// Record implements intro.Contacts: a line in the request's thread.
func (c IntroContacts) Record(ctx context.Context, in intro.Intro, step string) {
	s := c.s
	if in.StaffTS == "" {
		return
	}
	text := s.t("staff_intro_step_"+step, "ID", in.ID, "Date", s.date(s.cfg.Now()))
	if _, _, err := s.post(ctx, in.StaffChannel, slackapi.MsgOptionText(clip(text, maxFallback), false),
		slackapi.MsgOptionTS(in.StaffTS), slackapi.MsgOptionDisableLinkUnfurl()); err != nil {
		s.log.ErrorContext(ctx, "slack introduction thread not updated", "intro", in.ID, "step", step, "err", err)
	}
}
