// Package slacktest is an in-process fake of the Slack Web API for tests
// that drive the real slack-go client:
//
//	srv := slacktest.New(t, slacktest.WithChannel("C0STAFF", "U1", "U2"))
//	api := slackapi.New(slacktest.Token, slackapi.OptionAPIURL(srv.APIURL()))
//	... code under test posts through api ...
//	msgs := srv.WaitPosted(t, 1, 5*time.Second)
//
// It speaks the Web API's JSON for the methods founderbot uses (see
// handlers), keeps what was sent, and lets tests inject errors and 429s.
package slacktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
)

// Token is the bot token the fake accepts unless WithToken says otherwise.
const Token = "xoxb-slacktest-token"

// Identity of the bot and workspace as auth.test reports them.
const (
	TeamID    = "T0SLACKTEST"
	TeamName  = "founderbot-test"
	BotUserID = "U0FOUNDERBOT"
	BotID     = "B0FOUNDERBOT"
	BotName   = "founderbot"
)

// Server is a fake Slack Web API on a loopback httptest server. It is safe
// for concurrent use; its inspection methods return copies.
type Server struct {
	srv   *httptest.Server
	token string

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every recorded change
	seq       int           // source of timestamps and IDs
	calls     map[string]int
	rateLimit map[string][]int    // method → queued Retry-After seconds
	fail      map[string][]string // method → queued error codes
	members   map[string][]string // channel → member user IDs
	public    map[string]bool     // channels made with WithPublicChannel
	shared    map[string]bool     // channels made with WithSharedChannel
	users     map[string]slackapi.User
	dms       map[string]string // user → DM channel
	posted    []*Message
	ephemeral []Ephemeral
	views     []*View
	uploads   map[string]*upload // file ID → upload not yet completed
	files     []*File            // completed, in order
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the fake accept token instead of Token.
func WithToken(token string) Option {
	return func(s *Server) { s.token = token }
}

// WithChannel creates channel id with the given members, for
// conversations.members and chat.postEphemeral's membership check.
func WithChannel(id string, members ...string) Option {
	return func(s *Server) { s.members[id] = append([]string(nil), members...) }
}

// WithPublicChannel makes channel id public for conversations.info
// (channels are private otherwise).
func WithPublicChannel(id string) Option {
	return func(s *Server) { s.public[id] = true }
}

// WithSharedChannel makes channel id shared with another organisation
// for conversations.info (channels are not shared otherwise).
func WithSharedChannel(id string) Option {
	return func(s *Server) { s.shared[id] = true }
}

// WithUser makes users.info know u (by u.ID).
func WithUser(u slackapi.User) Option {
	return func(s *Server) { s.users[u.ID] = u }
}

// New starts a fake Slack Web API that is closed when tb's test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		token:     Token,
		changed:   make(chan struct{}),
		calls:     map[string]int{},
		rateLimit: map[string][]int{},
		fail:      map[string][]string{},
		members:   map[string][]string{},
		public:    map[string]bool{},
		shared:    map[string]bool{},
		users:     map[string]slackapi.User{},
		dms:       map[string]string{},
		uploads:   map[string]*upload{},
	}
	for _, opt := range opts {
		opt(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("POST /upload/{file}", s.serveUpload)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's origin, e.g. "http://127.0.0.1:4711".
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the value for slackapi.OptionAPIURL; its trailing slash matters,
// as slack-go appends method names to it.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// RateLimitNext makes the next call of method answer HTTP 429 with
// Retry-After: retryAfter, which slack-go returns as
// *slackapi.RateLimitedError. Calls queue up: two calls of RateLimitNext
// limit the next two calls of method.
func (s *Server) RateLimitNext(method string, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit[method] = append(s.rateLimit[method], retryAfter)
}

// FailNext makes the next call of method answer {"ok":false,"error":code},
// e.g. "channel_not_found" or "expired_trigger_id". Calls queue up.
func (s *Server) FailNext(method, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[method] = append(s.fail[method], code)
}

// Calls returns how many requests for method reached the fake, including
// refused ones.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// handler serves one Web API method with the request's parameters; s.mu is
// held. It returns the fields of an ok response, or an error code.
type handler func(s *Server, p params) (map[string]any, string)

// handlerFor returns the fake's implementation of a Web API method.
func handlerFor(method string) (handler, bool) {
	switch method {
	case "auth.test":
		return (*Server).authTest, true
	case "chat.postMessage":
		return (*Server).postMessage, true
	case "chat.update":
		return (*Server).update, true
	case "chat.postEphemeral":
		return (*Server).postEphemeral, true
	case "views.open":
		return (*Server).openView, true
	case "views.update":
		return (*Server).updateView, true
	case "conversations.members":
		return (*Server).conversationMembers, true
	case "conversations.info":
		return (*Server).conversationInfo, true
	case "conversations.open":
		return (*Server).openConversation, true
	case "users.info":
		return (*Server).userInfo, true
	case "files.getUploadURLExternal":
		return (*Server).getUploadURL, true
	case "files.completeUploadExternal":
		return (*Server).completeUpload, true
	}
	return nil, false
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	p, err := readParams(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	h, ok := handlerFor(method)
	if !ok {
		writeJSON(w, http.StatusOK, errorBody("unknown_method"))
		return
	}
	if err != nil {
		writeJSON(w, http.StatusOK, errorBody("invalid_form_data"))
		return
	}
	if code := s.authError(r, p); code != "" {
		writeJSON(w, http.StatusOK, errorBody(code))
		return
	}
	if q := s.rateLimit[method]; len(q) > 0 {
		s.rateLimit[method] = q[1:]
		w.Header().Set("Retry-After", strconv.Itoa(q[0]))
		writeJSON(w, http.StatusTooManyRequests, errorBody("ratelimited"))
		return
	}
	if q := s.fail[method]; len(q) > 0 {
		s.fail[method] = q[1:]
		writeJSON(w, http.StatusOK, errorBody(q[0]))
		return
	}
	fields, code := h(s, p)
	if code != "" {
		writeJSON(w, http.StatusOK, errorBody(code))
		return
	}
	body := map[string]any{"ok": true}
	maps.Copy(body, fields)
	writeJSON(w, http.StatusOK, body)
}

// authError checks the token the way Slack takes it: slack-go sends form
// methods' token in the body and JSON methods' in Authorization.
func (s *Server) authError(r *http.Request, p params) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		token = p.get("token")
	}
	switch token {
	case "":
		return "not_authed"
	case s.token:
		return ""
	default:
		return "invalid_auth"
	}
}

// params are a request's arguments. JSON bodies are flattened to the form
// shape: strings as they are, other values as their JSON text, which is what
// Slack expects in form fields such as blocks or view.
type params map[string]string

func (p params) get(key string) string { return p[key] }

func (p params) has(key string) bool {
	_, ok := p[key]
	return ok
}

func readParams(r *http.Request) (params, error) {
	p := params{}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			return nil, fmt.Errorf("decode JSON body: %w", err)
		}
		for k, v := range raw {
			var str string
			if json.Unmarshal(v, &str) == nil {
				p[k] = str
			} else {
				p[k] = string(v)
			}
		}
		addValues(p, r.URL.Query())
		return p, nil
	}
	if mediaType == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, fmt.Errorf("parse multipart form: %w", err)
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("parse form: %w", err)
	}
	addValues(p, r.Form)
	return p, nil
}

func addValues(p params, v url.Values) {
	for k, vs := range v {
		if _, ok := p[k]; !ok && len(vs) > 0 {
			p[k] = vs[0]
		}
	}
}

func errorBody(code string) map[string]any {
	return map[string]any{"ok": false, "error": code}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The client may be gone; there is nobody to tell.
	_ = json.NewEncoder(w).Encode(body)
}

// notify wakes every waiter; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// next returns a new sequence number; s.mu is held.
func (s *Server) next() int {
	s.seq++
	return s.seq
}

// wait blocks until ready (called with s.mu held) returns true, or fails tb
// after timeout. It wakes on every change instead of polling. Like
// t.Fatal, it must be called from the test's goroutine.
func (s *Server) wait(tb testing.TB, timeout time.Duration, what string, ready func() bool) {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok, changed := ready(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			tb.Fatalf("slacktest: %s not seen within %v", what, timeout)
			return
		}
	}
}
