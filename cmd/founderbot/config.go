package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/officehours"
)

// setting is one environment variable the bot reads.
type setting struct {
	name, def, help string
	secret          bool // may also come from NAME_FILE; never printed
}

var settings = []setting{
	{"TELEGRAM_TOKEN", "", "Bot API token from @BotFather; empty starts the console chat instead", true},
	{"TELEGRAM_API_URL", "https://api.telegram.org", "Bot API server: Telegram's, a self-hosted one, or a test fake", false},
	{"REDIS_URL", "", "redis://, rediss://, Sentinel (?master_name=) or Cluster (?addr=) URL; empty runs an embedded in-memory Redis", true},
	{"FOUNDERBOT_EPHEMERAL", "", "1 lets the Telegram bot run on the embedded in-memory Redis (demos only: data is lost on restart)", false},
	{"SLACK_BOT_TOKEN", "", "Slack bot token (xoxb-…) for the staff side; empty: no Slack", true},
	{"SLACK_APP_TOKEN", "", "Slack app-level token (xapp-…): Socket Mode, no public URL needed", true},
	{"SLACK_SIGNING_SECRET", "", "Slack signing secret: HTTP mode on HTTP_ADDR (/slack/commands, /slack/interactions, /slack/events)", true},
	{"SLACK_API_URL", "https://slack.com/api/", "Slack Web API base URL (tests point it at a fake)", false},
	{"SLACK_STAFF_CHANNEL", "", "channel ID where new applications are posted", false},
	{"SLACK_STAFF_USERS", "", "comma-separated Slack user IDs allowed to act; empty: members of SLACK_STAFF_CHANNEL", false},
	{"SLACK_COMMAND", "/founderbot", "the staff slash command", false},
	{"STAFF_LANGUAGE", "", "language of staff texts in Slack (fr, en or ar); empty: DEFAULT_LANGUAGE", false},
	{"HTTP_ADDR", ":8080", "listen address of the HTTP server: /healthz, /readyz, /metrics, Slack HTTP mode, the Telegram webhook (off: no server; the console never serves)", false},
	{"SHUTDOWN_TIMEOUT", "10s", "on SIGTERM or SIGINT, how long the bot may take to finish its work and stop; a second signal stops it at once", false},
	{"ACCEPTED_NEXT_STEPS", "", "text sent to accepted founders under \"Next steps\"", false},
	{"TELEGRAM_RATE", "25", "messages per second to all Telegram chats (and about 1/s per chat), for the whole bot: every replica shares it; negative: no limits, for fakes only", false},
	{"TELEGRAM_WEBHOOK_URL", "", "https URL Telegram posts updates to (setWebhook), served on HTTP_ADDR at its path; empty: long polling by one replica at a time", false},
	{"TELEGRAM_WEBHOOK_SECRET", "", "required with TELEGRAM_WEBHOOK_URL: 32 to 256 characters of A-Z a-z 0-9 _ -, checked on every post", true},
	{"TELEGRAM_CHAT_LIMIT", "20/10s", "updates one founder may send in a window; beyond it one \"slow down\" reply and the rest dropped (off: no limit)", false},
	{"TELEGRAM_WORKERS", "64", "chats one replica works on at once, polling or webhook; past them, updates wait in their chats' mailboxes for a free worker of any replica", false},
	{"TELEGRAM_LEASE", "10s", "how long a replica holds a chat or the polling without renewing before another takes over after a crash", false},
	{"PROGRAMS_FILE", "", "TOML file of the hub's programs, their calls and questions (see README; check it with founderbot -check-programs FILE); empty: one program, the ten standard questions, always open", false},
	{"APPLICATION_DEADLINE", "", "when applications close (2026-12-31 or 2026-12-31T18:00, hub time): drafts get a nudge 7 days and 48 hours before", false},
	{"DIGEST_CRON", "0 9 * * *", "when the daily staff digest is posted (cron, hub time; off: never)", false},
	{"WEEKLY_STATS_CRON", "0 9 * * 1", "when the weekly stats are posted (cron, hub time; off: never)", false},
	{"MAX_UPCOMING_BOOKINGS", "2", "office hours: upcoming sessions one founder may hold", false},
	{"MAX_RESCHEDULES", "2", "office hours: how often one booking may be moved", false},
	{"MAX_BOOKINGS_PER_WEEK", "4", "office hours: bookings one founder may make in any 7 days (moves not counted)", false},
	{"MAX_CANCELS_PER_WEEK", "3", "office hours: sessions one founder may cancel in any 7 days; then only staff can", false},
	{"CANCEL_CUTOFF", "12h", "office hours: founders cancel until this long before the start", false},
	{"BOOKING_WINDOW_DAYS", "14", "office hours: how far ahead founders can book", false},
	{"BOOKING_OPEN_TO", "applicants", "who may book: applicants, accepted or anyone", false},
	{"BOOKING_CONTACT", "", "office hours: who founders contact after the cut-off (shown to them)", false},
	{"RETENTION_DAYS", "730", "decided applications and past office-hours sessions are anonymised after this many days", false},
	{"MAX_PENDING_INTROS", "2", "introductions: requests one founder may have waiting", false},
	{"INTRO_OPEN_TO", "accepted", "who may ask for introductions: applicants, accepted or anyone", false},
	{"INTRO_CONTACT_TIMEOUT", "72h", "introductions: a contact who has not answered is reminded once; at twice this the request expires", false},
	{"INTRO_FOLLOWUP_AFTER", "168h", "introductions: both sides are asked whether they met this long after the introduction", false},
	{"HUB_NAME", "StartGate", "the hub's name, shown to founders", false},
	{"HUB_TIMEZONE", "Africa/Casablanca", "the hub's IANA time zone", false},
	{"DEFAULT_LANGUAGE", "fr", "language for founders whose Telegram language is not fr, en or ar", false},
	{"LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"LOG_FORMAT", "text", "text or json", false},
}

// config is the parsed settings.
type config struct {
	telegramToken  string
	telegramAPIURL string
	redisURL       string
	ephemeral      bool
	hubName        string
	hubTZ          *time.Location
	lang           string
	logLevel       slog.Level
	logJSON        bool
	slack          slackConfig
	httpAddr       string
	retentionDays  int
	stopWithin     time.Duration
	nextSteps      string
	telegramRate   float64
	webhookURL     string
	webhookSecret  string
	chatLimit      int
	chatWindow     time.Duration
	lease          time.Duration
	workers        int
	deadline       time.Time
	programs       *application.Programs // nil: the embedded default
	digestCron     string
	weeklyCron     string
	officeHours    officehours.Config
	intro          intro.Config
}

type slackConfig struct {
	botToken, appToken, signingSecret, apiURL string
	channel, command, lang                    string
	users                                     []string
}

func (s slackConfig) enabled() bool { return s.botToken != "" }

// errUsage marks a configuration error: one line, exit status 2.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &errUsage{fmt.Sprintf(format, args...)} }

// errHelp is returned after -help printed the settings, or
// -check-programs found the file valid.
var errHelp = errors.New("help shown")

func loadConfig(args []string, getenv func(string) string, stdout io.Writer) (*config, error) {
	fs := flag.NewFlagSet("founderbot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	check := fs.String("check-programs", "", "validate a programs file and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout)
			return nil, errHelp
		}
		return nil, usagef("%v (founderbot is configured by environment variables; see founderbot -help)", err)
	}
	get := func(name string) (string, error) { return lookup(name, getenv) }
	var c config
	var err error
	if *check != "" {
		return nil, checkPrograms(*check, get, stdout)
	}
	if c.telegramToken, err = get("TELEGRAM_TOKEN"); err != nil {
		return nil, err
	}
	c.telegramAPIURL, _ = get("TELEGRAM_API_URL")
	if !strings.HasPrefix(c.telegramAPIURL, "http://") && !strings.HasPrefix(c.telegramAPIURL, "https://") {
		return nil, usagef("TELEGRAM_API_URL=%q: want an http(s) URL such as https://api.telegram.org", c.telegramAPIURL)
	}
	if c.redisURL, err = get("REDIS_URL"); err != nil {
		return nil, err
	}
	switch v, _ := get("FOUNDERBOT_EPHEMERAL"); v {
	case "", "0", "false":
	case "1", "true":
		c.ephemeral = true
	default:
		return nil, usagef("FOUNDERBOT_EPHEMERAL=%q: want 1 or 0", v)
	}
	c.hubName, _ = get("HUB_NAME")
	tz, _ := get("HUB_TIMEZONE")
	if c.hubTZ, err = time.LoadLocation(tz); err != nil {
		return nil, usagef("HUB_TIMEZONE=%q: not a known time zone (for example Africa/Casablanca)", tz)
	}
	c.lang, _ = get("DEFAULT_LANGUAGE")
	if !flows.Supported(c.lang) {
		return nil, usagef("DEFAULT_LANGUAGE=%q: want one of %s", c.lang, strings.Join(flows.Languages, ", "))
	}
	lvl, _ := get("LOG_LEVEL")
	if err := c.logLevel.UnmarshalText([]byte(lvl)); err != nil {
		return nil, usagef("LOG_LEVEL=%q: want debug, info, warn or error", lvl)
	}
	switch f, _ := get("LOG_FORMAT"); f {
	case "text":
	case "json":
		c.logJSON = true
	default:
		return nil, usagef("LOG_FORMAT=%q: want text or json", f)
	}
	if err := loadSlack(&c, get); err != nil {
		return nil, err
	}
	c.httpAddr, _ = get("HTTP_ADDR")
	st, _ := get("SHUTDOWN_TIMEOUT")
	if c.stopWithin, err = time.ParseDuration(st); err != nil || c.stopWithin <= 0 {
		return nil, usagef("SHUTDOWN_TIMEOUT=%q: want a duration such as 10s", st)
	}
	c.nextSteps, _ = get("ACCEPTED_NEXT_STEPS")
	rate, _ := get("TELEGRAM_RATE")
	if c.telegramRate, err = strconv.ParseFloat(rate, 64); err != nil || c.telegramRate == 0 || c.telegramRate > 1000 {
		return nil, usagef("TELEGRAM_RATE=%q: want messages per second, such as 25", rate)
	}
	if err := loadTelegram(&c, get); err != nil {
		return nil, err
	}
	if d, _ := get("APPLICATION_DEADLINE"); d != "" {
		if c.deadline, err = parseDeadline(d, c.hubTZ); err != nil {
			return nil, usagef("APPLICATION_DEADLINE=%q: want a date such as 2026-12-31 or 2026-12-31T18:00 (hub time)", d)
		}
	}
	if path, _ := get("PROGRAMS_FILE"); path != "" {
		if c.programs, err = loadPrograms(path, c.hubTZ); err != nil {
			return nil, err
		}
	}
	envOrDefault := func(name string) string { v, _ := get(name); return v }
	if c.officeHours, err = parseOfficeHoursEnv(envOrDefault, c.hubName, c.hubTZ); err != nil {
		return nil, usagef("%v", err)
	}
	if d, _ := get("RETENTION_DAYS"); d != "" {
		if c.retentionDays, err = strconv.Atoi(d); err != nil || c.retentionDays < 30 || c.retentionDays > 3650 {
			return nil, usagef("RETENTION_DAYS=%q: want days between 30 and 3650, such as 730", d)
		}
	}
	if c.intro, err = parseIntroEnv(envOrDefault, c.hubName, c.hubTZ); err != nil {
		return nil, usagef("%v", err)
	}
	c.digestCron, _ = get("DIGEST_CRON")
	c.weeklyCron, _ = get("WEEKLY_STATS_CRON")
	if c.telegramToken != "" && c.redisURL == "" && !c.ephemeral {
		return nil, usagef("TELEGRAM_TOKEN is set but REDIS_URL is not: founders' applications would live in memory and vanish at the next restart; set REDIS_URL (or FOUNDERBOT_EPHEMERAL=1 for a throwaway demo)")
	}
	return &c, nil
}

// lookup reads a setting: NAME, else for secrets the file named by
// NAME_FILE (as Docker and Kubernetes secrets provide), else the default.
func lookup(name string, getenv func(string) string) (string, error) {
	var s *setting
	for i := range settings {
		if settings[i].name == name {
			s = &settings[i]
		}
	}
	if v := getenv(name); v != "" {
		return v, nil
	}
	if s != nil && s.secret {
		if path := getenv(name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", usagef("%s_FILE: %v", name, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
	}
	if s == nil {
		return "", nil
	}
	return s.def, nil
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "founderbot: the hub's assistant for founders (Telegram) and staff.")
	fmt.Fprintln(w, "With no settings it chats with you in this terminal, on an in-memory Redis.")
	fmt.Fprintln(w, "\nSettings (environment variables):")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-22s default %s\n      %s", s.name, def, s.help)
		if s.secret {
			fmt.Fprintf(w, "; or read from the file named by %s_FILE", s.name)
		}
		fmt.Fprintln(w)
	}
}

func loadSlack(c *config, get func(string) (string, error)) error {
	s := &c.slack
	var err error
	for _, v := range []struct {
		name string
		dst  *string
	}{{"SLACK_BOT_TOKEN", &s.botToken}, {"SLACK_APP_TOKEN", &s.appToken}, {"SLACK_SIGNING_SECRET", &s.signingSecret}} {
		if *v.dst, err = get(v.name); err != nil {
			return err
		}
	}
	s.apiURL, _ = get("SLACK_API_URL")
	s.channel, _ = get("SLACK_STAFF_CHANNEL")
	s.command, _ = get("SLACK_COMMAND")
	s.lang, _ = get("STAFF_LANGUAGE")
	users, _ := get("SLACK_STAFF_USERS")
	for _, u := range strings.Split(users, ",") {
		if u = strings.TrimSpace(u); u != "" {
			s.users = append(s.users, u)
		}
	}
	if s.lang == "" {
		s.lang = c.lang
	}
	switch {
	case !flows.Supported(s.lang):
		return usagef("STAFF_LANGUAGE=%q: want one of %s", s.lang, strings.Join(flows.Languages, ", "))
	case !s.enabled() && (s.appToken != "" || s.signingSecret != "" || s.channel != ""):
		return usagef("Slack settings are given but SLACK_BOT_TOKEN is not: set it (xoxb-…) to enable the staff side")
	case !s.enabled():
		return nil
	case !strings.HasPrefix(s.botToken, "xoxb-"):
		return usagef("SLACK_BOT_TOKEN: want a bot token starting with xoxb-")
	case s.appToken != "" && !strings.HasPrefix(s.appToken, "xapp-"):
		return usagef("SLACK_APP_TOKEN: want an app-level token starting with xapp-")
	case s.appToken == "" && s.signingSecret == "":
		return usagef("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is")
	case s.channel == "":
		return usagef("SLACK_STAFF_CHANNEL: the channel ID (C…) where applications are posted is required with Slack")
	case !strings.HasPrefix(s.command, "/"):
		return usagef("SLACK_COMMAND=%q: want a slash command such as /founderbot", s.command)
	case !strings.HasSuffix(s.apiURL, "/"):
		return usagef("SLACK_API_URL=%q: must end with a slash, like https://slack.com/api/", s.apiURL)
	}
	return nil
}

// parseDeadline reads a date (the deadline is its end) or a date and time, in the hub's time zone.
func parseDeadline(s string, tz *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, tz); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, tz)
	return t.AddDate(0, 0, 1), err
}

// parseOfficeHoursEnv reads the office-hours settings: MAX_UPCOMING_BOOKINGS,
// CANCEL_CUTOFF (a Go duration), MAX_RESCHEDULES, MAX_BOOKINGS_PER_WEEK,
// MAX_CANCELS_PER_WEEK, BOOKING_OPEN_TO, BOOKING_WINDOW_DAYS and
// BOOKING_CONTACT. tz is the parsed HUB_TIMEZONE.
func parseOfficeHoursEnv(getenv func(string) string, hub string, tz *time.Location) (officehours.Config, error) {
	cfg := officehours.Config{Hub: hub, TZ: tz, Contact: getenv("BOOKING_CONTACT")}
	number := func(name string, min, max int) (int, bool, error) {
		s := getenv(name)
		if s == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			return 0, false, fmt.Errorf("%s=%q: want a whole number from %d to %d", name, s, min, max)
		}
		return n, true, nil
	}
	n, ok, err := number("MAX_UPCOMING_BOOKINGS", 1, 100)
	if err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxUpcoming = n
	}
	if n, ok, err = number("MAX_RESCHEDULES", 0, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxReschedules = n
		if n == 0 {
			cfg.Rules.MaxReschedules = -1 // none, not the default
		}
	}
	if n, ok, err = number("MAX_BOOKINGS_PER_WEEK", 1, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxBookingsPerWeek = n
	}
	if n, ok, err = number("MAX_CANCELS_PER_WEEK", 1, 100); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.MaxCancelsPerWeek = n
	}
	if n, ok, err = number("BOOKING_WINDOW_DAYS", 1, 365); err != nil {
		return cfg, err
	}
	if ok {
		cfg.Rules.Window = time.Duration(n) * 24 * time.Hour
	}
	if s := getenv("CANCEL_CUTOFF"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("CANCEL_CUTOFF=%q: want a duration such as 12h", s)
		}
		cfg.Rules.CancelCutoff = d
	}
	if s := getenv("BOOKING_OPEN_TO"); s != "" {
		a := officehours.Audience(strings.ToLower(s))
		if a != officehours.OpenToApplicants && a != officehours.OpenToAccepted && a != officehours.OpenToAnyone {
			return cfg, fmt.Errorf("BOOKING_OPEN_TO=%q: want applicants, accepted or anyone", s)
		}
		cfg.OpenTo = a
	}
	return cfg, nil
}

// loadPrograms reads and validates the programs file; a problem is one
// line naming its place in the file.
func loadPrograms(path string, tz *time.Location) (*application.Programs, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("PROGRAMS_FILE: %v", err)
	}
	ps, err := application.ParsePrograms(path, data, tz)
	if err != nil {
		return nil, usagef("PROGRAMS_FILE %v", err)
	}
	return ps, nil
}

// checkPrograms is -check-programs: it validates the file (in the hub's
// time zone) and says what it holds, without starting anything.
func checkPrograms(path string, get func(string) (string, error), stdout io.Writer) error {
	name, _ := get("HUB_TIMEZONE")
	tz, err := time.LoadLocation(name)
	if err != nil {
		return usagef("HUB_TIMEZONE=%q: not a known time zone (for example Africa/Casablanca)", name)
	}
	ps, err := loadPrograms(path, tz)
	if err != nil {
		return err
	}
	for _, p := range ps.List {
		fmt.Fprintf(stdout, "%s (%s)\n", p.ID, p.Name["en"])
		for _, c := range p.Calls {
			fmt.Fprintf(stdout, "  %s: %s to %s, %d questions\n", c.ID, c.Opens.Format("2006-01-02 15:04"),
				c.Closes.Format("2006-01-02 15:04"), len(c.Questions))
		}
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return errHelp
}
