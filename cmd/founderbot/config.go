package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
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
}

// errUsage marks a configuration error: one line, exit status 2.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &errUsage{fmt.Sprintf(format, args...)} }

// errHelp is returned after -help printed the settings.
var errHelp = errors.New("help shown")

func loadConfig(args []string, getenv func(string) string, stdout io.Writer) (*config, error) {
	fs := flag.NewFlagSet("founderbot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
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
