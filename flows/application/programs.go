package application

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/startgate/founderbot/flows"
)

// The kinds of question a programs file may use.
const (
	qText    = "text"
	qEmail   = "email"
	qPhone   = "phone"
	qNumber  = "number"
	qLink    = "link"
	qChoice  = "choice"
	qChoices = "choices"
	qYesNo   = "yesno"
)

var questionKinds = []string{qText, qEmail, qPhone, qNumber, qLink, qChoice, qChoices, qYesNo}

// Limits of a programs file: enough for any real form, small enough
// that a typo cannot make a form nobody finishes.
const (
	maxQuestions = 40
	maxOptions   = 20
	maxTextLen   = 1000 // of a question's text, and of a text answer
	maxLabelLen  = 60   // of a button's label
)

// Programs are the hub's programs and their calls for applications.
type Programs struct {
	List []Program
}

// Program is one program of the hub, such as incubation.
type Program struct {
	ID          string
	Name        map[string]string // plain text by language; empty: the hub's name
	Description map[string]string // plain text by language, one line
	Calls       []Call            // in order of opening
}

// Call is one call for applications of a program.
type Call struct {
	ID string
	// Opens and Closes bound the call; zero: no bound (the embedded
	// default's single call is always open).
	Opens, Closes time.Time
	// OpenTo is "" (anyone) or the ID of the program whose accepted
	// founders alone may apply.
	OpenTo    string
	Questions []question
}

// question is a question of a form. The embedded default's texts are
// catalog messages (msg true): "q_<id>", "f_<id>" and "<id>_<option>",
// so the default form reads as it always did.
type question struct {
	flows.Question
	msg bool
}

// openAt reports whether founders may apply at now.
func (c *Call) openAt(now time.Time) bool {
	return (c.Opens.IsZero() || !now.Before(c.Opens)) && (c.Closes.IsZero() || now.Before(c.Closes))
}

// draftProgram is the program of a draft: a draft from before programs
// (no ID) answers the embedded default's form even when the file has no
// such program, so that the founder can finish it.
func (p *Programs) draftProgram(id string) *Program {
	if prog := p.Program(id); prog != nil || id != "" {
		return prog
	}
	return &DefaultPrograms().List[0]
}

// Program returns the program with that ID ("" is DefaultProgram).
func (p *Programs) Program(id string) *Program {
	if id == "" {
		id = flows.DefaultProgram
	}
	for i := range p.List {
		if p.List[i].ID == id {
			return &p.List[i]
		}
	}
	return nil
}

// Call returns the program's call with that ID.
func (p *Program) Call(id string) *Call {
	for i := range p.Calls {
		if p.Calls[i].ID == id {
			return &p.Calls[i]
		}
	}
	return nil
}

// OpenCall is the program's call open at now, if any.
func (p *Program) OpenCall(now time.Time) *Call {
	for i := range p.Calls {
		if p.Calls[i].openAt(now) {
			return &p.Calls[i]
		}
	}
	return nil
}

// NextCall is the program's first call that opens after now, if any.
func (p *Program) NextCall(now time.Time) *Call {
	for i := range p.Calls {
		if c := &p.Calls[i]; !c.Opens.IsZero() && c.Opens.After(now) {
			return c
		}
	}
	return nil
}

// DefaultPrograms is today's single program and its ten questions, used
// when the hub has no programs file.
func DefaultPrograms() *Programs {
	q := func(id, kind string, min, max int, optional bool, options ...string) question {
		fq := flows.Question{ID: id, Kind: kind, Min: min, Max: max, Optional: optional}
		for _, o := range options {
			fq.Options = append(fq.Options, flows.Option{ID: o})
		}
		return question{Question: fq, msg: true}
	}
	return &Programs{List: []Program{{
		ID: flows.DefaultProgram,
		Calls: []Call{{ID: "open", Questions: []question{
			q("startup", qText, 2, 80, false),
			q("founder", qText, 2, 80, false),
			q("email", qEmail, 0, 254, false),
			q("phone", qPhone, 0, 0, true),
			q("city", qText, 2, 80, false),
			q("sector", qChoice, 0, 0, false, flows.Sectors...),
			q("stage", qChoice, 0, 0, false, flows.Stages...),
			q("team", qNumber, 1, 500, false),
			q("pitch", qText, 10, 280, false),
			q("link", qLink, 0, 500, true),
		}}},
	}}}
}

// The programs file, as TOML decodes it.
type (
	fileRoot struct {
		Program []fileProgram `toml:"program"`
	}
	fileProgram struct {
		ID          string            `toml:"id"`
		Name        map[string]string `toml:"name"`
		Description map[string]string `toml:"description"`
		Call        []fileCall        `toml:"call"`
	}
	fileCall struct {
		ID       string         `toml:"id"`
		Opens    string         `toml:"opens"`
		Closes   string         `toml:"closes"`
		OpenTo   string         `toml:"open_to"`
		Question []fileQuestion `toml:"question"`
	}
	fileQuestion struct {
		ID       string            `toml:"id"`
		Kind     string            `toml:"kind"`
		Optional bool              `toml:"optional"`
		Min      *int              `toml:"min"`
		Max      *int              `toml:"max"`
		Text     map[string]string `toml:"text"`
		Label    map[string]string `toml:"label"`
		Option   []fileOption      `toml:"option"`
	}
	fileOption struct {
		ID    string            `toml:"id"`
		Label map[string]string `toml:"label"`
	}
)

// ProgramsError is a problem of a programs file, naming where it is.
type ProgramsError struct {
	File  string // the file's name
	Place string // such as `program "incubation", call "2027-spring", question "site"`
	Msg   string
}

func (e *ProgramsError) Error() string {
	if e.Place == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Place + ": " + e.Msg
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// timeLayouts are how opens and closes are written, in the hub's time.
var timeLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// ParsePrograms reads a programs file (name is for messages); times are
// in tz. The first problem found is returned as a *ProgramsError.
func ParsePrograms(name string, data []byte, tz *time.Location) (*Programs, error) {
	if tz == nil {
		tz = time.UTC
	}
	fail := func(place, format string, a ...any) error {
		return &ProgramsError{File: name, Place: place, Msg: fmt.Sprintf(format, a...)}
	}
	var root fileRoot
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&root)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fail(fmt.Sprintf("line %d", pe.Position.Line), "%s", pe.Message)
		}
		return nil, fail("", "%s", oneLine(err.Error()))
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fail("", "unknown field %q", und[0].String())
	}
	if len(root.Program) == 0 {
		return nil, fail("", "no [[program]]")
	}
	ps := &Programs{}
	ids := map[string]bool{}
	for i, fp := range root.Program {
		place := fmt.Sprintf("program %d", i+1)
		if fp.ID != "" {
			place = fmt.Sprintf("program %q", fp.ID)
		}
		if err := checkID(fp.ID); err != "" {
			return nil, fail(place, "id %s", err)
		}
		if ids[fp.ID] {
			return nil, fail(place, "duplicate program id")
		}
		ids[fp.ID] = true
		p := Program{ID: fp.ID}
		if p.Name, err = translations(fp.Name, maxLabelLen); err != nil {
			return nil, fail(place, "name: %v", err)
		}
		if p.Description, err = translations(fp.Description, maxTextLen); err != nil {
			return nil, fail(place, "description: %v", err)
		}
		if len(fp.Call) == 0 {
			return nil, fail(place, "no [[program.call]]")
		}
		for j, fc := range fp.Call {
			c, err := parseCall(fc, tz)
			if err != nil {
				cplace := fmt.Sprintf("%s, call %d", place, j+1)
				if fc.ID != "" {
					cplace = fmt.Sprintf("%s, call %q", place, fc.ID)
				}
				var pe *ProgramsError
				if errors.As(err, &pe) {
					if pe.Place != "" {
						cplace += ", " + pe.Place
					}
					return nil, fail(cplace, "%s", pe.Msg)
				}
				return nil, fail(cplace, "%v", err)
			}
			if p.Call(c.ID) != nil {
				return nil, fail(fmt.Sprintf("%s, call %q", place, c.ID), "duplicate call id")
			}
			p.Calls = append(p.Calls, c)
		}
		sort.SliceStable(p.Calls, func(a, b int) bool { return p.Calls[a].Opens.Before(p.Calls[b].Opens) })
		for j := 1; j < len(p.Calls); j++ {
			if a, b := p.Calls[j-1], p.Calls[j]; b.Opens.Before(a.Closes) {
				return nil, fail(fmt.Sprintf("%s, call %q", place, b.ID), "overlaps call %q (one call of a program at a time)", a.ID)
			}
		}
		ps.List = append(ps.List, p)
	}
	for _, p := range ps.List {
		for _, c := range p.Calls {
			if c.OpenTo != "" && !ids[c.OpenTo] {
				return nil, fail(fmt.Sprintf("program %q, call %q", p.ID, c.ID), "open_to names unknown program %q", c.OpenTo)
			}
		}
	}
	return ps, nil
}

func parseCall(fc fileCall, tz *time.Location) (Call, error) {
	c := Call{ID: fc.ID}
	if err := checkID(fc.ID); err != "" {
		return c, fmt.Errorf("id %s", err)
	}
	var err error
	if c.Opens, err = parseTime(fc.Opens, tz); err != nil {
		return c, fmt.Errorf("opens: %w", err)
	}
	if c.Closes, err = parseTime(fc.Closes, tz); err != nil {
		return c, fmt.Errorf("closes: %w", err)
	}
	if !c.Opens.Before(c.Closes) {
		return c, errors.New("closes must come after opens")
	}
	switch to, accepted := strings.CutPrefix(fc.OpenTo, "accepted:"); {
	case fc.OpenTo == "" || fc.OpenTo == "anyone":
	case accepted && checkID(to) == "":
		c.OpenTo = to
	default:
		return c, fmt.Errorf("open_to %q: want \"anyone\" or \"accepted:<program id>\"", fc.OpenTo)
	}
	if len(fc.Question) == 0 {
		return c, errors.New("no [[program.call.question]]")
	}
	if len(fc.Question) > maxQuestions {
		return c, fmt.Errorf("%d questions: at most %d", len(fc.Question), maxQuestions)
	}
	for k, fq := range fc.Question {
		q, err := parseQuestion(fq)
		place := fmt.Sprintf("question %d", k+1)
		if fq.ID != "" {
			place = fmt.Sprintf("question %q", fq.ID)
		}
		if err != nil {
			return c, &ProgramsError{Place: place, Msg: err.Error()}
		}
		if slices.ContainsFunc(c.Questions, func(o question) bool { return o.ID == q.ID }) {
			return c, &ProgramsError{Place: place, Msg: "duplicate question id"}
		}
		c.Questions = append(c.Questions, q)
	}
	return c, nil
}

func parseQuestion(fq fileQuestion) (question, error) {
	q := question{Question: flows.Question{ID: fq.ID, Kind: fq.Kind, Optional: fq.Optional}}
	if err := checkID(fq.ID); err != "" {
		return q, fmt.Errorf("id %s", err)
	}
	if !slices.Contains(questionKinds, fq.Kind) {
		return q, fmt.Errorf("unknown kind %q (want one of %s)", fq.Kind, strings.Join(questionKinds, ", "))
	}
	text, err := translations(fq.Text, maxTextLen)
	if err != nil {
		return q, fmt.Errorf("text: %w", err)
	}
	label := text
	if fq.Label != nil {
		if label, err = translations(fq.Label, maxLabelLen); err != nil {
			return q, fmt.Errorf("label: %w", err)
		}
	}
	q.Text, q.Label = map[string]string{}, label
	for l, s := range text { // shown as the question: escaped, in bold
		q.Text[l] = "<b>" + html.EscapeString(s) + "</b>"
	}
	if err := bounds(&q.Question, fq.Min, fq.Max); err != nil {
		return q, err
	}
	switch {
	case fq.Kind == qChoice || fq.Kind == qChoices:
		if len(fq.Option) < 2 {
			return q, fmt.Errorf("a %s needs at least two [[program.call.question.option]]", fq.Kind)
		}
		if len(fq.Option) > maxOptions {
			return q, fmt.Errorf("%d options: at most %d", len(fq.Option), maxOptions)
		}
		for n, fo := range fq.Option {
			place := fmt.Sprintf("option %d", n+1)
			if fo.ID != "" {
				place = fmt.Sprintf("option %q", fo.ID)
			}
			if err := checkID(fo.ID); err != "" {
				return q, fmt.Errorf("%s: id %s", place, err)
			}
			if slices.ContainsFunc(q.Options, func(o flows.Option) bool { return o.ID == fo.ID }) {
				return q, fmt.Errorf("%s: duplicate option id", place)
			}
			if fo.Label == nil {
				return q, fmt.Errorf("%s: no label", place)
			}
			l, err := translations(fo.Label, maxLabelLen)
			if err != nil {
				return q, fmt.Errorf("%s: label: %w", place, err)
			}
			q.Options = append(q.Options, flows.Option{ID: fo.ID, Label: l})
		}
	case len(fq.Option) > 0:
		return q, fmt.Errorf("options belong to choice and choices, not %s", fq.Kind)
	}
	return q, nil
}

// bounds sets a question's min and max: lengths for text, values for
// number; other kinds take none.
func bounds(q *flows.Question, min, max *int) error {
	switch q.Kind {
	case qText:
		q.Min, q.Max = 1, maxTextLen
	case qNumber:
		q.Min, q.Max = 0, 1_000_000_000
	default:
		if min != nil || max != nil {
			return fmt.Errorf("min and max belong to text and number, not %s", q.Kind)
		}
		switch q.Kind {
		case qEmail:
			q.Max = 254
		case qLink:
			q.Max = 500
		}
		return nil
	}
	if min != nil {
		q.Min = *min
	}
	if max != nil {
		q.Max = *max
	}
	switch {
	case q.Min < 0:
		return errors.New("min must not be negative")
	case q.Kind == qText && q.Max > maxTextLen:
		return fmt.Errorf("max %d: at most %d characters", q.Max, maxTextLen)
	case q.Kind == qNumber && q.Max > 1_000_000_000:
		return errors.New("max must be at most 1000000000")
	case q.Min > q.Max:
		return fmt.Errorf("min %d is more than max %d", q.Min, q.Max)
	case q.Kind == qText && q.Max == 0:
		return errors.New("max must be at least 1")
	}
	return nil
}

// translations checks a text has every language, and no other.
func translations(m map[string]string, max int) (map[string]string, error) {
	for l := range m {
		if !flows.Supported(l) {
			return nil, fmt.Errorf("unknown language %q (want %s)", l, strings.Join(flows.Languages, ", "))
		}
	}
	out := map[string]string{}
	for _, l := range flows.Languages {
		s := strings.TrimSpace(m[l])
		if s == "" {
			return nil, fmt.Errorf("missing translation %q", l)
		}
		if n := len([]rune(s)); n > max {
			return nil, fmt.Errorf("%s: %d characters, at most %d", l, n, max)
		}
		out[l] = s
	}
	return out, nil
}

func checkID(id string) string {
	switch {
	case id == "":
		return "missing"
	case !idPattern.MatchString(id):
		return fmt.Sprintf("%q: use a-z, 0-9, - and _ (at most 40)", id)
	}
	return ""
}

func parseTime(s string, tz *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, tz); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want 2006-01-02T15:04 (hub time)", s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
