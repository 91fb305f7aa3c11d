package slack

import (
	"context"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// maxListBlocks keeps a list within Slack's 50 blocks per message.
const maxListBlocks = 45

// mentorCommand answers `mentor add|list|edit|remove`.
func (s *Staff) mentorCommand(ctx context.Context, sc slackapi.SlashCommand, cmd Command) *reply {
	if s.oh.svc == nil {
		return ephemeral(s.t("staff_oh_disabled"))
	}
	switch cmd.Action {
	case ActAdd:
		return s.openMentorModal(ctx, sc.TriggerID, flows.Mentor{})
	case ActEdit:
		m, err := s.oh.svc.FindMentor(ctx, cmd.Arg)
		if err != nil {
			return ephemeral(s.ohError(ctx, err))
		}
		return s.openMentorModal(ctx, sc.TriggerID, m)
	case ActRemove:
		m, res, err := s.oh.svc.RemoveMentor(ctx, cmd.Arg, actor(sc.UserID))
		// On an error part of the work may be done: tell whom it concerns.
		s.applyResult(ctx, res)
		if err != nil {
			return ephemeral(s.ohError(ctx, err))
		}
		s.log.InfoContext(ctx, "slack mentor removed", "mentor", m.ID, "by", sc.UserID, "cancelled", len(res.Events))
		return ephemeral(s.t("staff_oh_mentor_removed", "N", len(res.Events), "Mentor", s.v(m.Name), "ID", m.ID))
	}
	return s.mentorList(ctx)
}

func (s *Staff) mentorList(ctx context.Context) *reply {
	ms, err := s.oh.svc.Mentors(ctx)
	if err != nil {
		return ephemeral(s.ohError(ctx, err))
	}
	if len(ms) == 0 {
		return ephemeral(s.t("staff_oh_mentors_empty", "Command", code(s.cfg.Command+" mentor add")))
	}
	head := s.t("staff_oh_mentors_header", "Total", len(ms))
	lines := make([]string, 0, len(ms))
	for _, m := range ms {
		langs := make([]string, len(m.Languages))
		for i, l := range m.Languages {
			langs[i] = s.cat.T(l, "language_name")
		}
		slack, tg := s.t("staff_none"), s.t("staff_none")
		if m.SlackUser != "" {
			slack = mention(m.SlackUser)
		}
		if m.Telegram != "" {
			tg = s.v("@" + m.Telegram)
		}
		capText := s.t("staff_oh_no_cap")
		if m.WeeklyCap > 0 {
			capText = s.t("staff_oh_cap", "N", m.WeeklyCap)
		}
		lines = append(lines, s.t("staff_oh_mentor_line", "ID", m.ID, "Mentor", s.v(m.Name), "Value", s.tagLabels(m.Tags),
			"Label", s.v(strings.Join(langs, ", ")), "Slack", slack, "Telegram", tg, "Note", capText)+s.introLine(m))
	}
	return ephemeral(head, s.listBlocks(head, lines)...)
}

// listBlocks splits a long list into sections that fit Slack's limits.
func (s *Staff) listBlocks(head string, lines []string) []slackapi.Block {
	blocks := []slackapi.Block{section(head)}
	var cur []string
	size := 0
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, section(strings.Join(cur, "\n")))
			cur, size = nil, 0
		}
	}
	for i, line := range lines {
		if size+len(line)+1 > maxSectionText-100 {
			flush()
		}
		if len(blocks) >= maxListBlocks {
			blocks = append(blocks, contextText(s.t("staff_oh_list_more", "N", len(lines)-i)))
			return blocks
		}
		cur = append(cur, line)
		size += len(line) + 1
	}
	flush()
	return blocks
}

// slotsCommand answers `slots add|list|cancel`; `slots add` alone opens the form.
func (s *Staff) slotsCommand(ctx context.Context, sc slackapi.SlashCommand, cmd Command) *reply {
	if s.oh.svc == nil {
		return ephemeral(s.t("staff_oh_disabled"))
	}
	user := sc.UserID
	switch cmd.Action {
	case ActAdd:
		if cmd.Arg == "" {
			return s.openSlotsModal(ctx, sc.TriggerID)
		}
		return s.slotsAdd(ctx, user, cmd.Arg)
	case ActCancel:
		slot, res, err := s.oh.svc.CancelSlot(ctx, flows.SlotID(cmd.Arg), actor(user))
		s.applyResult(ctx, res)
		if err != nil {
			return ephemeral(s.ohError(ctx, err))
		}
		s.log.InfoContext(ctx, "slack slot cancelled", "slot", slot.ID, "by", user, "booked", len(res.Notices) > 0)
		id := "staff_oh_slot_cancelled"
		if len(res.Notices) > 0 {
			id = "staff_oh_slot_cancelled_booked"
		}
		return ephemeral(s.t(id, "Slot", slot.ID, "When", s.when(slot.Start, slot.End)))
	}
	return s.slotsList(ctx, cmd.Arg)
}

func (s *Staff) hubTZ() *time.Location {
	if tz := s.oh.svc.Config().TZ; tz != nil {
		return tz
	}
	return s.cfg.TZ
}

func (s *Staff) slotsAdd(ctx context.Context, user, args string) *reply {
	req, err := officehours.ParseSlotsAdd(args, s.hubTZ())
	if err != nil {
		return ephemeral(s.ohError(ctx, err) + "\n" + s.t("staff_usage", "Value", code(s.cfg.Command+" "+officehours.SlotsAddUsage)))
	}
	m, slots, err := s.oh.svc.AddSlots(ctx, req)
	if err != nil {
		return ephemeral(s.ohError(ctx, err))
	}
	s.log.InfoContext(ctx, "slack slots added", "mentor", m.ID, "slots", len(slots), "by", user)
	lines := make([]string, len(slots))
	for i, sl := range slots {
		lines[i] = s.t("staff_oh_slot_added_line", "Slot", sl.ID, "When", s.when(sl.Start, sl.End))
	}
	head := s.t("staff_oh_slots_added", "N", len(slots), "Mentor", s.v(m.Name), "Value", s.place(req.Place))
	return ephemeral(head, s.listBlocks(head, lines)...)
}

func (s *Staff) slotsList(ctx context.Context, args string) *reply {
	mentor, from, to, err := officehours.ParseSlotsList(args, s.cfg.Now(), s.hubTZ())
	if err != nil {
		return ephemeral(s.ohError(ctx, err))
	}
	list, err := s.oh.svc.ListSlots(ctx, mentor, from, to)
	if err != nil {
		return ephemeral(s.ohError(ctx, err))
	}
	week := from.Format("2006-01-02") + " – " + to.AddDate(0, 0, -1).Format("2006-01-02")
	if len(list) == 0 {
		return ephemeral(s.t("staff_oh_slots_empty", "Value", week))
	}
	free := 0
	lines := make([]string, len(list))
	for i, l := range list {
		var state string
		switch {
		case l.Cancelled:
			state = s.t("staff_oh_slot_state_cancelled")
		case l.Booking != nil:
			state = s.t("staff_oh_slot_state_booked", "Founder", s.founderLabel(*l.Booking), "ID", l.Booking.ID)
		default:
			free++
			state = s.t("staff_oh_slot_state_free")
		}
		lines[i] = s.t("staff_oh_slot_line", "Slot", l.ID, "When", s.when(l.Start, l.End),
			"Mentor", s.mentorName(l.Mentor, l.Slot.Mentor), "Value", s.place(l.Place), "Status", state)
	}
	head := s.t("staff_oh_slots_header", "Value", week, "Total", len(list), "N", free)
	return ephemeral(head, s.listBlocks(head, lines)...)
}

// ohStatsWindow is the period the stats count office hours in: the
// last 30 days and the sessions already booked ahead.
const (
	ohStatsPast   = 30 * 24 * time.Hour
	ohStatsFuture = 60 * 24 * time.Hour
)

// ohStats is the office-hours part of `stats`, or nil when office hours are off.
func (s *Staff) ohStats(ctx context.Context) []slackapi.Block {
	if s.oh.svc == nil {
		return nil
	}
	now := s.cfg.Now()
	st, err := s.oh.svc.Stats(ctx, now.Add(-ohStatsPast), now.Add(ohStatsFuture))
	if err != nil {
		s.log.ErrorContext(ctx, "slack stats: office hours", "err", err)
		return []slackapi.Block{section(s.t("staff_oh_stats_failed"))}
	}
	rating := s.t("staff_none")
	if st.Rated > 0 {
		rating = s.t("staff_oh_rating", "Value", formatRating(st.AverageRating), "N", st.Rated)
	}
	lines := []string{s.t("staff_oh_stats_title", "Total", st.Sessions, "Value", rating)}
	for _, status := range []flows.BookingStatus{flows.StatusBooked, flows.StatusHeld, flows.StatusNoShow,
		flows.StatusMentorCancelled, flows.StatusCancelled, flows.StatusSlotCancelled} {
		if n := st.ByStatus[status]; n > 0 {
			lines = append(lines, s.t("staff_stats_line", "Label", s.outcomeName(status), "N", n))
		}
	}
	blocks := []slackapi.Block{section(strings.Join(lines, "\n"))}
	if len(st.ByMentor) == 0 {
		return blocks
	}
	mentors := []string{s.t("staff_oh_stats_by_mentor")}
	for _, id := range sortedKeys(st.ByMentor) {
		ms := st.ByMentor[id]
		rating := s.t("staff_none")
		if ms.Rated > 0 {
			rating = s.t("staff_oh_rating", "Value", formatRating(ms.AverageRating), "N", ms.Rated)
		}
		mentors = append(mentors, s.t("staff_oh_stats_mentor", "Mentor", s.mentorName(flows.Mentor{Name: ms.Name}, id),
			"Total", ms.Sessions, "Held", ms.Held, "NoShow", ms.NoShow, "N", ms.MentorCancelled, "Value", rating))
	}
	return append(blocks, section(strings.Join(mentors, "\n")))
}

// formatRating shows an average rating with one decimal.
func formatRating(r float64) string {
	return strconv.FormatFloat(r, 'f', 1, 64)
}
