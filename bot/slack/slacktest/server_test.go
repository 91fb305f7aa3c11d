package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
)

const waitFor = 5 * time.Second

func client(s *Server, opts ...slackapi.Option) *slackapi.Client {
	return slackapi.New(Token, append([]slackapi.Option{slackapi.OptionAPIURL(s.APIURL())}, opts...)...)
}

// slackError returns the Web API error code in err, or fails.
func slackError(t *testing.T, err error) string {
	t.Helper()
	var se slackapi.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T); want a slackapi.SlackErrorResponse", err, err)
	}
	return se.Err
}

func section(text string) slackapi.Block {
	return slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, false), nil, nil)
}

func TestAuthTest(t *testing.T) {
	s := New(t)
	resp, err := client(s).AuthTestContext(t.Context())
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if resp.UserID != BotUserID || resp.TeamID != TeamID || resp.BotID != BotID {
		t.Errorf("AuthTest = %+v; want bot %s in team %s", resp, BotUserID, TeamID)
	}
}

func TestAuthRefusesWrongToken(t *testing.T) {
	s := New(t, WithToken("xoxb-right"))
	tests := []struct{ token, want string }{{"xoxb-wrong", "invalid_auth"}, {"", "not_authed"}}
	for _, tt := range tests {
		api := slackapi.New(tt.token, slackapi.OptionAPIURL(s.APIURL()))
		_, err := api.AuthTestContext(t.Context())
		if got := slackError(t, err); got != tt.want {
			t.Errorf("auth.test with %q: error %q; want %q", tt.token, got, tt.want)
		}
		// JSON methods carry the token in Authorization instead of the body.
		_, err = api.OpenViewContext(t.Context(), "trig", slackapi.ModalViewRequest{Type: slackapi.VTModal})
		if got := slackError(t, err); got != tt.want {
			t.Errorf("views.open with %q: error %q; want %q", tt.token, got, tt.want)
		}
	}
	if _, err := slackapi.New("xoxb-right", slackapi.OptionAPIURL(s.APIURL())).AuthTestContext(t.Context()); err != nil {
		t.Errorf("right token: %v", err)
	}
	if len(s.Views()) != 0 {
		t.Errorf("refused views.open recorded a view: %+v", s.Views())
	}
}

func TestRateLimitNext(t *testing.T) {
	s := New(t)
	api := client(s)
	s.RateLimitNext("chat.postMessage", 7)
	_, _, err := api.PostMessageContext(t.Context(), "C1", slackapi.MsgOptionText("hi", false))
	var rl *slackapi.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v (%T); want *slackapi.RateLimitedError", err, err)
	}
	if rl.RetryAfter != 7*time.Second {
		t.Errorf("RetryAfter = %v; want 7s", rl.RetryAfter)
	}
	if len(s.Posted()) != 0 {
		t.Errorf("rate-limited message recorded: %+v", s.Posted())
	}
	if _, _, err := api.PostMessageContext(t.Context(), "C1", slackapi.MsgOptionText("hi", false)); err != nil {
		t.Errorf("second call: %v; want the limit used up", err)
	}
	if got := s.Calls("chat.postMessage"); got != 2 {
		t.Errorf("Calls = %d; want 2", got)
	}

	s.RateLimitNext("files.getUploadURLExternal", 1)
	_, err = api.UploadFileContext(t.Context(), slackapi.UploadFileParameters{Filename: "a", FileSize: 1, Content: "a"})
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("UploadFile error %v; want a wrapped *slackapi.RateLimitedError of 1s", err)
	}
}

func TestFailNext(t *testing.T) {
	s := New(t)
	api := client(s)
	s.FailNext("views.open", "expired_trigger_id")
	_, err := api.OpenViewContext(t.Context(), "old", slackapi.ModalViewRequest{Type: slackapi.VTModal})
	if got := slackError(t, err); got != "expired_trigger_id" {
		t.Errorf("error %q; want expired_trigger_id", got)
	}
	if _, err := api.OpenViewContext(t.Context(), "new", slackapi.ModalViewRequest{Type: slackapi.VTModal}); err != nil {
		t.Errorf("second open: %v", err)
	}
}

// rawCall posts body to method without slack-go, as another client might.
func rawCall(t *testing.T, s *Server, method, contentType, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode %s response: %v", method, err)
	}
	return out
}

func TestUnknownMethod(t *testing.T) {
	s := New(t)
	got := rawCall(t, s, "chat.frobnicate", "application/x-www-form-urlencoded", "channel=C1")
	if got["ok"] != false || got["error"] != "unknown_method" {
		t.Errorf("response = %v; want unknown_method", got)
	}
}

func TestJSONAndFormBodies(t *testing.T) {
	s := New(t)
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"hi"}}]`
	got := rawCall(t, s, "chat.postMessage", "application/json; charset=utf-8",
		`{"channel":"C1","text":"fallback","blocks":`+blocks+`}`)
	if got["ok"] != true || got["channel"] != "C1" {
		t.Fatalf("JSON postMessage = %v", got)
	}
	form := url.Values{"channel": {"C1"}, "text": {"second"}, "thread_ts": {got["ts"].(string)}}.Encode()
	if got := rawCall(t, s, "chat.postMessage", "application/x-www-form-urlencoded", form); got["ok"] != true {
		t.Fatalf("form postMessage = %v", got)
	}
	msgs := s.Messages("C1")
	if len(msgs) != 2 || string(msgs[0].Blocks) != blocks || msgs[0].Text != "fallback" || msgs[1].ThreadTS != msgs[0].TS {
		t.Errorf("Messages(C1) = %+v", msgs)
	}
	if got := rawCall(t, s, "chat.postMessage", "application/json", `{"channel":`); got["error"] != "invalid_form_data" {
		t.Errorf("broken JSON: %v; want invalid_form_data", got)
	}
}

// fatalRecorder is a testing.TB whose Fatalf only records, so that a wait's
// timeout can be observed.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestWaitPostedTimesOut(t *testing.T) {
	s := New(t)
	rec := &fatalRecorder{TB: t}
	got := s.WaitPosted(rec, 1, 10*time.Millisecond)
	if !strings.Contains(rec.msg, "1 posted messages not seen within 10ms") {
		t.Errorf("Fatalf message = %q", rec.msg)
	}
	if len(got) != 0 {
		t.Errorf("WaitPosted returned %v", got)
	}
}
