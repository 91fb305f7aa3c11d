package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// The rules one at a time; slots_test.go has them under contention.

func TestBookRules(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	day := func(d int) time.Time { return ohNow.AddDate(0, 0, d).Truncate(24 * time.Hour).Add(14 * time.Hour) }
	soon := addRun(t, st, m, ohNow.Add(time.Hour), 1, 30*time.Minute)[0]
	edge := addRun(t, st, m, ohNow.Add(ohRules.Window), 1, 30*time.Minute)[0]
	beyond := addRun(t, st, m, ohNow.Add(ohRules.Window+time.Hour), 1, 30*time.Minute)[0]
	gone := addRun(t, st, m, day(3), 1, 30*time.Minute)[0]
	if _, _, err := st.CancelSlot(ctx, gone.ID, ohNow); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		slot flows.SlotID
		now  time.Time
		want error
	}{
		{"started", soon.ID, soon.Start, flows.ErrSlotPast},
		{"past", soon.ID, soon.End.Add(time.Hour), flows.ErrSlotPast},
		{"cancelled", gone.ID, ohNow, flows.ErrSlotCancelled},
		{"beyond the window", beyond.ID, ohNow, flows.ErrOutsideWindow},
		{"unknown", "S999", ohNow, flows.ErrNotFound},
		{"at the window's edge", edge.ID, ohNow, nil},
	} {
		_, err := st.BookSlot(ctx, tc.slot, booking("B-"+tc.name, "tg:1"), tc.now, ohRules)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: BookSlot = %v; want %v", tc.name, err, tc.want)
		}
	}
	// A retried request books once; another founder cannot reuse the ID.
	b1, err := st.BookSlot(ctx, soon.ID, booking("B-1", "tg:2"), ohNow, ohRules)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := st.BookSlot(ctx, soon.ID, booking("B-1", "tg:2"), ohNow.Add(time.Second), ohRules)
	if err != nil || b2.ID != b1.ID || !b2.Created.Equal(b1.Created) {
		t.Errorf("retried BookSlot = %+v, %v; want the first booking", b2, err)
	}
	if _, err := st.BookSlot(ctx, edge.ID, booking("B-1", "tg:3"), ohNow, ohRules); !errors.Is(err, flows.ErrIDTaken) {
		t.Errorf("BookSlot with another founder's ID = %v; want ErrIDTaken", err)
	}
	if b1.Who.Startup != "Acme" || b1.Agenda != "Pricing our API" || b1.Place.Room != "Atlas" || !b1.Start.Equal(soon.Start) {
		t.Errorf("booking = %+v; want the founder, agenda, place and time stored", b1)
	}
}

func TestCancelBooking(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 2, 30*time.Minute)
	b, err := st.BookSlot(ctx, slots[0].ID, booking("B-1", "tg:1"), ohNow, ohRules)
	if err != nil {
		t.Fatal(err)
	}
	late := b.Start.Add(-11 * time.Hour)
	if _, err := st.CancelBooking(ctx, b.ID, "tg:1", "u1", late, ohRules); !errors.Is(err, flows.ErrCutoff) {
		t.Errorf("cancel 11h before = %v; want ErrCutoff", err)
	}
	if _, err := st.CancelBooking(ctx, b.ID, "tg:2", "u1", ohNow, ohRules); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("cancel by another founder = %v; want ErrNotFound", err)
	}
	c, err := st.CancelBooking(ctx, b.ID, "tg:1", "u1", b.Start.Add(-13*time.Hour), ohRules)
	if err != nil || c.Status != flows.StatusCancelled || c.Seq != 1 {
		t.Fatalf("cancel 13h before = %+v, %v; want cancelled with SEQUENCE 1", c, err)
	}
	if again, err := st.CancelBooking(ctx, b.ID, "tg:1", "u1", late, ohRules); err != nil || again.Seq != 1 {
		t.Errorf("the same request again = %+v, %v; want the same cancellation", again, err)
	}
	if _, err := st.CancelBooking(ctx, b.ID, "tg:1", "u2", ohNow, ohRules); !errors.Is(err, flows.ErrBookingClosed) {
		t.Errorf("another cancel = %v; want ErrBookingClosed", err)
	}
	if s, _ := st.Slot(ctx, slots[0].ID); s.Booking != "" || s.Cancelled {
		t.Errorf("slot after cancel = %+v; want free", s)
	}
	if load, _ := st.MentorLoad(ctx, m, []string{slots[0].Week}); load[slots[0].Week] != 0 {
		t.Errorf("load after cancel = %d; want 0", load[slots[0].Week])
	}
	// Staff are not held to the cut-off.
	b, _ = st.BookSlot(ctx, slots[1].ID, booking("B-2", "tg:1"), ohNow, ohRules)
	if _, err := st.CancelBooking(ctx, b.ID, "", "", b.Start.Add(-time.Hour), ohRules); err != nil {
		t.Errorf("staff cancel an hour before = %v; want nil", err)
	}
}

func TestReschedule(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 5, time.Hour)
	b, err := st.BookSlot(ctx, slots[0].ID, booking("B-1", "tg:1"), ohNow, ohRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.BookSlot(ctx, slots[2].ID, booking("B-2", "tg:2"), ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reschedule(ctx, b.ID, "tg:1", slots[2].ID, "u1", ohNow, ohRules); !errors.Is(err, flows.ErrSlotTaken) {
		t.Fatalf("move to a taken slot = %v; want ErrSlotTaken", err)
	}
	if got, _ := st.Booking(ctx, b.ID); got.Slot != slots[0].ID || got.Seq != 0 {
		t.Fatalf("after a refused move the booking is %+v; want it untouched", got)
	}
	b, err = st.Reschedule(ctx, b.ID, "tg:1", slots[1].ID, "u2", ohNow, ohRules)
	if err != nil || b.Slot != slots[1].ID || b.Seq != 1 || b.Reschedules != 1 || b.PrevSlot != slots[0].ID || !b.Start.Equal(slots[1].Start) {
		t.Fatalf("move = %+v, %v; want on %s with SEQUENCE 1", b, err, slots[1].ID)
	}
	if again, err := st.Reschedule(ctx, b.ID, "tg:1", slots[1].ID, "u2", ohNow, ohRules); err != nil || again.Seq != 1 {
		t.Errorf("the same move again = %+v, %v; want it once", again, err)
	}
	if s, _ := st.Slot(ctx, slots[0].ID); s.Booking != "" {
		t.Errorf("old slot = %+v; want free", s)
	}
	if b, err = st.Reschedule(ctx, b.ID, "tg:1", slots[3].ID, "u3", ohNow, ohRules); err != nil || b.Seq != 2 {
		t.Fatalf("second move = %+v, %v", b, err)
	}
	if _, err := st.Reschedule(ctx, b.ID, "tg:1", slots[4].ID, "u4", ohNow, ohRules); !errors.Is(err, flows.ErrRescheduleLimit) {
		t.Errorf("third move = %v; want ErrRescheduleLimit", err)
	}
	if _, err := st.Reschedule(ctx, b.ID, "tg:1", slots[4].ID, "u5", b.Start.Add(-time.Hour), ohRules); !errors.Is(err, flows.ErrCutoff) {
		t.Errorf("move an hour before = %v; want ErrCutoff", err)
	}
	if bs, _ := st.FounderBookings(ctx, "tg:1", ohNow); len(bs) != 1 || bs[0].Slot != slots[3].ID {
		t.Errorf("founder's sessions = %+v; want the one on %s", bs, slots[3].ID)
	}
}

// TestRescheduleAcrossWeeks: moving within a full week is allowed (the
// count does not change), into another full week is not.
func TestRescheduleAcrossWeeks(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 1)
	wk49 := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 2, time.Hour)
	wk50 := addRun(t, st, m, time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), 2, time.Hour)
	b, _ := st.BookSlot(ctx, wk49[0].ID, booking("B-1", "tg:1"), ohNow, ohRules)
	if _, err := st.BookSlot(ctx, wk50[0].ID, booking("B-2", "tg:2"), ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reschedule(ctx, b.ID, "tg:1", wk49[1].ID, "u1", ohNow, ohRules); err != nil {
		t.Errorf("move within the mentor's full week = %v; want nil", err)
	}
	if _, err := st.Reschedule(ctx, b.ID, "tg:1", wk50[1].ID, "u2", ohNow, ohRules); !errors.Is(err, flows.ErrWeeklyCap) {
		t.Errorf("move into another full week = %v; want ErrWeeklyCap", err)
	}
}

func TestAddSlotsOverlap(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	first := addRun(t, st, m, time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), 6, 30*time.Minute)
	if first[0].ID != "S1" || first[5].ID != "S6" {
		t.Errorf("slot IDs = %s..%s; want S1..S6", first[0].ID, first[5].ID)
	}
	_, err := st.AddSlots(ctx, m, []flows.Slot{{Start: first[2].Start.Add(10 * time.Minute), End: first[2].End.Add(10 * time.Minute), Week: "2026-W49"}})
	var oe *flows.SlotOverlapError
	if !errors.As(err, &oe) || oe.Existing.ID != first[2].ID || !errors.Is(err, flows.ErrSlotOverlap) {
		t.Fatalf("overlapping slot = %v; want a SlotOverlapError naming %s", err, first[2].ID)
	}
	if _, _, err := st.CancelSlot(ctx, first[2].ID, ohNow); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddSlots(ctx, m, []flows.Slot{{Start: first[2].Start, End: first[2].End, Week: "2026-W49"}}); err != nil {
		t.Errorf("a slot where a cancelled one was = %v; want nil", err)
	}
	other := addMentor(t, st, "nadia", 0)
	addRun(t, st, other, first[0].Start, 1, time.Hour) // another mentor's time is theirs
	if _, err := st.AddSlots(ctx, "nobody", []flows.Slot{{Start: first[0].Start, End: first[0].End}}); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("slots of an unknown mentor = %v; want ErrNotFound", err)
	}
}

func TestCancelSlotAndRemoveMentor(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 4, time.Hour)
	b, _ := st.BookSlot(ctx, slots[0].ID, booking("B-1", "tg:1"), ohNow, ohRules)
	s, cancelled, err := st.CancelSlot(ctx, slots[0].ID, ohNow)
	if err != nil || !s.Cancelled || cancelled == nil || cancelled.ID != b.ID || cancelled.Status != flows.StatusSlotCancelled || cancelled.Seq != 1 {
		t.Fatalf("CancelSlot = %+v, %+v, %v; want the booking cancelled with it", s, cancelled, err)
	}
	if _, _, err := st.CancelSlot(ctx, slots[0].ID, ohNow); !errors.Is(err, flows.ErrSlotCancelled) {
		t.Errorf("cancel again = %v; want ErrSlotCancelled", err)
	}
	if bs, _ := st.FounderBookings(ctx, "tg:1", ohNow); len(bs) != 0 {
		t.Errorf("founder still holds %+v", bs)
	}
	_, _ = st.BookSlot(ctx, slots[1].ID, booking("B-2", "tg:1"), ohNow, ohRules)
	_, _ = st.BookSlot(ctx, slots[2].ID, booking("B-3", "tg:2"), ohNow, ohRules)
	if _, err := st.JoinWaitlist(ctx, m, "tg:9", ohNow); err != nil {
		t.Fatal(err)
	}
	// Removed between the second and third slots: the second is under way.
	gone, err := st.RemoveMentor(ctx, m, slots[1].Start.Add(time.Minute))
	if err != nil || len(gone) != 1 || gone[0].ID != "B-3" || gone[0].Status != flows.StatusSlotCancelled {
		t.Fatalf("RemoveMentor = %+v, %v; want B-3 cancelled", gone, err)
	}
	if b, _ := st.Booking(ctx, "B-2"); !b.Active() {
		t.Errorf("the session under way = %+v; want kept", b)
	}
	for _, s := range slots[2:] {
		if got, _ := st.Slot(ctx, s.ID); !got.Cancelled {
			t.Errorf("slot %s after removal = %+v; want cancelled", s.ID, got)
		}
	}
	if ms, _ := st.Mentors(ctx); len(ms) != 0 {
		t.Errorf("mentors after removal = %+v", ms)
	}
	if got, err := st.Mentor(ctx, m); err != nil || !got.Removed {
		t.Errorf("Mentor(removed) = %+v, %v; want it, marked removed", got, err)
	}
	if err := st.PutMentor(ctx, flows.Mentor{ID: m, Name: "Karim", Tags: []string{"tech"}}); err != nil {
		t.Errorf("adding a removed mentor back = %v", err)
	}
}

func TestWaitlistOffers(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slot := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 1, time.Hour)[0]
	b, _ := st.BookSlot(ctx, slot.ID, booking("B-1", "tg:1"), ohNow, ohRules)
	for i, f := range []flows.FounderID{"tg:2", "tg:3", "tg:2"} {
		pos, err := st.JoinWaitlist(ctx, m, f, ohNow.Add(time.Duration(i)*time.Second))
		if want := []int{1, 2, 1}[i]; err != nil || pos != want {
			t.Errorf("JoinWaitlist(%s) = %d, %v; want %d", f, pos, err, want)
		}
	}
	if _, f, err := st.OfferSlot(ctx, slot.ID, ohNow, 30*time.Minute); err != nil || f != "" {
		t.Errorf("offer of a booked slot = %q, %v; want none", f, err)
	}
	if _, err := st.CancelBooking(ctx, b.ID, "tg:1", "u1", ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	s, f, err := st.OfferSlot(ctx, slot.ID, ohNow, 30*time.Minute)
	if err != nil || f != "tg:2" || !s.OfferUntil.Equal(ohNow.Add(30*time.Minute)) || s.OfferSeq != 1 {
		t.Fatalf("offer = %+v, %q, %v; want tg:2 until +30m", s, f, err)
	}
	if _, f, _ := st.OfferSlot(ctx, slot.ID, ohNow.Add(time.Minute), 30*time.Minute); f != "tg:2" {
		t.Errorf("offer while one runs = %q; want the running one, tg:2", f)
	}
	if _, err := st.BookSlot(ctx, slot.ID, booking("B-4", "tg:4"), ohNow.Add(time.Minute), ohRules); !errors.Is(err, flows.ErrSlotTaken) {
		t.Errorf("another founder books the held slot: %v; want ErrSlotTaken", err)
	}
	expired := ohNow.Add(30 * time.Minute)
	s, f, _ = st.OfferSlot(ctx, slot.ID, expired, 30*time.Minute)
	if f != "tg:3" || s.OfferSeq != 2 {
		t.Fatalf("offer after expiry = %q (seq %d); want tg:3 (seq 2)", f, s.OfferSeq)
	}
	if _, err := st.BookSlot(ctx, slot.ID, booking("B-2", "tg:2"), expired.Add(time.Minute), ohRules); !errors.Is(err, flows.ErrSlotTaken) {
		t.Errorf("the first founder claims too late: %v; want ErrSlotTaken", err)
	}
	if _, err := st.BookSlot(ctx, slot.ID, booking("B-3", "tg:3"), expired.Add(time.Minute), ohRules); err != nil {
		t.Errorf("the second founder claims: %v", err)
	}
	if _, f, _ := st.OfferSlot(ctx, slot.ID, expired.Add(time.Hour), 30*time.Minute); f != "" {
		t.Errorf("offer of the claimed slot = %q; want none", f)
	}
}

func TestOutcomeAndRating(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 2, time.Hour)
	b, _ := st.BookSlot(ctx, slots[0].ID, booking("B-1", "tg:1"), ohNow, ohRules)
	if _, err := st.SetOutcome(ctx, b.ID, flows.StatusHeld, "slack:U1", ohNow); !errors.Is(err, flows.ErrTooEarly) {
		t.Errorf("held before it started = %v; want ErrTooEarly", err)
	}
	if _, err := st.RateBooking(ctx, b.ID, "tg:1", 5, "", ohNow); !errors.Is(err, flows.ErrTooEarly) {
		t.Errorf("rating before it started = %v; want ErrTooEarly", err)
	}
	after := b.End.Add(time.Minute)
	if b, err := st.SetOutcome(ctx, b.ID, flows.StatusHeld, "slack:U1", after); err != nil || b.Status != flows.StatusHeld || b.OutcomeBy != "slack:U1" {
		t.Errorf("held = %+v, %v", b, err)
	}
	if _, err := st.RateBooking(ctx, b.ID, "tg:1", 4, "", after); err != nil {
		t.Fatal(err)
	}
	r, err := st.RateBooking(ctx, b.ID, "tg:1", 0, "Very useful", after)
	if err != nil || r.Rating != 4 || r.Comment != "Very useful" {
		t.Errorf("rated = %+v, %v; want 4 and the comment", r, err)
	}
	if _, err := st.RateBooking(ctx, b.ID, "tg:2", 1, "", after); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("rating by another founder = %v; want ErrNotFound", err)
	}
	// A mentor's cancellation of a session to come also cancels its slot.
	b2, _ := st.BookSlot(ctx, slots[1].ID, booking("B-2", "tg:2"), ohNow, ohRules)
	c, err := st.SetOutcome(ctx, b2.ID, flows.StatusMentorCancelled, "slack:U1", ohNow)
	if err != nil || c.Status != flows.StatusMentorCancelled || c.Seq != 1 {
		t.Fatalf("mentor cancelled = %+v, %v", c, err)
	}
	if s, _ := st.Slot(ctx, slots[1].ID); !s.Cancelled {
		t.Errorf("slot of the mentor's cancellation = %+v; want cancelled", s)
	}
	if all, _ := st.Bookings(ctx, ohNow, ohNow.AddDate(0, 1, 0)); len(all) != 2 {
		t.Errorf("Bookings = %d; want 2", len(all))
	}
}
