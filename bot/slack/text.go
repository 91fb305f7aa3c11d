package slack

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// Slack's limits on text objects, in characters.
const (
	maxSectionText = 3000
	maxFieldText   = 2000
	maxContextText = 2000
	maxPlainLabel  = 75 // button labels
	maxModalTitle  = 24 // modal titles and their buttons
	maxInputLabel  = 2000
	maxHint        = 2000
	maxFallback    = 3000 // the notification text of a message
)

// t renders a staff message in the staff's language. Staff catalogs are
// Slack mrkdwn: values put into them go through esc (or v) first.
func (s *Staff) t(id string, data ...any) string { return s.cat.T(s.cfg.Lang, id, data...) }

// n renders a staff message with plural forms.
func (s *Staff) n(id string, n int, data ...any) string { return s.cat.N(s.cfg.Lang, id, n, data...) }

// esc makes a value safe inside mrkdwn. & < > are escaped, so that
// <!channel> or <@U…> in a founder's answer cannot ping anyone. Slack's
// formatting reference has no escape for the characters that open or
// close formatting (* _ ~ `), so they become look-alikes Slack does not
// read: a startup named "x* · application `A-0000`" cannot end the
// title's bold or show a fake ID as code. An underscore inside a word
// (youssef_ea, salma_b@acme.ma) cannot start italics and stays.
func esc(s string) string {
	if !strings.ContainsAny(s, "&<>*_~`") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range rs {
		switch r {
		case '&', '<', '>':
			b.WriteString(escAngle(string(r)))
		case '*':
			b.WriteRune('∗') // U+2217 asterisk operator
		case '~':
			b.WriteRune('∼') // U+223C tilde operator
		case '`':
			b.WriteRune('ˋ') // U+02CB modifier letter grave accent
		case '_':
			if i > 0 && i+1 < len(rs) && inWord(rs[i-1]) && inWord(rs[i+1]) {
				b.WriteRune('_')
			} else {
				b.WriteRune('ˍ') // U+02CD modifier letter low macron
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func inWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// escAngle escapes only & < >: for text staff wrote themselves and see
// as typed (a broadcast's preview), and inside code spans, where Slack
// shows formatting characters as they are.
func escAngle(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// v escapes a value someone typed, and in Arabic isolates it (FSI…PDI) so
// that Latin names do not scramble the right-to-left line.
func (s *Staff) v(text string) string {
	text = esc(text)
	if s.cfg.Lang == "ar" && text != "" {
		return "\u2068" + text + "\u2069"
	}
	return text
}

// name shows a display name (a Telegram first and last name, a handle):
// cleaned like any text founders type (bidi overrides, zero-width and
// control characters out, spaces collapsed), then escaped. Names are
// cleaned when they arrive; this also covers those stored before.
func (s *Staff) name(text string) string { return s.v(input.Clean(text, maxDisplayName)) }

// maxDisplayName bounds a display name shown to staff, in characters.
const maxDisplayName = 120

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// quote renders text as a mrkdwn block quote, every line of it.
func quote(text string) string {
	return "> " + strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n> ")
}

// code renders text inside `code`, where a backtick would end it.
func code(text string) string {
	return "`" + escAngle(strings.ReplaceAll(text, "`", "'")) + "`"
}

// date shows an instant in the hub's time zone.
func (s *Staff) date(t time.Time) string {
	if t.IsZero() {
		return s.t("staff_none")
	}
	return t.In(s.cfg.TZ).Format("2006-01-02 15:04")
}

// age says how long ago t was, in the largest unit that fits.
func (s *Staff) age(t time.Time) string {
	d := max(s.cfg.Now().Sub(t), 0)
	switch {
	case d < time.Hour:
		return s.n("staff_age_minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return s.n("staff_age_hours", int(d/time.Hour))
	default:
		return s.n("staff_age_days", int(d/(24*time.Hour)))
	}
}

// statusName is a status as staff read it.
func (s *Staff) statusName(st flows.Status) string {
	id := "staff_status_" + string(st)
	if name := s.t(id); name != id {
		return name
	}
	return esc(string(st))
}

// choice is the label of a sector or stage key, escaped for mrkdwn.
func (s *Staff) choice(field, key string) string {
	if key == "" {
		return s.t("staff_none")
	}
	return s.v(s.rawChoice(field, key))
}

// rawChoice is the label of a sector or stage key in the staff's
// language, from the founders' catalog, which names the form's choices;
// the key itself when the catalog has no label for it.
func (s *Staff) rawChoice(field, key string) string {
	id := field + "_" + key
	if label := s.cat.T(s.cfg.Lang, id); key != "" && label != id {
		return label
	}
	return key
}

// label is the name of a form field, escaped for mrkdwn.
func (s *Staff) label(field string) string { return esc(s.rawLabel(field)) }

// rawLabel is the name of a form field in the staff's language.
func (s *Staff) rawLabel(field string) string {
	id := "f_" + field
	if label := s.cat.T(s.cfg.Lang, id); label != id {
		return label
	}
	return field
}

// who shows the author of an audit entry: a Slack mention for staff
// (Slack renders it as @name), the escaped name for anyone else.
func (s *Staff) who(by, name string) string {
	if u, ok := strings.CutPrefix(by, actorPrefix); ok && slackID.MatchString(u) {
		return mention(u)
	}
	if name == "" {
		name = by
	}
	return s.name(name)
}

// slackID matches Slack user IDs, so that only real ones become mentions.
var slackID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

func mention(user string) string { return "<@" + user + ">" }

// mrkdwn is verbatim: founders' text is escaped, and Slack must not turn
// a typed "@channel" or a bare link into anything either.
func mrkdwn(text string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, text, false, true)
}

func plain(text string, n int) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, clip(text, n), true, false)
}

func section(text string) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(mrkdwn(clip(text, maxSectionText)), nil, nil)
}

func contextText(text string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock("", mrkdwn(clip(text, maxContextText)))
}
