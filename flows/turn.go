package flows

import (
	"context"
	"strconv"
	"time"
)

// Turn is one event applied to a copy of the founder's session: what a
// conversation reads (the event, the session, the clock, the language)
// and does (reply, move the flow, produce outputs). The Engine saves the
// session after the turn only if nobody saved it meanwhile; otherwise it
// runs a new turn on the fresh session, so a conversation's side effects
// in the store must be safe to repeat (see Event.UpdateID).
type Turn struct {
	ctx     context.Context // the event's; a turn lives only while Handle runs
	e       *Engine
	ev      Event
	s       Session
	lang    string
	now     time.Time
	replies []Reply
	notice  string
	expired bool
	notes   []Notification
	app     *Application    // set when this turn submits an application
	onID    func(id string) // told the submitted application's ID
	after   []afterSave     // run once the session is saved
	err     error           // met where it could not be returned
}

type afterSave struct {
	name string
	fn   func(ctx context.Context, s Session) error
}

func newTurn(ctx context.Context, e *Engine, ev Event, s Session) *Turn {
	return &Turn{ctx: ctx, e: e, ev: ev, s: s.clone(), now: e.Now(), lang: e.cat.Resolve(s.Lang, ev.LangHint)}
}

// Context is the event's context, for the store calls of the turn.
func (t *Turn) Context() context.Context { return t.ctx }

// Event is what the founder did.
func (t *Turn) Event() Event { return t.ev }

// Now is the time of the turn.
func (t *Turn) Now() time.Time { return t.now }

// Lang is the founder's language.
func (t *Turn) Lang() string { return t.lang }

// T renders a catalog message in the founder's language.
func (t *Turn) T(id string, data ...any) string { return t.e.cat.T(t.lang, id, data...) }

// N renders a message with plural forms chosen by n.
func (t *Turn) N(id string, n int, data ...any) string { return t.e.cat.N(t.lang, id, n, data...) }

// Labels are a message in every language, to match what a founder
// typed instead of pressing a button.
func (t *Turn) Labels(id string) []string {
	out := make([]string, len(Languages))
	for i, l := range Languages {
		out[i] = t.e.cat.T(l, id)
	}
	return out
}

// V escapes text a founder or staff typed for a message.
func (t *Turn) V(s string) string { return t.e.cat.Value(t.lang, s) }

// Say adds a reply with rows of buttons.
func (t *Turn) Say(text string, rows ...[]Button) {
	t.replies = append(t.replies, Reply{Text: text, Buttons: rows})
}

// Reply adds a reply as it is (one that also accepts typed text).
func (t *Turn) Reply(r Reply) { t.replies = append(t.replies, r) }

// Session is the session as the turn has it so far; change it through
// the Turn's methods.
func (t *Turn) Session() Session { return t.s }

// Get reads a session key of the conversation (see Session.Get); a
// stored value that no longer decodes is reported by Handle.
func (t *Turn) Get(key string, v any) bool {
	ok, err := t.s.Get(key, v)
	t.Fail(err)
	return ok && err == nil
}

// Set stores a session key of the conversation (see Session.Set).
func (t *Turn) Set(key string, v any) { t.Fail(t.s.Set(key, v)) }

// Answers are the current flow's answers; the map is the turn's to change.
func (t *Turn) Answers() map[string]string { return t.s.Answers }

// Data makes the button data of an action on the current question:
// "<nonce>.<action>". A press is honoured only while the question is
// the same, so an old button never answers a newer question.
func (t *Turn) Data(action string) string { return strconv.FormatInt(t.s.Nonce, 36) + "." + action }

// Start starts a flow at its first step with empty (or given) answers,
// dropping whatever flow was going.
func (t *Turn) Start(flow, step string, answers map[string]string) {
	t.Clear()
	if answers == nil {
		answers = map[string]string{}
	}
	t.s.Flow, t.s.Answers, t.s.Started = flow, answers, t.now
	t.Goto(step)
}

// Goto moves the flow to a step; the buttons of the last question expire.
func (t *Turn) Goto(step string) {
	t.s.Step = step
	t.s.Nonce++
}

// SetPending asks a question on top of the step ("" when answered); the
// buttons of the last question expire.
func (t *Turn) SetPending(p string) {
	t.s.Pending = p
	t.s.Nonce++
}

// Clear ends the flow: the session is idle again, without the session
// keys flows keep for one run (Flow.Keys).
func (t *Turn) Clear() {
	t.s.Flow, t.s.Step, t.s.Pending, t.s.Answers, t.s.Started = "", "", "", nil, time.Time{}
	for k := range t.e.reg.flowKeys {
		delete(t.s.own, k)
	}
	t.s.Nonce++
}

// Ask asks the current flow's question again, if there is one.
func (t *Turn) Ask() {
	if f, ok := t.e.reg.flows[t.s.Flow]; ok {
		f.Ask(t)
	}
}

// Held reports whether the current flow holds work that starting another
// flow would discard, and the button data that returns to it.
func (t *Turn) Held() (resume string, held bool) {
	f, ok := t.e.reg.flows[t.s.Flow]
	if !ok || f.Holds == nil || !f.Holds(t) {
		return "", false
	}
	return "m:" + f.Resume, true
}

// MenuButton is the menu's button for a registered command; false when
// the command has none (its conversation is not registered).
func (t *Turn) MenuButton(name string) (Button, bool) {
	if !t.e.reg.commands[name].Menu {
		return Button{}, false
	}
	return Button{Label: t.T("btn_" + name), Data: "m:" + name}, true
}

// Menu is the rows of menu buttons of /start and /help.
func (t *Turn) Menu() [][]Button { return t.e.menu(t) }

// Expire says the pressed button no longer means anything, with the
// toast and the menu.
func (t *Turn) Expire() {
	t.expired = true
	t.notice = t.T("button_expired")
	t.Say(t.T("button_expired_idle"), t.Menu()...)
}

// Notify adds an output for another side to the Result (a Document for
// the founder's transport, a conversation's news for staff).
func (t *Turn) Notify(n Notification) { t.notes = append(t.notes, n) }

// Submit has the Engine save app with the session, under an application
// ID it reserves, then call then with that ID before the save.
func (t *Turn) Submit(app *Application, then func(id string)) {
	t.app, t.onID = app, then
}

// AfterSave runs fn once the session is saved; a failure is logged under
// name and costs only what fn does (a reminder), never the answer.
func (t *Turn) AfterSave(name string, fn func(ctx context.Context, s Session) error) {
	t.after = append(t.after, afterSave{name: name, fn: fn})
}

// Fail records an error met where it could not be returned (asking a
// question that reads the store); Handle returns it. nil does nothing.
func (t *Turn) Fail(err error) {
	if err != nil && t.err == nil {
		t.err = err
	}
}
