package telegramtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// reply is a Bot API answer envelope.
type reply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// post sends body as contentType to method and decodes the answer.
func post(t *testing.T, ctx context.Context, srv *telegramtest.Server, method, contentType, body string) (int, reply) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+srv.Token()+"/"+method, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, reply) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return resp.StatusCode, r
}

// getUpdates is what our own poller sends.
func getUpdates(t *testing.T, ctx context.Context, srv *telegramtest.Server, offset int64, timeout, limit int) []models.Update {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": timeout, "limit": limit, "allowed_updates": []string{"message", "callback_query", "edited_message"}})
	status, r := post(t, ctx, srv, "getUpdates", "application/json", string(body))
	if status != http.StatusOK || !r.OK {
		t.Fatalf("getUpdates: %d %s", status, r.Description)
	}
	var ups []models.Update
	if err := json.Unmarshal(r.Result, &ups); err != nil {
		t.Fatalf("decode updates %s: %v", r.Result, err)
	}
	return ups
}

func ids(ups []models.Update) []int64 {
	out := []int64{}
	for _, u := range ups {
		out = append(out, u.ID)
	}
	return out
}

func TestGetUpdatesHoldsUntilTimeoutThenReturnsEmpty(t *testing.T) {
	t.Parallel()
	srv := telegramtest.New(t, token)
	began := time.Now()
	status, r := post(t, ctxT(t), srv, "getUpdates", "application/json", `{"offset":1,"timeout":1,"limit":100,"allowed_updates":["message"]}`)
	if elapsed := time.Since(began); elapsed < 900*time.Millisecond {
		t.Errorf("answered after %v; want the request held for the 1 s timeout", elapsed)
	}
	if status != http.StatusOK || !r.OK || string(r.Result) != "[]" {
		t.Errorf("answer = %d ok=%v result %s; want 200 ok []", status, r.OK, r.Result)
	}
	if c := srv.Calls("getUpdates")[0]; c.Int("timeout") != 1 || c.Int("offset") != 1 || c.String("allowed_updates") != `["message"]` {
		t.Errorf("recorded params = %v", c.Params)
	}
}

func TestGetUpdatesHeldRequestReturnsPushedUpdate(t *testing.T) {
	srv := telegramtest.New(t, token)
	got := make(chan []models.Update, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		body := `{"offset":0,"timeout":30,"limit":100}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+token+"/getUpdates", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- nil
			return
		}
		defer resp.Body.Close()
		var r struct{ Result []models.Update }
		_ = json.NewDecoder(resp.Body).Decode(&r)
		got <- r.Result
	}()
	srv.WaitPolling(t, wait)
	select {
	case <-got:
		t.Fatal("getUpdates answered before any update was pushed")
	default:
	}
	id := srv.Push(srv.Text(alice(), alice().ID, "hello"))
	select {
	case ups := <-got:
		if len(ups) != 1 || ups[0].ID != id || ups[0].Message == nil || ups[0].Message.Text != "hello" {
			t.Errorf("updates = %+v; want update %d with text hello", ups, id)
		}
	case <-time.After(wait):
		t.Fatal("held getUpdates did not return the pushed update")
	}
}

func TestGetUpdatesOffsetConfirmsOldUpdates(t *testing.T) {
	srv := telegramtest.New(t, token)
	ctx := ctxT(t)
	for _, text := range []string{"one", "two", "three"} {
		srv.Push(srv.Text(alice(), alice().ID, text))
	}
	if got := ids(getUpdates(t, ctx, srv, 0, 0, 100)); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("offset 0 = %v; want [1 2 3]", got)
	}
	// Without a higher offset nothing is confirmed: the same updates come again.
	if got := ids(getUpdates(t, ctx, srv, 0, 0, 2)); len(got) != 2 || got[0] != 1 {
		t.Errorf("again with limit 2 = %v; want [1 2]", got)
	}
	if got := ids(getUpdates(t, ctx, srv, 2, 0, 100)); len(got) != 2 || got[0] != 2 {
		t.Errorf("offset 2 = %v; want [2 3]", got)
	}
	if got := ids(getUpdates(t, ctx, srv, 1, 0, 100)); len(got) != 2 || got[0] != 2 {
		t.Errorf("offset 1 after confirming 1 = %v; want [2 3]: confirmed updates are gone", got)
	}
	if n := srv.Pending(); n != 2 {
		t.Errorf("pending = %d; want 2", n)
	}
	if got := ids(getUpdates(t, ctx, srv, 4, 0, 100)); len(got) != 0 {
		t.Errorf("offset 4 = %v; want []", got)
	}
	if n := srv.Pending(); n != 0 {
		t.Errorf("pending = %d; want 0", n)
	}
	srv.Push(srv.Text(alice(), alice().ID, "four"))
	srv.Push(srv.Text(alice(), alice().ID, "five"))
	if got := ids(getUpdates(t, ctx, srv, -1, 0, 100)); len(got) != 1 || got[0] != 5 {
		t.Errorf("offset -1 = %v; want [5]", got)
	}
}

func TestGetUpdatesAllowedUpdatesDropsOthers(t *testing.T) {
	srv := telegramtest.New(t, token)
	ctx := ctxT(t)
	status, r := post(t, ctx, srv, "getUpdates", "application/json", `{"timeout":0,"allowed_updates":["callback_query"]}`)
	if status != http.StatusOK || string(r.Result) != "[]" {
		t.Fatalf("getUpdates = %d %s", status, r.Result)
	}
	srv.Push(srv.Text(alice(), alice().ID, "dropped"))
	press := srv.Push(srv.PressID(alice(), alice().ID, 1, "x"))
	// allowed_updates is kept until a call changes it.
	status, r = post(t, ctx, srv, "getUpdates", "application/json", `{"timeout":0}`)
	var ups []models.Update
	_ = json.Unmarshal(r.Result, &ups)
	if status != http.StatusOK || len(ups) != 1 || ups[0].ID != press || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %s; want only the callback query %d", r.Result, press)
	}
	// The message was bot-unknown, so the press carries an inaccessible message.
	if m := ups[0].CallbackQuery.Message; m.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage || m.InaccessibleMessage.Chat.ID != alice().ID {
		t.Errorf("callback message = %+v; want inaccessible in alice's chat", m)
	}
}

func TestGetUpdatesNewerRequestTerminatesHeldOne(t *testing.T) {
	srv := telegramtest.New(t, token)
	first := make(chan int, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot"+token+"/getUpdates", strings.NewReader(`{"timeout":30}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	srv.WaitPolling(t, wait)
	if ups := getUpdates(t, ctxT(t), srv, 0, 0, 100); len(ups) != 0 {
		t.Errorf("second poll = %v; want []", ups)
	}
	select {
	case code := <-first:
		if code != http.StatusConflict {
			t.Errorf("first poll status = %d; want 409", code)
		}
	case <-time.After(wait):
		t.Fatal("first poll not terminated")
	}
	calls := srv.WaitCall(t, "getUpdates", 2, wait)
	var conflict bool
	for _, c := range calls {
		conflict = conflict || strings.HasPrefix(c.Error, "Conflict: terminated by other getUpdates request")
	}
	if !conflict {
		t.Errorf("no call recorded with the conflict description: %+v", calls)
	}
}

func TestDeleteWebhookDropsPending(t *testing.T) {
	srv := telegramtest.New(t, token)
	srv.Push(srv.Text(alice(), alice().ID, "old"))
	status, r := post(t, ctxT(t), srv, "deleteWebhook", "application/x-www-form-urlencoded", "drop_pending_updates=true")
	if status != http.StatusOK || string(r.Result) != "true" || srv.Pending() != 0 {
		t.Errorf("deleteWebhook = %d %s, pending %d; want true and none pending", status, r.Result, srv.Pending())
	}
}

func TestAuthAndUnknownMethod(t *testing.T) {
	srv := telegramtest.New(t, token)
	ctx := ctxT(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/bot999:wrong/getMe", nil)
	if status, r := do(t, req); status != 401 || r.OK || r.ErrorCode != 401 || r.Description != "Unauthorized" {
		t.Errorf("wrong token = %d %+v; want 401 Unauthorized", status, r)
	}
	if status, r := post(t, ctx, srv, "sendTelepathy", "application/json", "{}"); status != 404 || r.ErrorCode != 404 || r.Description != "Not Found" {
		t.Errorf("unknown method = %d %+v; want 404 Not Found", status, r)
	}
	// Method names are case-insensitive and GET with a query string works.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/bot"+token+"/GETME", nil)
	status, r := do(t, req)
	var me models.User
	_ = json.Unmarshal(r.Result, &me)
	if status != 200 || me.ID != 123456 || !me.IsBot || me.Username != "test_bot" {
		t.Errorf("getMe = %d %s", status, r.Result)
	}
	if len(srv.Calls("getMe")) != 1 {
		t.Errorf("getMe calls = %d; want 1", len(srv.Calls("getMe")))
	}
}

func TestJSONAndURLEncodedSends(t *testing.T) {
	srv := telegramtest.New(t, token)
	ctx := ctxT(t)
	body := `{"chat_id":1001,"text":"<b>hi</b>","parse_mode":"HTML","reply_markup":{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}}`
	status, r := post(t, ctx, srv, "sendMessage", "application/json", body)
	var msg models.Message
	_ = json.Unmarshal(r.Result, &msg)
	if status != 200 || msg.Text != "hi" || msg.ReplyMarkup == nil || msg.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "go" {
		t.Errorf("JSON sendMessage = %d %s", status, r.Result)
	}
	if !strings.Contains(string(r.Result), `"reply_markup":{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}`) {
		t.Errorf("reply_markup not returned as sent: %s", r.Result)
	}
	_, r = post(t, ctx, srv, "sendMessage", "application/json", `{"chat_id":1001,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"Go","callback_data":""}]]}}`)
	if r.ErrorCode != 400 || r.Description != "Bad Request: BUTTON_DATA_INVALID" {
		t.Errorf("empty callback_data = %+v; want BUTTON_DATA_INVALID", r)
	}
	form := url.Values{"chat_id": {"1001"}, "text": {"plain & simple"}}
	status, r = post(t, ctx, srv, "sendMessage", "application/x-www-form-urlencoded", form.Encode())
	if status != 200 || !r.OK {
		t.Errorf("urlencoded sendMessage = %d %+v", status, r)
	}
	msgs := srv.Messages(1001)
	if len(msgs) != 2 || msgs[1].Text != "plain & simple" || msgs[0].Keyboard[0][0].Text != "Go" {
		t.Errorf("messages = %+v", msgs)
	}
	_, r = post(t, ctx, srv, "sendMessage", "application/json", `{"chat_id":1001,`)
	if r.ErrorCode != 400 {
		t.Errorf("broken JSON = %+v; want 400", r)
	}
	_, r = post(t, ctx, srv, "sendChatAction", "application/json", `{"chat_id":1001,"action":"dancing"}`)
	if r.Description != "Bad Request: wrong type of action" {
		t.Errorf("bad action = %+v", r)
	}
}
