// Package application is the application conversation: founders fill in
// the form (/apply), follow it (/status) and answer staff's questions;
// staff review applications (Review); drafts and questions left
// unanswered get reminders (Reminders).
package application

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
)

//go:embed locales/*.toml
var locales embed.FS

// Messages are the conversation's message catalogs, for flows.NewCatalog.
func Messages() flows.Messages { return flows.Messages{Name: "application", Files: locales} }

// Store is what the founders' side of applications needs from storage;
// *store.Redis has it.
type Store interface {
	// Applications lists the founder's applications, newest first.
	Applications(ctx context.Context, f flows.FounderID) ([]flows.Application, error)
	// UpdateApplication changes an application atomically (see ReviewStore).
	UpdateApplication(ctx context.Context, id string, fn func(*flows.Application) error) (flows.Application, error)
}

// FormConfig is what the hub decides about the form.
type FormConfig struct {
	Hub string // shown in messages; default StartGate
	// Programs are the programs founders apply to; nil: the embedded
	// default (one program, today's ten questions, always open).
	Programs *Programs
	TZ       *time.Location // the hub's, for the dates of calls
}

// Form is the founders' side of applications.
type Form struct {
	store    Store
	cfg      FormConfig
	programs *Programs
	// Reminders, when set, schedules the reminders of new drafts.
	Reminders *Reminders
	// StatusSections add other conversations' items to /status (such as
	// introductions), wired in cmd so that conversations stay apart; a
	// section is Telegram HTML, "" when it has nothing to show.
	StatusSections []func(t *flows.Turn) (string, error)
}

// NewForm returns the founders' side of applications; register its
// Conversation on the Engine.
func NewForm(st Store, cfg FormConfig) *Form {
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	ps := cfg.Programs
	if ps == nil {
		ps = DefaultPrograms()
	}
	return &Form{store: st, cfg: cfg, programs: ps}
}

// Submitted is the notification of an application a founder submitted,
// for staff.
type Submitted struct{ Application flows.Application }

// Topic implements flows.Notification.
func (Submitted) Topic() string { return "application submitted" }

// Answered is the notification of a founder's answer to staff's question
// (the application's last Info entry), for staff.
type Answered struct{ Application flows.Application }

// Topic implements flows.Notification.
func (Answered) Topic() string { return "question answered" }

// Conversation is what the Engine needs to run the form: /apply (also
// "/start apply"), /status, the apply flow, and the answers to staff's
// questions typed outside any flow.
func (f *Form) Conversation() flows.Conversation {
	c := flows.Conversation{
		Name: "application",
		Commands: []flows.CommandSpec{
			{Name: "apply", Run: f.apply, Menu: true, DeepLink: true},
			{Name: "status", Run: f.status, Menu: true},
		},
		Flows: []flows.Flow{{
			Name: flowApply, Ask: f.ask, Press: f.press, Text: f.text, Cancel: cancel,
			Expired: func(t *flows.Turn) { t.Say(t.T("draft_expired")) },
			Holds:   func(t *flows.Turn) bool { return len(t.Answers()) > 0 },
			Resume:  "apply",
			Keys:    draftKeys,
		}},
		Buttons:     []flows.ButtonPrefix{{Prefix: "ap:", Press: f.pressProgram}},
		Idle:        f.answerInfo,
		SessionKeys: []string{keyOpenApp, keyAwaitingInfo, keyOpenApps},
		Messages:    Messages(),
	}
	if f.Reminders != nil {
		c.Jobs = f.Reminders.jobs()
	}
	return c
}

// ask asks the question of the form, or the one pending on top of it.
func (f *Form) ask(t *flows.Turn) {
	switch t.Session().Pending {
	case "cancel":
		t.Say(t.N("confirm_cancel", len(t.Answers())),
			[]flows.Button{{Label: t.T("btn_discard"), Data: t.Data("yes")}, {Label: t.T("btn_keep_draft"), Data: t.Data("no")}})
	case "resume":
		total := 0
		if d, ok := f.current(t); ok {
			total = d.total()
		}
		t.Say(t.N("resume", len(t.Answers()), "Total", total),
			[]flows.Button{{Label: t.T("btn_continue"), Data: t.Data("cont")}, {Label: t.T("btn_start_over"), Data: t.Data("over")}})
	case "edit":
		f.askEdit(t)
	default:
		f.askApply(t)
	}
}

// press handles a button of the current question. The pending questions
// are "cancel" (confirm discarding the draft), "resume" (continue or
// start over) and "edit" (which answer to change).
func (f *Form) press(t *flows.Turn, action string) bool {
	switch t.Session().Pending {
	case "cancel":
		switch action {
		case "yes":
			t.Clear()
			t.Say(t.T("cancelled"))
		case "no":
			t.SetPending("")
			t.Ask()
		default:
			return false
		}
		return true
	case "resume":
		switch action {
		case "cont":
			t.SetPending("")
			t.Ask()
		case "over":
			if d, ok := f.live(t); ok {
				f.startApply(t, d)
			}
		default:
			return false
		}
		return true
	case "edit":
		if action == "sum" {
			t.SetPending("")
			t.Ask()
			return true
		}
		key, ok := strings.CutPrefix(action, "e:")
		d, live := f.current(t)
		if !live {
			return false
		}
		if _, q := d.question(key); !ok || q == nil {
			return false
		}
		t.SetPending("")
		t.Set(keyEditing, true)
		t.Goto(key)
		t.Ask()
		return true
	}
	return f.pressApply(t, action)
}

// text is typed text in the form: the answer to the question.
func (f *Form) text(t *flows.Turn, s string) error {
	if t.Session().Step == stepSummary {
		t.Say(t.T("pick_button"))
		t.Ask()
		return nil
	}
	return f.answer(t, s)
}

// cancel is /cancel or the Cancel button: an empty draft goes at once, a
// draft with answers only once the founder confirms.
func cancel(t *flows.Turn) {
	if len(t.Answers()) == 0 {
		t.Clear()
		t.Say(t.T("cancelled"))
		return
	}
	t.SetPending("cancel")
	t.Ask()
}

// status is /status: the founder's applications and the draft.
func (f *Form) status(t *flows.Turn, _ string) error {
	apps, err := f.store.Applications(t.Context(), t.Event().Founder)
	if err != nil {
		return fmt.Errorf("list applications: %w", err)
	}
	s := t.Session()
	var more []string
	for _, section := range f.StatusSections {
		text, err := section(t)
		if err != nil {
			return fmt.Errorf("status section: %w", err)
		}
		if text != "" {
			more = append(more, text)
		}
	}
	if len(apps) == 0 && s.Flow == "" {
		t.Say(t.T("status_none"), []flows.Button{{Label: t.T("btn_apply"), Data: "m:apply"}})
		if len(more) > 0 {
			t.Say(strings.Join(more, "\n\n"))
		}
		return nil
	}
	var b strings.Builder
	b.WriteString(t.T("status_header"))
	for _, a := range apps {
		b.WriteString("\n")
		name := t.V(a.Answers["startup"])
		if p := f.programs.Program(a.ProgramOf()); a.Program != "" && p != nil {
			name = f.programName(t, p)
		}
		b.WriteString(t.T("status_line", "ID", a.ID, "Startup", name,
			"Status", t.T("status_"+string(a.Status)), "Date", a.Submitted.Format("2006-01-02")))
	}
	if s.Flow == flowApply {
		b.WriteString("\n\n")
		total := 0
		if d, ok := f.current(t); ok {
			total = d.total()
		}
		b.WriteString(t.N("status_draft", len(s.Answers), "Total", total))
	}
	for _, text := range more {
		b.WriteString("\n\n" + text)
	}
	t.Say(b.String())
	t.Ask()
	return nil
}

// SubmittedIn is the application a turn's result submitted, if any.
func SubmittedIn(res flows.Result) *flows.Application {
	for _, n := range res.Notifications {
		if s, ok := n.(Submitted); ok {
			return &s.Application
		}
	}
	return nil
}

// AnsweredIn is the application whose question a turn's result
// answered, if any.
func AnsweredIn(res flows.Result) *flows.Application {
	for _, n := range res.Notifications {
		if a, ok := n.(Answered); ok {
			return &a.Application
		}
	}
	return nil
}
