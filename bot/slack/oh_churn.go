package slack

import (
	"context"

	"github.com/startgate/founderbot/flows/officehours"
)

// churnNotice is the founder's cancellation, within 7 days, from which
// the staff channel stops hearing of each of their bookings and
// cancellations: that one is posted as a single notice, the rest of the
// week's cycles are collapsed into it (the mentor still hears of each).
// The count comes from the store's booking scripts, so exactly one event
// carries it, whichever replica relays it.
const churnNotice = 2

// channelLine is the staff channel's line about ev, or false when ev is
// part of a founder's repeated cycles that a notice already covers.
func (s *Staff) channelLine(ctx context.Context, ev officehours.BookingEvent) (string, bool) {
	b := ev.Booking
	if ev.Kind != officehours.EventBooked && ev.Kind != officehours.EventCancelled || b.FounderCancels < churnNotice {
		return s.eventLine(ev), true
	}
	if ev.Kind == officehours.EventCancelled && b.FounderCancels == churnNotice {
		return s.t("staff_oh_event_churn", "ID", b.ID, "Founder", s.founderLabel(b), "Mentor", s.mentorName(ev.Mentor, b.Mentor),
			"When", s.when(b.Start, b.End), "N", b.FounderCancels, "Command", esc(s.cfg.Command)), true
	}
	s.log.InfoContext(ctx, "slack booking line collapsed into the founder's notice", "booking", b.ID, "kind", ev.Kind)
	return "", false
}
