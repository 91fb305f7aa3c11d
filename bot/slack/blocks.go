package slack

import (
	"regexp"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// Action IDs of the application message's buttons; their value is the
// application ID. Reject and Request info open a modal whose callback ID
// is the same and whose private_metadata is the application ID.
const (
	actionShortlist = "app_shortlist"
	actionAccept    = "app_accept"
	actionReject    = "app_reject"
	actionAsk       = "app_ask"
	actionsBlockID  = "app_actions"
)

// decisions pairs each staff decision with its button, in display order.
var decisions = []struct {
	action string
	to     flows.Status
	style  slackapi.Style
}{
	{actionShortlist, flows.StatusShortlisted, ""},
	{actionAccept, flows.StatusAccepted, slackapi.StylePrimary},
	{actionReject, flows.StatusRejected, slackapi.StyleDanger},
	{actionAsk, flows.StatusInfoRequested, ""},
}

// decisionFor returns the status an action ID decides.
func decisionFor(action string) (flows.Status, bool) {
	for _, d := range decisions {
		if d.action == action {
			return d.to, true
		}
	}
	return "", false
}

// buttonLabel is the message ID of an action's button label.
func buttonLabel(action string) string { return "staff_btn_" + strings.TrimPrefix(action, "app_") }

// fieldsShown are the answers shown as the message's fields, in the form's
// order; the startup's name is the title and the pitch has its own block.
var fieldsShown = []string{"founder", "email", "phone", "city", "sector", "stage", "team", "link"}

// appText is a message's notification text.
func (s *Staff) appText(a flows.Application) string {
	return clip(s.t("staff_app_text", "ID", a.ID, "Startup", s.v(appTitle(a)), "Status", s.statusName(a.Status)), maxFallback)
}

// appBlocks renders an application for staff: its answers, where it
// stands, the questions asked, and (with buttons) the decisions that are
// still possible.
func (s *Staff) appBlocks(a flows.Application, buttons bool) []slackapi.Block {
	blocks := []slackapi.Block{section(s.t("staff_app_title", "ID", a.ID, "Startup", s.v(clip(appTitle(a), 200))))}
	if len(a.Questions) > 0 {
		blocks = append(blocks, s.questionBlocks(a)...)
	} else {
		blocks = append(blocks, slackapi.NewSectionBlock(nil, s.fields(a), nil))
	}
	if p := a.Answers["pitch"]; p != "" && len(a.Questions) == 0 {
		blocks = append(blocks, section("*"+s.label("pitch")+"*\n"+quote(s.v(clip(p, 2000)))))
	}
	for _, q := range lastN(a.Info, 3) {
		blocks = append(blocks, s.infoBlock(q))
	}
	blocks = append(blocks, contextText(s.statusLine(a)))
	if buttons {
		if b := s.buttons(a); b != nil {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

func (s *Staff) fields(a flows.Application) []*slackapi.TextBlockObject {
	field := func(label, value string) *slackapi.TextBlockObject {
		if value == "" {
			value = s.t("staff_none")
		}
		return mrkdwn(clip("*"+label+"*\n"+value, maxFieldText))
	}
	var out []*slackapi.TextBlockObject
	for _, k := range fieldsShown {
		val := a.Answers[k]
		switch k {
		case "sector", "stage":
			val = s.choice(k, val)
		case "email", "link":
			if val != "" { // as typed: a code span shows _ ~ * literally
				val = code(clip(val, 500))
			}
		default:
			val = s.v(clip(val, 500))
		}
		out = append(out, field(s.label(k), val))
	}
	out = append(out, field(s.t("staff_telegram"), s.telegram(a)))
	// Slack allows ten fields; the date fills the last.
	return append(out, field(s.t("staff_submitted"), s.date(a.Submitted)))
}

// tgHandle matches Telegram usernames, which are safe in a link.
var tgHandle = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// telegram shows who the founder is on Telegram, linked when possible.
func (s *Staff) telegram(a flows.Application) string {
	switch {
	case tgHandle.MatchString(a.Handle):
		return "<https://t.me/" + a.Handle + "|@" + a.Handle + ">"
	case a.Handle != "":
		return s.name("@" + a.Handle)
	default:
		return s.name(a.Name)
	}
}

// statusLine says where the application stands and who put it there.
func (s *Staff) statusLine(a flows.Application) string {
	status := s.statusName(a.Status)
	n := len(a.Audit)
	if n == 0 {
		return s.t("staff_status_new", "Status", status, "Date", s.date(a.Submitted))
	}
	e := a.Audit[n-1]
	data := []any{"Status", status, "Name", s.who(e.By, e.ByName), "Date", s.date(e.At)}
	// A question or an answer shows in its own block; a reason shows here.
	if e.Note != "" && e.To != flows.StatusInfoRequested && strings.HasPrefix(e.By, actorPrefix) {
		return s.t("staff_decided_note", append(data, "Note", quote(s.v(clip(e.Note, 1000))))...)
	}
	return s.t("staff_decided", data...)
}

// infoBlock shows a question staff asked, and the answer if any.
func (s *Staff) infoBlock(q flows.InfoRequest) slackapi.Block {
	// AskedBy is the actor's Name, a mention made by actor().
	asked := esc(q.AskedBy)
	if u, ok := strings.CutPrefix(strings.TrimSuffix(q.AskedBy, ">"), "<@"); ok && slackID.MatchString(u) {
		asked = mention(u)
	}
	text := s.t("staff_info_asked", "Name", asked, "Date", s.date(q.AskedAt), "Note", quote(s.v(clip(q.Question, 1000))))
	if q.Answer != "" {
		text += "\n" + s.t("staff_info_answered", "Date", s.date(q.AnsweredAt), "Note", quote(s.v(clip(q.Answer, 1500))))
	} else {
		text += "\n" + s.t("staff_info_waiting")
	}
	return section(text)
}

// buttons are the decisions still open for a, or nil when none is.
func (s *Staff) buttons(a flows.Application) *slackapi.ActionBlock {
	var els []slackapi.BlockElement
	for _, d := range decisions {
		if !application.CanMove(a.Status, d.to) {
			continue
		}
		b := slackapi.NewButtonBlockElement(d.action, a.ID, plain(s.t(buttonLabel(d.action)), maxPlainLabel))
		if d.style != "" {
			b = b.WithStyle(d.style)
		}
		els = append(els, b)
	}
	if els == nil {
		return nil
	}
	return slackapi.NewActionBlock(actionsBlockID, els...)
}

func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
