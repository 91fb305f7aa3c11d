// Package telegramtest is an in-process fake of the Telegram Bot API for end-to-end
// tests. It speaks the real wire format (multipart/form-data, JSON and urlencoded
// requests; {"ok":...} envelopes; real error codes and descriptions), long-polls
// getUpdates like the real server, validates text and HTML as Telegram does, and
// records everything the bot sent so tests can assert on it.
//
// Typical use with go-telegram/bot:
//
//	srv := telegramtest.New(t, "123:abc")
//	b, _ := tgbot.New("123:abc", tgbot.WithServerURL(srv.URL()), tgbot.WithSkipGetMe())
//	go b.Start(ctx)
//	srv.Push(srv.Text(alice, alice.ID, "/start"))
//	msgs := srv.WaitMessages(t, alice.ID, 1, 5*time.Second)
package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Server is a fake Telegram Bot API server. All methods are safe for concurrent use.
type Server struct {
	token string
	srv   *httptest.Server
	now   func() time.Time
	bot   models.User

	// done is closed when the test ends, so that held long polls and waiters return
	// before httptest.Server.Close waits for outstanding requests.
	done chan struct{}

	mu sync.Mutex
	// changed is closed and replaced on every state change; waiters select on it
	// instead of sleeping.
	changed chan struct{}

	calls []Call

	// updates
	nextUpdateID   int64
	pending        []pendingUpdate
	delivered      int64           // highest update_id handed out by getUpdates
	allowed        map[string]bool // allowed_updates; nil means Telegram's default
	held           int             // getUpdates requests waiting with nothing to deliver
	pollStop       chan struct{}   // closed when a newer getUpdates supersedes the held one
	callbackSerial int64
	callbacks      map[string]*callbackState

	// chats and messages
	chats    map[int64]models.Chat
	nextMsg  map[int64]int
	incoming map[msgKey]bool // messages the bot received; true once deleted
	messages map[int64][]*SentMessage
	commands map[string][]models.BotCommand

	// webhook (webhook.go)
	hook        *webhook
	hookRunning bool
	hookRetry   time.Duration
	inflight    map[int64]bool      // updates being posted
	retryAt     map[int64]time.Time // failed posts: when to post again
	hookPosts   int
	hookFailed  int

	// faults
	failures map[string][]apiError
	blocked  map[int64]bool
	limiter  *rateLimiter

	// sent is called for every message stored by sendMessage (see WithSentHook).
	sent func(chatID int64)
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock used for message dates, call times and (unless
// WithRateLimit gets its own) rate limiting. Long-poll timeouts always use real time.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithBotUser sets what getMe returns and who bot messages are "from". By default the
// bot's ID is the token's numeric prefix and its username is "test_bot".
func WithBotUser(u models.User) Option {
	return func(s *Server) { s.bot = u }
}

// WithRateLimit makes sends (sendMessage, sendDocument) answer 429 "Too Many Requests:
// retry after N" with parameters.retry_after once more than global messages per
// second in total, or perChat per second to one chat, were accepted within the last
// second (a sliding window). A limit of 0 means unlimited; a nil clock uses the
// server's clock.
func WithRateLimit(global, perChat int, clock func() time.Time) Option {
	return func(s *Server) {
		s.limiter = &rateLimiter{global: global, perChat: perChat, clock: clock, chats: map[int64][]time.Time{}}
	}
}

// WithSentHook calls fn with the chat of every message sendMessage accepts,
// in the order the server accepted them. It runs with the server's lock
// held, so it must not block or call the Server: a load test uses it to wake
// one waiting founder instead of every waiter of WaitMessages.
func WithSentHook(fn func(chatID int64)) Option {
	return func(s *Server) { s.sent = fn }
}

// New starts a fake Bot API server that accepts token and stops it when the test
// ends.
func New(tb testing.TB, token string, opts ...Option) *Server {
	tb.Helper()
	botID, _ := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	if botID <= 0 {
		botID = 1
	}
	s := &Server{
		token:        token,
		now:          time.Now,
		bot:          models.User{ID: botID, IsBot: true, FirstName: "Test Bot", Username: "test_bot", CanJoinGroups: true},
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		nextUpdateID: 1,
		pollStop:     make(chan struct{}),
		callbacks:    map[string]*callbackState{},
		chats:        map[int64]models.Chat{},
		nextMsg:      map[int64]int{},
		incoming:     map[msgKey]bool{},
		messages:     map[int64][]*SentMessage{},
		commands:     map[string][]models.BotCommand{},
		failures:     map[string][]apiError{},
		blocked:      map[int64]bool{},
		hookRetry:    100 * time.Millisecond,
		inflight:     map[int64]bool{},
		retryAt:      map[int64]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.limiter != nil && s.limiter.clock == nil {
		s.limiter.clock = s.now
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(s.close)
	return s
}

// URL is the server's origin, for tgbot.WithServerURL or TELEGRAM_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot is the bot's own user, as getMe returns it.
func (s *Server) Bot() models.User { return s.bot }

func (s *Server) close() {
	close(s.done)
	s.srv.Close()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// apiError is a Bot API error answer.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbiddenBlocked() *apiError {
	return &apiError{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
}

// methodFunc answers one Bot API method: a result to encode or an error.
type methodFunc func(s *Server, ctx context.Context, req *request) (any, *apiError)

// methods maps lower-case method names (Telegram ignores case) to their canonical
// name and implementation.
var methods = map[string]struct {
	name string
	fn   methodFunc
}{
	"getme":                  {"getMe", (*Server).getMe},
	"deletewebhook":          {"deleteWebhook", (*Server).deleteWebhook},
	"setwebhook":             {"setWebhook", (*Server).setWebhook},
	"getupdates":             {"getUpdates", (*Server).getUpdates},
	"sendmessage":            {"sendMessage", (*Server).sendMessage},
	"editmessagetext":        {"editMessageText", (*Server).editMessageText},
	"editmessagereplymarkup": {"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
	"deletemessage":          {"deleteMessage", (*Server).deleteMessage},
	"sendchataction":         {"sendChatAction", (*Server).sendChatAction},
	"senddocument":           {"sendDocument", (*Server).sendDocument},
	"answercallbackquery":    {"answerCallbackQuery", (*Server).answerCallbackQuery},
	"setmycommands":          {"setMyCommands", (*Server).setMyCommands},
	"deletemycommands":       {"deleteMyCommands", (*Server).deleteMyCommands},
	"getmycommands":          {"getMyCommands", (*Server).getMyCommands},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, found := strings.Cut(rest, "/")
	if !ok || !found || method == "" || strings.Contains(method, "/") {
		writeError(w, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	if token != s.token {
		writeError(w, &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	start := s.now()
	m, known := methods[strings.ToLower(method)]
	req, perr := parseRequest(r)
	var (
		result any
		aerr   *apiError
	)
	switch {
	case !known:
		aerr = &apiError{Code: http.StatusNotFound, Description: "Not Found"}
	case perr != nil:
		aerr = perr
	default:
		method = m.name
		if aerr = s.takeFailure(method); aerr == nil {
			result, aerr = m.fn(s, r.Context(), req)
		}
	}
	s.record(Call{Method: method, Params: req.params, Files: req.files, Time: start}, aerr)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeResult(w, result)
}

func (s *Server) record(c Call, aerr *apiError) {
	c.Status = http.StatusOK
	if aerr != nil {
		c.Status, c.Error = aerr.Code, aerr.Description
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()
}

func writeResult(w http.ResponseWriter, result any) {
	body, err := json.Marshal(struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}{true, result})
	if err != nil {
		writeError(w, &apiError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	body, _ := json.Marshal(struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{
		ErrorCode:   e.Code,
		Description: e.Description,
		Parameters: func() *parameters {
			if e.RetryAfter > 0 {
				return &parameters{RetryAfter: e.RetryAfter}
			}
			return nil
		}(),
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Code)
	_, _ = w.Write(body)
}

func (s *Server) getMe(context.Context, *request) (any, *apiError) {
	return s.bot, nil
}
