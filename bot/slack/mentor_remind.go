package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// MentorReminder implements officehours.MentorNotifier: a DM to the mentor a day
// and an hour before a session, with what they need to prepare: who, the
// agenda, and how their earlier sessions together went (outcomes only).
func (s *Staff) MentorReminder(ctx context.Context, r officehours.MentorReminder) error {
	if r.Mentor.SlackUser == "" {
		return nil // a mentor without Slack: nobody to remind here
	}
	b := r.Booking
	agenda := s.t("staff_none")
	if b.Agenda != "" {
		agenda = quote(s.v(clip(b.Agenda, 1500)))
	}
	stage := s.t("staff_none")
	if b.Who.Stage != "" {
		stage = s.choice("stage", b.Who.Stage)
	}
	data := []any{"Founder", s.founderLabel(b), "When", s.when(b.Start, b.End), "Place", s.place(b.Place),
		"Stage", stage, "Note", agenda}
	id := "staff_oh_remind_day"
	if r.Before < 2*time.Hour {
		id = "staff_oh_remind_hour"
	}
	lines := []string{s.t(id, data...)}
	if r.Before >= 2*time.Hour { // the brief goes with the day-before reminder
		if len(r.Previous) == 0 {
			lines = append(lines, s.t("staff_oh_remind_first"))
		} else {
			lines = append(lines, s.t("staff_oh_remind_previous"))
			for _, p := range r.Previous {
				lines = append(lines, s.previousLine(p))
			}
		}
	}
	text := strings.Join(lines, "\n")
	if err := s.dm(ctx, r.Mentor.SlackUser, text, section(text)); err != nil {
		return fmt.Errorf("remind mentor %s of %s: %w", r.Mentor.ID, b.ID, err)
	}
	return nil
}

// previousLine notes one earlier session: when and how it went. The
// founder's rating and comment are left out even when present: founders
// are told they go to the team, not to the mentor.
func (s *Staff) previousLine(p flows.Booking) string {
	return s.t("staff_oh_remind_previous_line", "When", s.when(p.Start, p.End), "Status", s.outcomeName(p.Status))
}
