package application

import (
	"slices"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// This file is how one question reads and what answers it takes, for
// every kind a programs file may use.

// maxTyped caps typed text before validation: enough to say "too long"
// about any field, small enough that nobody stores a novel.
const maxTyped = 1000

// yesNo are the options of a yes/no question; their labels are the
// messages "opt_yes" and "opt_no".
var yesNo = []string{"yes", "no"}

// text is the question as shown.
func (q *question) text(t *flows.Turn) string {
	if q.msg {
		return t.T("q_" + q.ID)
	}
	return q.Text[t.Lang()]
}

// label is the question's short name, plain text.
func (q *question) label(t *flows.Turn) string {
	if q.msg {
		return t.T("f_" + q.ID)
	}
	return q.Label[t.Lang()]
}

// labelHTML is the label for a message: the catalog's as it is (as the
// form always showed it), the file's escaped.
func (q *question) labelHTML(t *flows.Turn) string {
	if q.msg {
		return q.label(t)
	}
	return t.V(q.label(t))
}

// options are the IDs of the answers a question offers as buttons.
func (q *question) options() []string {
	if q.Kind == qYesNo {
		return yesNo
	}
	ids := make([]string, len(q.Options))
	for i, o := range q.Options {
		ids[i] = o.ID
	}
	return ids
}

// optionLabels are an option's label in every language, plain text.
func (q *question) optionLabels(t *flows.Turn, id string) []string {
	switch {
	case q.Kind == qYesNo:
		return t.Labels("opt_" + id)
	case q.msg:
		return t.Labels(q.ID + "_" + id)
	}
	for _, o := range q.Options {
		if o.ID == id {
			out := make([]string, len(flows.Languages))
			for i, l := range flows.Languages {
				out[i] = o.Label[l]
			}
			return out
		}
	}
	return nil
}

// optionLabel is an option's label in the founder's language.
func (q *question) optionLabel(t *flows.Turn, id string) string {
	labels := q.optionLabels(t, id)
	if i := slices.Index(flows.Languages, t.Lang()); i >= 0 && i < len(labels) {
		return labels[i]
	}
	return id
}

// buttoned reports whether the question is answered with buttons only.
func (q *question) buttoned() bool {
	return q.Kind == qChoice || q.Kind == qChoices || q.Kind == qYesNo
}

// picked are the options of a "choices" answer.
func picked(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// display renders a stored answer for a message.
func (q *question) display(t *flows.Turn, v string) string {
	switch {
	case v == "":
		return t.T("not_given")
	case q.buttoned():
		var labels []string
		for _, id := range picked(v) {
			labels = append(labels, q.optionLabel(t, id))
		}
		return t.V(strings.Join(labels, t.T("choices_sep")))
	}
	return t.V(v)
}

// validate returns the value to store, or the message explaining the problem.
func (q *question) validate(t *flows.Turn, s string) (string, string) {
	var p input.Problem
	var hint string
	switch q.Kind {
	case qText:
		p = input.Length(s, q.Min, q.Max)
	case qChoice, qYesNo:
		key := input.Fold(s)
		for _, ch := range q.options() {
			for _, label := range q.optionLabels(t, ch) {
				if input.Fold(label) == key {
					return ch, ""
				}
			}
		}
		return "", t.T("pick_button")
	case qChoices:
		return "", t.T("pick_buttons")
	case qEmail:
		s, hint, p = input.Email(s)
	case qPhone:
		s, p = input.Phone(s)
	case qNumber:
		var n int
		n, p = input.Count(s, q.Min, q.Max)
		s = strconv.Itoa(n)
	case qLink:
		s, p = input.Link(s)
	}
	if p == input.OK {
		return s, ""
	}
	return "", t.T("err_"+p.String(), "Min", q.Min, "Max", q.Max, "Suggestion", t.V(hint))
}

// asked is the question as it was asked, with its texts in every
// language, for the application to keep.
func (q *question) asked(t *flows.Turn) flows.Question {
	fq := q.Question
	fq.Options = nil
	all := func(id string) map[string]string {
		m := map[string]string{}
		for i, s := range t.Labels(id) {
			m[flows.Languages[i]] = s
		}
		return m
	}
	if q.msg {
		fq.Text, fq.Label = all("q_"+q.ID), all("f_"+q.ID)
	}
	if q.buttoned() {
		for _, id := range q.options() {
			o := flows.Option{ID: id, Label: map[string]string{}}
			for i, s := range q.optionLabels(t, id) {
				o.Label[flows.Languages[i]] = s
			}
			fq.Options = append(fq.Options, o)
		}
	}
	return fq
}
