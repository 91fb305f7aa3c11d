package slack

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// DefaultCommand is the staff slash command's name unless configured
// otherwise; ParseCommand sees only the text after it.
const DefaultCommand = "/founderbot"

// MaxPage is the highest page `apps` accepts, so that callers can multiply
// it by a page size without overflow.
const MaxPage = 1_000_000

// Subcommand names, as staff type them and as Command.Name holds them.
const (
	CmdHelp      = "help"
	CmdApps      = "apps"
	CmdApp       = "app"
	CmdAccept    = "accept"
	CmdReject    = "reject"
	CmdShortlist = "shortlist"
	CmdAsk       = "ask"
	CmdStats     = "stats"
	CmdExport    = "export"
	CmdBroadcast = "broadcast"
	CmdMentor    = "mentor" // office hours: Command.Action is add, list, edit or remove
	CmdSlots     = "slots"  // office hours: Command.Action is add, list or cancel
	CmdPrograms  = "programs"
	CmdDigest    = "digest"
	CmdFounders  = "founders"
	CmdForget    = "forget"
	CmdIntro     = "intro" // introductions: answered by introCommand, for contacts too
)

// UsageError problem codes: stable, so that callers can map each to a
// translated explanation.
const (
	ProblemUnknownSubcommand = "unknown_subcommand"
	ProblemMissingID         = "missing_id"
	ProblemBadID             = "bad_id"
	ProblemBadStatus         = "bad_status"
	ProblemBadPage           = "bad_page"
	ProblemMissingQuestion   = "missing_question"
	ProblemTooManyArgs       = "too_many_args"
	ProblemBadSector         = "bad_sector"
	ProblemMissingMessage    = "missing_message"
	ProblemMessageTooLong    = "message_too_long"
	ProblemUnknownAction     = "unknown_action"
	ProblemMissingMentor     = "missing_mentor"
	ProblemMissingSlotID     = "missing_slot_id"
	ProblemBadSlotID         = "bad_slot_id"
	ProblemBadProgram        = "bad_program"
)

// statuses are the filters `apps` and `export` take, in the order help
// lists them; "all" lifts the filter.
var statuses = [...]string{"submitted", "shortlisted", "accepted", "rejected", "info_requested", "draft", "all"}

// usages is the syntax of each subcommand, in the order help lists them.
// Explanations belong to the translations, not here.
var usages = [...]struct{ name, line string }{
	{CmdHelp, "help"},
	{CmdApps, "apps [program=<id>] [status] [page]"},
	{CmdApp, "app <id>"},
	{CmdAccept, "accept <id> [note...]"},
	{CmdReject, "reject <id> [note...]"},
	{CmdShortlist, "shortlist <id> [note...]"},
	{CmdAsk, "ask <id> <question...>"},
	{CmdStats, "stats [program=<id>]"},
	{CmdExport, "export [program=<id>] [status]"},
	{CmdBroadcast, "broadcast [everyone | program=<id>] [status=<status>] [sector=<sector>] <message...>"},
	{CmdPrograms, "programs"},
	{CmdDigest, "digest [program=<id>]"},
	{CmdMentor, "mentor add | list | edit <mentor> | remove <mentor>"},
	{CmdSlots, "slots add <mentor> <YYYY-MM-DD> <HH:MM>-<HH:MM> [every <minutes>] [online <link> | room <name>] | list [mentor] [week] | cancel <slot>"},
	{CmdFounders, "founders [filter...]"},
	{CmdForget, "forget <founder>"},
	{CmdIntro, "intro pause | resume | cap <N> [contact]"},
}

// Command is a parsed staff slash command. Fields a subcommand does not take
// are zero: Status "" means no filter was given, Page 0 means none was given.
type Command struct {
	Name   string // one of the Cmd* constants
	ID     string // application ID, upper case, e.g. "A-7F3K"
	Status string // one of Statuses()
	Page   int    // 1..MaxPage when set
	Note   string // note for accept/reject/shortlist, question for ask, message for broadcast; as typed, trimmed
	Sector string // broadcast's sector filter, one of flows.Sectors; "" for any
	// Program filters apps, export, stats and broadcast by program ID
	// ("" for all); whether it exists is the caller's to check.
	Program string
	Action  string // mentor and slots: what to do, one of the Act* constants
	Arg     string // mentor and slots: the mentor, slot ID or slot spec, as typed, trimmed; founders: the filter; forget: the founder
	// Everyone is broadcast's audience "everyone": all who started the
	// bot and did not block it, not only applicants.
	Everyone bool
}

// UsageError says why a command's text could not be parsed.
type UsageError struct {
	Problem string // one of the Problem* codes
	Sub     string // the subcommand, "" if unknown
	Arg     string // the offending token, "" if one is missing
}

func (e *UsageError) Error() string {
	switch {
	case e.Sub == "":
		return fmt.Sprintf("slack command: %s %q", e.Problem, e.Arg)
	case e.Arg == "":
		return fmt.Sprintf("slack command %s: %s", e.Sub, e.Problem)
	default:
		return fmt.Sprintf("slack command %s: %s %q", e.Sub, e.Problem, e.Arg)
	}
}

// Usage returns the syntax line of subcommand sub, e.g. "apps [status]
// [page]", every line (one per subcommand, newline-separated) for "", and ""
// for an unknown subcommand.
func Usage(sub string) string {
	if sub == "" {
		lines := make([]string, len(usages))
		for i, u := range usages {
			lines[i] = u.line
		}
		return strings.Join(lines, "\n")
	}
	for _, u := range usages {
		if u.name == sub {
			return u.line
		}
	}
	return ""
}

// Statuses returns the status filters `apps` and `export` accept.
func Statuses() []string {
	return append([]string(nil), statuses[:]...)
}

// ParseCommand parses the text Slack sends after the slash command. Names
// and statuses are case-insensitive, IDs are normalized to upper case, and
// empty text means help. On bad input the error is a *UsageError.
func ParseCommand(text string) (Command, error) {
	tok, rest := next(text)
	if tok == "" {
		return Command{Name: CmdHelp}, nil
	}
	name := asciiLower(tok)
	switch name {
	case CmdHelp, CmdPrograms:
		return done(Command{Name: name}, rest)
	case CmdStats, CmdDigest:
		program, rest, err := programArg(name, rest)
		if err != nil {
			return Command{}, err
		}
		return done(Command{Name: name, Program: program}, rest)
	case CmdApp:
		id, rest, err := needID(name, rest)
		if err != nil {
			return Command{}, err
		}
		return done(Command{Name: name, ID: id}, rest)
	case CmdAccept, CmdReject, CmdShortlist:
		id, rest, err := needID(name, rest)
		if err != nil {
			return Command{}, err
		}
		return Command{Name: name, ID: id, Note: trim(rest)}, nil
	case CmdAsk:
		id, rest, err := needID(name, rest)
		if err != nil {
			return Command{}, err
		}
		if trim(rest) == "" {
			return Command{}, &UsageError{Problem: ProblemMissingQuestion, Sub: name}
		}
		return Command{Name: name, ID: id, Note: trim(rest)}, nil
	case CmdApps:
		return parseApps(rest)
	case CmdExport:
		program, rest, err := programArg(name, rest)
		if err != nil {
			return Command{}, err
		}
		c := Command{Name: name, Program: program}
		tok, rest := next(rest)
		if tok == "" {
			return c, nil
		}
		if c.Status = status(tok); c.Status == "" {
			return Command{}, &UsageError{Problem: ProblemBadStatus, Sub: name, Arg: tok}
		}
		return done(c, rest)
	case CmdBroadcast:
		return parseBroadcast(rest)
	case CmdMentor:
		return parseMentor(rest)
	case CmdSlots:
		return parseSlots(rest)
	case CmdFounders:
		return Command{Name: name, Arg: trim(rest)}, nil
	case CmdForget:
		tok, rest := next(rest)
		if tok == "" {
			return Command{}, &UsageError{Problem: ProblemMissingID, Sub: name}
		}
		return done(Command{Name: name, Arg: tok}, rest)
	case CmdIntro: // its arguments are read by introCommand, which contacts use too
		return Command{Name: name, Note: trim(rest)}, nil
	default:
		return Command{}, &UsageError{Problem: ProblemUnknownSubcommand, Arg: tok}
	}
}

// parseApps reads `apps [status] [page]`: a lone number is the page.
func parseApps(rest string) (Command, error) {
	program, rest, err := programArg(CmdApps, rest)
	if err != nil {
		return Command{}, err
	}
	c := Command{Name: CmdApps, Program: program}
	tok, rest := next(rest)
	if tok == "" {
		return c, nil
	}
	if c.Status = status(tok); c.Status != "" {
		if tok, rest = next(rest); tok == "" {
			return c, nil
		}
	} else if !looksNumeric(tok) {
		return Command{}, &UsageError{Problem: ProblemBadStatus, Sub: CmdApps, Arg: tok}
	}
	page, err := strconv.Atoi(tok)
	if err != nil || page < 1 || page > MaxPage || !allDigits(tok) {
		return Command{}, &UsageError{Problem: ProblemBadPage, Sub: CmdApps, Arg: tok}
	}
	c.Page = page
	return done(c, rest)
}

// String renders c as command text that ParseCommand turns back into c.
func (c Command) String() string {
	if c.Name == CmdBroadcast {
		return c.broadcastString()
	}
	if c.Name == CmdMentor || c.Name == CmdSlots {
		return c.officeHoursString()
	}
	parts := []string{c.Name}
	if c.Program != "" {
		parts = append(parts, "program="+c.Program)
	}
	for _, s := range []string{c.ID, c.Status} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if c.Page != 0 {
		parts = append(parts, strconv.Itoa(c.Page))
	}
	if c.Note != "" {
		parts = append(parts, c.Note)
	}
	return strings.Join(parts, " ")
}

// programID is the syntax of a program's ID in a programs file.
var programID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// programArg takes a leading "program=<id>" off rest, if there is one.
func programArg(sub, rest string) (program, after string, err error) {
	tok, after := next(rest)
	key, val, ok := strings.Cut(tok, "=")
	if !ok || asciiLower(key) != "program" {
		return "", rest, nil
	}
	if val = asciiLower(val); !programID.MatchString(val) {
		return "", "", &UsageError{Problem: ProblemBadProgram, Sub: sub, Arg: tok}
	}
	return val, after, nil
}

func needID(sub, rest string) (string, string, error) {
	tok, rest := next(rest)
	if tok == "" {
		return "", "", &UsageError{Problem: ProblemMissingID, Sub: sub}
	}
	id, ok := NormalizeID(tok)
	if !ok {
		return "", "", &UsageError{Problem: ProblemBadID, Sub: sub, Arg: tok}
	}
	return id, rest, nil
}

// done returns c unless text is left over after its last argument.
func done(c Command, rest string) (Command, error) {
	if tok, _ := next(rest); tok != "" {
		return Command{}, &UsageError{Problem: ProblemTooManyArgs, Sub: c.Name, Arg: tok}
	}
	return c, nil
}

// NormalizeID returns s as an application ID ("A-" and four Crockford
// base32 characters, upper case) and whether it is one. Lower case is
// accepted; I, L, O and U are not, as the ID generator never emits them.
func NormalizeID(s string) (string, bool) {
	if len(s) != 6 || (s[0] != 'A' && s[0] != 'a') || s[1] != '-' {
		return "", false
	}
	b := []byte(s)
	b[0] = 'A'
	for i := 2; i < len(b); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !isCrockford(c) {
			return "", false
		}
		b[i] = c
	}
	return string(b), true
}

func isCrockford(c byte) bool {
	switch {
	case '0' <= c && c <= '9':
		return true
	case 'A' <= c && c <= 'Z':
		return c != 'I' && c != 'L' && c != 'O' && c != 'U'
	}
	return false
}

// status returns the canonical status tok names, or "".
func status(tok string) string {
	tok = asciiLower(tok)
	for _, s := range statuses {
		if s == tok {
			return s
		}
	}
	return ""
}

// looksNumeric tells a mistyped page ("0", "-2", "99999999999999999999")
// from a mistyped status.
func looksNumeric(tok string) bool {
	return allDigits(strings.TrimPrefix(strings.TrimPrefix(tok, "-"), "+"))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// next splits off the first whitespace-separated token of s; rest keeps
// the remaining text as typed (apart from leading space), so that notes
// keep their line breaks.
func next(s string) (tok, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

func trim(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// asciiLower folds only ASCII: Unicode folding would let "ſtats" or the
// Kelvin sign spell a subcommand.
func asciiLower(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
