package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// TestSocketModeTroubleLogsNoPayload checks the review's finding: Socket
// Mode's error events were logged with fmt.Sprint(ev.Data), which holds
// the raw payload (founders' text, a response_url) or our ack's answer,
// and a connection error can name the WebSocket URL with its ticket.
func TestSocketModeTroubleLogsNoPayload(t *testing.T) {
	e := newEnv(t)
	raw := json.RawMessage(`{"envelope_id":"E1","payload":{"text":"Salma's pitch: secret-pitch","response_url":"https://hooks.slack.com/commands/T1/2/secret-hook"}}`)
	dial := &url.Error{Op: "Get", URL: "wss://wss-primary.slack.com/link/?ticket=secret-ticket&app_id=A1", Err: errors.New("connection refused")}
	events := []socketmode.Event{
		{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Cause: errors.New("json: cannot unmarshal"), Message: raw}},
		{Type: socketmode.EventTypeErrorWriteFailed, Data: &socketmode.ErrorWriteFailed{Cause: errors.New("broken pipe"),
			Response: &socketmode.Response{EnvelopeID: "E2", Payload: map[string]any{"text": "Answer about secret-pitch"}}}},
		{Type: socketmode.EventTypeConnectionError, Data: &slackapi.ConnectionErrorEvent{Attempt: 2, ErrorObj: dial}},
		{Type: socketmode.EventTypeIncomingError, Data: &slackapi.IncomingEventError{ErrorObj: dial}},
		{Type: socketmode.EventTypeIncomingError, Data: &slackapi.IncomingEventError{
			ErrorObj: errors.New(`dial "wss://wss-primary.slack.com/link/?ticket=secret-ticket": timeout`)}},
		{Type: socketmode.EventType("something_new"), Data: raw},
	}
	for _, ev := range events {
		e.staff.dispatch(context.Background(), ev, &fakeAcker{})
	}
	logs := e.logs.String()
	asBytes := strings.Trim(fmt.Sprint([]byte(`"payload"`)), "[]") // how fmt.Sprint shows a json.RawMessage
	for _, secret := range []string{"secret-pitch", "secret-hook", "hooks.slack.com", "secret-ticket", "ticket=", asBytes} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{"error_bad_message", "write_error", "connection_error", "connection refused", "wss-primary.slack.com", "E2"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the logs lack %q, which helps and is harmless:\n%s", want, logs)
		}
	}
}
