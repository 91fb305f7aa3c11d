package slack

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHandlerRefusesUnsignedRequests(t *testing.T) {
	e := newEnv(t)
	body := url.Values{"command": {"/founderbot"}, "text": {"accept A-7F3K secret-note"}, "user_id": {alice}}.Encode()
	for _, path := range []string{"/slack/commands", "/slack/interactions", "/slack/events"} {
		for name, sign := range map[string]func(*http.Request){
			"unsigned": func(*http.Request) {},
			"wrong secret": func(r *http.Request) {
				ts, sig := Sign("another-secret", time.Now(), []byte(body))
				r.Header.Set("X-Slack-Request-Timestamp", ts)
				r.Header.Set("X-Slack-Signature", sig)
			},
			"stale": func(r *http.Request) {
				ts, sig := Sign(secret, time.Now().Add(-6*time.Minute), []byte(body))
				r.Header.Set("X-Slack-Request-Timestamp", ts)
				r.Header.Set("X-Slack-Signature", sig)
			},
		} {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			sign(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: %d; want 401", name, path, resp.StatusCode)
			}
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "slack request refused") {
		t.Errorf("refusals not logged:\n%s", logs)
	}
	if strings.Contains(logs, "secret-note") {
		t.Errorf("the log shows a refused body:\n%s", logs)
	}
}

func TestEventsURLVerification(t *testing.T) {
	e := newEnv(t)
	code, body := e.post("/slack/events", "application/json",
		[]byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	if code != http.StatusOK || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification answered %d %q; want the challenge", code, body)
	}
	// Membership changes of the staff channel drop the cached member list.
	if ok, _ := e.staff.isStaff(context.Background(), alice); !ok {
		t.Fatal("alice is not staff")
	}
	code, _ = e.post("/slack/events", "application/json", []byte(`{"type":"event_callback","event_id":"Ev1","team_id":"T0",
		"event":{"type":"member_left_channel","user":"`+bob+`","channel":"`+staffChannel+`","channel_type":"C"}}`))
	if code != http.StatusOK {
		t.Errorf("event answered %d", code)
	}
	e.staff.isStaff(context.Background(), alice)
	if n := e.slack.Calls("conversations.members"); n != 2 {
		t.Errorf("conversations.members called %d times; want 2 (before and after the event)", n)
	}
	// Events the library does not know are acknowledged all the same.
	code, _ = e.post("/slack/events", "application/json", []byte(`{"type":"event_callback","event":{"type":"no_such_event"}}`))
	if code != http.StatusOK {
		t.Errorf("unknown event answered %d; want 200", code)
	}
}

func TestMembershipIsCached(t *testing.T) {
	e := newEnv(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e.staff.cfg.Now = func() time.Time { return now }
	ctx := context.Background()
	for range 3 {
		if ok, err := e.staff.isStaff(ctx, bob); !ok || err != nil {
			t.Fatalf("isStaff(bob) = %v, %v", ok, err)
		}
		if ok, _ := e.staff.isStaff(ctx, mallory); ok {
			t.Fatal("mallory is staff")
		}
	}
	if n := e.slack.Calls("conversations.members"); n != 1 {
		t.Errorf("conversations.members called %d times within the TTL; want 1", n)
	}
	now = now.Add(membersTTL + time.Second)
	e.slack.FailNext("conversations.members", "internal_error")
	if ok, err := e.staff.isStaff(ctx, bob); !ok || err != nil {
		t.Errorf("with Slack failing, isStaff(bob) = %v, %v; want the stale list to answer", ok, err)
	}
	if n := e.slack.Calls("conversations.members"); n != 2 {
		t.Errorf("conversations.members called %d times; want 2", n)
	}
}

func TestRateLimitedPostIsRetried(t *testing.T) {
	e := newEnv(t)
	a := e.apply(founderChat, "youssef_ea", answers("Acme"))
	e.slack.RateLimitNext("chat.postMessage", 0)
	e.staff.Submitted(context.Background(), a)
	e.staff.Wait()
	if n := len(e.slack.Messages(staffChannel)); n != 1 {
		t.Fatalf("%d messages posted; want 1 after the 429", n)
	}
	if n := e.slack.Calls("chat.postMessage"); n != 2 {
		t.Errorf("chat.postMessage called %d times; want 2", n)
	}
	if got := e.app(a.ID).StaffTS; got == "" {
		t.Error("staff message not recorded")
	}
}

func TestUndeliveredDecisionIsToldToStaff(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")
	e.tg.Block(founderChat)
	e.click(alice, actionAccept, a)
	e.staff.Wait()
	var thread []string
	for _, m := range e.slack.Messages(staffChannel) {
		if m.ThreadTS == a.StaffTS {
			thread = append(thread, m.Text)
		}
	}
	if len(thread) != 1 || !strings.Contains(thread[0], "could not be sent on Telegram") {
		t.Errorf("thread replies %q; want one saying the founder was not told", thread)
	}
	if !strings.Contains(e.logs.String(), "decision not delivered to the founder") {
		t.Error("the failed delivery is not logged")
	}
}

func TestToResponseURLReportsFailure(t *testing.T) {
	e := newEnv(t)
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "expired_url", http.StatusNotFound)
	})
	h := newTestServer(t, srv)
	if err := e.staff.toResponseURL(context.Background(), h, ephemeral("hi")); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("toResponseURL to a 404 returned %v", err)
	}
}
