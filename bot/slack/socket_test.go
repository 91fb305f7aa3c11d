package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

// fakeAcker records acks; with refuse it refuses those with a payload,
// as the client does for acks of 20 KB or more.
type fakeAcker struct {
	mu     sync.Mutex
	acks   []ackCall
	refuse bool
}

type ackCall struct {
	envelope string
	payload  any
}

func (f *fakeAcker) Ack(req socketmode.Request, payload ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var p any
	if len(payload) > 0 {
		p = payload[0]
	}
	if f.refuse && p != nil {
		return errors.New("socket mode response too large")
	}
	f.acks = append(f.acks, ackCall{req.EnvelopeID, p})
	return nil
}

func (f *fakeAcker) calls() []ackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ackCall(nil), f.acks...)
}

func payloadText(t *testing.T, p any) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return texts(b)
}

func TestSocketDispatchSlashCommand(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")
	ack := &fakeAcker{}
	ctx := context.Background()
	cmd := func(env, text string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Request: &socketmode.Request{EnvelopeID: env},
			Data: slackapi.SlashCommand{Command: "/founderbot", Text: text, UserID: alice, ChannelID: staffChannel, ResponseURL: e.hooks.url(alice)}}
	}
	e.staff.dispatch(ctx, cmd("E1", "help"), ack)
	e.staff.dispatch(ctx, cmd("E2", "accept "+a.ID), ack)
	e.staff.Wait()

	got := ack.calls()
	if len(got) != 2 || got[0].envelope != "E1" || got[1].envelope != "E2" {
		t.Fatalf("acks %+v; want E1 and E2", got)
	}
	contains(t, "help ack", payloadText(t, got[0].payload), "`/founderbot app &lt;id&gt;` — one application in full")
	contains(t, "accept ack", payloadText(t, got[1].payload), "is now *Accepted*")
	if s := e.app(a.ID).Status; s != flows.StatusAccepted {
		t.Errorf("status %s; want accepted", s)
	}
	e.tg.WaitMessages(t, founderChat, 1, wait)

	// An answer too big for an ack goes to response_url instead.
	big := &fakeAcker{refuse: true}
	e.staff.dispatch(ctx, cmd("E3", "app "+a.ID), big)
	if got := big.calls(); len(got) != 1 || got[0].envelope != "E3" || got[0].payload != nil {
		t.Errorf("acks %+v; want E3 acknowledged empty", got)
	}
	contains(t, "response_url", e.hooks.wait(t, alice, 1)[0].Text, "*Acme Mobility* · application `"+a.ID+"`")
}

func TestSocketDispatchInteractionAndEvent(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")
	ack := &fakeAcker{}
	ctx := context.Background()

	var cb slackapi.InteractionCallback
	raw, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": bob},
		"channel": map[string]any{"id": staffChannel}, "trigger_id": "trigger-bob",
		"actions": []any{map[string]any{"action_id": actionShortlist, "block_id": actionsBlockID, "value": a.ID, "type": "button"}}})
	if err := json.Unmarshal(raw, &cb); err != nil {
		t.Fatal(err)
	}
	e.staff.dispatch(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb, Request: &socketmode.Request{EnvelopeID: "E1"}}, ack)
	e.staff.Wait()
	if got := ack.calls(); len(got) != 1 || got[0].envelope != "E1" || got[0].payload != nil {
		t.Fatalf("acks %+v; want E1 acknowledged empty", got)
	}
	if s := e.app(a.ID).Status; s != flows.StatusShortlisted {
		t.Errorf("status %s; want shortlisted", s)
	}

	// A member joining the staff channel makes the next check fetch the list again.
	before := e.slack.Calls("conversations.members")
	join := slackevents.EventsAPIEvent{Type: slackevents.CallbackEvent,
		InnerEvent: slackevents.EventsAPIInnerEvent{Type: string(slackevents.MemberJoinedChannel),
			Data: &slackevents.MemberJoinedChannelEvent{Type: "member_joined_channel", User: "U0NEW", Channel: staffChannel}}}
	e.staff.dispatch(ctx, socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: join, Request: &socketmode.Request{EnvelopeID: "E2"}}, ack)
	if got := ack.calls(); len(got) != 2 || got[1].envelope != "E2" {
		t.Fatalf("acks %+v; want E2 acknowledged", got)
	}
	if ok, err := e.staff.isStaff(ctx, alice); !ok || err != nil {
		t.Fatalf("isStaff(alice) = %v, %v", ok, err)
	}
	if after := e.slack.Calls("conversations.members"); after != before+1 {
		t.Errorf("conversations.members called %d times after the event; want 1", after-before)
	}
	// Client-side events are only logged, never acknowledged.
	e.staff.dispatch(ctx, socketmode.Event{Type: socketmode.EventTypeConnected}, ack)
	if n := len(ack.calls()); n != 2 {
		t.Errorf("%d acks after a connected event; want 2", n)
	}
}

// TestRunSocketMode runs the real socketmode client against a local
// Socket Mode server: apps.connections.open, then a WebSocket that sends
// hello and a slash command and expects its ack.
func TestRunSocketMode(t *testing.T) {
	acks := make(chan map[string]any, 1)
	// The client sends Origin: https://api.slack.com, which the default check refuses.
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	var wsURL string
	mux.HandleFunc("/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer xapp-test" {
			http.Error(w, `{"ok":false,"error":"invalid_auth"}`, http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": wsURL})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1})
		_ = c.WriteJSON(map[string]any{"type": "slash_commands", "envelope_id": "ENV1", "accepts_response_payload": true,
			"payload": map[string]any{"command": "/founderbot", "text": "help", "user_id": alice, "channel_id": staffChannel}})
		var ack map[string]any
		if err := c.ReadJSON(&ack); err == nil {
			acks <- ack
		}
		// Hold the connection until the client closes it.
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	wsURL = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	cat, err := flows.NewCatalog("en", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: srv.URL + "/api/", Channel: staffChannel,
		StaffUsers: []string{alice}}, nil, cat, func(context.Context, flows.Outgoing) error { return nil }, nil)
	if err == nil {
		t.Fatal("New accepted a nil review")
	}
	s, err = New(Config{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: srv.URL + "/api", Channel: staffChannel,
		StaffUsers: []string{alice}}, &slowReview{}, cat, func(context.Context, flows.Outgoing) error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.RunSocketMode(ctx) }()

	select {
	case ack := <-acks:
		if ack["envelope_id"] != "ENV1" {
			t.Errorf("ack %v; want envelope ENV1", ack)
		}
		b, _ := json.Marshal(ack["payload"])
		contains(t, "ack payload", texts(b), "*/founderbot* — review applications")
		if !strings.Contains(string(b), `"response_type":"ephemeral"`) {
			t.Errorf("ack payload %s is not ephemeral", b)
		}
	case <-time.After(wait):
		t.Fatal("no ack within the timeout")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunSocketMode returned %v after ctx ended; want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("RunSocketMode did not stop")
	}
	s.Wait()

	// A refused app-level token is fatal, not retried forever.
	bad, _ := New(Config{BotToken: "xoxb-test", AppToken: "xapp-wrong", APIURL: srv.URL + "/api/", Channel: staffChannel,
		StaffUsers: []string{alice}}, &slowReview{}, cat, func(context.Context, flows.Outgoing) error { return nil }, nil)
	ctx2, cancel2 := context.WithTimeout(context.Background(), wait)
	defer cancel2()
	if err := bad.RunSocketMode(ctx2); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("RunSocketMode with a refused token returned %v; want invalid_auth", err)
	}
}
