package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// TestInboxOrderAndLease: a chat's updates come out in update_id order
// whatever order they were stored in, a redelivered one is stored once,
// only one worker holds the chat, and the chat leaves the ready set once
// its mailbox is empty.
func TestInboxOrderAndLease(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	ups := []flows.InboxUpdate{{Chat: "tg:7", ID: 12, Data: []byte(`{"update_id":12}`)},
		{Chat: "tg:7", ID: 11, Data: []byte(`{"update_id":11}`)}, {Chat: "tg:8", ID: 13, Data: []byte(`{"update_id":13}`)},
		{Chat: "tg:7", ID: 12, Data: []byte(`{"update_id":12}`)}}
	got, err := st.StoreUpdates(ctx, ups, flows.InboxLimit{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []flows.Admission{flows.Stored, flows.Stored, flows.Stored, flows.Stored}; !cmp.Equal(admissions(got), want) {
		t.Errorf("admissions = %v; want %v", got, want)
	}
	if n, _ := st.InboxLen(ctx, "tg:7"); n != 2 {
		t.Errorf("tg:7 holds %d updates; want 2 (12 was delivered twice)", n)
	}
	ready, err := st.ReadyChats(ctx, 10)
	if err != nil || len(ready) != 2 {
		t.Fatalf("ready = %v, %v; want both chats", ready, err)
	}

	a := &flows.ChatLease{Chat: "tg:7", Holder: "worker-a", TTL: 5 * time.Second}
	b := &flows.ChatLease{Chat: "tg:7", Holder: "worker-b", TTL: 5 * time.Second}
	item, ok, err := st.ClaimChat(ctx, a)
	if err != nil || !ok || item.ID != 11 || string(item.Data) != `{"update_id":11}` {
		t.Fatalf("claim = %+v, %v, %v; want update 11", item, ok, err)
	}
	if _, _, err := st.ClaimChat(ctx, b); !errors.Is(err, flows.ErrLeaseLost) {
		t.Errorf("second worker's claim = %v; want ErrLeaseLost", err)
	}
	if ready, _ := st.ReadyChats(ctx, 10); !cmp.Equal(ready, []string{"tg:8"}) {
		t.Errorf("ready while tg:7 is leased = %v; want only tg:8", ready)
	}
	item, ok, err = st.AckUpdate(ctx, a, 11)
	if err != nil || !ok || item.ID != 12 {
		t.Fatalf("ack 11 = %+v, %v, %v; want update 12 next", item, ok, err)
	}
	if _, ok, err = st.AckUpdate(ctx, a, 12); ok || err != nil {
		t.Fatalf("ack 12 = %v, %v; want an empty mailbox", ok, err)
	}
	if err := st.ChatDone(ctx, a); err != nil {
		t.Fatal(err)
	}
	// Released: the other worker may take the chat, and finds nothing.
	if _, ok, err := st.ClaimChat(ctx, b); ok || err != nil {
		t.Errorf("claim of the empty chat = %v, %v; want nothing, no error", ok, err)
	}
	if ready, _ := st.ReadyChats(ctx, 10); !cmp.Equal(ready, []string{"tg:8"}) {
		t.Errorf("ready = %v; want only tg:8", ready)
	}
}

// TestInboxUpdateAfterRelease: an update stored while its chat's worker
// finishes keeps the chat ready.
func TestInboxUpdateAfterRelease(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if _, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:7", ID: 1, Data: []byte("1")}}, flows.InboxLimit{}, nil); err != nil {
		t.Fatal(err)
	}
	a := &flows.ChatLease{Chat: "tg:7", Holder: "a", TTL: 5 * time.Second}
	if _, ok, err := st.ClaimChat(ctx, a); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, ok, err := st.AckUpdate(ctx, a, 1); ok || err != nil {
		t.Fatal(ok, err)
	}
	time.Sleep(2 * time.Millisecond) // scores are milliseconds
	if _, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:7", ID: 2, Data: []byte("2")}}, flows.InboxLimit{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.ChatDone(ctx, a); err != nil {
		t.Fatal(err)
	}
	if ready, _ := st.ReadyChats(ctx, 10); !cmp.Equal(ready, []string{"tg:7"}) {
		t.Errorf("ready = %v; want tg:7, which has update 2", ready)
	}
}

// TestInboxLimit: past the limit one update is kept to be answered "slow
// down" and the rest are dropped.
func TestInboxLimit(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	var ups []flows.InboxUpdate
	for i := range 6 {
		ups = append(ups, flows.InboxUpdate{Chat: "tg:9", ID: int64(100 + i), Data: []byte("x")})
	}
	got, err := st.StoreUpdates(ctx, ups, flows.InboxLimit{Max: 3, Window: 10 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []flows.Admission{flows.Stored, flows.Stored, flows.Stored, flows.SlowDown, flows.Dropped, flows.Dropped}
	if !cmp.Equal(admissions(got), want) {
		t.Errorf("admissions = %v; want %v", admissions(got), want)
	}
	l := &flows.ChatLease{Chat: "tg:9", Holder: "w", TTL: time.Second}
	item, _, _ := st.ClaimChat(ctx, l)
	for _, id := range []int64{100, 101, 102} {
		if item.ID != id || item.SlowDown {
			t.Fatalf("item = %+v; want %d, not slow-down", item, id)
		}
		item, _, _ = st.AckUpdate(ctx, l, id)
	}
	if item.ID != 103 || !item.SlowDown {
		t.Errorf("item = %+v; want 103 marked slow-down", item)
	}
}

// TestJournal: the replies saved with an update are read back, marked
// sent by the ack, and an applied and answered update is not stored again.
func TestJournal(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f := flows.FounderID("tg:5")
	out := &flows.Result{Replies: []flows.Reply{{Text: "Hi <b>x</b>", Buttons: [][]flows.Button{{{Label: "A", Data: "a"}}}}},
		Notice: "ok", Notifications: []flows.Notification{flows.Document{Name: "b.ics", MIME: "text/calendar", Data: []byte("BEGIN")}}}
	if _, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:5", ID: 40, Data: []byte("u")}}, flows.InboxLimit{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSession(ctx, f, "40", 0, flows.Session{Step: "x"}, nil, out); err != nil {
		t.Fatal(err)
	}
	res, sent, found, err := st.Journal(ctx, f, "40")
	if err != nil || !found || sent {
		t.Fatalf("journal = %v, %v, %v; want found, not sent", sent, found, err)
	}
	if diff := cmp.Diff(out.Replies, res.Replies); diff != "" || res.Notice != "ok" || len(res.Documents()) != 1 || string(res.Documents()[0].Data) != "BEGIN" {
		t.Errorf("journal differs: %s %+v", diff, res)
	}
	// Applied but not sent: a redelivery is kept, so it gets answered.
	if got, _ := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:5", ID: 40, Data: []byte("u")}}, flows.InboxLimit{}, nil); got[0].Admission != flows.Stored {
		t.Errorf("redelivery before sending = %v; want Stored", got[0])
	}
	l := &flows.ChatLease{Chat: "tg:5", Holder: "w", TTL: time.Second}
	if _, _, err := st.ClaimChat(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AckUpdate(ctx, l, 40); err != nil {
		t.Fatal(err)
	}
	if _, sent, _, _ := st.Journal(ctx, f, "40"); !sent {
		t.Error("journal not marked sent after the ack")
	}
	if got, _ := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:5", ID: 40, Data: []byte("u")}}, flows.InboxLimit{}, nil); got[0].Admission != flows.Done {
		t.Errorf("redelivery after sending = %v; want Done", got[0])
	}
	if _, _, found, _ := st.Journal(ctx, f, "41"); found {
		t.Error("journal of an unknown update found")
	}
}

// TestLead: one holder at a time; another takes over once it resigned.
func TestLead(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if ok, err := st.Lead(ctx, "poller", "a", time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, _ := st.Lead(ctx, "poller", "b", time.Second); ok {
		t.Error("b leads while a does")
	}
	if ok, _ := st.Lead(ctx, "poller", "a", time.Second); !ok {
		t.Error("a cannot renew")
	}
	if err := st.Resign(ctx, "poller", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Lead(ctx, "poller", "b", time.Second); !ok {
		t.Error("b cannot lead after a resigned")
	}
}

func admissions(rs []flows.StoreResult) []flows.Admission {
	out := make([]flows.Admission, len(rs))
	for i, r := range rs {
		out[i] = r.Admission
	}
	return out
}

// TestStoreAndClaim: storing with a holder takes a free chat at once and
// returns its first update; a chat held by another is left to it.
func TestStoreAndClaim(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	me := &flows.ChatLease{Holder: "me", TTL: 5 * time.Second}
	got, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:3", ID: 8, Data: []byte("8")}, {Chat: "tg:3", ID: 9, Data: []byte("9")}}, flows.InboxLimit{}, me)
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Claimed || got[0].First.ID != 8 || string(got[0].First.Data) != "8" || got[1].Claimed {
		t.Fatalf("store and claim = %+v; want the chat claimed with update 8 first, once", got)
	}
	other := &flows.ChatLease{Holder: "other", TTL: 5 * time.Second}
	got, _ = st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:3", ID: 10, Data: []byte("10")}}, flows.InboxLimit{}, other)
	if got[0].Claimed {
		t.Error("another holder claimed a held chat")
	}
	l := &flows.ChatLease{Chat: "tg:3", Holder: "me", TTL: 5 * time.Second}
	l.Due.Store(got[0].Due)
	for _, want := range []int64{9, 10} {
		it, ok, err := st.AckUpdate(ctx, l, want-1)
		if err != nil || !ok || it.ID != want {
			t.Fatalf("ack %d = %+v, %v, %v; want %d next", want-1, it, ok, err, want)
		}
	}
	if ready, _ := st.ReadyChats(ctx, 10); len(ready) != 0 {
		t.Errorf("ready = %v; want none while the chat is held", ready)
	}
}

// TestWaitChat: a chat stored without a claim is handed to one waiter.
func TestWaitChat(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if c, err := st.WaitChat(ctx, 20*time.Millisecond); c != "" || err != nil {
		t.Fatalf("wait on nothing = %q, %v; want nothing after the timeout", c, err)
	}
	if _, err := st.StoreUpdates(ctx, []flows.InboxUpdate{{Chat: "tg:4", ID: 1, Data: []byte("1")}}, flows.InboxLimit{}, nil); err != nil {
		t.Fatal(err)
	}
	if c, err := st.WaitChat(ctx, time.Second); c != "tg:4" || err != nil {
		t.Errorf("wait = %q, %v; want tg:4", c, err)
	}
	if c, _ := st.WaitChat(ctx, 20*time.Millisecond); c != "" {
		t.Errorf("second wait = %q; want nothing: the chat was handed once", c)
	}
}
