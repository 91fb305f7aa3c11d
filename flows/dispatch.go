package flows

import (
	"strconv"
	"strings"
)

// The Engine's part of a turn: the general commands (/start, /help,
// /language, /cancel), the menu and language buttons, and the routing of
// everything else to the registered conversations.

func (e *Engine) run(t *Turn) error {
	if t.s.Flow != "" && !t.s.Touched.IsZero() && t.now.Sub(t.s.Touched) > e.cfg.DraftExpiry {
		if f, ok := e.reg.flows[t.s.Flow]; ok && f.Expired != nil {
			f.Expired(t)
		}
		t.Clear()
	}
	t.s.Touched = t.now
	if t.ev.LangHint != "" {
		t.s.Hint = t.ev.LangHint
	}
	switch t.ev.Kind {
	case KindCommand:
		return e.command(t, t.ev.Command, t.ev.Arg)
	case KindButton:
		return e.button(t, t.ev.Data)
	case KindText:
		return e.text(t, t.ev.Text)
	case KindEdited:
		t.Say(t.T("edited"))
	default:
		t.Say(t.T("unsupported"))
		t.Ask()
	}
	return nil
}

func (e *Engine) command(t *Turn, name, arg string) error {
	switch name {
	case "start":
		if c, ok := e.reg.commands[strings.ToLower(arg)]; ok && c.DeepLink {
			return c.Run(t, "")
		}
		t.Say(t.T("welcome", "Hub", t.V(e.cfg.Hub), "Name", t.V(t.ev.Name)), t.Menu()...)
		t.Ask()
	case "help":
		t.Say(t.T("help", "Hub", t.V(e.cfg.Hub)), t.Menu()...)
		t.Ask()
	case "cancel":
		e.cancel(t)
	case "language":
		t.Say(t.T("language_prompt"), e.languageButtons())
	default:
		if c, ok := e.reg.commands[name]; ok {
			return c.Run(t, arg)
		}
		t.Say(t.T("unknown_command", "Command", t.V(name)))
		t.Ask()
	}
	return nil
}

// menu is the menu's buttons, two a row. Menu buttons and language
// buttons are shortcuts for commands a founder may type at any time, so
// they are honoured whatever the state.
func (e *Engine) menu(t *Turn) [][]Button {
	var rows [][]Button
	for i, n := range e.reg.menu() {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: t.T("btn_" + n), Data: "m:" + n})
	}
	return rows
}

func (e *Engine) languageButtons() []Button {
	row := make([]Button, len(Languages))
	for i, l := range Languages {
		row[i] = Button{Label: e.cat.T(l, "language_name"), Data: "l:" + l}
	}
	return row
}

func (e *Engine) button(t *Turn, data string) error {
	if cmd, ok := strings.CutPrefix(data, "m:"); ok && e.inMenu(cmd) {
		return e.command(t, cmd, "")
	}
	for _, b := range e.reg.buttons {
		if rest, ok := strings.CutPrefix(data, b.Prefix); ok {
			return b.Press(t, rest)
		}
	}
	if l, ok := strings.CutPrefix(data, "l:"); ok && Supported(l) {
		t.s.Lang, t.lang = l, l
		t.Say(t.T("language_set"))
		t.Ask()
		return nil
	}
	nonce, action, ok := strings.Cut(data, ".")
	if !ok || nonce != strconv.FormatInt(t.s.Nonce, 36) || !e.press(t, action) {
		t.expired = true
		t.notice = t.T("button_expired")
		if t.s.Flow == "" {
			t.Say(t.T("button_expired_idle"), t.Menu()...)
		} else {
			t.Ask()
		}
	}
	return nil
}

func (e *Engine) inMenu(cmd string) bool {
	for _, n := range e.reg.menu() {
		if n == cmd {
			return true
		}
	}
	return false
}

// press hands a button of the current question to the flow.
func (e *Engine) press(t *Turn, action string) bool {
	f, ok := e.reg.flows[t.s.Flow]
	return ok && f.Press(t, action)
}

func (e *Engine) cancel(t *Turn) {
	if f, ok := e.reg.flows[t.s.Flow]; ok {
		f.Cancel(t)
		return
	}
	t.Clear() // a flow no conversation registers any more
	t.Say(t.T("nothing_to_cancel"))
}

// text handles typed text: the answer to the current question, if any.
func (e *Engine) text(t *Turn, s string) error {
	if t.s.Flow == "" {
		for _, idle := range e.reg.idle {
			if ok, err := idle(t, s); ok || err != nil {
				return err
			}
		}
	}
	f, ok := e.reg.flows[t.s.Flow]
	switch {
	case t.s.Pending != "":
		t.Say(t.T("pick_button"))
		t.Ask()
	case ok:
		return f.Text(t, s)
	default:
		t.Say(t.T("not_understood"), t.Menu()...)
	}
	return nil
}
