package application

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

const (
	flowApply   = "apply"
	stepSummary = "summary"
)

// draft is the program and call a founder's draft answers, with the
// call's questions.
type draft struct {
	p *Program
	c *Call
}

func (d draft) question(id string) (int, *question) {
	for i := range d.c.Questions {
		if d.c.Questions[i].ID == id {
			return i, &d.c.Questions[i]
		}
	}
	return -1, nil
}

func (d draft) total() int { return len(d.c.Questions) }

// current is the draft's program and call. A session from before
// programs existed has neither key: it answers the default program's
// only call.
func (f *Form) current(t *flows.Turn) (draft, bool) {
	var pid, cid string
	t.Get(keyProgram, &pid)
	t.Get(keyCall, &cid)
	return f.programs.draft(pid, cid)
}

// draft is the program and call of a draft's keys (see Form.current).
func (p *Programs) draft(pid, cid string) (draft, bool) {
	prog := p.draftProgram(pid)
	if prog == nil {
		return draft{}, false
	}
	c := prog.Call(cid)
	if c == nil && cid == "" && len(prog.Calls) == 1 {
		c = &prog.Calls[0]
	}
	return draft{prog, c}, c != nil
}

// moveToCall carries a draft over to call next: its deadline nudges
// start again, from that call's deadline.
func moveToCall(set func(key string, v any) error, next *Call) error {
	if err := set(keyDeadline, 0); err != nil {
		return err
	}
	return set(keyCall, next.ID)
}

// live is the draft, if its call still takes answers. Otherwise it tells
// the founder: a draft whose call closed moves to the program's next call
// when that call asks the same questions, else it is dropped.
func (f *Form) live(t *flows.Turn) (draft, bool) {
	d, ok := f.current(t)
	if !ok {
		t.Clear()
		t.Say(t.T("draft_gone"), []flows.Button{{Label: t.T("btn_apply"), Data: "m:apply"}})
		return d, false
	}
	if d.c.openAt(t.Now()) {
		return d, true
	}
	if !d.c.Closes.IsZero() && !t.Now().Before(d.c.Closes) {
		if next := d.p.sameNext(d.c); next != nil {
			t.Fail(moveToCall(func(k string, v any) error { t.Set(k, v); return nil }, next))
			d.c = next
			if next.openAt(t.Now()) {
				return d, true
			}
		} else {
			t.Clear()
			t.Say(t.T("call_closed", "Program", f.programName(t, d.p)))
			return d, false
		}
	}
	t.Say(t.T("call_closed_kept", "Program", f.programName(t, d.p), "Date", f.date(d.c.Opens)))
	return d, false
}

// sameNext is the call after c that asks the same questions, if any: a
// draft of c can go on in it.
func (p *Program) sameNext(c *Call) *Call {
	for i := range p.Calls {
		n := &p.Calls[i]
		if n.Opens.Before(c.Closes) || !sameQuestions(n.Questions, c.Questions) {
			continue
		}
		return n
	}
	return nil
}

func sameQuestions(a, b []question) bool {
	return slices.EqualFunc(a, b, func(x, y question) bool {
		return x.msg == y.msg && x.ID == y.ID && x.Kind == y.Kind && x.Optional == y.Optional &&
			x.Min == y.Min && x.Max == y.Max && fmt.Sprint(x.Text, x.Label, x.Options) == fmt.Sprint(y.Text, y.Label, y.Options)
	})
}

// programName is the program's name for a message.
func (f *Form) programName(t *flows.Turn, p *Program) string {
	if len(p.Name) == 0 {
		return t.V(f.cfg.Hub)
	}
	return t.V(p.Name[t.Lang()])
}

// date is a call's time for a message, in the hub's time zone.
func (f *Form) date(tm time.Time) string { return tm.In(f.cfg.TZ).Format("2006-01-02 15:04") }

// apply is /apply: it resumes the draft, or starts the only open call,
// or lists the programs to choose from.
func (f *Form) apply(t *flows.Turn, arg string) error {
	s := t.Session()
	if s.Flow == flowApply {
		switch {
		case len(s.Answers) > 0 && s.Pending == "":
			if _, ok := f.live(t); ok {
				t.SetPending("resume")
				t.Ask()
			}
		default:
			t.Ask()
		}
		return nil
	}
	var open []*Program
	for i := range f.programs.List {
		if p := &f.programs.List[i]; p.OpenCall(t.Now()) != nil {
			open = append(open, p)
		}
	}
	if p := f.programs.Program(strings.TrimSpace(arg)); p != nil && arg != "" {
		return f.choose(t, p)
	}
	if len(open) == 1 {
		return f.choose(t, open[0])
	}
	return f.listPrograms(t, open)
}

// listPrograms shows the programs with an open call, or says when the
// next calls open.
func (f *Form) listPrograms(t *flows.Turn, open []*Program) error {
	if len(open) == 0 {
		var b strings.Builder
		b.WriteString(t.T("no_open_call"))
		for i := range f.programs.List {
			p := &f.programs.List[i]
			if next := p.NextCall(t.Now()); next != nil {
				b.WriteString("\n")
				b.WriteString(t.T("next_call_line", "Program", f.programName(t, p), "Date", f.date(next.Opens)))
			}
		}
		t.Say(b.String())
		return nil
	}
	var b strings.Builder
	b.WriteString(t.T("programs_header"))
	var rows [][]flows.Button
	for _, p := range open {
		c := p.OpenCall(t.Now())
		b.WriteString("\n\n")
		b.WriteString(t.T("program_line", "Program", f.programName(t, p), "Description", t.V(p.Description[t.Lang()]),
			"Date", f.date(c.Closes)))
		rows = append(rows, []flows.Button{{Label: p.Name[t.Lang()], Data: "ap:" + p.ID}})
	}
	t.Say(b.String(), rows...)
	return nil
}

// pressProgram is a program's button from the list.
func (f *Form) pressProgram(t *flows.Turn, id string) error {
	if t.Session().Flow == flowApply {
		return f.apply(t, "")
	}
	p := f.programs.Program(id)
	if p == nil {
		t.Expire()
		return nil
	}
	return f.choose(t, p)
}

// choose starts an application to p, if its call is open, the founder
// may apply, and has no open application to it.
func (f *Form) choose(t *flows.Turn, p *Program) error {
	c := p.OpenCall(t.Now())
	if c == nil {
		if next := p.NextCall(t.Now()); next != nil {
			t.Say(t.T("program_closed_next", "Program", f.programName(t, p), "Date", f.date(next.Opens)))
		} else {
			t.Say(t.T("program_closed", "Program", f.programName(t, p)))
		}
		return nil
	}
	apps, err := f.openApps(t, c.OpenTo != "")
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.ProgramOf() == p.ID && a.Status != flows.StatusRejected {
			t.Say(t.T("already_applied", "ID", a.ID, "Status", t.T("status_"+string(a.Status))),
				[]flows.Button{{Label: t.T("btn_status"), Data: "m:status"}})
			return nil
		}
	}
	if c.OpenTo != "" && !slices.ContainsFunc(apps, func(a flows.Application) bool {
		return a.ProgramOf() == c.OpenTo && a.Status == flows.StatusAccepted
	}) {
		t.Say(t.T("call_accepted_only", "Program", f.programName(t, p), "Required", f.programName(t, f.programs.Program(c.OpenTo))))
		return nil
	}
	f.startApply(t, draft{p, c})
	return nil
}

// openApps are the founder's applications, read when a call needs them
// or the session says there may be one (the store is not read for a
// first /apply).
func (f *Form) openApps(t *flows.Turn, need bool) ([]flows.Application, error) {
	if !need && openApp(t) == "" && len(openApps(t)) == 0 {
		return nil, nil
	}
	apps, err := f.store.Applications(t.Context(), t.Event().Founder)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return apps, nil
}

func (f *Form) startApply(t *flows.Turn, d draft) {
	t.Start(flowApply, d.c.Questions[0].ID, nil)
	if d.p.ID != flows.DefaultProgram || len(d.p.Calls) > 1 {
		t.Set(keyProgram, d.p.ID)
		t.Set(keyCall, d.c.ID)
	}
	if f.Reminders != nil {
		t.AfterSave("schedule draft reminders", func(ctx context.Context, s flows.Session) error {
			return f.Reminders.scheduleDraft(ctx, t.Event().Founder, s)
		})
	}
	t.Say(t.T("apply_intro", "Hub", f.programName(t, d.p), "Total", d.total()) + "\n" + t.T("apply_privacy"))
	t.Ask()
}

// askApply shows the current question of the form, or the summary.
func (f *Form) askApply(t *flows.Turn) {
	d, ok := f.live(t)
	if !ok {
		return
	}
	i, q := d.question(t.Session().Step)
	if q == nil {
		askSummary(t, d)
		return
	}
	var b strings.Builder
	b.WriteString(t.T("progress", "N", i+1, "Total", d.total()))
	b.WriteString("\n")
	b.WriteString(q.text(t))
	if q.Kind == qChoices {
		b.WriteString("\n")
		b.WriteString(t.T("choices_hint"))
	}
	var rows [][]flows.Button
	chosen := picked(picks(t, q))
	for j, ch := range q.options() {
		if j%2 == 0 {
			rows = append(rows, nil)
		}
		label := q.optionLabel(t, ch)
		if slices.Contains(chosen, ch) {
			label = "☑️ " + label
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: label, Data: t.Data("v:" + ch)})
	}
	var extra []flows.Button
	if q.Kind == qChoices && len(chosen) > 0 {
		extra = append(extra, flows.Button{Label: t.T("btn_done"), Data: t.Data("done")})
	}
	if q.Optional {
		extra = append(extra, flows.Button{Label: t.T("btn_skip"), Data: t.Data("skip")})
	}
	if old, ok := t.Answers()[q.ID]; ok {
		b.WriteString("\n")
		b.WriteString(t.T("current_answer", "Value", q.display(t, old)))
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
	t.Reply(flows.Reply{Text: b.String(), Buttons: rows, FreeText: !q.buttoned()})
}

// picks are the options of a "choices" question picked so far, until
// Done records them as the answer.
func picks(t *flows.Turn, q *question) string {
	var m map[string]string
	t.Get(keyPicks, &m)
	return m[q.ID]
}

func setPicks(t *flows.Turn, q *question, v string) {
	var m map[string]string
	t.Get(keyPicks, &m)
	if m == nil {
		m = map[string]string{}
	}
	if v == "" {
		delete(m, q.ID)
	} else {
		m[q.ID] = v
	}
	t.Set(keyPicks, m)
}

func askSummary(t *flows.Turn, d draft) {
	var b strings.Builder
	b.WriteString(t.T("summary_title"))
	for i := range d.c.Questions {
		q := &d.c.Questions[i]
		b.WriteString("\n")
		b.WriteString(t.T("summary_line", "Label", q.labelHTML(t), "Value", q.display(t, t.Answers()[q.ID])))
	}
	b.WriteString("\n\n")
	b.WriteString(t.T("summary_hint"))
	t.Say(b.String(),
		[]flows.Button{{Label: t.T("btn_submit"), Data: t.Data("submit")}},
		[]flows.Button{{Label: t.T("btn_edit"), Data: t.Data("edit")}, {Label: t.T("btn_cancel"), Data: t.Data("cancel")}})
}

func (f *Form) askEdit(t *flows.Turn) {
	d, ok := f.live(t)
	if !ok {
		return
	}
	var rows [][]flows.Button
	for i := range d.c.Questions {
		q := &d.c.Questions[i]
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: q.label(t), Data: t.Data("e:" + q.ID)})
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
	d, ok := f.live(t)
	if !ok {
		return true
	}
	i, q := d.question(t.Session().Step)
	if q == nil { // the summary
		switch action {
		case "submit":
			f.submit(t, d)
		case "edit":
			t.SetPending("edit")
			t.Ask()
		default:
			return false
		}
		return true
	}
	v, isOption := strings.CutPrefix(action, "v:")
	switch {
	case action == "back" && editing(t):
		t.Set(keyEditing, false)
		t.Goto(stepSummary)
	case action == "back" && i > 0:
		t.Goto(d.c.Questions[i-1].ID)
	case action == "skip" && q.Optional:
		record(t, d, i, "")
	case action == "keep":
		old, ok := t.Answers()[q.ID]
		if !ok {
			return false
		}
		record(t, d, i, old)
	case isOption && q.buttoned() && slices.Contains(q.options(), v):
		if q.Kind != qChoices {
			record(t, d, i, v)
			break
		}
		toggle(t, q, v)
	case action == "done" && q.Kind == qChoices && picks(t, q) != "":
		record(t, d, i, picks(t, q))
	default:
		return false
	}
	t.Ask()
	return true
}

// toggle picks or unpicks an option of a "choices" question; the
// question is asked again with the new marks (its old buttons expire).
func toggle(t *flows.Turn, q *question, v string) {
	chosen := picked(picks(t, q))
	if j := slices.Index(chosen, v); j >= 0 {
		chosen = slices.Delete(chosen, j, j+1)
	} else {
		chosen = append(chosen, v)
	}
	var ordered []string // in the order of the options, whatever the taps
	for _, o := range q.options() {
		if slices.Contains(chosen, o) {
			ordered = append(ordered, o)
		}
	}
	setPicks(t, q, strings.Join(ordered, ","))
	t.Goto(q.ID)
}

// answer validates typed text for the current question; a refusal says
// what was wrong and asks again.
func (f *Form) answer(t *flows.Turn, typed string) error {
	d, ok := f.live(t)
	if !ok {
		return nil
	}
	i, q := d.question(t.Session().Step)
	if q == nil {
		t.Say(t.T("pick_button"))
		t.Ask()
		return nil
	}
	v, problem := q.validate(t, input.Clean(typed, maxTyped))
	if problem != "" {
		t.Say(problem)
		t.Ask()
		return nil
	}
	record(t, d, i, v)
	t.Ask()
	return nil
}

// record records an answer and moves on: to the next question, or back to
// the summary when the founder came from it.
func record(t *flows.Turn, d draft, i int, v string) {
	q := &d.c.Questions[i]
	t.Answers()[q.ID] = v
	if q.Kind == qChoices {
		setPicks(t, q, "")
	}
	switch {
	case editing(t):
		t.Set(keyEditing, false)
		t.Goto(stepSummary)
	case i+1 < d.total():
		next := d.c.Questions[i+1].ID
		if _, answered := t.Answers()[next]; answered && complete(t, d) {
			next = stepSummary // came back with Back: return to the summary once all is answered
		}
		t.Goto(next)
	default:
		t.Goto(stepSummary)
	}
}

func complete(t *flows.Turn, d draft) bool {
	for _, q := range d.c.Questions {
		if _, ok := t.Answers()[q.ID]; !ok {
			return false
		}
	}
	return true
}

func (f *Form) submit(t *flows.Turn, d draft) {
	if !complete(t, d) {
		for _, q := range d.c.Questions {
			if _, ok := t.Answers()[q.ID]; !ok {
				t.Goto(q.ID)
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
	if d.p.ID != flows.DefaultProgram || len(d.p.Calls) > 1 || !d.c.Questions[0].msg {
		// Applications to the embedded default stay as they always were;
		// the others keep their program, call and questions as asked.
		app.Program, app.Call = d.p.ID, d.c.ID
		for i := range d.c.Questions {
			app.Questions = append(app.Questions, d.c.Questions[i].asked(t))
		}
	}
	t.Clear()
	// The Engine reserves the ID after the conversation runs, then this
	// gives it to the application and tells the founder.
	t.Submit(app, func(id string) {
		setOpenApp(t, d.p.ID, id)
		t.Say(t.T("submitted", "ID", id, "Hub", t.V(f.cfg.Hub)), []flows.Button{{Label: t.T("btn_status"), Data: "m:status"}})
		t.Notify(Submitted{Application: *app})
	})
}
