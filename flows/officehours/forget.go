package officehours

import (
	"context"
	"errors"
	"fmt"

	"github.com/startgate/founderbot/flows"
)

// CancelFor cancels every session to come of f, as staff would (no
// cutoff, no weekly cap), for a founder whose data is being erased: each
// slot is freed and offered to the mentor's waitlist, its reminders are
// dropped, and the events tell staff and the mentor. by is who asked.
func (o *OfficeHours) CancelFor(ctx context.Context, f flows.FounderID, by string) ([]flows.Notification, error) {
	now := o.Now()
	bookings, err := o.store.FounderBookings(ctx, f, now)
	if err != nil {
		return nil, fmt.Errorf("sessions of %s: %w", f, err)
	}
	var out []flows.Notification
	for _, b := range bookings {
		c, m, err := o.cancel(ctx, "", b.ID, "forget:"+string(b.ID), now)
		if errors.Is(err, flows.ErrBookingClosed) || errors.Is(err, flows.ErrNotFound) {
			continue // ended or cancelled meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("cancel %s: %w", b.ID, err)
		}
		out = append(out, BookingEvent{Kind: EventCancelled, Booking: c, Mentor: m, By: by, At: now})
	}
	return out, nil
}
