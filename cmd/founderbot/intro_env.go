package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows/intro"
)

// parseIntroEnv reads the introductions' settings: MAX_PENDING_INTROS,
// INTRO_OPEN_TO, INTRO_CONTACT_TIMEOUT and INTRO_FOLLOWUP_AFTER (Go
// durations; a number of days such as 7d is accepted too).
func parseIntroEnv(getenv func(string) string, hub string, tz *time.Location) (intro.Config, error) {
	cfg := intro.Config{Hub: hub, TZ: tz}
	if s := getenv("MAX_PENDING_INTROS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 20 {
			return cfg, fmt.Errorf("MAX_PENDING_INTROS=%q: want a whole number from 1 to 20", s)
		}
		cfg.MaxPending = n
	}
	if s := getenv("INTRO_OPEN_TO"); s != "" {
		a := intro.Audience(strings.ToLower(s))
		if a != intro.OpenToApplicants && a != intro.OpenToAccepted && a != intro.OpenToAnyone {
			return cfg, fmt.Errorf("INTRO_OPEN_TO=%q: want applicants, accepted or anyone", s)
		}
		cfg.OpenTo = a
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"INTRO_CONTACT_TIMEOUT", &cfg.ContactTimeout}, {"INTRO_FOLLOWUP_AFTER", &cfg.FollowupAfter}} {
		s := getenv(d.name)
		if s == "" {
			continue
		}
		v, err := parseDays(s)
		if err != nil || v < time.Hour || v > 90*24*time.Hour {
			return cfg, fmt.Errorf("%s=%q: want a duration from 1h to 90 days, such as 72h or 7d", d.name, s)
		}
		*d.dst = v
	}
	return cfg, nil
}

// parseDays reads a Go duration, or a whole number of days ("7d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
