package slack

import (
	"slices"
	"strings"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
	"github.com/startgate/founderbot/flows/officehours"
)

// Office-hours texts for staff and mentors. Their messages are in
// locales/staffoh.<lang>.toml, Slack mrkdwn like staff's.

// eventLine is the staff channel's one line about a booking event.
func (s *Staff) eventLine(ev officehours.BookingEvent) string {
	b := ev.Booking
	data := []any{"ID", b.ID, "Founder", s.founderLabel(b), "Mentor", s.mentorName(ev.Mentor, b.Mentor),
		"When", s.when(b.Start, b.End), "Name", s.who(ev.By, ""), "Slot", b.Slot, "Outcome", s.outcomeName(b.Status)}
	switch ev.Kind {
	case officehours.EventBooked:
		return s.t("staff_oh_event_booked", data...)
	case officehours.EventCancelled:
		return s.t("staff_oh_event_cancelled", data...)
	case officehours.EventRescheduled:
		old := "?"
		if p := ev.Previous; p != nil {
			old = s.when(p.Start, p.End)
		}
		return s.t("staff_oh_event_rescheduled", append(data, "Old", old)...)
	case officehours.EventSlotCancelled:
		return s.t("staff_oh_event_slot_cancelled", data...)
	case officehours.EventMentorRemoved:
		return s.t("staff_oh_event_mentor_removed", data...)
	case officehours.EventOutcome:
		return s.t("staff_oh_event_outcome", data...)
	}
	return s.t("staff_oh_event_other", append(data, "Value", s.v(string(ev.Kind)))...)
}

// mentorText is the mentor's direct message about a booking event.
func (s *Staff) mentorText(ev officehours.BookingEvent) string {
	b := ev.Booking
	data := []any{"ID", b.ID, "Founder", s.founderLabel(b), "When", s.when(b.Start, b.End)}
	switch ev.Kind {
	case officehours.EventBooked, officehours.EventRescheduled:
		stage := s.t("staff_none")
		if b.Who.Stage != "" {
			stage = s.choice("stage", b.Who.Stage)
		}
		topic := s.t("staff_none")
		if b.Topic != "" {
			topic = s.v(s.tagLabel(b.Topic))
		}
		agenda := s.t("staff_none")
		if b.Agenda != "" {
			agenda = quote(s.v(clip(b.Agenda, 1500)))
		}
		data = append(data, "Stage", stage, "Topic", topic, "Note", agenda, "Place", s.place(b.Place))
		if ev.Kind == officehours.EventRescheduled && ev.Previous != nil {
			return s.t("staff_oh_dm_rescheduled", append(data, "Old", s.when(ev.Previous.Start, ev.Previous.End))...)
		}
		return s.t("staff_oh_dm_booked", data...)
	case officehours.EventCancelled:
		return s.t("staff_oh_dm_cancelled", data...)
	case officehours.EventSlotCancelled:
		return s.t("staff_oh_dm_slot_cancelled", data...)
	case officehours.EventMentorRemoved:
		return s.t("staff_oh_dm_mentor_removed", data...)
	}
	return s.t("staff_oh_dm_other", data...)
}

// founderLabel names who booked: the startup, else the founder.
func (s *Staff) founderLabel(b flows.Booking) string {
	w := b.Who
	w.Name, w.Handle = input.Clean(w.Name, maxDisplayName), input.Clean(w.Handle, maxDisplayName)
	name := w.Startup
	switch {
	case name != "" && w.Handle != "":
		name += " (@" + w.Handle + ")"
	case name != "" && w.Name != "":
		name += " (" + w.Name + ")"
	case name != "":
	case w.Handle != "":
		name = "@" + w.Handle
	case w.Name != "":
		name = w.Name
	default:
		name = string(b.Founder)
	}
	return s.v(clip(name, 120))
}

// mentorName is a mentor's name, or their ID when the record is gone.
func (s *Staff) mentorName(m flows.Mentor, id flows.MentorID) string {
	if m.Name == "" {
		return s.v(string(id))
	}
	return s.v(m.Name)
}

// outcomeName is a booking status as staff read it.
func (s *Staff) outcomeName(st flows.BookingStatus) string {
	id := "staff_oh_status_" + string(st)
	if name := s.t(id); name != id {
		return name
	}
	return s.v(string(st))
}

// place says where a session happens.
func (s *Staff) place(p flows.Place) string {
	switch {
	case p.Link != "":
		return s.t("staff_oh_place_link", "Value", escAngle(p.Link))
	case p.Room != "":
		return s.t("staff_oh_place_room", "Value", s.v(p.Room))
	}
	return s.t("staff_oh_place_tbd")
}

// tagLabel names an expertise tag in the staff's language: sectors by
// the application form's labels, the rest by office hours'.
func (s *Staff) tagLabel(tag string) string {
	if slices.Contains(flows.Sectors, tag) {
		return s.rawChoice("sector", tag)
	}
	id := "book_tag_" + tag
	if label := s.cat.T(s.cfg.Lang, id); label != id {
		return label
	}
	return tag
}

// tagLabels names a mentor's tags, escaped.
func (s *Staff) tagLabels(tags []string) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = s.tagLabel(t)
	}
	return s.v(strings.Join(names, ", "))
}
