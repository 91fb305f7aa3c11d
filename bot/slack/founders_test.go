package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/privacy"
)

// withFounders wires the directory and erasure on the test's store.
func (e *env) withFounders() {
	var parts []privacy.Part
	for _, p := range e.store.Store.DataParts() {
		parts = append(parts, p)
	}
	e.staff.SetFounders(e.store.Store, privacy.New(parts, nil, e.store.Store, nil))
}

func (e *env) seen(f flows.FounderID, name, handle string, at time.Time) {
	e.t.Helper()
	if err := e.store.Store.SeenFounder(context.Background(), f, flows.Founder{Name: name, Handle: handle, Lang: "en"}, at); err != nil {
		e.t.Fatal(err)
	}
}

func TestFoundersList(t *testing.T) {
	e := newEnv(t)
	e.withFounders()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e.seen("tg:2001", "Salma", "salma", at)
	e.seen("tg:2002", "Omar <!channel>", "omar", at.Add(time.Hour))
	if err := e.store.Store.SetUnreachable(context.Background(), "tg:2002"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter    string
		want, not []string
	}{
		{"", []string{"2 match", "Salma", "@salma", "`tg:2001`", "Omar &lt;!channel&gt;", "blocked the bot"}, []string{"<!channel>"}},
		{" blocked", []string{"1 match", "Omar"}, []string{"Salma"}},
		{" SAL", []string{"1 match", "Salma"}, []string{"Omar"}},
		{" nobody", []string{"0 match"}, []string{"Salma", "Omar"}},
	} {
		code, body := e.command(alice, "founders"+tc.filter)
		text := texts([]byte(body))
		if code != http.StatusOK {
			t.Fatalf("founders%s: %d %s", tc.filter, code, body)
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("founders%s = %q; want %q in it", tc.filter, text, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(text, w) {
				t.Errorf("founders%s = %q; want no %q", tc.filter, text, w)
			}
		}
	}
	// Newest first.
	_, body := e.command(alice, "founders")
	if text := texts([]byte(body)); strings.Index(text, "Omar") > strings.Index(text, "Salma") {
		t.Errorf("founders = %q; want the most recently seen first", text)
	}
}

// TestBroadcastEveryone: `broadcast everyone` reaches founders who only
// started the bot, not those who blocked it, and the preview says so.
func TestBroadcastEveryone(t *testing.T) {
	e := newEnv(t)
	e.withBroadcast()
	e.withFounders()
	e.runOutbox()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e.seen("tg:2001", "Salma", "salma", at) // never applied
	e.seen("tg:2002", "Omar", "omar", at)
	if err := e.store.Store.SetUnreachable(context.Background(), "tg:2002"); err != nil {
		t.Fatal(err)
	}
	e.apply(2005, "nadia", answers("Zed")) // applied before the directory began: not in it
	preview, id := e.preview(alice, "broadcast everyone Demo day on Friday")
	if !strings.Contains(preview, "2 founders") || !strings.Contains(preview, "everyone who started the bot") {
		t.Errorf("preview = %q; want 2 founders, everyone who started the bot", preview)
	}
	e.press(alice, actionBroadcastConfirm, id)
	if m := e.tg.WaitMessages(t, 2001, 1, wait); !strings.Contains(m[0].Plain, "Demo day") {
		t.Errorf("founder who only started the bot got %+v; want the broadcast", m)
	}
	if m := e.tg.WaitMessages(t, 2005, 1, wait); !strings.Contains(m[len(m)-1].Plain, "Demo day") {
		t.Errorf("applicant not in the directory got %+v; want the broadcast", m)
	}
	if _, err := ParseCommand("broadcast everyone status=accepted Hi"); err == nil {
		t.Error("everyone with a status filter parsed; want a usage error")
	}
	if c, err := ParseCommand("broadcast everyone sector=fintech Hi"); err != nil || !c.Everyone || c.Sector != "fintech" || c.Note != "Hi" {
		t.Errorf("everyone with a sector = %+v, %v", c, err)
	}
}

// TestForgetOnRequest: staff erase a founder's data with `forget`; only
// the one who asked confirms, and the channel hears who did it, not whose.
func TestForgetOnRequest(t *testing.T) {
	e := newEnv(t)
	e.withFounders()
	a := e.apply(2003, "youssef", answers("Acme"))
	e.seen(a.Founder, "Youssef", "youssef", time.Now())
	code, body := e.command(alice, "forget @youssef")
	if text := texts([]byte(body)); code != http.StatusOK || !strings.Contains(text, "Erase all data of Youssef") {
		t.Fatalf("forget preview = %d %q", code, text)
	}
	if !strings.Contains(body, actionForgetConfirm) {
		t.Fatalf("forget preview has no confirm button: %s", body)
	}
	value := string(a.Founder) + " " + alice
	e.press(bob, actionForgetConfirm, value)
	e.staff.Wait()
	if got := e.slack.WaitEphemeral(t, bob, 1, wait); !strings.Contains(got[0].Text, "Only <@"+alice+">") {
		t.Errorf("bob's confirm answered %q; want a refusal", got[0].Text)
	}
	if apps, _ := e.store.Store.Applications(context.Background(), a.Founder); len(apps) != 1 {
		t.Fatalf("bob's confirm erased the data")
	}
	e.press(alice, actionForgetConfirm, value)
	e.staff.Wait()
	if apps, _ := e.store.Store.Applications(context.Background(), a.Founder); len(apps) != 0 {
		t.Errorf("after alice's confirm the founder still has %d applications", len(apps))
	}
	var audit string
	for _, m := range e.slack.Posted() {
		if strings.Contains(m.Text, "erased a founder's data") {
			audit = m.Text
		}
	}
	if audit == "" || !strings.Contains(audit, "<@"+alice+">") {
		t.Fatalf("staff channel posts %+v; want who erased a founder's data", e.slack.Posted())
	}
	for _, personal := range []string{"2003", "Youssef", "youssef", "Acme"} {
		if strings.Contains(audit, personal) {
			t.Errorf("audit %q names the founder (%s)", audit, personal)
		}
	}
	if _, body := e.command(alice, "forget @nobody"); !strings.Contains(texts([]byte(body)), "No founder") {
		t.Errorf("forget of an unknown founder = %q", texts([]byte(body)))
	}
	// An ID the directory lacks (applied before it began) is taken as typed.
	if _, body := e.command(alice, "forget tg:999"); !strings.Contains(texts([]byte(body)), "`tg:999`") {
		t.Errorf("forget tg:999 = %q; want a preview", texts([]byte(body)))
	}
}

// TestFounderForgotItself: staff hear that a founder used /forgetme, not who.
func TestFounderForgotItself(t *testing.T) {
	e := newEnv(t)
	e.staff.Notify(context.Background(), privacy.Forgotten{By: "founder", Sessions: 1})
	e.staff.Wait()
	posts := e.slack.WaitPosted(t, 1, wait)
	if !strings.Contains(posts[0].Text, "A founder erased their data") || !strings.Contains(posts[0].Text, "1 sessions") {
		t.Errorf("staff channel got %q", posts[0].Text)
	}
}
