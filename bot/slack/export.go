package slack

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// exportFields are the form's answers in the export, in the form's order.
var exportFields = []string{"startup", "founder", "email", "phone", "city", "sector", "stage", "team", "pitch", "link"}

// exportBatch is how many applications one List call of an export reads.
const exportBatch = 500

// export starts sending a CSV of applications to the user's direct
// messages and says so; the outcome comes through response_url.
func (s *Staff) export(ctx context.Context, sc slackapi.SlashCommand, cmd Command) *reply {
	if cmd.Status == "draft" {
		return ephemeral(s.t("staff_drafts_hidden"))
	}
	status, user, url, program := filter(cmd.Status), sc.UserID, sc.ResponseURL, cmd.Program
	s.goBG(ctx, exportTimeout, func(ctx context.Context) {
		text := s.sendExport(ctx, user, status, program)
		if url == "" {
			return
		}
		if err := s.toResponseURL(ctx, url, ephemeral(text)); err != nil {
			s.log.ErrorContext(ctx, "slack export outcome not shown", "user", user, "err", err)
		}
	})
	return ephemeral(s.t("staff_export_started"))
}

// sendExport uploads the CSV to the user's direct messages and returns
// what to tell them.
func (s *Staff) sendExport(ctx context.Context, user string, status flows.Status, program string) string {
	name := s.withProgram(s.filterName(status), program)
	apps, err := s.allApps(ctx, status, program)
	if err != nil {
		s.log.ErrorContext(ctx, "slack export: list", "err", err)
		return s.t("staff_export_failed")
	}
	if len(apps) == 0 {
		return s.t("staff_export_empty", "Status", name)
	}
	data, err := s.csv(apps, program != "")
	if err != nil {
		s.log.ErrorContext(ctx, "slack export: csv", "err", err)
		return s.t("staff_export_failed")
	}
	var dm *slackapi.Channel
	err = s.retry(ctx, "open DM with "+user, func() (err error) {
		dm, _, _, err = s.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "slack export: open DM", "user", user, "err", err)
		return s.t("staff_export_failed")
	}
	now := s.cfg.Now().In(s.cfg.TZ)
	kind := string(status)
	if kind == "" {
		kind = "all"
	}
	if program != "" {
		kind = program + "-" + kind
	}
	date := now.Format("2006-01-02 15:04")
	params := slackapi.UploadFileParameters{
		Filename:       fmt.Sprintf("applications-%s-%s.csv", kind, now.Format("2006-01-02")),
		Content:        string(data),
		FileSize:       len(data),
		Title:          s.t("staff_export_title", "Status", name, "Date", date),
		InitialComment: s.t("staff_export_comment", "Total", len(apps), "Status", name, "Date", date),
		Channel:        dm.ID,
	}
	err = s.retry(ctx, "upload export", func() error {
		_, err := s.api.UploadFileContext(ctx, params)
		return err
	})
	if err != nil {
		s.log.ErrorContext(ctx, "slack export: upload", "user", user, "err", err)
		return s.t("staff_export_failed")
	}
	s.log.InfoContext(ctx, "slack export sent", "user", user, "status", kind, "applications", len(apps))
	return s.t("staff_export_sent", "Total", len(apps), "Status", name)
}

// allApps reads every application with status (all for ""), newest first.
func (s *Staff) allApps(ctx context.Context, status flows.Status, program string) ([]flows.Application, error) {
	var all []flows.Application
	for {
		page, total, err := s.review.ListIn(ctx, program, status, len(all), exportBatch)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

// csv renders applications as CSV with a header row, readable by
// spreadsheets: a UTF-8 byte order mark (Excel needs it for Arabic and
// accents) and no cell that a spreadsheet would run as a formula.
// With byProgram (an export of one program), the columns are the
// program's questions as asked, across its calls.
func (s *Staff) csv(apps []flows.Application, byProgram bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	head := []string{s.t("staff_csv_id"), s.t("staff_csv_status"), s.t("staff_submitted"),
		s.t("staff_csv_updated"), s.t("staff_telegram"), s.t("staff_csv_lang")}
	if byProgram {
		return s.programCSV(&buf, head, apps), nil
	}
	for _, f := range exportFields {
		head = append(head, s.rawLabel(f))
	}
	writeRow(&buf, head)
	for _, a := range apps {
		row := []string{a.ID, s.statusName(a.Status), s.csvTime(a.Submitted), s.csvTime(a.Updated), a.Handle, a.Lang}
		for _, f := range exportFields {
			v := a.Answers[f]
			if f == "sector" || f == "stage" {
				v = s.rawChoice(f, v)
			}
			row = append(row, v)
		}
		writeRow(&buf, row)
	}
	return buf.Bytes(), nil
}

func (s *Staff) csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.cfg.TZ).Format("2006-01-02 15:04")
}

// writeRow writes one CSV record (RFC 4180) with every field quoted, as
// OWASP's CSV-injection guidance asks: a spreadsheet that splits cells on
// another character than the comma (French Excel splits on ';') still
// keeps a quoted field whole.
func writeRow(buf *bytes.Buffer, row []string) {
	for i, c := range cells(row) {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		buf.WriteString(strings.ReplaceAll(c, `"`, `""`))
		buf.WriteByte('"')
	}
	buf.WriteString("\r\n")
}

// cells neutralizes formula injection in every cell of a row.
func cells(row []string) []string {
	for i, c := range row {
		row[i] = neutralize(c)
	}
	return row
}

// neutralize puts a quote, which shows the text as typed, before every
// formula trigger (= + - @ and their full-width forms) wherever a
// spreadsheet could start a cell: at the start, and after any character
// some spreadsheet or import setting splits cells on (comma, semicolon,
// tab, line breaks, quotes and their full-width forms), spaces skipped.
// A leading tab or carriage return is quoted too (OWASP lists both).
func neutralize(c string) string {
	var b strings.Builder
	start := true
	for i, r := range c {
		switch {
		case start && (formulaTrigger(r) || (i == 0 && (r == '\t' || r == '\r'))):
			b.WriteByte('\'')
			start = cellBreak(r)
		case cellBreak(r):
			start = true
		case r == ' ' || r == '\u00a0' || r == '\u3000':
		default:
			start = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func formulaTrigger(r rune) bool {
	return strings.ContainsRune("=+-@\x00＝＋－＠﹦﹢﹣﹫", r)
}

func cellBreak(r rune) bool {
	return strings.ContainsRune(",;\t\n\r\"，；﹐﹔\u0085\u2028\u2029", r)
}
