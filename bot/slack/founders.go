package slack

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/flows/privacy"
)

// FounderDirectory is the founders who wrote to the bot; *store.Redis has it.
type FounderDirectory interface {
	Founders(ctx context.Context) ([]flows.Founder, error)
}

// Forgetter erases a founder's data on their request; *privacy.Privacy has it.
type Forgetter interface {
	Forget(ctx context.Context, f flows.FounderID, by string) ([]flows.Notification, error)
}

// errNoDirectory: a broadcast to everyone without SetFounders.
var errNoDirectory = errors.New("slack: no founder directory")

// Action IDs of a `forget` preview's buttons; their value is
// "<founder> <requester>", so that only the requester confirms.
const (
	actionForgetConfirm = "fg_confirm"
	actionForgetCancel  = "fg_cancel"
	forgetBlockID       = "fg_actions"
	// maxFounderLines bounds the founders one `founders` answer lists.
	maxFounderLines = 50
)

// SetFounders enables `founders`, `forget` and broadcasts to everyone.
// Call it before serving requests.
func (s *Staff) SetFounders(dir FounderDirectory, fg Forgetter) {
	s.founders, s.forgetter = dir, fg
}

// matchFounder reports whether f matches a `founders` filter: every word
// is in their name, handle or ID, or is "blocked" for those the bot
// cannot reach.
func matchFounder(f flows.Founder, filter string) bool {
	hay := strings.ToLower(f.Name + " @" + f.Handle + " " + string(f.ID) + " " + f.Lang)
	for _, w := range strings.Fields(strings.ToLower(filter)) {
		switch {
		case w == "blocked":
			if !f.Unreachable {
				return false
			}
		case !strings.Contains(hay, w):
			return false
		}
	}
	return true
}

// foundersCommand answers `founders [filter]`: the directory, most
// recently seen first.
func (s *Staff) foundersCommand(ctx context.Context, filter string) *reply {
	if s.founders == nil {
		return ephemeral(s.t("staff_founders_unavailable"))
	}
	all, err := s.founders.Founders(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "slack founders", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	var lines []string
	n := 0
	for _, f := range all {
		if !matchFounder(f, filter) {
			continue
		}
		n++
		if len(lines) == maxFounderLines {
			continue
		}
		handle := s.t("staff_none")
		if f.Handle != "" {
			handle = "@" + s.name(f.Handle)
		}
		line := s.t("staff_founders_line", "Name", s.name(f.Name), "Handle", handle, "ID", code(string(f.ID)),
			"Lang", code(f.Lang), "First", s.date(f.First), "Last", s.date(f.Last))
		if f.Unreachable {
			line += " " + s.t("staff_founders_blocked")
		}
		lines = append(lines, "• "+line)
	}
	head := s.t("staff_founders_title", "Total", n, "Shown", len(lines))
	return ephemeral(strings.Join(append([]string{head}, lines...), "\n"))
}

// forgetCommand answers `forget <founder>` with what will happen and
// Confirm / Cancel buttons.
func (s *Staff) forgetCommand(ctx context.Context, user, ref string) *reply {
	if s.founders == nil || s.forgetter == nil {
		return ephemeral(s.t("staff_founders_unavailable"))
	}
	f, ok, err := s.findFounder(ctx, ref)
	if err != nil {
		s.log.ErrorContext(ctx, "slack forget: directory", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	if !ok {
		return ephemeral(s.t("staff_forget_unknown", "Value", code(clip(ref, 40))))
	}
	head := s.t("staff_forget_preview", "Name", s.name(f.Name), "ID", code(string(f.ID)))
	value := string(f.ID) + " " + user
	confirm := slackapi.NewButtonBlockElement(actionForgetConfirm, value, plain(s.t("staff_forget_btn_confirm"), maxPlainLabel))
	confirm.Style = slackapi.StyleDanger
	cancel := slackapi.NewButtonBlockElement(actionForgetCancel, value, plain(s.t("staff_bc_btn_cancel"), maxPlainLabel))
	return ephemeral(head, section(head), slackapi.NewActionBlock(forgetBlockID, confirm, cancel))
}

// findFounder finds a founder of the directory by ID ("tg:123") or
// handle ("@salma"). An ID the directory lacks (a founder who applied
// before it existed and has not written since) is taken as it is.
func (s *Staff) findFounder(ctx context.Context, ref string) (flows.Founder, bool, error) {
	all, err := s.founders.Founders(ctx)
	if err != nil {
		return flows.Founder{}, false, err
	}
	handle, byHandle := strings.CutPrefix(ref, "@")
	for _, f := range all {
		if string(f.ID) == ref || (byHandle && f.Handle != "" && strings.EqualFold(f.Handle, handle)) {
			return f, true, nil
		}
	}
	if founderID.MatchString(ref) {
		return flows.Founder{ID: flows.FounderID(ref)}, true, nil
	}
	return flows.Founder{}, false, nil
}

// founderID is the shape of a founder ID staff may type: "tg:123".
var founderID = regexp.MustCompile(`^[a-z]+:[0-9A-Za-z_-]{1,64}$`)

// forgotten tells the staff channel a founder erased their data, without
// saying who.
func (s *Staff) forgotten(ctx context.Context, n privacy.Forgotten) {
	if n.By != "founder" {
		return // staff's own `forget` posts its audit line
	}
	s.goBG(ctx, time.Minute, func(ctx context.Context) {
		text := s.t("staff_forget_self", "Sessions", n.Sessions)
		if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(text, false)); err != nil {
			s.log.ErrorContext(ctx, "slack: post of a founder's erasure", "err", err)
		}
	})
}

// forgetAction handles Confirm and Cancel on a `forget` preview; it
// reports whether the action was one of them. Only the staff member who
// asked confirms; the staff channel hears who erased a founder's data,
// not whose.
func (s *Staff) forgetAction(ctx context.Context, cb *slackapi.InteractionCallback, act *slackapi.BlockAction) bool {
	if act.ActionID != actionForgetConfirm && act.ActionID != actionForgetCancel {
		return false
	}
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	say := func(text string) { s.notice(ctx, channel, user, cb.ResponseURL, text) }
	if !s.allowed(ctx, user, say) {
		return true
	}
	founder, requester, ok := strings.Cut(act.Value, " ")
	switch {
	case !ok || founder == "":
		s.log.WarnContext(ctx, "slack forget action with a bad value", "value", truncate(act.Value, 32))
		return true
	case requester != user:
		s.log.WarnContext(ctx, "slack forget confirmation of another refused", "by", user, "requester", requester)
		say(s.t("staff_forget_not_requester", "Name", mention(requester)))
		return true
	case act.ActionID == actionForgetCancel:
		say(s.t("staff_forget_cancelled"))
		return true
	case s.forgetter == nil:
		say(s.t("staff_founders_unavailable"))
		return true
	}
	notes, err := s.forgetter.Forget(ctx, flows.FounderID(founder), "slack:"+user)
	if err != nil {
		s.log.ErrorContext(ctx, "slack forget", "by", user, "err", err)
		say(s.t("staff_internal_error"))
		return true
	}
	var events []officehours.BookingEvent
	for _, n := range notes {
		if ev, ok := n.(officehours.BookingEvent); ok {
			events = append(events, ev)
		}
	}
	s.Bookings(ctx, events)
	s.log.InfoContext(ctx, "slack forget: founder data erased on request", "by", user, "sessions_cancelled", len(events))
	audit := s.t("staff_forget_done", "Name", mention(user), "Sessions", len(events))
	if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(audit, false)); err != nil {
		s.log.ErrorContext(ctx, "slack forget: audit post", "err", err)
	}
	say(audit)
	return true
}
