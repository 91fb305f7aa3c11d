package slack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// MaxBodyBytes caps what Verify reads from a request. Slack's payloads
	// (slash commands, interactions with full modal state, events) stay far
	// below it; anything bigger is refused with 413 before it is hashed.
	MaxBodyBytes = 1 << 20

	// MaxClockSkew is how far X-Slack-Request-Timestamp may be from our clock,
	// in either direction, as Slack's documentation recommends.
	MaxClockSkew = 5 * time.Minute

	headerTimestamp = "X-Slack-Request-Timestamp"
	headerSignature = "X-Slack-Signature"
	signatureScheme = "v0"
)

// Verify wraps next so that it only sees requests signed by Slack with the
// app's signing secret (Slack's HTTP mode: slash commands, interactions,
// events). It reads the whole body (at most MaxBodyBytes, else 413), checks
// that X-Slack-Request-Timestamp is within MaxClockSkew of now() and that
// X-Slack-Signature is the v0 HMAC-SHA256 of "v0:"+timestamp+":"+body,
// compared in constant time, and then hands next the request with its body
// restored. Every other request gets 401 and a warning in log that names the
// reason but never the body or the signature.
//
// Verify does not detect replays within the skew window; handlers of the
// Events API must deduplicate by event_id.
//
// slack-go's SecretsVerifier is not used because it reads the wall clock
// itself (time.Since), which would make the timestamp check untestable.
// A nil now means time.Now and a nil log discards. An empty secret answers
// every request with 500: an empty HMAC key is one anybody can sign with.
func Verify(secret string, now func() time.Time, next http.Handler, log *slog.Logger) http.Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(key) == 0 {
			log.ErrorContext(r.Context(), "slack request refused: signing secret not configured", "path", r.URL.Path)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				warnRefused(r, log, "body_too_large", "limit", tooBig.Limit)
				http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
				return
			}
			warnRefused(r, log, "read_body", "err", err)
			http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
			return
		}
		if reason := check(key, now(), r.Header, body); reason != "" {
			warnRefused(r, log, reason, "timestamp", truncate(r.Header.Get(headerTimestamp), 32))
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// check returns why a request is not authentic, or "" when it is.
func check(key []byte, now time.Time, h http.Header, body []byte) string {
	ts, sig := h.Get(headerTimestamp), h.Get(headerSignature)
	if ts == "" || sig == "" {
		return "missing_headers"
	}
	sent, ok := parseTimestamp(ts)
	if !ok {
		return "bad_timestamp"
	}
	if now.Sub(sent).Abs() > MaxClockSkew {
		return "stale_timestamp"
	}
	hexSig, ok := strings.CutPrefix(sig, signatureScheme+"=")
	if !ok {
		return "bad_signature"
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return "bad_signature"
	}
	if !hmac.Equal(got, mac(key, ts, body)) {
		return "signature_mismatch"
	}
	return ""
}

// parseTimestamp accepts only plain decimal seconds: strconv alone would
// also take a sign, which Slack never sends.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) == 0 || len(s) > 18 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

func mac(key []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	// hash.Hash writes never fail.
	_, _ = io.WriteString(m, signatureScheme+":"+ts+":")
	_, _ = m.Write(body)
	return m.Sum(nil)
}

// Sign returns the X-Slack-Request-Timestamp and X-Slack-Signature header
// values Slack would send with body at ts, for tests that drive handlers
// wrapped in Verify.
func Sign(secret string, ts time.Time, body []byte) (tsHeader, sigHeader string) {
	tsHeader = strconv.FormatInt(ts.Unix(), 10)
	return tsHeader, signatureScheme + "=" + hex.EncodeToString(mac([]byte(secret), tsHeader, body))
}

func warnRefused(r *http.Request, log *slog.Logger, reason string, attrs ...any) {
	attrs = append([]any{"reason", reason, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr}, attrs...)
	log.WarnContext(r.Context(), "slack request refused", attrs...)
}

// truncate keeps a hostile header from flooding the log.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
