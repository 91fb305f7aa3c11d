package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// conv applies one event to a copy of the session and collects the replies.
type conv struct {
	ctx      context.Context
	e        *Engine
	ev       Event
	s        Session
	lang     string
	now      time.Time
	replies  []Reply
	notice   string
	expired  bool
	app      *Application   // set when this event submits an application
	answered *Application   // set when this event answers staff's question
	drafted  bool           // this event started a draft: its reminders are scheduled
	docs     []Document     // files to send after the replies (calendar files)
	events   []BookingEvent // office-hours changes staff must hear about
	// err is an error met where it could not be returned (asking a
	// question that reads the store); Handle returns it.
	err error
}

func newConv(ctx context.Context, e *Engine, ev Event, s Session) *conv {
	if s.Flow != "" { // a copy: never mutate the loaded map, a retry reloads it
		a := make(map[string]string, len(s.Answers))
		for k, v := range s.Answers {
			a[k] = v
		}
		s.Answers = a
	}
	return &conv{ctx: ctx, e: e, ev: ev, s: s, now: e.Now(), lang: e.cat.Resolve(s.Lang, ev.LangHint)}
}

func (c *conv) result() Result {
	return Result{Replies: c.replies, Notice: c.notice, Expired: c.expired, Submitted: c.app, Answered: c.answered, Lang: c.lang,
		Documents: c.docs, Bookings: c.events}
}

// t renders a catalog message in the founder's language.
func (c *conv) t(id string, data ...any) string { return c.e.cat.T(c.lang, id, data...) }

// v escapes founder text for a message.
func (c *conv) v(s string) string { return c.e.cat.Value(c.lang, s) }

func (c *conv) say(text string, rows ...[]Button) {
	c.replies = append(c.replies, Reply{Text: text, Buttons: rows})
}

func (c *conv) run() error {
	if c.s.Flow != "" && !c.s.Touched.IsZero() && c.now.Sub(c.s.Touched) > c.e.cfg.DraftExpiry {
		if c.s.Flow == flowApply {
			c.say(c.t("draft_expired"))
		}
		c.clearFlow()
	}
	c.s.Touched = c.now
	if c.ev.LangHint != "" {
		c.s.Hint = c.ev.LangHint
	}
	switch c.ev.Kind {
	case KindCommand:
		return c.command(c.ev.Command, c.ev.Arg)
	case KindButton:
		return c.button(c.ev.Data)
	case KindText:
		return c.text(c.ev.Text)
	case KindEdited:
		c.say(c.t("edited"))
	default:
		c.say(c.t("unsupported"))
		c.ask()
	}
	return nil
}

func (c *conv) command(name, arg string) error {
	switch name {
	case "start":
		if strings.EqualFold(arg, "apply") {
			return c.apply()
		}
		c.welcome()
		c.ask()
	case "help":
		c.say(c.t("help", "Hub", c.v(c.e.cfg.Hub)), c.menu()...)
		c.ask()
	case "apply":
		return c.apply()
	case "status":
		return c.status()
	case "cancel":
		c.cancel()
	case "book":
		return c.book()
	case "mybookings":
		return c.myBookings()
	case "language":
		c.say(c.t("language_prompt"), c.languageButtons())
	default:
		c.say(c.t("unknown_command", "Command", c.v(name)))
		c.ask()
	}
	return nil
}

func (c *conv) welcome() {
	c.say(c.t("welcome", "Hub", c.v(c.e.cfg.Hub), "Name", c.v(c.ev.Name)), c.menu()...)
}

// Menu buttons and language buttons are shortcuts for commands a founder
// may type at any time, so they are honoured whatever the state.
func (c *conv) menu() [][]Button {
	return [][]Button{
		{{Label: c.t("btn_apply"), Data: "m:apply"}, {Label: c.t("btn_status"), Data: "m:status"}},
		{{Label: c.t("btn_language"), Data: "m:language"}, {Label: c.t("btn_help"), Data: "m:help"}},
	}
}

func (c *conv) languageButtons() []Button {
	row := make([]Button, len(Languages))
	for i, l := range Languages {
		row[i] = Button{Label: c.e.cat.T(l, "language_name"), Data: "l:" + l}
	}
	return row
}

func (c *conv) button(data string) error {
	if cmd, ok := strings.CutPrefix(data, "m:"); ok {
		switch cmd {
		case "apply", "status", "language", "help":
			return c.command(cmd, "")
		}
	}
	if rest, ok := strings.CutPrefix(data, "oh:"); ok {
		return c.officeButton(rest)
	}
	if l, ok := strings.CutPrefix(data, "l:"); ok && Supported(l) {
		c.s.Lang, c.lang = l, l
		c.say(c.t("language_set"))
		c.ask()
		return nil
	}
	nonce, action, ok := strings.Cut(data, ".")
	if !ok || nonce != c.nonce() || !c.press(action) {
		c.expired = true
		c.notice = c.t("button_expired")
		if c.s.Flow == "" {
			c.say(c.t("button_expired_idle"), c.menu()...)
		} else {
			c.ask()
		}
	}
	return nil
}

func (c *conv) nonce() string { return strconv.FormatInt(c.s.Nonce, 36) }

// data makes the button data of an action on the current question.
func (c *conv) data(action string) string { return c.nonce() + "." + action }

// press handles a button of the current question; false when the action
// does not belong to it.
func (c *conv) press(action string) bool {
	switch c.s.Pending {
	case "cancel":
		switch action {
		case "yes":
			c.clearFlow()
			c.say(c.t("cancelled"))
		case "no":
			c.setPending("")
			c.ask()
		default:
			return false
		}
		return true
	case "resume":
		switch action {
		case "cont":
			c.setPending("")
			c.ask()
		case "over":
			c.startApply()
		default:
			return false
		}
		return true
	case "edit":
		if action == "sum" {
			c.setPending("")
			c.ask()
			return true
		}
		key, ok := strings.CutPrefix(action, "e:")
		if _, f := fieldByKey(key); !ok || f == nil {
			return false
		}
		c.setPending("")
		c.s.Editing = true
		c.goTo(key)
		c.ask()
		return true
	}
	if c.s.Flow == flowBook || c.s.Flow == flowRate {
		return c.pressBook(action)
	}
	if c.s.Flow != flowApply {
		return false
	}
	return c.pressApply(action)
}

func (c *conv) setPending(p string) {
	c.s.Pending = p
	c.s.Nonce++
}

func (c *conv) goTo(step string) {
	c.s.Step = step
	c.s.Nonce++
}

func (c *conv) clearFlow() {
	c.s.Flow, c.s.Step, c.s.Pending, c.s.Editing, c.s.Answers = "", "", "", false, nil
	c.s.Started, c.s.Nudges, c.s.Deadline = time.Time{}, 0, 0
	c.s.Nonce++
}

func (c *conv) cancel() {
	switch {
	case c.s.Flow == "":
		c.say(c.t("nothing_to_cancel"))
	case c.s.Flow == flowBook || c.s.Flow == flowRate:
		c.stopBook()
	case len(c.s.Answers) == 0:
		c.clearFlow()
		c.say(c.t("cancelled"))
	default:
		c.setPending("cancel")
		c.ask()
	}
}

// text handles typed text: the answer to the current question, if any.
func (c *conv) text(t string) error {
	if c.s.AwaitingInfo != "" && c.s.Flow == "" {
		if ok, err := c.answerInfo(t); ok || err != nil {
			return err
		}
	}
	switch {
	case c.s.Pending != "" || c.s.Step == stepSummary:
		c.say(c.t("pick_button"))
		c.ask()
	case c.s.Flow == flowApply:
		c.answer(t)
	case c.s.Flow == flowBook || c.s.Flow == flowRate:
		return c.bookText(t)
	default:
		c.say(c.t("not_understood"), c.menu()...)
	}
	return nil
}

// ask repeats the current question, if there is one.
func (c *conv) ask() {
	switch c.s.Pending {
	case "cancel":
		c.say(c.e.cat.N(c.lang, "confirm_cancel", len(c.s.Answers)),
			[]Button{{Label: c.t("btn_discard"), Data: c.data("yes")}, {Label: c.t("btn_keep_draft"), Data: c.data("no")}})
		return
	case "resume":
		c.say(c.e.cat.N(c.lang, "resume", len(c.s.Answers), "Total", len(applyFields)),
			[]Button{{Label: c.t("btn_continue"), Data: c.data("cont")}, {Label: c.t("btn_start_over"), Data: c.data("over")}})
		return
	case "edit":
		c.askEdit()
		return
	}
	switch c.s.Flow {
	case flowApply:
		c.askApply()
	case flowBook, flowRate:
		c.askBook()
	}
}

func (c *conv) status() error {
	apps, err := c.e.store.Applications(c.ctx, c.ev.Founder)
	if err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	if len(apps) == 0 && c.s.Flow == "" {
		c.say(c.t("status_none"), []Button{{Label: c.t("btn_apply"), Data: "m:apply"}})
		return nil
	}
	var b strings.Builder
	b.WriteString(c.t("status_header"))
	for _, a := range apps {
		b.WriteString("\n")
		b.WriteString(c.t("status_line", "ID", a.ID, "Startup", c.v(a.Answers["startup"]),
			"Status", c.t("status_"+string(a.Status)), "Date", a.Submitted.Format("2006-01-02")))
	}
	if c.s.Flow == flowApply {
		b.WriteString("\n\n")
		b.WriteString(c.e.cat.N(c.lang, "status_draft", len(c.s.Answers), "Total", len(applyFields)))
	}
	c.say(b.String())
	c.ask()
	return nil
}
