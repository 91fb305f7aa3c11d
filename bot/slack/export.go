package slack

import (
	"bytes"
	"context"
	"encoding/csv"
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
	status, user, url := filter(cmd.Status), sc.UserID, sc.ResponseURL
	s.goBG(ctx, exportTimeout, func(ctx context.Context) {
		text := s.sendExport(ctx, user, status)
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
func (s *Staff) sendExport(ctx context.Context, user string, status flows.Status) string {
	name := s.filterName(status)
	apps, err := s.allApps(ctx, status)
	if err != nil {
		s.log.ErrorContext(ctx, "slack export: list", "err", err)
		return s.t("staff_export_failed")
	}
	if len(apps) == 0 {
		return s.t("staff_export_empty", "Status", name)
	}
	data, err := s.csv(apps)
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
func (s *Staff) allApps(ctx context.Context, status flows.Status) ([]flows.Application, error) {
	var all []flows.Application
	for {
		page, total, err := s.review.List(ctx, status, len(all), exportBatch)
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
func (s *Staff) csv(apps []flows.Application) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	head := []string{s.t("staff_csv_id"), s.t("staff_csv_status"), s.t("staff_submitted"),
		s.t("staff_csv_updated"), s.t("staff_telegram"), s.t("staff_csv_lang")}
	for _, f := range exportFields {
		head = append(head, s.rawLabel(f))
	}
	if err := w.Write(cells(head)); err != nil {
		return nil, fmt.Errorf("write csv header: %w", err)
	}
	for _, a := range apps {
		row := []string{a.ID, s.statusName(a.Status), s.csvTime(a.Submitted), s.csvTime(a.Updated), a.Handle, a.Lang}
		for _, f := range exportFields {
			v := a.Answers[f]
			if f == "sector" || f == "stage" {
				v = s.rawChoice(f, v)
			}
			row = append(row, v)
		}
		if err := w.Write(cells(row)); err != nil {
			return nil, fmt.Errorf("write csv row %s: %w", a.ID, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *Staff) csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.cfg.TZ).Format("2006-01-02 15:04")
}

// cells neutralizes formula injection: a spreadsheet runs a cell that
// starts with = + - @ (or a tab or carriage return before one), so such
// cells get a leading quote, which shows the text as typed.
func cells(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}
