package flows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

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

// Sectors and Stages are the application's choices, in display order.
var (
	Sectors = []string{"smart_cities", "mobility", "energy", "agritech", "fintech", "healthtech", "edtech", "other"}
	Stages  = []string{"idea", "mvp", "revenue", "scaling"}
)

// applyFields is the application form, in the order it is asked.
var applyFields = []field{
	{key: "startup", kind: fieldText, min: 2, max: 80},
	{key: "founder", kind: fieldText, min: 2, max: 80},
	{key: "email", kind: fieldEmail, max: 254},
	{key: "phone", kind: fieldPhone, optional: true},
	{key: "city", kind: fieldText, min: 2, max: 80},
	{key: "sector", kind: fieldChoice, choices: Sectors},
	{key: "stage", kind: fieldChoice, choices: Stages},
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
func (c *conv) apply() error {
	if c.s.OpenApp != "" {
		apps, err := c.e.store.Applications(c.ctx, c.ev.Founder)
		if err != nil {
			return fmt.Errorf("list applications: %w", err)
		}
		for _, a := range apps {
			if a.ID == c.s.OpenApp && a.Status != StatusRejected {
				c.say(c.t("already_applied", "ID", a.ID, "Status", c.t("status_"+string(a.Status))),
					[]Button{{Label: c.t("btn_status"), Data: "m:status"}})
				return nil
			}
		}
		c.s.OpenApp = "" // rejected (or gone): a new application may start
	}
	switch {
	case c.s.Flow == flowApply && len(c.s.Answers) > 0 && c.s.Pending == "":
		c.setPending("resume")
		c.ask()
	case c.s.Flow == flowApply:
		c.ask()
	default:
		c.startApply()
	}
	return nil
}

func (c *conv) startApply() {
	c.clearFlow()
	c.s.Flow, c.s.Answers, c.s.Started = flowApply, map[string]string{}, c.now
	c.drafted = true
	c.goTo(applyFields[0].key)
	c.say(c.t("apply_intro", "Hub", c.v(c.e.cfg.Hub), "Total", len(applyFields)))
	c.ask()
}

// askApply shows the current question of the form, or the summary.
func (c *conv) askApply() {
	i, f := fieldByKey(c.s.Step)
	if f == nil {
		c.askSummary()
		return
	}
	var b strings.Builder
	b.WriteString(c.t("progress", "N", i+1, "Total", len(applyFields)))
	b.WriteString("\n")
	b.WriteString(c.t("q_" + f.key))
	var rows [][]Button
	for j, ch := range f.choices {
		if j%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: c.t(f.key + "_" + ch), Data: c.data("v:" + ch)})
	}
	var extra []Button
	if f.optional {
		extra = append(extra, Button{Label: c.t("btn_skip"), Data: c.data("skip")})
	}
	if old, ok := c.s.Answers[f.key]; ok {
		b.WriteString("\n")
		b.WriteString(c.t("current_answer", "Value", c.display(f, old)))
		extra = append(extra, Button{Label: c.t("btn_keep"), Data: c.data("keep")})
	}
	if len(extra) > 0 {
		rows = append(rows, extra)
	}
	nav := []Button{{Label: c.t("btn_cancel"), Data: c.data("cancel")}}
	if i > 0 || c.s.Editing {
		nav = append([]Button{{Label: c.t("btn_back"), Data: c.data("back")}}, nav...)
	}
	rows = append(rows, nav)
	c.replies = append(c.replies, Reply{Text: b.String(), Buttons: rows, FreeText: f.kind != fieldChoice})
}

// display renders a stored answer for a message.
func (c *conv) display(f *field, v string) string {
	switch {
	case v == "":
		return c.t("not_given")
	case f.kind == fieldChoice:
		return c.v(c.t(f.key + "_" + v))
	}
	return c.v(v)
}

func (c *conv) askSummary() {
	var b strings.Builder
	b.WriteString(c.t("summary_title"))
	for i := range applyFields {
		f := &applyFields[i]
		b.WriteString("\n")
		b.WriteString(c.t("summary_line", "Label", c.t("f_"+f.key), "Value", c.display(f, c.s.Answers[f.key])))
	}
	b.WriteString("\n\n")
	b.WriteString(c.t("summary_hint"))
	c.say(b.String(),
		[]Button{{Label: c.t("btn_submit"), Data: c.data("submit")}},
		[]Button{{Label: c.t("btn_edit"), Data: c.data("edit")}, {Label: c.t("btn_cancel"), Data: c.data("cancel")}})
}

func (c *conv) askEdit() {
	var rows [][]Button
	for i, f := range applyFields {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: c.t("f_" + f.key), Data: c.data("e:" + f.key)})
	}
	rows = append(rows, []Button{{Label: c.t("btn_back_summary"), Data: c.data("sum")}})
	c.say(c.t("edit_prompt"), rows...)
}

// pressApply handles a button of the form's current question.
func (c *conv) pressApply(action string) bool {
	if action == "cancel" {
		c.cancel()
		return true
	}
	i, f := fieldByKey(c.s.Step)
	if f == nil { // the summary
		switch action {
		case "submit":
			c.submit()
		case "edit":
			c.setPending("edit")
			c.ask()
		default:
			return false
		}
		return true
	}
	switch {
	case action == "back" && c.s.Editing:
		c.s.Editing = false
		c.goTo(stepSummary)
	case action == "back" && i > 0:
		c.goTo(applyFields[i-1].key)
	case action == "skip" && f.optional:
		c.record(i, f, "")
	case action == "keep":
		old, ok := c.s.Answers[f.key]
		if !ok {
			return false
		}
		c.record(i, f, old)
	case strings.HasPrefix(action, "v:") && f.kind == fieldChoice:
		v := action[2:]
		if !slices.Contains(f.choices, v) {
			return false
		}
		c.record(i, f, v)
	default:
		return false
	}
	c.ask()
	return true
}

// answer validates typed text for the current question; a refusal says
// what was wrong and asks again.
func (c *conv) answer(typed string) {
	i, f := fieldByKey(c.s.Step)
	if f == nil {
		c.say(c.t("pick_button"))
		c.ask()
		return
	}
	v, problem := c.validate(f, input.Clean(typed, maxTyped))
	if problem != "" {
		c.say(problem)
		c.ask()
		return
	}
	c.record(i, f, v)
	c.ask()
}

// record records an answer and moves on: to the next question, or back to
// the summary when the founder came from it.
func (c *conv) record(i int, f *field, v string) {
	c.s.Answers[f.key] = v
	switch {
	case c.s.Editing:
		c.s.Editing = false
		c.goTo(stepSummary)
	case i+1 < len(applyFields):
		next := applyFields[i+1].key
		if _, answered := c.s.Answers[next]; answered && c.complete() {
			next = stepSummary // came back with Back: return to the summary once all is answered
		}
		c.goTo(next)
	default:
		c.goTo(stepSummary)
	}
}

func (c *conv) complete() bool {
	for _, f := range applyFields {
		if _, ok := c.s.Answers[f.key]; !ok {
			return false
		}
	}
	return true
}

// validate returns the value to store, or the message explaining the problem.
func (c *conv) validate(f *field, s string) (string, string) {
	var p input.Problem
	var hint string
	switch f.kind {
	case fieldText:
		p = input.Length(s, f.min, f.max)
	case fieldChoice:
		key := input.Fold(s)
		for _, ch := range f.choices {
			for _, l := range Languages {
				if input.Fold(c.e.cat.T(l, f.key+"_"+ch)) == key {
					return ch, ""
				}
			}
		}
		return "", c.t("pick_button")
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
	return "", c.t("err_"+p.String(), "Min", f.min, "Max", f.max, "Suggestion", c.v(hint))
}

func (c *conv) submit() {
	if !c.complete() {
		for _, f := range applyFields {
			if _, ok := c.s.Answers[f.key]; !ok {
				c.goTo(f.key)
				break
			}
		}
		c.ask()
		return
	}
	c.app = &Application{
		Founder:   c.ev.Founder,
		Handle:    c.ev.Handle,
		Name:      c.ev.Name,
		Lang:      c.lang,
		Status:    StatusSubmitted,
		Answers:   c.s.Answers,
		Submitted: c.now,
		Updated:   c.now,
	}
	c.clearFlow()
	// The ID is reserved after the conversation runs; setAppID fills it in.
}

// setAppID gives the submitted application its reserved ID and tells the founder.
func (c *conv) setAppID(id string) {
	c.app.ID = id
	c.s.OpenApp = id
	c.say(c.t("submitted", "ID", id, "Hub", c.v(c.e.cfg.Hub)), []Button{{Label: c.t("btn_status"), Data: "m:status"}})
}
