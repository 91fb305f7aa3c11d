package application

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

const (
	flowApply   = "apply"
	stepSummary = "summary"
)

type fieldKind int

const (
	fieldText fieldKind = iota
	fieldChoice
	fieldEmail
	fieldPhone
	fieldCount
	fieldLink
)

// field is one question of the application form. Its messages are
// "q_<key>" (the question) and "f_<key>" (its name in the summary); a
// choice's label is "<key>_<choice>".
type field struct {
	key      string
	kind     fieldKind
	min, max int
	optional bool
	choices  []string
}

// applyFields is the application form, in the order it is asked.
var applyFields = []field{
	{key: "startup", kind: fieldText, min: 2, max: 80},
	{key: "founder", kind: fieldText, min: 2, max: 80},
	{key: "email", kind: fieldEmail, max: 254},
	{key: "phone", kind: fieldPhone, optional: true},
	{key: "city", kind: fieldText, min: 2, max: 80},
	{key: "sector", kind: fieldChoice, choices: flows.Sectors},
	{key: "stage", kind: fieldChoice, choices: flows.Stages},
	{key: "team", kind: fieldCount, min: 1, max: 500},
	{key: "pitch", kind: fieldText, min: 10, max: 280},
	{key: "link", kind: fieldLink, max: 500, optional: true},
}

// maxTyped caps typed text before validation: enough to say "too long"
// about any field, small enough that nobody stores a novel.
const maxTyped = 1000

func fieldByKey(key string) (int, *field) {
	for i := range applyFields {
		if applyFields[i].key == key {
			return i, &applyFields[i]
		}
	}
	return -1, nil
}

// apply starts or resumes the application, or shows the one submitted.
func (f *Form) apply(t *flows.Turn, _ string) error {
	if open := openApp(t); open != "" {
		apps, err := f.store.Applications(t.Context(), t.Event().Founder)
		if err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		for _, a := range apps {
			if a.ID == open && a.Status != flows.StatusRejected {
				t.Say(t.T("already_applied", "ID", a.ID, "Status", t.T("status_"+string(a.Status))),
					[]flows.Button{{Label: t.T("btn_status"), Data: "m:status"}})
				return nil
			}
		}
		t.Set(keyOpenApp, "") // rejected (or gone): a new application may start
	}
	s := t.Session()
	switch {
	case s.Flow == flowApply && len(s.Answers) > 0 && s.Pending == "":
		t.SetPending("resume")
		t.Ask()
	case s.Flow == flowApply:
		t.Ask()
	default:
		f.startApply(t)
	}
	return nil
}

func (f *Form) startApply(t *flows.Turn) {
	t.Start(flowApply, applyFields[0].key, nil)
	if f.Reminders != nil {
		t.AfterSave("schedule draft reminders", func(ctx context.Context, s flows.Session) error {
			return f.Reminders.scheduleDraft(ctx, t.Event().Founder, s)
		})
	}
	t.Say(t.T("apply_intro", "Hub", t.V(f.cfg.Hub), "Total", len(applyFields)) + "\n" + t.T("apply_privacy"))
	t.Ask()
}

// askApply shows the current question of the form, or the summary.
func askApply(t *flows.Turn) {
	i, f := fieldByKey(t.Session().Step)
	if f == nil {
		askSummary(t)
		return
	}
	var b strings.Builder
	b.WriteString(t.T("progress", "N", i+1, "Total", len(applyFields)))
	b.WriteString("\n")
	b.WriteString(t.T("q_" + f.key))
	var rows [][]flows.Button
	for j, ch := range f.choices {
		if j%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: t.T(f.key + "_" + ch), Data: t.Data("v:" + ch)})
	}
	var extra []flows.Button
	if f.optional {
		extra = append(extra, flows.Button{Label: t.T("btn_skip"), Data: t.Data("skip")})
	}
	if old, ok := t.Answers()[f.key]; ok {
		b.WriteString("\n")
		b.WriteString(t.T("current_answer", "Value", display(t, f, old)))
		extra = append(extra, flows.Button{Label: t.T("btn_keep"), Data: t.Data("keep")})
	}
	if len(extra) > 0 {
		rows = append(rows, extra)
	}
	nav := []flows.Button{{Label: t.T("btn_cancel"), Data: t.Data("cancel")}}
	if i > 0 || editing(t) {
		nav = append([]flows.Button{{Label: t.T("btn_back"), Data: t.Data("back")}}, nav...)
	}
	rows = append(rows, nav)
	t.Reply(flows.Reply{Text: b.String(), Buttons: rows, FreeText: f.kind != fieldChoice})
}

// display renders a stored answer for a message.
func display(t *flows.Turn, f *field, v string) string {
	switch {
	case v == "":
		return t.T("not_given")
	case f.kind == fieldChoice:
		return t.V(t.T(f.key + "_" + v))
	}
	return t.V(v)
}

func askSummary(t *flows.Turn) {
	var b strings.Builder
	b.WriteString(t.T("summary_title"))
	for i := range applyFields {
		f := &applyFields[i]
		b.WriteString("\n")
		b.WriteString(t.T("summary_line", "Label", t.T("f_"+f.key), "Value", display(t, f, t.Answers()[f.key])))
	}
	b.WriteString("\n\n")
	b.WriteString(t.T("summary_hint"))
	t.Say(b.String(),
		[]flows.Button{{Label: t.T("btn_submit"), Data: t.Data("submit")}},
		[]flows.Button{{Label: t.T("btn_edit"), Data: t.Data("edit")}, {Label: t.T("btn_cancel"), Data: t.Data("cancel")}})
}

func askEdit(t *flows.Turn) {
	var rows [][]flows.Button
	for i, f := range applyFields {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: t.T("f_" + f.key), Data: t.Data("e:" + f.key)})
	}
	rows = append(rows, []flows.Button{{Label: t.T("btn_back_summary"), Data: t.Data("sum")}})
	t.Say(t.T("edit_prompt"), rows...)
}

// pressApply handles a button of the form's current question.
func (f *Form) pressApply(t *flows.Turn, action string) bool {
	if action == "cancel" {
		cancel(t)
		return true
	}
	i, fd := fieldByKey(t.Session().Step)
	if fd == nil { // the summary
		switch action {
		case "submit":
			f.submit(t)
		case "edit":
			t.SetPending("edit")
			t.Ask()
		default:
			return false
		}
		return true
	}
	switch {
	case action == "back" && editing(t):
		t.Set(keyEditing, false)
		t.Goto(stepSummary)
	case action == "back" && i > 0:
		t.Goto(applyFields[i-1].key)
	case action == "skip" && fd.optional:
		record(t, i, fd, "")
	case action == "keep":
		old, ok := t.Answers()[fd.key]
		if !ok {
			return false
		}
		record(t, i, fd, old)
	case strings.HasPrefix(action, "v:") && fd.kind == fieldChoice:
		v := action[2:]
		if !slices.Contains(fd.choices, v) {
			return false
		}
		record(t, i, fd, v)
	default:
		return false
	}
	t.Ask()
	return true
}

// answer validates typed text for the current question; a refusal says
// what was wrong and asks again.
func answer(t *flows.Turn, typed string) error {
	i, f := fieldByKey(t.Session().Step)
	if f == nil {
		t.Say(t.T("pick_button"))
		t.Ask()
		return nil
	}
	v, problem := validate(t, f, input.Clean(typed, maxTyped))
	if problem != "" {
		t.Say(problem)
		t.Ask()
		return nil
	}
	record(t, i, f, v)
	t.Ask()
	return nil
}

// record records an answer and moves on: to the next question, or back to
// the summary when the founder came from it.
func record(t *flows.Turn, i int, f *field, v string) {
	t.Answers()[f.key] = v
	switch {
	case editing(t):
		t.Set(keyEditing, false)
		t.Goto(stepSummary)
	case i+1 < len(applyFields):
		next := applyFields[i+1].key
		if _, answered := t.Answers()[next]; answered && complete(t) {
			next = stepSummary // came back with Back: return to the summary once all is answered
		}
		t.Goto(next)
	default:
		t.Goto(stepSummary)
	}
}

func complete(t *flows.Turn) bool {
	for _, f := range applyFields {
		if _, ok := t.Answers()[f.key]; !ok {
			return false
		}
	}
	return true
}

// validate returns the value to store, or the message explaining the problem.
func validate(t *flows.Turn, f *field, s string) (string, string) {
	var p input.Problem
	var hint string
	switch f.kind {
	case fieldText:
		p = input.Length(s, f.min, f.max)
	case fieldChoice:
		key := input.Fold(s)
		for _, ch := range f.choices {
			for _, label := range t.Labels(f.key + "_" + ch) {
				if input.Fold(label) == key {
					return ch, ""
				}
			}
		}
		return "", t.T("pick_button")
	case fieldEmail:
		s, hint, p = input.Email(s)
	case fieldPhone:
		s, p = input.Phone(s)
	case fieldCount:
		var n int
		n, p = input.Count(s, f.min, f.max)
		s = strconv.Itoa(n)
	case fieldLink:
		s, p = input.Link(s)
	}
	if p == input.OK {
		return s, ""
	}
	return "", t.T("err_"+p.String(), "Min", f.min, "Max", f.max, "Suggestion", t.V(hint))
}

func (f *Form) submit(t *flows.Turn) {
	if !complete(t) {
		for _, fd := range applyFields {
			if _, ok := t.Answers()[fd.key]; !ok {
				t.Goto(fd.key)
				break
			}
		}
		t.Ask()
		return
	}
	ev := t.Event()
	app := &flows.Application{
		Founder:   ev.Founder,
		Handle:    ev.Handle,
		Name:      ev.Name,
		Lang:      t.Lang(),
		Status:    flows.StatusSubmitted,
		Answers:   t.Answers(),
		Submitted: t.Now(),
		Updated:   t.Now(),
	}
	t.Clear()
	// The Engine reserves the ID after the conversation runs, then this
	// gives it to the application and tells the founder.
	t.Submit(app, func(id string) {
		t.Set(keyOpenApp, id)
		t.Say(t.T("submitted", "ID", id, "Hub", t.V(f.cfg.Hub)), []flows.Button{{Label: t.T("btn_status"), Data: "m:status"}})
		t.Notify(Submitted{Application: *app})
	})
}
