package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

var _ officehours.Store = (*store.Redis)(nil)

// ohNow is a Wednesday; the slots of these tests are the week after.
var ohNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

var ohRules = flows.BookingRules{Window: 14 * 24 * time.Hour, MaxUpcoming: 2, CancelCutoff: 12 * time.Hour, MaxReschedules: 2}

func addMentor(t testing.TB, st *store.Redis, id string, weeklyCap int) flows.MentorID {
	t.Helper()
	m := flows.Mentor{ID: flows.MentorID(id), Name: "Mentor " + id, Tags: []string{"tech"}, WeeklyCap: weeklyCap}
	if err := st.PutMentor(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// addRun adds n slots of length d one after the other from start.
func addRun(t testing.TB, st *store.Redis, m flows.MentorID, start time.Time, n int, d time.Duration) []flows.Slot {
	t.Helper()
	slots := make([]flows.Slot, n)
	for i := range slots {
		s := start.Add(time.Duration(i) * d)
		y, w := s.ISOWeek()
		slots[i] = flows.Slot{Start: s, End: s.Add(d), Week: fmt.Sprintf("%d-W%02d", y, w), Place: flows.Place{Room: "Atlas"}}
	}
	out, err := st.AddSlots(context.Background(), m, slots)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func booking(id string, f flows.FounderID) flows.Booking {
	return flows.Booking{ID: flows.BookingID(id), Founder: f, Topic: "tech", Agenda: "Pricing our API",
		Who: flows.FounderInfo{Name: "Salma", Startup: "Acme", Stage: "mvp"}}
}

// race runs n attempts at once and returns their errors.
func race(n int, attempt func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = attempt(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally checks that exactly wantOK attempts succeeded and every other one
// failed with want.
func tally(t *testing.T, errs []error, wantOK int, want error) {
	t.Helper()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, want):
			t.Errorf("attempt %d: %v; want %v", i, err, want)
		}
	}
	if ok != wantOK {
		t.Errorf("%d attempts succeeded; want exactly %d", ok, wantOK)
	}
}

func TestBookSameSlotRace(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slot := addRun(t, st, m, time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), 1, 30*time.Minute)[0]
	errs := race(100, func(i int) error {
		f := flows.FounderID(fmt.Sprintf("tg:%d", i))
		_, err := st.BookSlot(ctx, slot.ID, booking(fmt.Sprintf("B-%03d", i), f), ohNow, ohRules)
		return err
	})
	tally(t, errs, 1, flows.ErrSlotTaken)
	s, err := st.Slot(ctx, slot.ID)
	if err != nil || s.Booking == "" {
		t.Fatalf("slot after the race = %+v, %v; want booked", s, err)
	}
	if load, _ := st.MentorLoad(ctx, m, []string{slot.Week}); load[slot.Week] != 1 {
		t.Errorf("mentor's week load = %d; want 1", load[slot.Week])
	}
}

func TestBookOverlappingSlotsRace(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:1")
	slots := make([]flows.SlotID, 100)
	for i := range slots {
		// Same founder, 100 mentors, times that all overlap the first.
		m := addMentor(t, st, fmt.Sprintf("m%d", i), 0)
		start := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC).Add(time.Duration(i%30) * time.Minute)
		slots[i] = addRun(t, st, m, start, 1, 45*time.Minute)[0].ID
	}
	errs := race(100, func(i int) error {
		_, err := st.BookSlot(ctx, slots[i], booking(fmt.Sprintf("B-%03d", i), f), ohNow, ohRules)
		return err
	})
	tally(t, errs, 1, flows.ErrOverlap)
	if bs, _ := st.FounderBookings(ctx, f, ohNow); len(bs) != 1 {
		t.Errorf("founder holds %d sessions; want 1", len(bs))
	}
}

func TestWeeklyCapRace(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 3)
	// 100 slots of 20 minutes from Tuesday 8:00: all in ISO week 49.
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), 100, 20*time.Minute)
	errs := race(100, func(i int) error {
		f := flows.FounderID(fmt.Sprintf("tg:%d", i))
		_, err := st.BookSlot(ctx, slots[i].ID, booking(fmt.Sprintf("B-%03d", i), f), ohNow, ohRules)
		return err
	})
	tally(t, errs, 3, flows.ErrWeeklyCap)
}

func TestMaxUpcomingRace(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), 100, 20*time.Minute)
	errs := race(100, func(i int) error {
		_, err := st.BookSlot(ctx, slots[i].ID, booking(fmt.Sprintf("B-%03d", i), "tg:1"), ohNow, ohRules)
		return err
	})
	tally(t, errs, 2, flows.ErrTooManyUpcoming)
}

// TestRescheduleRace: founders moving their sessions to a slot race with
// founders booking it; exactly one gets it, and the losers who were
// moving keep their old slot.
func TestRescheduleRace(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	m := addMentor(t, st, "karim", 0)
	slots := addRun(t, st, m, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), 51, 20*time.Minute)
	target := slots[50].ID
	for i := range 50 {
		if _, err := st.BookSlot(ctx, slots[i].ID, booking(fmt.Sprintf("B-%03d", i), flows.FounderID(fmt.Sprintf("tg:%d", i))), ohNow, ohRules); err != nil {
			t.Fatal(err)
		}
	}
	errs := race(100, func(i int) error {
		f := flows.FounderID(fmt.Sprintf("tg:%d", i))
		if i < 50 {
			_, err := st.Reschedule(ctx, flows.BookingID(fmt.Sprintf("B-%03d", i)), f, target, fmt.Sprint("op", i), ohNow, ohRules)
			return err
		}
		_, err := st.BookSlot(ctx, target, booking(fmt.Sprintf("B-%03d", i), f), ohNow, ohRules)
		return err
	})
	tally(t, errs, 1, flows.ErrSlotTaken)
	for i := range 50 {
		b, err := st.Booking(ctx, flows.BookingID(fmt.Sprintf("B-%03d", i)))
		if err != nil || !b.Active() {
			t.Fatalf("booking %d = %+v, %v; want still active", i, b, err)
		}
		s, _ := st.Slot(ctx, b.Slot)
		if s.Booking != b.ID {
			t.Errorf("booking %d is on %s, which holds %q", i, b.Slot, s.Booking)
		}
		if errs[i] != nil && b.Slot != slots[i].ID {
			t.Errorf("booking %d lost its move but is on %s; want %s", i, b.Slot, slots[i].ID)
		}
	}
}

// BenchmarkBookSlot books under contention: 8×GOMAXPROCS goroutines,
// and each slot asked for by eight calls in a row, so they race for it and
// seven in eight calls are refusals, as on a popular mentor's morning.
// Run: go test -bench BookSlot -run '^$' ./store/ (REDIS_URL=redis://...
// for a real server).
func BenchmarkBookSlot(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b).Store
	m := addMentor(b, st, "karim", 0)
	n := b.N/8 + 1
	var slots []flows.Slot
	for start := 0; start < n; start += 500 {
		k := min(500, n-start)
		slots = append(slots, addRun(b, st, m, ohNow.Add(time.Hour+time.Duration(start)*10*time.Minute), k, 10*time.Minute)...)
	}
	rules := ohRules
	rules.Window, rules.MaxUpcoming = 100*365*24*time.Hour, 1<<30
	var mu sync.Mutex
	next, booked := 0, 0
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			f := flows.FounderID(fmt.Sprintf("tg:%d", i))
			_, err := st.BookSlot(ctx, slots[(i/8)%len(slots)].ID, booking(fmt.Sprintf("B-%d", i), f), ohNow, rules)
			switch {
			case err == nil:
				mu.Lock()
				booked++
				mu.Unlock()
			case !errors.Is(err, flows.ErrSlotTaken):
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(booked)/float64(b.N), "booked/op")
}
