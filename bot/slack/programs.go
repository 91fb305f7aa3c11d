package slack

import (
	"bytes"
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// This file is the staff side of programs: the `programs` subcommand,
// the program= filter, and how an application to a program reads.

// maxQuestionFields bounds the answers an application's message shows
// as fields (Slack allows 10 a section, 50 blocks a message).
const maxQuestionFields = 40

// knownProgram reports whether staff may filter by a program: one of the
// file's, or the default one of applications from before programs.
func (s *Staff) knownProgram(id string) bool {
	return id == "" || id == flows.DefaultProgram || s.review.Programs().Program(id) != nil
}

// unknownProgram refuses a filter by a program that does not exist,
// naming those that do.
func (s *Staff) unknownProgram(id string) *reply {
	var ids []string
	for _, p := range s.review.Programs().List {
		ids = append(ids, code(p.ID))
	}
	return ephemeral(s.t("staff_unknown_program", "Value", code(clip(id, 40)), "Programs", strings.Join(ids, ", ")))
}

// programName is a program's name for staff, escaped.
func (s *Staff) programName(id string) string { return s.v(s.review.ProgramName(s.cfg.Lang, id)) }

// withProgram names a list filter with its program, if any.
func (s *Staff) withProgram(filter, program string) string {
	if program == "" {
		return filter
	}
	return s.t("staff_filter_program", "Status", filter, "Program", s.programName(program))
}

// programs answers `programs`: each program with its calls, their
// dates and how many applications each received.
func (s *Staff) programs(ctx context.Context) *reply {
	counts, err := s.review.ProgramCounts(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "slack programs: count", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	title := s.t("staff_programs_title", "N", len(counts))
	blocks := []slackapi.Block{section(title)}
	now := s.cfg.Now()
	for _, pc := range counts {
		lines := []string{s.t("staff_programs_program", "Program", s.programName(pc.Program), "ID", pc.Program,
			"Total", s.n("staff_n_applications", pc.Total))}
		p := s.review.Programs().Program(pc.Program)
		for _, cc := range pc.Calls {
			if cc.Call == "" { // applications from before programs
				cc.Call = "—"
			}
			total := s.n("staff_n_applications", cc.Total)
			line := s.t("staff_programs_call_gone", "ID", esc(cc.Call), "Total", total)
			if p != nil {
				if call := p.Call(cc.Call); call != nil {
					state := "staff_programs_open"
					switch {
					case call.Opens.IsZero() && call.Closes.IsZero():
						state = "staff_programs_always"
					case now.Before(call.Opens):
						state = "staff_programs_upcoming"
					case !call.Closes.IsZero() && !now.Before(call.Closes):
						state = "staff_programs_closed"
					}
					line = s.t("staff_programs_call", "ID", esc(cc.Call), "Total", total, "State", s.t(state),
						"From", s.date(call.Opens), "To", s.date(call.Closes))
				}
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, section(clip(strings.Join(lines, "\n"), maxSectionText)))
	}
	return ephemeral(title, blocks...)
}

// questionBlocks show an application to a program: its program and call,
// then its answers under the questions as they were asked.
func (s *Staff) questionBlocks(a flows.Application) []slackapi.Block {
	blocks := []slackapi.Block{contextText(s.t("staff_app_program", "Program", s.programName(a.ProgramOf()), "Call", esc(a.Call)))}
	var fields []*slackapi.TextBlockObject
	flush := func() {
		if len(fields) > 0 {
			blocks = append(blocks, slackapi.NewSectionBlock(nil, fields, nil))
			fields = nil
		}
	}
	for i, q := range a.Questions {
		if i == maxQuestionFields {
			break
		}
		value := s.answer(q, a.Answers[q.ID])
		fields = append(fields, mrkdwn(clip("*"+esc(s.questionLabel(q))+"*\n"+value, maxFieldText)))
		if len(fields) == 10 {
			flush()
		}
	}
	flush()
	blocks = append(blocks, slackapi.NewSectionBlock(nil, []*slackapi.TextBlockObject{
		mrkdwn("*" + s.t("staff_telegram") + "*\n" + s.telegram(a)),
		mrkdwn("*" + s.t("staff_submitted") + "*\n" + s.date(a.Submitted)),
	}, nil))
	return blocks
}

// questionLabel is a question's short name in the staff's language.
func (s *Staff) questionLabel(q flows.Question) string {
	if l := q.Label[s.cfg.Lang]; l != "" {
		return l
	}
	return q.ID
}

// answer shows one answer as staff read it: options by their labels.
func (s *Staff) answer(q flows.Question, v string) string {
	if v == "" {
		return s.t("staff_none")
	}
	switch q.Kind {
	case "choice", "choices", "yesno":
		var labels []string
		for id := range strings.SplitSeq(v, ",") {
			labels = append(labels, s.optionLabel(q, id))
		}
		return s.v(strings.Join(labels, ", "))
	case "email", "link": // as typed: a code span shows _ ~ * literally
		return code(clip(v, 500))
	}
	return s.v(clip(v, 500))
}

func (s *Staff) optionLabel(q flows.Question, id string) string {
	for _, o := range q.Options {
		if o.ID == id && o.Label[s.cfg.Lang] != "" {
			return o.Label[s.cfg.Lang]
		}
	}
	return id
}

// appTitle is what names an application: its startup, else its first answer.
func appTitle(a flows.Application) string {
	if v := a.Answers["startup"]; v != "" || len(a.Questions) == 0 {
		return v
	}
	for _, q := range a.Questions {
		if v := a.Answers[q.ID]; v != "" && q.Kind == "text" {
			return v
		}
	}
	return ""
}

// programCSV writes the export of one program: the call, then one column
// per question of its applications (by ID, first seen first, named as
// the newest application asked it), the default form's answers for
// applications from before programs.
func (s *Staff) programCSV(buf *bytes.Buffer, head []string, apps []flows.Application) []byte {
	var cols []flows.Question
	seen := map[string]bool{}
	for _, a := range apps { // newest first: the newest names a column
		qs := a.Questions
		if len(qs) == 0 {
			for _, f := range exportFields {
				qs = append(qs, flows.Question{ID: f, Label: map[string]string{s.cfg.Lang: s.rawLabel(f)}})
			}
		}
		for _, q := range qs {
			if !seen[q.ID] {
				seen[q.ID] = true
				cols = append(cols, q)
			}
		}
	}
	head = append(head, s.t("staff_csv_call"))
	for _, q := range cols {
		head = append(head, s.questionLabel(q))
	}
	writeRow(buf, head)
	for _, a := range apps {
		row := []string{a.ID, s.statusName(a.Status), s.csvTime(a.Submitted), s.csvTime(a.Updated), a.Handle, a.Lang, a.Call}
		for _, c := range cols {
			v := a.Answers[c.ID]
			for _, q := range a.Questions {
				if q.ID == c.ID && v != "" && (q.Kind == "choice" || q.Kind == "choices" || q.Kind == "yesno") {
					var labels []string
					for id := range strings.SplitSeq(v, ",") {
						labels = append(labels, s.optionLabel(q, id))
					}
					v = strings.Join(labels, ", ")
				}
			}
			if len(a.Questions) == 0 && (c.ID == "sector" || c.ID == "stage") {
				v = s.rawChoice(c.ID, v)
			}
			row = append(row, v)
		}
		writeRow(buf, row)
	}
	return buf.Bytes()
}
