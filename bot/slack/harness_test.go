package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store/storetest"
)

const (
	secret       = "test-signing-secret"
	staffChannel = "C0STAFF"
	alice        = "U0ALICE" // staff, in the channel
	bob          = "U0BOB"   // staff, in the channel
	mallory      = "U0MALLORY"
	tgToken      = "123456:TEST-token"
	wait         = 10 * time.Second
)

// env is the staff side wired as cmd/founderbot wires it: the flows engine
// and review on a store, the founders' Telegram transport on a fake Bot
// API, and Staff on a fake Slack Web API, served over HTTP.
type env struct {
	t      *testing.T
	slack  *slacktest.Server
	tg     *telegramtest.Server
	store  *storetest.Env
	cat    *flows.Catalog
	eng    *flows.Engine
	review *application.Review
	staff  *Staff
	srv    *httptest.Server
	hooks  *hooks
	logs   *syncBuffer
}

type envOption func(*Config, *[]slacktest.Option)

// withStaffUsers sets SLACK_STAFF_USERS, with everyone in the channel.
func withStaffUsers(users ...string) envOption {
	return func(c *Config, o *[]slacktest.Option) {
		c.StaffUsers = users
		*o = []slacktest.Option{slacktest.WithChannel(staffChannel, alice, bob, mallory, slacktest.BotUserID)}
	}
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	cat, err := flows.NewCatalog("fr", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cat: cat, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{BotToken: slacktest.Token, SigningSecret: secret, Channel: staffChannel, Lang: "en", TZ: time.UTC}
	slackOpts := []slacktest.Option{slacktest.WithChannel(staffChannel, alice, bob, slacktest.BotUserID)}
	for _, o := range opts {
		o(&cfg, &slackOpts)
	}
	e.slack = slacktest.New(t, slackOpts...)
	e.tg = telegramtest.New(t, tgToken)
	e.store = storetest.New(t)
	e.hooks = newHooks(t)
	tg, err := telegram.New(telegram.Config{Token: tgToken, APIURL: e.tg.URL()}, nil, e.store.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(ctx context.Context, o flows.Outgoing) error {
		chat, ok := telegram.ChatID(o.Founder)
		if !ok {
			return fmt.Errorf("founder %s is not on Telegram", o.Founder)
		}
		return tg.Send(ctx, chat, o.Reply)
	}
	e.eng = flows.NewEngine(e.store.Store, cat, flows.Config{Hub: "StartGate"}, log)
	if err := e.eng.Register(application.NewForm(e.store.Store, application.FormConfig{Hub: "StartGate"}).Conversation()); err != nil {
		t.Fatal(err)
	}
	e.review = application.NewReview(e.store.Store, cat, application.ReviewConfig{Hub: "StartGate", NextSteps: "Kick-off on Monday."})
	cfg.APIURL = e.slack.APIURL()
	e.staff, err = New(cfg, e.review, cat, deliver, log)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.staff.Handler())
	// Cleanups run last first: background work ends before the fakes close.
	t.Cleanup(e.srv.Close)
	t.Cleanup(e.staff.Wait)
	return e
}

// apply has a founder apply through the flows engine, as on Telegram,
// and returns the submitted application.
func (e *env) apply(tgID int64, handle string, answers map[string]string) flows.Application {
	e.t.Helper()
	f := telegram.FounderID(tgID)
	ctx := context.Background()
	res, err := e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindCommand, Command: "apply", LangHint: "en", Handle: handle, Name: "Youssef"})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range []string{"startup", "founder", "email", "phone", "city", "sector", "stage", "team", "pitch", "link"} {
		if res, err = e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindText, Text: answers[k], Handle: handle, LangHint: "en"}); err != nil {
			e.t.Fatal(err)
		}
	}
	submit := e.cat.T("en", "btn_submit")
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == submit {
					res, err = e.eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindButton, Data: b.Data, Handle: handle, LangHint: "en"})
				}
			}
		}
	}
	if err != nil || application.SubmittedIn(res) == nil {
		e.t.Fatalf("application not submitted (err %v); last replies: %+v", err, res.Replies)
	}
	return *application.SubmittedIn(res)
}

func answers(startup string) map[string]string {
	return map[string]string{
		"startup": startup, "founder": "Youssef El Amrani", "email": "youssef@acme.io",
		"phone": "+212612345678", "city": "Rabat, Morocco", "sector": "Mobility", "stage": "Scaling",
		"team": "12", "pitch": "Shared e-scooters for Moroccan university campuses.", "link": "https://acme.ma",
	}
}

// submitted applies and has Staff post the application; it returns the
// application as stored (with its staff message) and that message.
func (e *env) submitted(tgID int64, startup string) (flows.Application, slacktest.Message) {
	e.t.Helper()
	a := e.apply(tgID, "youssef_ea", answers(startup))
	before := len(e.slack.Messages(staffChannel))
	e.staff.Submitted(context.Background(), a)
	e.staff.Wait()
	msgs := e.slack.Messages(staffChannel)
	if len(msgs) != before+1 {
		e.t.Fatalf("staff channel has %d messages; want %d", len(msgs), before+1)
	}
	return e.app(a.ID), msgs[len(msgs)-1]
}

func (e *env) app(id string) flows.Application {
	e.t.Helper()
	a, err := e.review.Application(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// message returns the staff channel's message with ts as it stands.
func (e *env) message(ts string) slacktest.Message {
	e.t.Helper()
	for _, m := range e.slack.Messages(staffChannel) {
		if m.TS == ts {
			return m
		}
	}
	e.t.Fatalf("no message %s in the staff channel", ts)
	return slacktest.Message{}
}

// post sends a body signed as Slack would to the handler.
func (e *env) post(path, contentType string, body []byte) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	ts, sig := Sign(secret, time.Now(), body)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// command runs the slash command as user and returns the HTTP answer.
func (e *env) command(user, text string) (int, string) {
	e.t.Helper()
	form := url.Values{"command": {"/founderbot"}, "text": {text}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {staffChannel}, "team_id": {slacktest.TeamID}, "response_url": {e.hooks.url(user)}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"}}
	return e.post("/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// interact posts an interaction payload.
func (e *env) interact(payload map[string]any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	form := url.Values{"payload": {string(b)}}
	return e.post("/slack/interactions", "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// click presses a button of the application's staff message.
func (e *env) click(user, action string, a flows.Application) (int, string) {
	return e.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": strings.ToLower(user)},
		"team":       map[string]any{"id": slacktest.TeamID},
		"channel":    map[string]any{"id": a.StaffChannel},
		"container":  map[string]any{"type": "message", "message_ts": a.StaffTS, "channel_id": a.StaffChannel},
		"message":    map[string]any{"ts": a.StaffTS},
		"trigger_id": "trigger-" + user, "response_url": e.hooks.url(user),
		"actions": []any{map[string]any{"action_id": action, "block_id": actionsBlockID, "value": a.ID, "type": "button"}},
	})
}

// submitModal submits the modal of callback for application id.
func (e *env) submitModal(user, callback, id, note string) (int, string) {
	return e.interact(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user},
		"team": map[string]any{"id": slacktest.TeamID},
		"view": map[string]any{"id": "V0MODAL", "type": "modal", "callback_id": callback, "private_metadata": id,
			"state": map[string]any{"values": map[string]any{noteBlock: map[string]any{noteAction: map[string]any{"type": "plain_text_input", "value": note}}}}},
	})
}

// texts gathers every "text" string in a JSON document (blocks, views),
// in order, one per line.
func texts(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "<bad JSON: " + err.Error() + ">"
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				out = append(out, s)
			}
			for _, k := range []string{"text", "fields", "elements", "blocks", "title", "label", "hint", "submit", "close"} {
				if c, ok := v[k]; ok {
					if _, isString := c.(string); !isString {
						walk(c)
					}
				}
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// actionIDs lists the buttons of blocks.
func actionIDs(raw []byte) []string {
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var ids []string
	for _, b := range blocks {
		if b.Type == "actions" {
			for _, el := range b.Elements {
				ids = append(ids, el.ActionID)
			}
		}
	}
	return ids
}

// hooks is a stand-in for Slack's response_url endpoints: one URL per
// user, recording what is posted to it.
type hooks struct {
	srv     *httptest.Server
	mu      sync.Mutex
	posts   map[string][]hookPost
	changed chan struct{}
}

// hookPost is what was posted to a response_url.
type hookPost struct {
	ResponseType    string `json:"response_type"`
	ReplaceOriginal bool   `json:"replace_original"`
	Text            string `json:"-"` // every text, the blocks' included
}

func newHooks(t *testing.T) *hooks {
	h := &hooks{posts: map[string][]hookPost{}, changed: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rp hookPost
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &rp); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rp.Text = texts(raw)
		h.mu.Lock()
		h.posts[strings.TrimPrefix(r.URL.Path, "/")] = append(h.posts[strings.TrimPrefix(r.URL.Path, "/")], rp)
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hooks) url(user string) string { return h.srv.URL + "/" + user }

// wait returns the posts to user's URL once there are n; it fails t after a timeout.
func (h *hooks) wait(t *testing.T, user string, n int) []hookPost {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		h.mu.Lock()
		got, changed := append([]hookPost(nil), h.posts[user]...), h.changed
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("response_url of %s: %d posts within %v; want %d", user, len(got), wait, n)
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
