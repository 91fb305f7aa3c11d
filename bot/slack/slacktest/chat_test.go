package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"
)

func TestPostMessageAndUpdate(t *testing.T) {
	s := New(t)
	api := client(s)
	ctx := t.Context()

	ch, ts, err := api.PostMessageContext(ctx, "C0STAFF", slackapi.MsgOptionText("New application A-7F3K", false),
		slackapi.MsgOptionBlocks(section("*Acme* applied")))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if ch != "C0STAFF" || ts == "" {
		t.Fatalf("PostMessage = %q, %q; want C0STAFF and a ts", ch, ts)
	}
	_, replyTS, msg, err := api.PostMessageWithResponseContext(ctx, "C0STAFF", slackapi.MsgOptionText("reply", false), slackapi.MsgOptionTS(ts))
	if err != nil {
		t.Fatalf("PostMessage reply: %v", err)
	}
	if msg.ThreadTimestamp != ts || msg.Text != "reply" || msg.Timestamp != replyTS {
		t.Errorf("reply message = %+v; want text reply in thread %s", msg.Msg, ts)
	}

	_, _, text, err := api.UpdateMessageContext(ctx, "C0STAFF", ts, slackapi.MsgOptionText("A-7F3K accepted", false),
		slackapi.MsgOptionBlocks(section("*Acme* accepted")))
	if err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	if text != "A-7F3K accepted" {
		t.Errorf("UpdateMessage text = %q", text)
	}

	got := s.Messages("C0STAFF")
	if len(got) != 2 {
		t.Fatalf("Messages(C0STAFF) = %+v; want 2", got)
	}
	if got[0].Text != "A-7F3K accepted" || got[0].Updates != 1 || !strings.Contains(string(got[0].Blocks), "*Acme* accepted") {
		t.Errorf("updated message = %+v (blocks %s)", got[0], got[0].Blocks)
	}
	var blocks slackapi.Blocks
	if err := json.Unmarshal(got[0].Blocks, &blocks); err != nil || len(blocks.BlockSet) != 1 || blocks.BlockSet[0].BlockType() != slackapi.MBTSection {
		t.Errorf("recorded blocks %s do not decode to one section: %v", got[0].Blocks, err)
	}
	if got[1].ThreadTS != ts || got[1].Blocks != nil {
		t.Errorf("reply = %+v; want thread %s without blocks", got[1], ts)
	}
	if len(s.Messages("C0OTHER")) != 0 || len(s.Posted()) != 2 {
		t.Errorf("Messages(C0OTHER) = %v, Posted() = %d messages", s.Messages("C0OTHER"), len(s.Posted()))
	}

	_, _, _, err = api.UpdateMessageContext(ctx, "C0STAFF", "1.000001", slackapi.MsgOptionText("x", false))
	if got := slackError(t, err); got != "message_not_found" {
		t.Errorf("update of unknown ts: %q; want message_not_found", got)
	}
	_, _, _, err = api.UpdateMessageContext(ctx, "C0OTHER", ts, slackapi.MsgOptionText("x", false))
	if got := slackError(t, err); got != "message_not_found" {
		t.Errorf("update in wrong channel: %q; want message_not_found", got)
	}
	_, _, err = api.PostMessageContext(ctx, "C0STAFF")
	if got := slackError(t, err); got != "no_text" {
		t.Errorf("empty message: %q; want no_text", got)
	}
}

func TestPostedIsACopy(t *testing.T) {
	s := New(t)
	if _, _, err := client(s).PostMessageContext(t.Context(), "C1", slackapi.MsgOptionBlocks(section("x"))); err != nil {
		t.Fatal(err)
	}
	p := s.Posted()
	p[0].Text = "changed"
	p[0].Blocks[0] = '!'
	if again := s.Posted(); again[0].Text != "" || again[0].Blocks[0] != '[' {
		t.Errorf("Posted() shares state with the fake: %+v", again[0])
	}
}

func TestPostEphemeral(t *testing.T) {
	s := New(t, WithChannel("C0STAFF", "U1", "U2"))
	api := client(s)
	ts, err := api.PostEphemeralContext(t.Context(), "C0STAFF", "U1", slackapi.MsgOptionText("Only you can see this", false))
	if err != nil || ts == "" {
		t.Fatalf("PostEphemeral = %q, %v", ts, err)
	}
	want := []Ephemeral{{Channel: "C0STAFF", User: "U1", TS: ts, Text: "Only you can see this"}}
	if diff := cmp.Diff(want, s.Ephemeral("U1")); diff != "" {
		t.Errorf("Ephemeral(U1) mismatch (-want +got):\n%s", diff)
	}
	if len(s.Ephemeral("U2")) != 0 || len(s.Posted()) != 0 {
		t.Errorf("ephemeral leaked: U2 %v, posted %v", s.Ephemeral("U2"), s.Posted())
	}
	_, err = api.PostEphemeralContext(t.Context(), "C0STAFF", "U9", slackapi.MsgOptionText("x", false))
	if got := slackError(t, err); got != "user_not_in_channel" {
		t.Errorf("ephemeral to non-member: %q; want user_not_in_channel", got)
	}
}

func TestWaitPostedWakesOnPost(t *testing.T) {
	s := New(t)
	api := client(s)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, _, err := api.PostMessageContext(context.Background(), fmt.Sprintf("C%d", i%3), slackapi.MsgOptionText(fmt.Sprint(i), false))
			errs <- err
		})
	}
	got := s.WaitPosted(t, n, waitFor)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent post: %v", err)
		}
	}
	if len(got) != n {
		t.Errorf("WaitPosted returned %d messages; want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m.TS] {
			t.Errorf("duplicate ts %s", m.TS)
		}
		seen[m.TS] = true
	}
}

func TestWaitEphemeral(t *testing.T) {
	s := New(t)
	api := client(s)
	done := make(chan error, 1)
	go func() {
		_, err := api.PostEphemeralContext(context.Background(), "C1", "U1", slackapi.MsgOptionText("psst", false))
		done <- err
	}()
	got := s.WaitEphemeral(t, "U1", 1, waitFor)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got[0].Text != "psst" {
		t.Errorf("WaitEphemeral = %+v", got)
	}
}
