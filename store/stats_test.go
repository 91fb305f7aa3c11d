package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

func TestOutboxStats(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if n, oldest, err := st.OutboxStats(ctx); n != 0 || !oldest.IsZero() || err != nil {
		t.Fatalf("empty OutboxStats = %d, %v, %v; want 0, zero, nil", n, oldest, err)
	}
	before := time.Now().Add(-time.Second) // a real server's clock, not ours: allow a second
	for i := range 3 {
		if _, err := st.Enqueue(ctx, fmt.Sprint("k", i), outgoing("tg:1", "hi"), ""); err != nil {
			t.Fatal(err)
		}
	}
	n, oldest, err := st.OutboxStats(ctx)
	if n != 3 || err != nil || oldest.Before(before) || oldest.After(time.Now().Add(time.Second)) {
		t.Fatalf("OutboxStats = %d, %v, %v; want 3, about now, nil", n, oldest, err)
	}
	msgs, err := st.ClaimOutgoing(ctx, "a", 1, 0, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatal(msgs, err)
	}
	if err := st.FinishOutgoing(ctx, msgs[0], flows.OutcomeSent); err != nil {
		t.Fatal(err)
	}
	if n, _, err := st.OutboxStats(ctx); n != 2 || err != nil {
		t.Errorf("after one sent: depth %d, %v; want 2", n, err)
	}
}

func TestUnreachableCount(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	for _, f := range []flows.FounderID{"tg:1", "tg:2", "tg:2", "tg:3"} {
		if err := st.SetUnreachable(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ClearUnreachable(ctx, "tg:3"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.UnreachableCount(ctx); n != 2 || err != nil {
		t.Errorf("UnreachableCount = %d, %v; want 2, nil", n, err)
	}
	if ok, err := st.Unreachable(ctx, "tg:3"); ok || err != nil {
		t.Errorf("tg:3 unreachable = %v, %v; want false", ok, err)
	}
}

func TestApplicationAndBookingCounts(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i, status := range []flows.Status{flows.StatusSubmitted, flows.StatusSubmitted, flows.StatusAccepted} {
		id, f := fmt.Sprintf("A-000%d", i), flows.FounderID(fmt.Sprint("tg:", i))
		if err := st.ReserveApplicationID(ctx, id, f, at); err != nil {
			t.Fatal(err)
		}
		app := &flows.Application{ID: id, Founder: f, Status: status, Submitted: at}
		if err := st.SaveSession(ctx, f, "u1", 0, flows.Session{}, app, nil); err != nil {
			t.Fatal(err)
		}
	}
	apps, err := st.ApplicationCounts(ctx)
	if diff := cmp.Diff(map[flows.Status]int64{flows.StatusSubmitted: 2, flows.StatusAccepted: 1}, apps); diff != "" || err != nil {
		t.Errorf("ApplicationCounts (-want +got), %v:\n%s", err, diff)
	}

	m := addMentor(t, st, "M1", 10)
	slots := addRun(t, st, m, ohNow.Add(7*24*time.Hour), 3, time.Hour)
	for i, s := range slots {
		if _, err := st.BookSlot(ctx, s.ID, booking(fmt.Sprint("B", i), flows.FounderID(fmt.Sprint("tg:", i))), ohNow, ohRules); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CancelBooking(ctx, "B0", "tg:0", "op1", ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	bookings, err := st.BookingCounts(ctx)
	if diff := cmp.Diff(map[flows.BookingStatus]int64{flows.StatusBooked: 2, flows.StatusCancelled: 1}, bookings); diff != "" || err != nil {
		t.Errorf("BookingCounts (-want +got), %v:\n%s", err, diff)
	}
}

// BenchmarkApplicationCounts: what a /metrics scrape costs the store for
// the applications gauge, with a season's 1,000 applications.
func BenchmarkApplicationCounts(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b).Store
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for i := range 1000 {
		id, f := fmt.Sprintf("A-%04d", i), flows.FounderID(fmt.Sprint("tg:", i))
		if err := st.ReserveApplicationID(ctx, id, f, at); err != nil {
			b.Fatal(err)
		}
		app := &flows.Application{ID: id, Founder: f, Status: flows.StatusSubmitted, Submitted: at,
			Answers: map[string]string{"startup": "Acme", "pitch": "Sensors that cut traffic jams in Rabat."}}
		if err := st.SaveSession(ctx, f, "u1", 0, flows.Session{}, app, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if counts, err := st.ApplicationCounts(ctx); err != nil || counts[flows.StatusSubmitted] != 1000 {
			b.Fatal(counts, err)
		}
	}
}
