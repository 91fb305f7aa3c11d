package slack

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

const founderChat = 1001

func TestSubmittedPostsBlockKitMessage(t *testing.T) {
	e := newEnv(t)
	ans := answers("Acme <!channel> & Co")
	ans["pitch"] = "Scooters for <@U0ALICE> and everyone > 18 years old."
	a := e.apply(founderChat, "youssef_ea", ans)
	e.staff.Submitted(context.Background(), a)
	e.staff.Wait()

	msgs := e.slack.Messages(staffChannel)
	if len(msgs) != 1 {
		t.Fatalf("staff channel has %d messages; want 1", len(msgs))
	}
	m := msgs[0]
	text := texts(m.Blocks)
	for _, want := range []string{
		"*Acme &lt;!channel&gt; &amp; Co* · application `" + a.ID + "`",
		"Scooters for &lt;@U0ALICE&gt; and everyone &gt; 18 years old.",
		"*E-mail*\n`youssef@acme.io`", "*Sector*\nMobility", "*Stage*\nScaling", "*Team size*\n12",
		"<https://t.me/youssef_ea|@youssef_ea>", "*Submitted* · submitted on ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "<!channel>") || strings.Contains(m.Text, "<!channel>") {
		t.Errorf("founder text can ping the channel:\n%s", text)
	}
	if got, want := actionIDs(m.Blocks), []string{actionShortlist, actionAccept, actionReject, actionAsk}; !slices.Equal(got, want) {
		t.Errorf("buttons %v; want %v", got, want)
	}
	if got := e.app(a.ID); got.StaffChannel != staffChannel || got.StaffTS != m.TS {
		t.Errorf("staff message recorded at %s/%s; want %s/%s", got.StaffChannel, got.StaffTS, staffChannel, m.TS)
	}

	// Submitting again (a replayed event) updates the message, it does not post another.
	e.staff.Submitted(context.Background(), a)
	e.staff.Wait()
	if n := len(e.slack.Messages(staffChannel)); n != 1 {
		t.Errorf("after a second Submitted the channel has %d messages; want 1", n)
	}
}

func TestAcceptButton(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")

	if code, body := e.click(alice, actionAccept, a); code != http.StatusOK || body != "" {
		t.Fatalf("block_actions answered %d %q; want 200 and an empty body", code, body)
	}
	e.staff.Wait()

	got := e.app(a.ID)
	if got.Status != flows.StatusAccepted || len(got.Audit) != 1 || got.Audit[0].By != "slack:"+alice {
		t.Fatalf("application %s by %+v; want accepted by slack:%s", got.Status, got.Audit, alice)
	}
	m := e.message(a.StaffTS)
	if m.Updates != 1 {
		t.Errorf("staff message updated %d times; want 1", m.Updates)
	}
	if text := texts(m.Blocks); !strings.Contains(text, "*Accepted* · by <@"+alice+"> on ") {
		t.Errorf("updated message does not say who accepted:\n%s", text)
	}
	if ids := actionIDs(m.Blocks); len(ids) != 0 {
		t.Errorf("accepted application still has buttons %v", ids)
	}
	tg := e.tg.WaitMessages(t, founderChat, 1, wait)
	last := tg[len(tg)-1]
	if !strings.Contains(last.Plain, "Congratulations") || !strings.Contains(last.Plain, "Kick-off on Monday.") {
		t.Errorf("founder was told %q; want the acceptance with next steps", last.Plain)
	}
}

func TestRejectThroughModal(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")

	if code, _ := e.click(bob, actionReject, a); code != http.StatusOK {
		t.Fatalf("block_actions answered %d", code)
	}
	views := e.slack.WaitViews(t, 1, wait)
	v := views[0]
	if v.TriggerID != "trigger-"+bob {
		t.Errorf("modal opened with trigger %q", v.TriggerID)
	}
	for _, want := range []string{`"callback_id":"app_reject"`, `"private_metadata":"` + a.ID + `"`} {
		if !strings.Contains(string(v.View), want) {
			t.Errorf("modal lacks %s: %s", want, v.View)
		}
	}
	if text := texts(v.View); !strings.Contains(text, "Reject "+a.ID) || !strings.Contains(text, "Feedback for the founder") {
		t.Errorf("modal texts:\n%s", text)
	}
	if got := e.app(a.ID).Status; got != flows.StatusSubmitted {
		t.Fatalf("opening the modal changed the status to %s", got)
	}

	reason := "Too early for us: come back with <b>paying</b> users & a pilot."
	if code, body := e.submitModal(bob, actionReject, a.ID, reason); code != http.StatusOK || body != "" {
		t.Fatalf("view_submission answered %d %q; want 200 and an empty body (the modal closes)", code, body)
	}
	e.staff.Wait()

	got := e.app(a.ID)
	if got.Status != flows.StatusRejected || got.Audit[0].Note != reason {
		t.Fatalf("application %s with audit %+v; want rejected with the reason", got.Status, got.Audit)
	}
	tg := e.tg.WaitMessages(t, founderChat, 1, wait)
	if last := tg[len(tg)-1].Plain; !strings.Contains(last, reason) {
		t.Errorf("founder was told %q; want the reason %q", last, reason)
	}
	text := texts(e.message(a.StaffTS).Blocks)
	if !strings.Contains(text, "> Too early for us: come back with &lt;b&gt;paying&lt;/b&gt; users &amp; a pilot.") {
		t.Errorf("staff message does not show the escaped reason:\n%s", text)
	}
}

func TestRequestInfoAndAnswer(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")

	e.click(alice, actionAsk, a)
	v := e.slack.WaitViews(t, 1, wait)[0]
	if !strings.Contains(string(v.View), `"callback_id":"app_ask"`) {
		t.Fatalf("modal is not the question's: %s", v.View)
	}
	// The question is required; the modal says so and stays open.
	code, body := e.submitModal(alice, actionAsk, a.ID, "  ")
	if code != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "Please type the question.") {
		t.Fatalf("empty question answered %d %s; want the modal's error", code, body)
	}
	e.submitModal(alice, actionAsk, a.ID, "How many pilot users do you have?")
	e.staff.Wait()
	tg := e.tg.WaitMessages(t, founderChat, 1, wait)
	if last := tg[len(tg)-1].Plain; !strings.Contains(last, "How many pilot users do you have?") {
		t.Fatalf("founder was asked %q", last)
	}
	if ids := actionIDs(e.message(a.StaffTS).Blocks); !slices.Equal(ids, []string{actionAccept, actionReject}) {
		t.Errorf("buttons while waiting for the answer: %v; want accept and reject", ids)
	}

	// The founder's next message answers; the transport hands it to Answered.
	res, err := e.eng.Handle(context.Background(), flows.Event{Founder: a.Founder, Kind: flows.KindText, Text: "120 students <!here>"})
	if err != nil || application.AnsweredIn(res) == nil {
		t.Fatalf("answer not recorded: %v, %+v", err, res)
	}
	e.staff.Answered(context.Background(), *application.AnsweredIn(res))
	e.staff.Wait()

	var thread []string
	for _, m := range e.slack.Messages(staffChannel) {
		if m.ThreadTS == a.StaffTS {
			thread = append(thread, texts(m.Blocks))
		}
	}
	want := []string{"@youssef_ea answered the question about *" + a.ID + "*:\n> 120 students &lt;!here&gt;"}
	if diff := cmp.Diff(want, thread); diff != "" {
		t.Errorf("thread replies (-want +got):\n%s", diff)
	}
	text := texts(e.message(a.StaffTS).Blocks)
	for _, w := range []string{"<@" + alice + "> asked on ", "> How many pilot users do you have?", "The founder answered on ", "> 120 students &lt;!here&gt;", "*Submitted* · by @youssef_ea on "} {
		if !strings.Contains(text, w) {
			t.Errorf("staff message lacks %q:\n%s", w, text)
		}
	}
	if ids := actionIDs(e.message(a.StaffTS).Blocks); len(ids) != 4 {
		t.Errorf("buttons after the answer: %v; want all four again", ids)
	}
}

func TestNonStaffIsRefused(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")

	// Not in the staff channel: the ephemeral cannot go there, so it comes
	// through the response_url.
	e.click(mallory, actionAccept, a)
	e.click(mallory, actionReject, a)
	e.staff.Wait()
	for _, p := range e.hooks.wait(t, mallory, 2) {
		if p.ResponseType != "ephemeral" || p.ReplaceOriginal || !strings.Contains(p.Text, "only the hub's staff") {
			t.Errorf("mallory was told %+v; want an ephemeral refusal", p)
		}
	}
	code, body := e.submitModal(mallory, actionReject, a.ID, "no")
	if code != http.StatusOK || !strings.Contains(body, "only the hub") {
		t.Errorf("view_submission by mallory answered %d %s", code, body)
	}
	_, body = e.command(mallory, "accept "+a.ID)
	if !strings.Contains(body, "only the hub") || !strings.Contains(body, `"response_type":"ephemeral"`) {
		t.Errorf("slash command by mallory answered %s", body)
	}
	e.staff.Wait()

	if got := e.app(a.ID); got.Status != flows.StatusSubmitted || len(got.Audit) != 0 {
		t.Errorf("application is %s with audit %+v; want untouched", got.Status, got.Audit)
	}
	if n := len(e.slack.Views()); n != 0 {
		t.Errorf("%d modals opened for mallory", n)
	}
	if m := e.message(a.StaffTS); m.Updates != 0 {
		t.Errorf("staff message updated %d times", m.Updates)
	}
	if n := len(e.tg.Messages(founderChat)); n != 0 {
		t.Errorf("founder got %d messages", n)
	}
}

func TestNonStaffInChannelIsRefused(t *testing.T) {
	e := newEnv(t, withStaffUsers(alice, bob))
	a, _ := e.submitted(founderChat, "Acme Mobility")
	e.click(mallory, actionAccept, a)
	e.staff.Wait()
	eph := e.slack.WaitEphemeral(t, mallory, 1, wait)
	if !strings.Contains(eph[0].Text, "only the hub's staff") || eph[0].Channel != staffChannel {
		t.Errorf("mallory was shown %+v", eph[0])
	}
	if got := e.app(a.ID).Status; got != flows.StatusSubmitted {
		t.Errorf("status %s; want submitted", got)
	}
	if n := e.slack.Calls("conversations.members"); n != 0 {
		t.Errorf("SLACK_STAFF_USERS is set, yet conversations.members was called %d times", n)
	}
}

// TestConcurrentDecisions races two staff members on one application
// (Accept against Accept, and Accept against Reject):
// exactly one decision is applied and told to the founder; the other
// staff member is told who won.
func TestConcurrentDecisions(t *testing.T) {
	e := newEnv(t)
	for round, second := range []string{"button", "modal", "button", "modal"} {
		a, _ := e.submitted(founderChat+int64(round), "Race "+second)
		before := map[string]int{alice: len(e.slack.Ephemeral(alice)), bob: len(e.slack.Ephemeral(bob))}
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			e.click(alice, actionAccept, a)
		})
		wg.Go(func() {
			<-start
			if second == "button" {
				e.click(bob, actionAccept, a)
			} else {
				e.submitModal(bob, actionReject, a.ID, "Not this cohort.")
			}
		})
		close(start)
		wg.Wait()
		e.staff.Wait()

		got := e.app(a.ID)
		if len(got.Audit) != 1 {
			t.Fatalf("round %d: %d transitions %+v; want exactly 1", round, len(got.Audit), got.Audit)
		}
		winner, loser := alice, bob
		if got.Audit[0].By == "slack:"+bob {
			winner, loser = bob, alice
		}
		if n := len(e.tg.WaitMessages(t, founderChat+int64(round), 1, wait)); n != 1 {
			t.Errorf("round %d: founder got %d messages; want 1", round, n)
		}
		eph := e.slack.WaitEphemeral(t, loser, before[loser]+1, wait)
		want := "was already " + map[flows.Status]string{flows.StatusAccepted: "accepted",
			flows.StatusRejected: "rejected"}[got.Status] + " by <@" + winner + ">"
		if text := eph[len(eph)-1].Text; !strings.Contains(text, want) {
			t.Errorf("round %d: loser %s was told %q; want %q", round, loser, text, want)
		}
		if n := len(e.slack.Ephemeral(winner)) - before[winner]; n != 0 {
			t.Errorf("round %d: winner got %d notices", round, n)
		}
	}
}
