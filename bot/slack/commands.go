package slack

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// pageSize is how many applications `apps` lists per page.
const pageSize = 10

// command answers the staff slash command. Its answer is the
// acknowledgement when ready within Slack's limit, else it goes to the
// command's response_url when ready.
func (s *Staff) command(ctx context.Context, sc slackapi.SlashCommand) any {
	return s.respond(ctx, func(ctx context.Context) any { return s.runCommand(ctx, sc) },
		func(ctx context.Context, answer any) {
			r, ok := answer.(*reply)
			if !ok || sc.ResponseURL == "" {
				return
			}
			if err := s.toResponseURL(ctx, sc.ResponseURL, r); err != nil {
				s.log.ErrorContext(ctx, "slack late command answer lost", "user", sc.UserID, "err", err)
			}
		})
}

func (s *Staff) runCommand(ctx context.Context, sc slackapi.SlashCommand) *reply {
	if r, ok := s.introCommand(ctx, sc); ok { // contacts use it too, not only staff
		return r
	}
	var refusal string
	if !s.allowed(ctx, sc.UserID, func(text string) { refusal = text }) {
		return ephemeral(refusal)
	}
	cmd, err := ParseCommand(sc.Text)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return s.usage(ue)
		}
		s.log.ErrorContext(ctx, "slack command parse", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	if !s.knownProgram(cmd.Program) {
		return s.unknownProgram(cmd.Program)
	}
	switch cmd.Name {
	case CmdApps:
		return s.apps(ctx, cmd)
	case CmdApp:
		return s.app(ctx, cmd.ID)
	case CmdAccept, CmdReject, CmdShortlist, CmdAsk:
		return s.decideCommand(ctx, sc.UserID, cmd)
	case CmdStats:
		return s.stats(ctx, cmd.Program)
	case CmdPrograms:
		return s.programs(ctx)
	case CmdDigest:
		return s.digest(ctx, cmd.Program)
	case CmdExport:
		return s.export(ctx, sc, cmd)
	case CmdBroadcast:
		return s.broadcast(ctx, sc.UserID, cmd)
	case CmdMentor:
		return s.mentorCommand(ctx, sc, cmd)
	case CmdSlots:
		return s.slotsCommand(ctx, sc, cmd)
	case CmdFounders:
		return s.foundersCommand(ctx, cmd.Arg)
	case CmdForget:
		return s.forgetCommand(ctx, sc.UserID, cmd.Arg)
	}
	return s.help()
}

// subcommands are the subcommands' names, in the order help lists them.
func subcommands() []string {
	var names []string
	for line := range strings.SplitSeq(Usage(""), "\n") {
		name, _, _ := strings.Cut(line, " ")
		names = append(names, name)
	}
	return names
}

// usage is a one-line error and the subcommand's usage line.
func (s *Staff) usage(ue *UsageError) *reply {
	line := s.cfg.Command + " " + Usage(ue.Sub)
	if ue.Sub == "" {
		line = s.cfg.Command + " " + strings.Join(subcommands(), "|") + " …"
	}
	msg := s.t(problemID(ue.Problem), "Value", code(clip(ue.Arg, 40)), "Command", code(s.cfg.Command+" "+ue.Sub))
	return ephemeral(msg + "\n" + s.t("staff_usage", "Value", code(line)))
}

func (s *Staff) help() *reply {
	lines := []string{s.t("staff_help_title", "Command", esc(s.cfg.Command))}
	for line := range strings.SplitSeq(Usage(""), "\n") {
		name, _, _ := strings.Cut(line, " ")
		lines = append(lines, "• "+code(s.cfg.Command+" "+line)+" — "+s.t(helpID(name)))
	}
	var sts []string
	for _, st := range Statuses() {
		sts = append(sts, code(st))
	}
	lines = append(lines, s.t("staff_help_statuses", "Value", strings.Join(sts, ", ")))
	return ephemeral(strings.Join(lines, "\n"))
}

// filter is the list filter a status argument names ("" for all).
func filter(arg string) flows.Status {
	if arg == "all" {
		return ""
	}
	return flows.Status(arg)
}

// filterName shows a status filter to staff.
func (s *Staff) filterName(st flows.Status) string {
	if st == "" {
		return s.t("staff_status_all")
	}
	return s.statusName(st)
}

func (s *Staff) apps(ctx context.Context, cmd Command) *reply {
	if cmd.Status == "draft" {
		return ephemeral(s.t("staff_drafts_hidden"))
	}
	status, page := filter(cmd.Status), max(cmd.Page, 1)
	list, total, err := s.review.ListIn(ctx, cmd.Program, status, (page-1)*pageSize, pageSize)
	if err != nil {
		s.log.ErrorContext(ctx, "slack apps: list", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	name := s.withProgram(s.filterName(status), cmd.Program)
	if total == 0 {
		return ephemeral(s.t("staff_apps_empty", "Status", name))
	}
	pages := (total + pageSize - 1) / pageSize
	if len(list) == 0 {
		return ephemeral(s.t("staff_apps_no_page", "N", page, "Max", pages))
	}
	head := s.t("staff_apps_header", "Status", name, "Total", total, "N", page, "Max", pages)
	lines := make([]string, 0, len(list))
	for _, a := range list {
		label, value := s.choice("sector", a.Answers["sector"]), s.choice("stage", a.Answers["stage"])
		if len(a.Questions) > 0 { // an application to a program: which, and which call
			label, value = s.programName(a.ProgramOf()), esc(a.Call)
		}
		lines = append(lines, s.t("staff_apps_line", "ID", a.ID, "Startup", s.v(clip(appTitle(a), 80)),
			"Label", label, "Value", value, "Status", s.statusName(a.Status), "Date", s.age(a.Submitted)))
	}
	blocks := []slackapi.Block{section(head), section(strings.Join(lines, "\n"))}
	if page < pages {
		next := Command{Name: CmdApps, Program: cmd.Program, Status: cmd.Status, Page: page + 1}
		blocks = append(blocks, contextText(s.t("staff_apps_next", "Value", code(s.cfg.Command+" "+next.String()))))
	}
	return ephemeral(head, blocks...)
}

func (s *Staff) app(ctx context.Context, id string) *reply {
	a, err := s.review.Application(ctx, id)
	if err != nil {
		return ephemeral(s.decisionError(ctx, err, id))
	}
	blocks := append(s.appBlocks(a, false), slackapi.NewDividerBlock(), section(s.history(a)))
	return ephemeral(s.appText(a), blocks...)
}

// history is an application's audit trail, as much of its end as fits
// in one block.
func (s *Staff) history(a flows.Application) string {
	if len(a.Audit) == 0 {
		return s.t("staff_history") + "\n" + s.t("staff_history_empty")
	}
	head := s.t("staff_history")
	var lines []string
	size := len(head)
	for i := len(a.Audit) - 1; i >= 0; i-- {
		e := a.Audit[i]
		line := s.t("staff_history_line", "Date", s.date(e.At), "Name", s.who(e.By, e.ByName),
			"Value", s.statusName(e.From), "Status", s.statusName(e.To))
		if e.Note != "" {
			line += "\n" + quote(s.v(clip(e.Note, 300)))
		}
		if size += len(line) + 1; size > maxSectionText-100 {
			lines = append(lines, "…")
			break
		}
		lines = append(lines, line)
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// commandStatus is the decision each decision subcommand makes.
var commandStatus = map[string]flows.Status{
	CmdAccept:    flows.StatusAccepted,
	CmdReject:    flows.StatusRejected,
	CmdShortlist: flows.StatusShortlisted,
	CmdAsk:       flows.StatusInfoRequested,
}

func (s *Staff) decideCommand(ctx context.Context, user string, cmd Command) *reply {
	// The same bounds as the modal's, so that the note fits in a Telegram message.
	limit := maxReason
	if cmd.Name == CmdAsk {
		limit = maxQuestion
	}
	if utf8.RuneCountInString(cmd.Note) > limit {
		return ephemeral(s.t("staff_note_too_long", "Max", limit))
	}
	a, err := s.decide(ctx, cmd.ID, commandStatus[cmd.Name], user, cmd.Note)
	if err != nil {
		return ephemeral(s.decisionError(ctx, err, cmd.ID))
	}
	return ephemeral(s.t("staff_done", "ID", a.ID, "Startup", s.v(a.Answers["startup"]), "Status", s.statusName(a.Status)))
}

// statusOrder is the order stats lists statuses in: the review's pipeline.
var statusOrder = []flows.Status{flows.StatusSubmitted, flows.StatusShortlisted, flows.StatusInfoRequested,
	flows.StatusAccepted, flows.StatusRejected}

func (s *Staff) stats(ctx context.Context, program string) *reply {
	st, err := s.review.StatsIn(ctx, program)
	if err != nil {
		s.log.ErrorContext(ctx, "slack stats", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	title := s.t("staff_stats_title", "Total", st.Total, "N", st.ThisWeek)
	if program != "" {
		title = s.t("staff_stats_program", "Program", s.programName(program)) + "\n" + title
	}
	line := func(label string, n int) string { return s.t("staff_stats_line", "Label", label, "N", n) }
	byStatus := []string{s.t("staff_stats_by_status")}
	for _, status := range statusOrder {
		byStatus = append(byStatus, line(s.statusName(status), st.ByStatus[status]))
	}
	for _, status := range sortedKeys(st.ByStatus) {
		if !slices.Contains(statusOrder, status) {
			byStatus = append(byStatus, line(s.statusName(status), st.ByStatus[status]))
		}
	}
	counts := func(head, field string, order []string, m map[string]int) string {
		lines := []string{s.t(head)}
		for _, k := range order {
			if m[k] > 0 {
				lines = append(lines, line(s.choice(field, k), m[k]))
			}
		}
		for _, k := range sortedKeys(m) {
			if !slices.Contains(order, k) {
				lines = append(lines, line(s.choice(field, k), m[k]))
			}
		}
		return strings.Join(lines, "\n")
	}
	blocks := []slackapi.Block{section(title), section(strings.Join(byStatus, "\n"))}
	if program != "" && program != flows.DefaultProgram {
		// A program's own questions have no sector or stage: its calls instead.
		byCall := []string{s.t("staff_stats_by_call")}
		for _, c := range sortedKeys(st.ByCall) {
			byCall = append(byCall, line(code(c), st.ByCall[c]))
		}
		blocks = append(blocks, section(strings.Join(byCall, "\n")))
	} else {
		blocks = append(blocks, section(counts("staff_stats_by_sector", "sector", flows.Sectors, st.BySector)),
			section(counts("staff_stats_by_stage", "stage", flows.Stages, st.ByStage)))
	}
	blocks = append(blocks, s.ohStats(ctx)...)
	return ephemeral(title, append(blocks, s.introStats(ctx)...)...)
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}
