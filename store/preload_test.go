package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// TestPreloadedSessionIsFenced: the session read ahead when an update leases
// its chat saves only if nobody changed it since; the engine's next load
// then reads Redis again.
func TestPreloadedSessionIsFenced(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:7")
	if err := st.SaveSession(ctx, f, "", 0, flows.Session{Lang: "fr"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	claim := &flows.ChatLease{Holder: "w", TTL: 5 * time.Second}
	res, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:7", ID: 40, Data: []byte(`{"update_id":40}`)}}, flows.InboxLimit{}, claim)
	if err != nil || !res[0].Claimed || res[0].First.ID != 40 {
		t.Fatalf("store = %+v, %v; want update 40 claimed", res, err)
	}
	// Staff change the session between the store and the worker's load.
	if _, err := st.UpdateSession(ctx, f, func(s *flows.Session) error { s.Lang = "en"; return nil }); err != nil {
		t.Fatal(err)
	}
	s, ver, seen, err := st.LoadSession(ctx, f, "40")
	if err != nil || seen || ver != 1 || s.Lang != "fr" {
		t.Fatalf("first load = %+v, %d, %v, %v; want the session read ahead (fr, version 1)", s, ver, seen, err)
	}
	if err := st.SaveSession(ctx, f, "40", ver, s, nil, &flows.Result{}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("save on the session read ahead = %v; want ErrConflict", err)
	}
	s, ver, seen, err = st.LoadSession(ctx, f, "40")
	if err != nil || seen || ver != 2 || s.Lang != "en" {
		t.Fatalf("second load = %+v, %d, %v, %v; want Redis's (en, version 2)", s, ver, seen, err)
	}
}

// TestPreloadedSessionSeesApplied: an update applied but not yet answered
// (a crash between the save and the replies) and delivered again is seen
// as applied from the read-ahead too, so its replies come from the journal.
func TestPreloadedSessionSeesApplied(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:8")
	out := &flows.Result{Replies: []flows.Reply{{Text: "bonjour"}}}
	if err := st.SaveSession(ctx, f, "41", 0, flows.Session{Lang: "fr"}, nil, out); err != nil {
		t.Fatal(err)
	}
	claim := &flows.ChatLease{Holder: "w", TTL: 5 * time.Second}
	res, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:8", ID: 41, Data: []byte(`{"update_id":41}`)}}, flows.InboxLimit{}, claim)
	if err != nil || !res[0].Claimed {
		t.Fatalf("store = %+v, %v; want the redelivered update stored and claimed", res, err)
	}
	if _, _, seen, err := st.LoadSession(ctx, f, "41"); err != nil || !seen {
		t.Fatalf("load = seen %v, %v; want applied", seen, err)
	}
}
