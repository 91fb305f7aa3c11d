package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// TestFounderWeeklyCaps: a founder's bookings and own cancellations in
// any 7 days are capped in the booking scripts themselves, so racing
// requests cannot pass a cap (the review found 25 book/cancel cycles
// unbounded); staff cancellations and retried requests do not count.
func TestFounderWeeklyCaps(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	rules := ohRules
	rules.MaxUpcoming, rules.MaxBookingsPerWeek, rules.MaxCancelsPerWeek = 100, 3, 2
	day := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var slots []flows.SlotID
	for i := range 24 {
		m := addMentor(t, st, fmt.Sprintf("m%02d", i), 0)
		slots = append(slots, addRun(t, st, m, day.Add(time.Duration(i)*time.Hour), 1, 30*time.Minute)[0].ID)
	}
	// 20 bookings at once by one founder: exactly 3 pass.
	errs := race(20, func(i int) error {
		_, err := st.BookSlot(ctx, slots[i], booking(fmt.Sprintf("B-%03d", i), "tg:1"), ohNow, rules)
		return err
	})
	tally(t, errs, 3, flows.ErrWeeklyBookings)
	var mine []flows.BookingID
	for i, err := range errs {
		if err == nil {
			mine = append(mine, flows.BookingID(fmt.Sprintf("B-%03d", i)))
		}
	}
	// A retried booking is not a new one.
	if len(mine) == 3 {
		b, err := st.Booking(ctx, mine[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.BookSlot(ctx, b.Slot, booking(string(b.ID), "tg:1"), ohNow, rules); err != nil {
			t.Errorf("retried booking = %v; want it returned", err)
		}
	}
	// Its 3 cancellations at once: exactly 2 pass, numbered 1 and 2.
	errs = race(len(mine), func(i int) error {
		_, err := st.CancelBooking(ctx, mine[i], "tg:1", "op"+fmt.Sprint(i), ohNow, rules)
		return err
	})
	tally(t, errs, 2, flows.ErrWeeklyCancels)
	seen := map[int]bool{}
	for i, err := range errs {
		if err != nil {
			// Staff may still cancel it, and that does not count.
			if _, err := st.CancelBooking(ctx, mine[i], "", "", ohNow, rules); err != nil {
				t.Errorf("staff cancel = %v", err)
			}
			continue
		}
		b, _ := st.Booking(ctx, mine[i])
		seen[b.FounderCancels] = true
		again, err := st.CancelBooking(ctx, mine[i], "tg:1", "op"+fmt.Sprint(i), ohNow, rules)
		if err != nil || again.FounderCancels != b.FounderCancels {
			t.Errorf("retried cancel = %+v, %v; want the same, numbered %d", again, err, b.FounderCancels)
		}
	}
	if !seen[1] || !seen[2] {
		t.Errorf("cancellations numbered %v; want 1 and 2", seen)
	}
	// Another founder is not affected; this one is until 7 days passed.
	if _, err := st.BookSlot(ctx, slots[20], booking("B-100", "tg:2"), ohNow, rules); err != nil {
		t.Errorf("another founder's booking = %v", err)
	}
	if _, err := st.BookSlot(ctx, slots[21], booking("B-101", "tg:1"), ohNow.Add(flows.FounderWeek-time.Minute), rules); !errors.Is(err, flows.ErrWeeklyBookings) {
		t.Errorf("booking within 7 days = %v; want ErrWeeklyBookings", err)
	}
	b, err := st.BookSlot(ctx, slots[21], booking("B-101", "tg:1"), ohNow.Add(flows.FounderWeek+time.Minute), rules)
	if err != nil || b.FounderCancels != 0 {
		t.Errorf("booking after 7 days = %+v, %v; want it, with no recent cancellation", b, err)
	}
	// No cap configured (the zero value): no limit.
	free := ohRules
	free.MaxUpcoming = 100
	for i := 22; i < 24; i++ {
		if _, err := st.BookSlot(ctx, slots[i], booking(fmt.Sprintf("B-2%02d", i), "tg:3"), ohNow, free); err != nil {
			t.Errorf("booking without caps = %v", err)
		}
	}
}
