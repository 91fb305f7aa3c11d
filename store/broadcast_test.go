package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

func TestBroadcastDraftTakenOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	want := store.BroadcastDraft{Status: "submitted", Sector: "fintech", Text: "Hello <all> & welcome", By: "U1"}
	if err := st.SaveBroadcastDraft(ctx, "b1", want, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.TakeBroadcastDraft(ctx, "b1", "U1")
	if err != nil || !ok || got != want {
		t.Fatalf("TakeBroadcastDraft = %+v, %v, %v; want %+v, true, nil", got, ok, err, want)
	}
	if _, ok, err := st.TakeBroadcastDraft(ctx, "b1", "U1"); ok || err != nil {
		t.Errorf("second TakeBroadcastDraft = %v, %v; want false, nil", ok, err)
	}
	if _, ok, err := st.TakeBroadcastDraft(ctx, "nope", "U1"); ok || err != nil {
		t.Errorf("TakeBroadcastDraft of an unknown draft = %v, %v; want false, nil", ok, err)
	}
}

func TestBroadcastDraftExpires(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	if env.Mini == nil {
		t.Skip("needs miniredis' clock")
	}
	if err := env.Store.SaveBroadcastDraft(ctx, "b1", store.BroadcastDraft{Text: "hi"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	env.Mini.FastForward(time.Minute + time.Second)
	if _, ok, err := env.Store.TakeBroadcastDraft(ctx, "b1", ""); ok || err != nil {
		t.Errorf("TakeBroadcastDraft after the TTL = %v, %v; want false, nil", ok, err)
	}
}

func TestBroadcastLock(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	st := env.Store
	if id, err := st.RunningBroadcast(ctx); id != "" || err != nil {
		t.Fatalf("RunningBroadcast = %q, %v; want none", id, err)
	}
	if ok, holder, err := st.LockBroadcast(ctx, "b1", time.Minute); !ok || holder != "b1" || err != nil {
		t.Fatalf("LockBroadcast(b1) = %v, %q, %v; want true, b1, nil", ok, holder, err)
	}
	if ok, holder, err := st.LockBroadcast(ctx, "b2", time.Minute); ok || holder != "b1" || err != nil {
		t.Errorf("LockBroadcast(b2) while b1 runs = %v, %q, %v; want false, b1, nil", ok, holder, err)
	}
	if ok, _, err := st.LockBroadcast(ctx, "b1", time.Minute); !ok || err != nil {
		t.Errorf("LockBroadcast(b1) again = %v, %v; want true (it holds it)", ok, err)
	}
	if id, err := st.RunningBroadcast(ctx); id != "b1" || err != nil {
		t.Errorf("RunningBroadcast = %q, %v; want b1", id, err)
	}
	if ok, err := st.RefreshBroadcast(ctx, "b2", time.Minute); ok || err != nil {
		t.Errorf("RefreshBroadcast(b2) = %v, %v; want false: b2 does not hold the lock", ok, err)
	}
	// Releasing a lock one does not hold leaves it alone.
	if err := st.UnlockBroadcast(ctx, "b2"); err != nil {
		t.Fatal(err)
	}
	if id, _ := st.RunningBroadcast(ctx); id != "b1" {
		t.Errorf("after UnlockBroadcast(b2) the lock is held by %q; want b1", id)
	}
	if err := st.UnlockBroadcast(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := st.LockBroadcast(ctx, "b2", time.Minute); !ok || err != nil {
		t.Errorf("LockBroadcast(b2) after b1 ended = %v, %v; want true", ok, err)
	}
}

func TestBroadcastLockExpiresUnlessRefreshed(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	if env.Mini == nil {
		t.Skip("needs miniredis' clock")
	}
	st := env.Store
	if ok, _, err := st.LockBroadcast(ctx, "b1", time.Minute); !ok || err != nil {
		t.Fatalf("LockBroadcast = %v, %v", ok, err)
	}
	env.Mini.FastForward(50 * time.Second)
	if ok, err := st.RefreshBroadcast(ctx, "b1", time.Minute); !ok || err != nil {
		t.Fatalf("RefreshBroadcast = %v, %v; want true", ok, err)
	}
	env.Mini.FastForward(50 * time.Second) // 100s after the lock, 50s after its refresh
	if ok, _, _ := st.LockBroadcast(ctx, "b2", time.Minute); ok {
		t.Fatal("b2 took the lock b1 refreshed")
	}
	env.Mini.FastForward(11 * time.Second)
	if ok, holder, err := st.LockBroadcast(ctx, "b2", time.Minute); !ok || err != nil {
		t.Errorf("LockBroadcast(b2) after b1's lock expired = %v, %q, %v; want true", ok, holder, err)
	}
	if ok, _ := st.RefreshBroadcast(ctx, "b1", time.Minute); ok {
		t.Error("b1 refreshed a lock b2 holds")
	}
}

// TestBroadcastDraftOnlyItsAuthor: another staff member cannot take a
// draft; it stays for its author.
func TestBroadcastDraftOnlyItsAuthor(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if err := st.SaveBroadcastDraft(ctx, "b1", store.BroadcastDraft{Text: "hi", By: "U1"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{"U2", ""} {
		d, ok, err := st.TakeBroadcastDraft(ctx, "b1", by)
		if !errors.Is(err, flows.ErrNotAuthor) || ok || d.By != "U1" {
			t.Errorf("TakeBroadcastDraft as %q = %+v, %v, %v; want ErrNotAuthor naming U1", by, d, ok, err)
		}
	}
	if d, ok, err := st.TakeBroadcastDraft(ctx, "b1", "U1"); !ok || err != nil || d.Text != "hi" {
		t.Errorf("TakeBroadcastDraft by its author = %+v, %v, %v; want it", d, ok, err)
	}
}
