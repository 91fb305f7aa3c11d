package slack

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// OfficeHours is the office-hours service staff act through; *officehours.OfficeHours has it.
type OfficeHours interface {
	Config() officehours.Config
	AddMentor(ctx context.Context, m flows.Mentor) (flows.Mentor, error)
	EditMentor(ctx context.Context, m flows.Mentor, shownCap *int) (flows.Mentor, error)
	RemoveMentor(ctx context.Context, ref string, by flows.Actor) (flows.Mentor, officehours.StaffResult, error)
	Mentors(ctx context.Context) ([]flows.Mentor, error)
	FindMentor(ctx context.Context, ref string) (flows.Mentor, error)
	AddSlots(ctx context.Context, req officehours.SlotsRequest) (flows.Mentor, []flows.Slot, error)
	ListSlots(ctx context.Context, mentor string, from, to time.Time) ([]flows.SlotListing, error)
	CancelSlot(ctx context.Context, id flows.SlotID, by flows.Actor) (flows.Slot, officehours.StaffResult, error)
	Booking(ctx context.Context, id flows.BookingID) (flows.Booking, error)
	RecordOutcome(ctx context.Context, id flows.BookingID, outcome flows.BookingStatus, by flows.Actor) (flows.Booking, officehours.StaffResult, error)
	Stats(ctx context.Context, from, to time.Time) (officehours.Stats, error)
}

// officeHours is what SetOfficeHours wired.
type officeHours struct {
	svc     OfficeHours
	enqueue func(ctx context.Context, key string, o flows.Outgoing) error
}

// SetOfficeHours turns on the `mentor` and `slots` subcommands, the
// mentors' outcome buttons and office-hours stats. enqueue queues a
// founder's message, with the calendar file that goes with it, in the
// durable outbox under its key (so both go once, the file after the
// text). Call it before serving requests.
func (s *Staff) SetOfficeHours(oh OfficeHours, enqueue func(ctx context.Context, key string, o flows.Outgoing) error) {
	s.oh = officeHours{svc: oh, enqueue: enqueue}
}

// Action IDs of the outcome buttons in a mentor's DM; their value is the
// booking ID.
const (
	actionHeld            = "oh_held"
	actionNoShow          = "oh_noshow"
	actionMentorCancelled = "oh_mentor_cancelled"
	outcomeBlockID        = "oh_outcome"
)

// outcomes pairs each outcome button with what it records, in display order.
var outcomes = []struct {
	action string
	status flows.BookingStatus
	style  slackapi.Style
}{
	{actionHeld, flows.StatusHeld, slackapi.StylePrimary},
	{actionNoShow, flows.StatusNoShow, ""},
	{actionMentorCancelled, flows.StatusMentorCancelled, slackapi.StyleDanger},
}

// bookingIDPattern bounds what a button's value may be before it reaches the store.
var bookingIDPattern = regexp.MustCompile(`^B-[0-9A-Z]{4,12}$`)

// Bookings tells staff and mentors about founders' office-hours changes
// (officehours.BookingEvent notifications): a line in the staff channel for each, and a
// direct message to the mentor. It returns at once; failures are logged.
func (s *Staff) Bookings(ctx context.Context, events []officehours.BookingEvent) {
	if len(events) == 0 {
		return
	}
	events = append([]officehours.BookingEvent(nil), events...)
	s.goBG(ctx, workTimeout, func(ctx context.Context) {
		for _, ev := range events {
			s.relay(ctx, ev)
		}
	})
}

// relay posts one event's line in the staff channel, unless a notice
// covers it (channelLine), and tells the mentor.
func (s *Staff) relay(ctx context.Context, ev officehours.BookingEvent) {
	var err error
	if line, ok := s.channelLine(ctx, ev); ok {
		_, _, err = s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(line, maxFallback), false),
			slackapi.MsgOptionBlocks(section(line)), slackapi.MsgOptionDisableLinkUnfurl())
	}
	if err != nil {
		s.log.ErrorContext(ctx, "slack booking line not posted", "booking", ev.Booking.ID, "kind", ev.Kind, "err", err)
	}
	if ev.Mentor.SlackUser == "" || ev.Kind == officehours.EventOutcome {
		return
	}
	text := s.mentorText(ev)
	blocks := []slackapi.Block{section(text)}
	if ev.Booking.Active() && (ev.Kind == officehours.EventBooked || ev.Kind == officehours.EventRescheduled) {
		blocks = append(blocks, contextText(s.t("staff_oh_dm_outcome_hint")), s.outcomeButtons(ev.Booking.ID))
	}
	if err := s.dm(ctx, ev.Mentor.SlackUser, text, blocks...); err != nil {
		s.log.ErrorContext(ctx, "slack mentor DM not sent", "booking", ev.Booking.ID, "mentor", ev.Mentor.ID, "err", err)
	}
}

// dm sends a direct message to a Slack user.
func (s *Staff) dm(ctx context.Context, user, text string, blocks ...slackapi.Block) error {
	var ch *slackapi.Channel
	err := s.retry(ctx, "open DM with "+user, func() (err error) {
		ch, _, _, err = s.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return err
	}
	_, _, err = s.post(ctx, ch.ID, slackapi.MsgOptionText(clip(text, maxFallback), false),
		slackapi.MsgOptionBlocks(blocks...), slackapi.MsgOptionDisableLinkUnfurl())
	return err
}

func (s *Staff) outcomeButtons(id flows.BookingID) *slackapi.ActionBlock {
	els := make([]slackapi.BlockElement, 0, len(outcomes))
	for _, o := range outcomes {
		b := slackapi.NewButtonBlockElement(o.action, string(id), plain(s.t("staff_oh_btn_"+string(o.status)), maxPlainLabel))
		if o.style != "" {
			b = b.WithStyle(o.style)
		}
		els = append(els, b)
	}
	return slackapi.NewActionBlock(outcomeBlockID, els...)
}

// applyResult carries out what a staff action changed: each founder's
// message goes into the outbox with its calendar file, the events follow
// in the background.
func (s *Staff) applyResult(ctx context.Context, res officehours.StaffResult) {
	for _, n := range res.Notices {
		if s.oh.enqueue != nil {
			if err := s.oh.enqueue(ctx, n.Key, n.Outgoing); err != nil {
				s.log.ErrorContext(ctx, "office-hours notice not queued", "key", n.Key, "founder", n.Outgoing.Founder, "err", err)
				s.goBG(ctx, workTimeout, func(ctx context.Context) {
					text := s.t("staff_oh_notice_failed", "Founder", s.v(string(n.Outgoing.Founder)))
					if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(text, maxFallback), false)); err != nil {
						s.log.ErrorContext(ctx, "slack notice failure not posted", "err", err)
					}
				})
				continue
			}
		}
	}
	s.Bookings(ctx, res.Events)
}

// outcomeAction handles a press on a mentor's outcome button; false when
// the action is not one.
func (s *Staff) outcomeAction(ctx context.Context, cb *slackapi.InteractionCallback, act *slackapi.BlockAction) bool {
	i := -1
	for j, o := range outcomes {
		if o.action == act.ActionID {
			i = j
		}
	}
	if i < 0 {
		return false
	}
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	say := func(text string) { s.notice(ctx, channel, user, cb.ResponseURL, text) }
	if s.oh.svc == nil || !bookingIDPattern.MatchString(act.Value) {
		s.log.WarnContext(ctx, "slack outcome ignored", "action_id", act.ActionID, "value", truncate(act.Value, 32))
		return true
	}
	id := flows.BookingID(act.Value)
	b, err := s.oh.svc.Booking(ctx, id)
	if err != nil {
		say(s.ohError(ctx, err))
		return true
	}
	// The mentor of the session may press; anyone else must be staff.
	if m, err := s.oh.svc.FindMentor(ctx, string(b.Mentor)); err != nil || m.SlackUser != user {
		if !s.allowed(ctx, user, say) {
			return true
		}
	}
	b, res, err := s.oh.svc.RecordOutcome(ctx, id, outcomes[i].status, actor(user))
	if err != nil {
		s.applyResult(ctx, res) // what was done before the error
		say(s.ohError(ctx, err))
		return true
	}
	s.log.InfoContext(ctx, "slack session outcome", "booking", id, "outcome", outcomes[i].status, "by", user)
	if ts := cb.Container.MessageTs; channel != "" && ts != "" {
		text := s.mentorText(officehours.BookingEvent{Kind: officehours.EventBooked, Booking: b})
		done := s.t("staff_oh_outcome_recorded", "Outcome", s.outcomeName(b.Status), "Name", mention(user), "Date", s.date(s.cfg.Now()))
		if err := s.update(ctx, channel, ts, slackapi.MsgOptionText(clip(text, maxFallback), false),
			slackapi.MsgOptionBlocks(section(text), contextText(done))); err != nil {
			s.log.ErrorContext(ctx, "slack outcome message not updated", "booking", id, "err", err)
		}
	}
	s.applyResult(ctx, res)
	return true
}

// ohError says to staff why an office-hours action was refused;
// unexpected errors are logged here and shown as a generic apology.
func (s *Staff) ohError(ctx context.Context, err error) string {
	var overlap *flows.SlotOverlapError
	var spec *officehours.SlotSpecError
	var ambiguous *officehours.AmbiguousError
	switch {
	case errors.As(err, &overlap):
		return s.t("staff_oh_err_overlap", "Slot", overlap.Existing.ID, "When", s.when(overlap.Existing.Start, overlap.Existing.End))
	case errors.As(err, &spec):
		return s.t("staff_oh_err_spec", "Note", s.v(spec.Problem))
	case errors.Is(err, flows.ErrInvalidMentor):
		return s.t("staff_oh_err_invalid_mentor", "Note", s.v(err.Error()))
	case errors.As(err, &ambiguous):
		names := make([]string, len(ambiguous.Matches))
		for i, m := range ambiguous.Matches {
			names[i] = s.v(m.Name) + " (" + code(string(m.ID)) + ")"
		}
		return s.t("staff_oh_err_ambiguous_mentor", "Value", strings.Join(names, ", "))
	case errors.Is(err, flows.ErrAmbiguousMentor):
		return s.t("staff_oh_err_ambiguous_mentor", "Value", "—")
	case errors.Is(err, flows.ErrMentorExists):
		return s.t("staff_oh_err_mentor_exists")
	case errors.Is(err, flows.ErrSlotPast):
		return s.t("staff_oh_err_past")
	case errors.Is(err, flows.ErrTooEarly):
		return s.t("staff_oh_err_too_early")
	case errors.Is(err, flows.ErrBookingClosed), errors.Is(err, flows.ErrSlotCancelled):
		return s.t("staff_oh_err_closed")
	case errors.Is(err, flows.ErrNotFound):
		return s.t("staff_oh_err_not_found")
	}
	s.log.ErrorContext(ctx, "slack office hours failed", "err", err)
	return s.t("staff_internal_error")
}

// when shows a session's or slot's time to staff, in the hub's time zone:
// "Thu 2026-12-03 14:00–14:30".
func (s *Staff) when(start, end time.Time) string {
	l := start.In(s.cfg.TZ)
	day := s.t(fmt.Sprintf("staff_oh_day_%s", dayKeys[l.Weekday()]))
	return day + " " + l.Format("2006-01-02 15:04") + "–" + end.In(s.cfg.TZ).Format("15:04")
}

// dayKeys name the weekdays in message IDs (no digits in staff IDs).
var dayKeys = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
