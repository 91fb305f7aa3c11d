package slack

import (
	"context"
	"strings"
	"testing"
)

// TestBroadcastDraftOnlyItsAuthor checks the review's finding: a
// broadcast draft was not tied to its author, so any staff member with
// its ID could send or cancel it. Others now get an ephemeral refusal
// and the draft stays for its author.
func TestBroadcastDraftOnlyItsAuthor(t *testing.T) {
	e := newEnv(t)
	e.withBroadcast()
	e.runOutbox()
	e.apply(2001, "founder", answers("Acme"))
	_, id := e.preview(alice, "broadcast sector=mobility Hi")

	e.press(bob, actionBroadcastConfirm, id)
	e.press(bob, actionBroadcastCancel, id)
	e.staff.Wait()
	got := e.slack.WaitEphemeral(t, bob, 2, wait)
	for i, h := range got {
		if h.Channel != staffChannel || !strings.Contains(h.Text, "Only <@"+alice+">") {
			t.Errorf("bob's press %d answered %+v; want a refusal naming the author", i, h)
		}
	}
	if n := len(e.slack.Posted()); n != 0 {
		t.Errorf("bob's press posted %d messages; want none", n)
	}
	if running, err := e.store.Store.RunningBroadcast(context.Background()); running != "" || err != nil {
		t.Errorf("after a refused press the lock is held by %q (%v)", running, err)
	}

	e.press(alice, actionBroadcastConfirm, id)
	if h := e.hooks.wait(t, alice, 1)[0]; !strings.Contains(h.Text, "`"+id+"` is on its way") {
		t.Errorf("alice's Send answered %q; want the broadcast started", h.Text)
	}
	if m := e.tg.WaitMessages(t, 2001, 1, wait); !strings.Contains(m[0].Plain, "Hi") {
		t.Errorf("founder got %+v; want the broadcast", m)
	}
}
