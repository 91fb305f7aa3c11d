package main

import (
	"testing"
	"time"

	"github.com/startgate/founderbot/flows/intro"
)

func TestParseIntroEnv(t *testing.T) {
	cfg, err := parseIntroEnv(env(map[string]string{"MAX_PENDING_INTROS": "3", "INTRO_OPEN_TO": "Anyone",
		"INTRO_CONTACT_TIMEOUT": "48h", "INTRO_FOLLOWUP_AFTER": "10d"}), "Hub", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPending != 3 || cfg.OpenTo != intro.OpenToAnyone || cfg.ContactTimeout != 48*time.Hour || cfg.FollowupAfter != 240*time.Hour {
		t.Errorf("got %+v", cfg)
	}
	for _, bad := range []map[string]string{{"MAX_PENDING_INTROS": "0"}, {"INTRO_OPEN_TO": "staff"},
		{"INTRO_CONTACT_TIMEOUT": "5m"}, {"INTRO_FOLLOWUP_AFTER": "soon"}} {
		if _, err := parseIntroEnv(env(bad), "Hub", time.UTC); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	def, err := parseIntroEnv(env(nil), "Hub", time.UTC)
	if err != nil || def.MaxPending != 0 || def.OpenTo != "" {
		t.Errorf("defaults: %+v, %v; want zero values (intro.New fills them)", def, err)
	}
}
