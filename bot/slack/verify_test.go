package slack

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Slack's documented example of a signed slash command request.
const (
	vectorSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	vectorTS     = "1531420618"
	vectorBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	vectorSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

var vectorTime = time.Unix(1531420618, 0)

// recorder is a next handler that remembers what it was given.
type recorder struct {
	called  bool
	body    string
	command string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.called = true
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rec.body = string(b)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err := r.ParseForm(); err == nil {
		rec.command = r.PostForm.Get("command")
	}
	w.WriteHeader(http.StatusOK)
}

func signedRequest(ts, sig, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ts != "" {
		r.Header.Set("X-Slack-Request-Timestamp", ts)
	}
	if sig != "" {
		r.Header.Set("X-Slack-Signature", sig)
	}
	return r
}

func serve(secret string, now time.Time, r *http.Request) (*httptest.ResponseRecorder, *recorder, string) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := &recorder{}
	w := httptest.NewRecorder()
	Verify(secret, func() time.Time { return now }, rec, log).ServeHTTP(w, r)
	return w, rec, logs.String()
}

func TestVerifyAcceptsSlackVector(t *testing.T) {
	w, rec, logs := serve(vectorSecret, vectorTime, signedRequest(vectorTS, vectorSig, vectorBody))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d; want 200 (logs: %s)", w.Code, logs)
	}
	if !rec.called {
		t.Fatal("next not called")
	}
	if rec.body != vectorBody {
		t.Errorf("next read body %q; want the original body", rec.body)
	}
	if rec.command != "/webhook-collect" {
		t.Errorf("next parsed command %q; want /webhook-collect", rec.command)
	}
}

func TestVerifyAcceptsSkewAtTheLimit(t *testing.T) {
	for _, now := range []time.Time{vectorTime.Add(MaxClockSkew), vectorTime.Add(-MaxClockSkew)} {
		w, rec, _ := serve(vectorSecret, now, signedRequest(vectorTS, vectorSig, vectorBody))
		if w.Code != http.StatusOK || !rec.called {
			t.Errorf("now = ts%+v: status %d, next called %v; want 200 and called", now.Sub(vectorTime), w.Code, rec.called)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		now      time.Time
		ts, sig  string
		body     string
		wantCode int
		reason   string
	}{
		{"wrong secret", "8f742231b10e8888abcd99yyyzzz85a6", vectorTime, vectorTS, vectorSig, vectorBody, 401, "signature_mismatch"},
		{"changed body", vectorSecret, vectorTime, vectorTS, vectorSig, strings.Replace(vectorBody, "text=", "text=x", 1), 401, "signature_mismatch"},
		{"truncated body", vectorSecret, vectorTime, vectorTS, vectorSig, vectorBody[:len(vectorBody)-1], 401, "signature_mismatch"},
		{"changed timestamp", vectorSecret, vectorTime, "1531420619", vectorSig, vectorBody, 401, "signature_mismatch"},
		{"missing timestamp", vectorSecret, vectorTime, "", vectorSig, vectorBody, 401, "missing_headers"},
		{"missing signature", vectorSecret, vectorTime, vectorTS, "", vectorBody, 401, "missing_headers"},
		{"missing both", vectorSecret, vectorTime, "", "", vectorBody, 401, "missing_headers"},
		{"timestamp not a number", vectorSecret, vectorTime, "yesterday", vectorSig, vectorBody, 401, "bad_timestamp"},
		{"timestamp with sign", vectorSecret, vectorTime, "+1531420618", vectorSig, vectorBody, 401, "bad_timestamp"},
		{"timestamp negative", vectorSecret, vectorTime, "-1531420618", vectorSig, vectorBody, 401, "bad_timestamp"},
		{"timestamp fractional", vectorSecret, vectorTime, "1531420618.5", vectorSig, vectorBody, 401, "bad_timestamp"},
		{"timestamp huge", vectorSecret, vectorTime, "99999999999999999999999", vectorSig, vectorBody, 401, "bad_timestamp"},
		{"timestamp too old", vectorSecret, vectorTime.Add(MaxClockSkew + time.Second), vectorTS, vectorSig, vectorBody, 401, "stale_timestamp"},
		{"timestamp in the future", vectorSecret, vectorTime.Add(-MaxClockSkew - time.Second), vectorTS, vectorSig, vectorBody, 401, "stale_timestamp"},
		{"other scheme", vectorSecret, vectorTime, vectorTS, "v1=" + vectorSig[3:], vectorBody, 401, "bad_signature"},
		{"not hex", vectorSecret, vectorTime, vectorTS, "v0=zz" + vectorSig[5:], vectorBody, 401, "bad_signature"},
		{"short signature", vectorSecret, vectorTime, vectorTS, vectorSig[:len(vectorSig)-2], vectorBody, 401, "bad_signature"},
		{"upper-case hex", vectorSecret, vectorTime, vectorTS, "v0=" + strings.ToUpper(vectorSig[3:]), vectorBody, 200, ""},
		{"no secret configured", "", vectorTime, vectorTS, vectorSig, vectorBody, 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, rec, logs := serve(tt.secret, tt.now, signedRequest(tt.ts, tt.sig, tt.body))
			if w.Code != tt.wantCode {
				t.Fatalf("status = %d; want %d (logs: %s)", w.Code, tt.wantCode, logs)
			}
			if got, want := rec.called, tt.wantCode == 200; got != want {
				t.Fatalf("next called = %v; want %v", got, want)
			}
			if tt.reason != "" {
				if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "reason="+tt.reason) {
					t.Errorf("logs = %q; want a warning with reason=%s", logs, tt.reason)
				}
			}
			for _, secret := range []string{"xyzz0WbapA4vBCDEFasx0q6G", vectorSig[3:], strings.ToUpper(vectorSig[3:]), tt.secret} {
				if secret != "" && strings.Contains(logs, secret) {
					t.Errorf("logs contain body, signature or secret %q: %s", secret, logs)
				}
			}
		})
	}
}

func TestVerifyRefusesLargeBody(t *testing.T) {
	body := strings.Repeat("a", MaxBodyBytes+1)
	ts, sig := Sign(vectorSecret, vectorTime, []byte(body))
	w, rec, logs := serve(vectorSecret, vectorTime, signedRequest(ts, sig, body))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d; want 413", w.Code)
	}
	if rec.called {
		t.Error("next called for an oversized body")
	}
	if !strings.Contains(logs, "reason=body_too_large") {
		t.Errorf("logs = %q; want reason=body_too_large", logs)
	}
}

func TestVerifyAcceptsBodyAtTheLimit(t *testing.T) {
	body := strings.Repeat("a", MaxBodyBytes)
	ts, sig := Sign(vectorSecret, vectorTime, []byte(body))
	w, rec, _ := serve(vectorSecret, vectorTime, signedRequest(ts, sig, body))
	if w.Code != http.StatusOK || len(rec.body) != MaxBodyBytes {
		t.Fatalf("status = %d, next read %d bytes; want 200 and %d", w.Code, len(rec.body), MaxBodyBytes)
	}
}

func TestSignMatchesSlackVector(t *testing.T) {
	ts, sig := Sign(vectorSecret, vectorTime, []byte(vectorBody))
	if ts != vectorTS || sig != vectorSig {
		t.Errorf("Sign = %q, %q; want %q, %q", ts, sig, vectorTS, vectorSig)
	}
}

func TestSignRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"type":"event_callback","event_id":"Ev1"}`)
	ts, sig := Sign("s3cret", now.Add(-time.Minute), body)
	w, rec, _ := serve("s3cret", now, signedRequest(ts, sig, string(body)))
	if w.Code != http.StatusOK || rec.body != string(body) {
		t.Errorf("status = %d, body %q; want 200 and %q", w.Code, rec.body, body)
	}
}

func TestVerifyNilClockAndLogger(t *testing.T) {
	body := []byte("command=%2Ffounderbot&text=help")
	ts, sig := Sign("s3cret", time.Now(), body)
	rec := &recorder{}
	w := httptest.NewRecorder()
	Verify("s3cret", nil, rec, nil).ServeHTTP(w, signedRequest(ts, sig, string(body)))
	if w.Code != http.StatusOK || rec.command != "/founderbot" {
		t.Errorf("status = %d, command %q; want 200 and /founderbot", w.Code, rec.command)
	}
	w = httptest.NewRecorder()
	Verify("s3cret", nil, rec, nil).ServeHTTP(w, signedRequest(ts, "v0=00", string(body)))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("bad signature with nil logger: status = %d; want 401", w.Code)
	}
}
