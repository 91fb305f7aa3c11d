package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

func TestPastSessions(t *testing.T) {
	st := storetest.New(t).Store
	ctx := context.Background()
	m := addMentor(t, st, "karim", 0)
	other := addMentor(t, st, "nadia", 0)
	var slots []flows.Slot
	for day := 1; day <= 4; day++ {
		slots = append(slots, addRun(t, st, m, ohNow.Add(time.Duration(day)*24*time.Hour), 1, 30*time.Minute)...)
	}
	book := func(id string, f flows.FounderID, s flows.Slot) {
		t.Helper()
		if _, err := st.BookSlot(ctx, s.ID, booking(id, f), ohNow, ohRules); err != nil {
			t.Fatalf("book %s: %v", id, err)
		}
	}
	book("B1", "tg:1", slots[0])
	book("B2", "tg:1", slots[1])
	if _, err := st.CancelBooking(ctx, "B2", "tg:1", "op1", ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	book("B3", "tg:1", slots[2])
	book("B4", "tg:2", slots[3])

	end := slots[3].End
	for _, tc := range []struct {
		mentor flows.MentorID
		f      flows.FounderID
		before time.Time
		max    int
		want   []flows.BookingID
	}{
		{m, "tg:1", end, 5, []flows.BookingID{"B3", "B1"}}, // newest first; the cancelled B2 is not a session
		{m, "tg:1", end, 1, []flows.BookingID{"B3"}},
		{m, "tg:1", slots[2].Start, 5, []flows.BookingID{"B1"}}, // strictly before
		{m, "tg:2", end, 5, []flows.BookingID{"B4"}},
		{m, "tg:1", end, 0, nil},
		{other, "tg:1", end, 5, nil},
	} {
		bs, err := st.PastSessions(ctx, tc.mentor, tc.f, tc.before, tc.max)
		if err != nil {
			t.Fatal(err)
		}
		var got []flows.BookingID
		for _, b := range bs {
			if b.Founder != tc.f || b.Mentor != tc.mentor {
				t.Errorf("PastSessions(%s, %s) returned %+v", tc.mentor, tc.f, b)
			}
			got = append(got, b.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("PastSessions(%s, %s, %s, %d) = %v; want %v", tc.mentor, tc.f, tc.before, tc.max, got, tc.want)
		}
	}
	bs, err := st.PastSessions(ctx, m, "tg:1", end, 1)
	if err != nil || len(bs) != 1 || bs[0].Agenda != "Pricing our API" || bs[0].Who.Startup != "Acme" {
		t.Errorf("PastSessions = %+v, %v; want B3 in full", bs, err)
	}
}
