package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

func outgoing(f flows.FounderID, text string) flows.Outgoing {
	return flows.Outgoing{Founder: f, Reply: flows.Reply{Text: text}}
}

func TestOutboxRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	want := flows.Outgoing{Founder: "tg:7", Reply: flows.Reply{Text: "Hello <b>Salma</b>", FreeText: true,
		Buttons: [][]flows.Button{{{Label: "Yes", Data: "y"}, {Label: "No", Data: "n"}}, {{Label: "Later", Data: "l"}}}}}
	// Queued before any sender ever ran: the group must start at the
	// beginning of the stream, not at its end.
	if ok, err := st.Enqueue(ctx, "k1", want, "b1"); !ok || err != nil {
		t.Fatalf("Enqueue = %v, %v; want true, nil", ok, err)
	}
	msgs, err := st.ClaimOutgoing(ctx, "a", 10, 0, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ClaimOutgoing = %d messages, %v; want 1, nil", len(msgs), err)
	}
	m := msgs[0]
	if m.Key != "k1" || m.Tag != "b1" || m.Deliveries != 1 || m.ID == "" {
		t.Errorf("message = key %q, tag %q, deliveries %d, id %q; want k1, b1, 1, an id", m.Key, m.Tag, m.Deliveries, m.ID)
	}
	if diff := cmp.Diff(want, m.Outgoing); diff != "" {
		t.Errorf("outgoing (-want +got):\n%s", diff)
	}
	if again, err := st.ClaimOutgoing(ctx, "b", 10, 0, time.Minute); err != nil || len(again) != 0 {
		t.Errorf("second ClaimOutgoing = %d messages, %v; want none: the message is a's", len(again), err)
	}
	if err := st.FinishOutgoing(ctx, m, store.OutcomeSent); err != nil {
		t.Fatal(err)
	}
	if n, err := st.OutboxLen(ctx); err != nil || n != 0 {
		t.Errorf("OutboxLen after finish = %d, %v; want 0", n, err)
	}
	c, err := st.OutboxCounts(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.OutboxCounts{Queued: 1, Sent: 1}); c != want {
		t.Errorf("OutboxCounts = %+v; want %+v", c, want)
	}
}

// TestEnqueueIdempotent: 50 goroutines queue the same key at once; one message is queued.
func TestEnqueueIdempotent(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	const n = 50
	var wg sync.WaitGroup
	queued := make(chan bool, n)
	for i := range n {
		wg.Go(func() {
			ok, err := st.Enqueue(ctx, "remind:A-7F3K:nudge1", outgoing("tg:1", fmt.Sprint("try ", i)), "r")
			if err != nil {
				t.Error(err)
			}
			queued <- ok
		})
	}
	wg.Wait()
	close(queued)
	got := 0
	for ok := range queued {
		if ok {
			got++
		}
	}
	if got != 1 {
		t.Errorf("%d of %d Enqueue calls queued; want 1", got, n)
	}
	if n, err := st.OutboxLen(ctx); err != nil || n != 1 {
		t.Errorf("OutboxLen = %d, %v; want 1", n, err)
	}
	// Without a key nothing is deduplicated.
	for range 2 {
		if ok, err := st.Enqueue(ctx, "", outgoing("tg:1", "hi"), "r"); !ok || err != nil {
			t.Errorf("Enqueue without key = %v, %v; want true, nil", ok, err)
		}
	}
	if c, _ := st.OutboxCounts(ctx, "r"); c.Queued != 3 {
		t.Errorf("queued count = %d; want 3", c.Queued)
	}
}

// TestClaimConcurrent: five consumers drain 300 messages; each is taken exactly once.
func TestClaimConcurrent(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	const n = 300
	for i := range n {
		if _, err := st.Enqueue(ctx, fmt.Sprint("m", i), outgoing("tg:1", "x"), ""); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for c := range 5 {
		wg.Go(func() {
			for {
				msgs, err := st.ClaimOutgoing(ctx, fmt.Sprint("c", c), 7, 0, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(msgs) == 0 {
					return
				}
				mu.Lock()
				for _, m := range msgs {
					seen[m.Key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct messages claimed; want %d", len(seen), n)
	}
	for k, times := range seen {
		if times != 1 {
			t.Errorf("message %s claimed %d times; want 1", k, times)
		}
	}
}

// TestClaimFromCrashedConsumer: a takes messages and dies; b takes them
// over once they have been idle for minIdle, and not before.
func TestClaimFromCrashedConsumer(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	for i := range 3 {
		if _, err := st.Enqueue(ctx, fmt.Sprint("m", i), outgoing("tg:1", fmt.Sprint("text ", i)), ""); err != nil {
			t.Fatal(err)
		}
	}
	if msgs, err := st.ClaimOutgoing(ctx, "a", 10, 0, time.Minute); err != nil || len(msgs) != 3 {
		t.Fatalf("a claimed %d, %v; want 3", len(msgs), err)
	}
	const minIdle = 150 * time.Millisecond
	start := time.Now()
	var got []store.OutboxMessage
	for len(got) == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("b took nothing over within 5s")
		}
		// The short BLOCK paces the loop: nothing new is queued, so it waits.
		msgs, err := st.ClaimOutgoing(ctx, "b", 10, 20*time.Millisecond, minIdle)
		if err != nil {
			t.Fatal(err)
		}
		got = msgs
	}
	if waited := time.Since(start); waited < minIdle-20*time.Millisecond {
		t.Errorf("b took over after %v; want no sooner than minIdle %v", waited, minIdle)
	}
	if len(got) != 3 {
		t.Fatalf("b took over %d messages; want 3", len(got))
	}
	for i, m := range got {
		if m.Key != fmt.Sprint("m", i) || m.Deliveries != 2 || m.Outgoing.Reply.Text != fmt.Sprint("text ", i) {
			t.Errorf("message %d = %s, %d deliveries, %q; want m%d, 2, \"text %d\"", i, m.Key, m.Deliveries, m.Outgoing.Reply.Text, i, i)
		}
	}
	// Now b's: a, back from the dead, does not get them back before minIdle.
	if msgs, err := st.ClaimOutgoing(ctx, "a", 10, 0, minIdle); err != nil || len(msgs) != 0 {
		t.Errorf("a claimed %d, %v right after b; want none", len(msgs), err)
	}
}

func TestMarkSending(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	if _, err := st.Enqueue(ctx, "k", outgoing("tg:1", "x"), "t"); err != nil {
		t.Fatal(err)
	}
	msgs, err := st.ClaimOutgoing(ctx, "a", 1, 0, 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ClaimOutgoing = %d, %v; want 1", len(msgs), err)
	}
	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"mark", func() (bool, error) { return st.MarkSending(ctx, "k") }, true},
		{"mark while sending", func() (bool, error) { return st.MarkSending(ctx, "k") }, false},
		{"unmark", func() (bool, error) { return true, st.UnmarkSending(ctx, "k") }, true},
		{"mark after unmark", func() (bool, error) { return st.MarkSending(ctx, "k") }, true},
		{"finish", func() (bool, error) { return true, st.FinishOutgoing(ctx, msgs[0], store.OutcomeUnreachable) }, true},
		{"unmark after finish", func() (bool, error) { return true, st.UnmarkSending(ctx, "k") }, true},
		{"mark after finish", func() (bool, error) { return st.MarkSending(ctx, "k") }, false},
	}
	for _, s := range steps {
		if got, err := s.do(); err != nil || got != s.want {
			t.Fatalf("%s = %v, %v; want %v, nil", s.name, got, err, s.want)
		}
	}
	if c, _ := st.OutboxCounts(ctx, "t"); c != (store.OutboxCounts{Queued: 1, Unreachable: 1}) {
		t.Errorf("counts = %+v; want 1 queued, 1 unreachable", c)
	}
	// A key forgotten (expired) is sent rather than stuck.
	if ok, err := st.MarkSending(ctx, "never-queued"); !ok || err != nil {
		t.Errorf("MarkSending of an unknown key = %v, %v; want true, nil", ok, err)
	}
}

func TestAckOutgoing(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	for i := range 4 {
		if _, err := st.Enqueue(ctx, fmt.Sprint("k", i), outgoing("tg:1", "x"), "t"); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := st.ClaimOutgoing(ctx, "a", 4, 0, 0)
	if err != nil || len(msgs) != 4 {
		t.Fatalf("ClaimOutgoing = %d, %v; want 4", len(msgs), err)
	}
	if err := st.AckOutgoing(ctx, msgs[0].ID, msgs[1].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.OutboxLen(ctx); n != 2 {
		t.Errorf("OutboxLen = %d; want 2", n)
	}
	if c, _ := st.OutboxCounts(ctx, "t"); c != (store.OutboxCounts{Queued: 4}) {
		t.Errorf("counts = %+v; want only 4 queued: acks are not outcomes", c)
	}
}

func TestUnreachable(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	f, other := flows.FounderID("tg:9"), flows.FounderID("tg:10")
	if u, err := st.Unreachable(ctx, f); u || err != nil {
		t.Fatalf("Unreachable before = %v, %v; want false, nil", u, err)
	}
	if err := st.SetUnreachable(ctx, f); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.Unreachable(ctx, f); !u {
		t.Errorf("Unreachable after SetUnreachable = false; want true")
	}
	if u, _ := st.Unreachable(ctx, other); u {
		t.Errorf("another founder is unreachable too")
	}
	if err := st.ClearUnreachable(ctx, f); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.Unreachable(ctx, f); u {
		t.Errorf("Unreachable after ClearUnreachable = true; want false")
	}
}

func TestClaimBlockIsBounded(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	start := time.Now()
	msgs, err := st.ClaimOutgoing(ctx, "a", 5, 50*time.Millisecond, time.Minute)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("ClaimOutgoing on an empty outbox = %d, %v; want none", len(msgs), err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("ClaimOutgoing with a 50ms block took %v", took)
	}
	// A message queued while a claim waits wakes it.
	done := make(chan []store.OutboxMessage, 1)
	go func() {
		msgs, err := st.ClaimOutgoing(ctx, "a", 5, 5*time.Second, time.Minute)
		if err != nil {
			t.Error(err)
		}
		done <- msgs
	}()
	deadline := time.After(10 * time.Second)
	for {
		if _, err := st.Enqueue(ctx, "", outgoing("tg:1", "wake"), ""); err != nil {
			t.Fatal(err)
		}
		select {
		case msgs := <-done:
			if len(msgs) == 0 {
				t.Fatal("blocked claim returned nothing")
			}
			return
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("blocked claim did not return within 10s")
		}
	}
}

// TestTouchOutgoing: messages a keeps touching are not taken over, however
// long a holds them; once a stops, b takes them over, and a's touch does
// not take them back.
func TestTouchOutgoing(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	st := env.Store
	if _, err := st.Enqueue(ctx, "k", outgoing("tg:1", "x"), ""); err != nil {
		t.Fatal(err)
	}
	held, err := st.ClaimOutgoing(ctx, "a", 1, 0, 0)
	if err != nil || len(held) != 1 {
		t.Fatalf("a claimed %d, %v; want 1", len(held), err)
	}
	const minIdle = 150 * time.Millisecond
	start := time.Now()
	for time.Since(start) < 3*minIdle {
		if err := st.TouchOutgoing(ctx, "a", held[0].ID); err != nil {
			t.Fatal(err)
		}
		// The BLOCK paces the loop at a third of minIdle.
		msgs, err := st.ClaimOutgoing(ctx, "b", 1, minIdle/3, minIdle)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 0 {
			t.Fatalf("b took over a message a kept touching, after %v", time.Since(start))
		}
	}
	var got []store.OutboxMessage
	for len(got) == 0 {
		if time.Since(start) > 10*time.Second {
			t.Fatal("b took nothing over within 10s of a's last touch")
		}
		if got, err = st.ClaimOutgoing(ctx, "b", 1, 20*time.Millisecond, minIdle); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Deliveries != 2 {
		t.Errorf("deliveries after a's touches and b's claim = %d; want 2: touching is not delivering", got[0].Deliveries)
	}
	if err := st.TouchOutgoing(ctx, "a", held[0].ID); err != nil {
		t.Fatal(err)
	}
	p, err := env.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: env.Prefix + "{outbox}:stream", Group: "send",
		Start: "-", End: "+", Count: 10}).Result()
	if err != nil || len(p) != 1 || p[0].Consumer != "b" || p[0].RetryCount != 2 {
		t.Errorf("pending after a's late touch = %+v, %v; want the message with b, delivered twice", p, err)
	}
}

// TestOutboxDocument: a message with a document is one entry under one
// key; its parts are marked one after the other, the document only once
// the text went, each once, whoever sends them.
func TestOutboxDocument(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t).Store
	o := outgoing("tg:1", "Your session is cancelled.")
	o.Document = &flows.Document{Name: "office-hours-B-1.ics", MIME: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\n"), Caption: "<b>x</b>"}
	for i, want := range []bool{true, false} {
		if ok, err := st.Enqueue(ctx, "oh:1", o, "t"); ok != want || err != nil {
			t.Fatalf("Enqueue #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	msgs, err := st.ClaimOutgoing(ctx, "a", 10, 0, 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ClaimOutgoing = %d, %v; want the one entry", len(msgs), err)
	}
	if diff := cmp.Diff(o, msgs[0].Outgoing); diff != "" {
		t.Errorf("queued message (-sent +got):\n%s", diff)
	}
	type step struct {
		name string
		do   func() (int, bool, error)
		part int
		ok   bool
	}
	mark := func() (int, bool, error) { return st.MarkSendingPart(ctx, "oh:1") }
	steps := []step{
		{name: "mark", do: mark, part: 0, ok: true},
		{name: "mark while sending the text", do: mark, ok: false},
		{name: "unmark", do: func() (int, bool, error) { return 0, true, st.UnmarkSending(ctx, "oh:1") }, ok: true},
		{name: "mark again", do: mark, part: 0, ok: true},
		{name: "text sent", do: func() (int, bool, error) { ok, err := st.MarkTextSent(ctx, "oh:1"); return 0, ok, err }, ok: true},
		{name: "text sent twice", do: func() (int, bool, error) { ok, err := st.MarkTextSent(ctx, "oh:1"); return 0, ok, err }, ok: false},
		{name: "mark the document", do: mark, part: 1, ok: true},
		{name: "mark while sending the document", do: mark, ok: false},
		{name: "unmark the document", do: func() (int, bool, error) { return 1, true, st.UnmarkSending(ctx, "oh:1") }, part: 1, ok: true},
		{name: "mark the document again", do: mark, part: 1, ok: true},
		{name: "finish", do: func() (int, bool, error) { return 0, true, st.FinishOutgoing(ctx, msgs[0], store.OutcomeSent) }, ok: true},
		{name: "mark after finish", do: mark, ok: false},
	}
	for _, s := range steps {
		part, ok, err := s.do()
		if err != nil || ok != s.ok || (ok && part != s.part) {
			t.Fatalf("%s = %d, %v, %v; want %d, %v", s.name, part, ok, err, s.part, s.ok)
		}
	}
	// MarkSending, for keys that have no parts, never takes a document.
	if _, err := st.Enqueue(ctx, "oh:2", o, "t"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.MarkSendingPart(ctx, "oh:2"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.MarkTextSent(ctx, "oh:2"); !ok || err != nil {
		t.Fatalf("MarkTextSent = %v, %v", ok, err)
	}
	if ok, err := st.MarkSending(ctx, "oh:2"); ok || err != nil {
		t.Errorf("MarkSending of a message whose text went = %v, %v; want false", ok, err)
	}
}
