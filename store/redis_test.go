package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

func TestSessionRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:1")

	s, ver, seen, err := st.LoadSession(ctx, f, "u1")
	if err != nil || ver != 0 || seen || s.Flow != "" {
		t.Fatalf("empty load = %+v, %d, %v, %v; want zero session, 0, false, nil", s, ver, seen, err)
	}
	want := flows.Session{Lang: "ar", Flow: "apply", Step: "email", Nonce: 3, Answers: map[string]string{"startup": "Acme"}}
	if err := st.SaveSession(ctx, f, "u1", 0, want, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, seen, _ := st.LoadSession(ctx, f, "u1"); !seen {
		t.Errorf("update u1 not marked applied")
	}
	got, ver, seen, err := st.LoadSession(ctx, f, "u2")
	if err != nil || seen || ver != 1 {
		t.Fatalf("load = _, %d, %v, %v; want 1, false, nil", ver, seen, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	if err := st.SaveSession(ctx, f, "u2", 0, want, nil, nil); !errors.Is(err, flows.ErrConflict) {
		t.Errorf("save at stale version = %v; want ErrConflict", err)
	}
	if err := st.SaveSession(ctx, f, "u1", 1, want, nil, nil); !errors.Is(err, flows.ErrDuplicate) {
		t.Errorf("save of applied update = %v; want ErrDuplicate", err)
	}
	// Without an update ID (the console) nothing is deduplicated.
	if err := st.SaveSession(ctx, f, "", 1, want, nil, nil); err != nil {
		t.Errorf("save without update id: %v", err)
	}
}

// TestSaveSessionConcurrent: of 100 events read at the same version, exactly one is applied.
func TestSaveSessionConcurrent(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:2")
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.SaveSession(ctx, f, fmt.Sprint("u", i), 0, flows.Session{Step: fmt.Sprint(i)}, nil, nil)
		}()
	}
	wg.Wait()
	close(errs)
	ok, conflicts := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, flows.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Errorf("saves: %d ok, %d conflicts; want 1 and %d", ok, conflicts, n-1)
	}
}

func TestApplications(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:3")
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

	if err := st.ReserveApplicationID(ctx, "A-0001", f, at); err != nil {
		t.Fatal(err)
	}
	if err := st.ReserveApplicationID(ctx, "A-0001", "tg:4", at); !errors.Is(err, flows.ErrIDTaken) {
		t.Fatalf("second reserve = %v; want ErrIDTaken", err)
	}
	// Reserved but not yet saved: invisible.
	if _, err := st.Application(ctx, "A-0001"); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("reserved-only application = %v; want ErrNotFound", err)
	}
	app := &flows.Application{ID: "A-0001", Founder: f, Lang: "fr", Status: flows.StatusSubmitted,
		Answers: map[string]string{"startup": "Acme"}, Submitted: at, Updated: at}
	if err := st.SaveSession(ctx, f, "u1", 0, application.WithOpenApp(flows.Session{}, "A-0001"), app, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.Application(ctx, "A-0001")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*app, got); diff != "" {
		t.Errorf("application (-want +got):\n%s", diff)
	}
	mine, err := st.Applications(ctx, f)
	if err != nil || len(mine) != 1 || mine[0].ID != "A-0001" {
		t.Errorf("Applications(%s) = %v, %v; want [A-0001]", f, mine, err)
	}
	if other, err := st.Applications(ctx, "tg:4"); err != nil || len(other) != 0 {
		t.Errorf("another founder sees %v, %v; want nothing", other, err)
	}

	// A second application, and an ID reserved then released.
	if err := st.ReserveApplicationID(ctx, "A-0002", "tg:4", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	app2 := &flows.Application{ID: "A-0002", Founder: "tg:4", Status: flows.StatusAccepted, Submitted: at.Add(time.Hour)}
	if err := st.SaveSession(ctx, "tg:4", "u1", 0, flows.Session{}, app2, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.ReserveApplicationID(ctx, "A-0003", f, at); err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseApplicationID(ctx, "A-0003", "tg:4"); err != nil { // not the owner: no effect
		t.Fatal(err)
	}
	if err := st.ReserveApplicationID(ctx, "A-0003", "tg:4", at); !errors.Is(err, flows.ErrIDTaken) {
		t.Errorf("release by another founder freed the id")
	}
	if err := st.ReleaseApplicationID(ctx, "A-0003", f); err != nil {
		t.Fatal(err)
	}

	list, total, err := st.ListApplications(ctx, "", 0, 10)
	if err != nil || total != 2 || len(list) != 2 || list[0].ID != "A-0002" || list[1].ID != "A-0001" {
		t.Errorf("ListApplications(all) = %v, %d, %v; want [A-0002 A-0001], 2", ids(list), total, err)
	}
	list, total, err = st.ListApplications(ctx, flows.StatusSubmitted, 0, 10)
	if err != nil || total != 1 || len(list) != 1 || list[0].ID != "A-0001" {
		t.Errorf("ListApplications(submitted) = %v, %d, %v; want [A-0001], 1", ids(list), total, err)
	}
	list, total, err = st.ListApplications(ctx, "", 1, 10)
	if err != nil || total != 2 || len(list) != 1 || list[0].ID != "A-0001" {
		t.Errorf("ListApplications(skip 1) = %v, %d, %v; want [A-0001], 2", ids(list), total, err)
	}
}

func ids(apps []flows.Application) []string {
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.ID
	}
	return out
}

func TestPollOffset(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if n, err := st.PollOffset(ctx); err != nil || n != 0 {
		t.Fatalf("first offset = %d, %v; want 0", n, err)
	}
	for _, o := range []int64{10, 5, 12} {
		if err := st.SavePollOffset(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.PollOffset(ctx); err != nil || n != 12 {
		t.Errorf("offset = %d, %v; want 12 (never backwards)", n, err)
	}
}
