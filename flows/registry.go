package flows

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Conversation is what a conversation package gives the Engine: the
// commands it answers, its flows, the button data it owns, what it does
// with text typed outside any flow, its jobs and its session keys. The
// Engine dispatches on these; it knows no conversation by name.
type Conversation struct {
	Name     string // for errors and logs, such as "application"
	Commands []CommandSpec
	Flows    []Flow
	// Buttons are the prefixes of button data the conversation owns, for
	// buttons that outlive a question ("oh:c:B-7F3K").
	Buttons []ButtonPrefix
	// Idle sees typed text when no flow is going, before the Engine says
	// it did not understand; handled is true when it answered.
	Idle func(t *Turn, text string) (handled bool, err error)
	// Jobs are the handlers of the conversation's kinds of job.
	Jobs map[string]JobHandler
	// SessionKeys are the top-level keys of the stored session the
	// conversation owns (see Session.Get).
	SessionKeys []string
	// Messages are the conversation's catalogs, added to the Engine's.
	Messages Messages
}

// CommandSpec is a command founders type ("/apply"). Its description for
// the transport's menu is the message "cmd_<name>".
type CommandSpec struct {
	Name string
	Run  func(t *Turn, arg string) error
	// Menu puts it on the menu of /start and /help as a button with data
	// "m:<name>" and the label "btn_<name>"; such a button works whatever
	// the state.
	Menu bool
	// DeepLink runs it for "/start <name>" too (a Telegram deep link).
	DeepLink bool
}

// Flow is a conversation's multi-step dialogue, stored as Session.Flow =
// Name while it goes on. The Engine calls it for its own session only.
type Flow struct {
	Name string
	// Ask asks the current question again (also any pending one).
	Ask func(t *Turn)
	// Press handles an action of the current question's buttons (the
	// part after "<nonce>."); false when the action does not belong.
	Press func(t *Turn, action string) bool
	// Text handles typed text.
	Text func(t *Turn, text string) error
	// Cancel is /cancel while the flow goes on: it says what became of
	// the flow's work.
	Cancel func(t *Turn)
	// Expired, when set, is told before a flow untouched for longer
	// than Config.DraftExpiry is dropped.
	Expired func(t *Turn)
	// Holds, when set, says whether the flow holds work that starting
	// another flow would discard; Resume is the command that returns to it.
	Holds  func(t *Turn) bool
	Resume string
	// Keys are session keys that last one run of the flow: any flow's
	// end (Turn.Clear) drops them.
	Keys []string
}

// ButtonPrefix routes button data that starts with Prefix (which ends
// with ":") to Press, with the rest of the data.
type ButtonPrefix struct {
	Prefix string
	Press  func(t *Turn, rest string) error
}

// The Engine's own commands and button prefixes.
var (
	generalCommands = []string{"start", "language", "cancel", "help"}
	generalPrefixes = []string{"m:", "l:"}
)

// registry is what the registered conversations add up to.
type registry struct {
	convs    []string
	commands map[string]CommandSpec
	order    [][]string // command names, per conversation
	flows    map[string]Flow
	buttons  []ButtonPrefix
	idle     []func(t *Turn, text string) (bool, error)
	jobs     map[string]JobHandler
	keys     map[string]string // session key → conversation
	flowKeys map[string]bool   // keys dropped when a flow ends
}

func newRegistry() registry {
	return registry{commands: map[string]CommandSpec{}, flows: map[string]Flow{},
		jobs: map[string]JobHandler{}, keys: map[string]string{}, flowKeys: map[string]bool{}}
}

// check checks c against what is registered.
func (r *registry) check(c Conversation) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Name == "" || slices.Contains(r.convs, c.Name) {
		bad("conversation %q: empty or registered twice", c.Name)
	}
	seen := map[string]bool{}
	for _, cmd := range c.Commands {
		switch {
		case cmd.Name == "" || cmd.Name != strings.ToLower(cmd.Name) || cmd.Run == nil:
			bad("command %q: want a lower-case name and a Run", cmd.Name)
		case slices.Contains(generalCommands, cmd.Name) || seen[cmd.Name]:
			bad("command /%s: registered twice", cmd.Name)
		case r.commands[cmd.Name].Run != nil:
			bad("command /%s: registered twice", cmd.Name)
		}
		seen[cmd.Name] = true
	}
	for _, f := range c.Flows {
		if _, dup := r.flows[f.Name]; dup || f.Name == "" || seen["flow:"+f.Name] {
			bad("flow %q: empty or registered twice", f.Name)
		}
		if f.Ask == nil || f.Press == nil || f.Text == nil || f.Cancel == nil {
			bad("flow %q: Ask, Press, Text and Cancel are required", f.Name)
		}
		seen["flow:"+f.Name] = true
	}
	prefixes := slices.Clone(generalPrefixes)
	for _, b := range r.buttons {
		prefixes = append(prefixes, b.Prefix)
	}
	for _, b := range c.Buttons {
		if !strings.HasSuffix(b.Prefix, ":") || len(b.Prefix) < 2 || b.Press == nil {
			bad("button prefix %q: want letters ending with \":\" and a Press", b.Prefix)
		}
		for _, p := range prefixes {
			if strings.HasPrefix(b.Prefix, p) || strings.HasPrefix(p, b.Prefix) {
				bad("button prefix %q: clashes with %q", b.Prefix, p)
			}
		}
		prefixes = append(prefixes, b.Prefix)
	}
	for kind := range c.Jobs {
		if _, dup := r.jobs[kind]; dup {
			bad("job kind %q: registered twice", kind)
		}
	}
	keys := slices.Clone(c.SessionKeys)
	for _, f := range c.Flows {
		keys = append(keys, f.Keys...)
	}
	for _, k := range keys {
		if owner, dup := r.keys[k]; dup || slices.Contains(sharedKeys, k) || seen["key:"+k] {
			bad("session key %q: already %s's", k, cmp.Or(owner, "the Engine"))
		}
		seen["key:"+k] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register conversation %s: %w", c.Name, err)
	}
	return nil
}

// add adds a conversation that check accepted.
func (r *registry) add(c Conversation) {
	keys := slices.Clone(c.SessionKeys)
	for _, f := range c.Flows {
		keys = append(keys, f.Keys...)
	}
	r.convs = append(r.convs, c.Name)
	var names []string
	for _, cmd := range c.Commands {
		r.commands[cmd.Name] = cmd
		names = append(names, cmd.Name)
	}
	r.order = append(r.order, names)
	for _, f := range c.Flows {
		r.flows[f.Name] = f
	}
	r.buttons = append(r.buttons, c.Buttons...)
	if c.Idle != nil {
		r.idle = append(r.idle, c.Idle)
	}
	for kind, h := range c.Jobs {
		r.jobs[kind] = h
	}
	for _, k := range keys {
		r.keys[k] = c.Name
	}
	for _, f := range c.Flows {
		for _, k := range f.Keys {
			r.flowKeys[k] = true
		}
	}
}

// commandNames lists the founder commands in menu order: /start, the
// first conversation's commands (the hub's main one), the Engine's
// others, then the other conversations' commands.
func (r *registry) commandNames() []string {
	names := []string{"start"}
	if len(r.order) > 0 {
		names = append(names, r.order[0]...)
	}
	names = append(names, generalCommands[1:]...)
	for _, o := range r.order[min(1, len(r.order)):] {
		names = append(names, o...)
	}
	return names
}

// menu lists the commands with a menu button, in menu order.
func (r *registry) menu() []string {
	var out []string
	for _, n := range r.commandNames() {
		if r.commands[n].Menu || n == "language" || n == "help" {
			out = append(out, n)
		}
	}
	return out
}
