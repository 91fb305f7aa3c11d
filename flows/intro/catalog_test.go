package intro

import (
	"strings"
	"testing"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/catalogtest"
)

// TestCatalogs checks the introductions' messages (locales/*.toml): every
// one the code asks for, in every language, rendered.
func TestCatalogs(t *testing.T) {
	used := catalogtest.Scan(t, ".", catalogtest.CallPattern)
	catalogtest.Add(used, "cmd_intro", "btn_intro", "intro_contact_not_now", "intro_contact_declined", "intro_expired",
		"intro_c_answered_accept", "intro_c_answered_not_now", "intro_c_answered_decline", "intro_c_ask", "intro_c_remind")
	for _, tag := range flows.FunctionalTags {
		used["intro_tag_"+tag] = true
	}
	for _, k := range flows.ContactKinds {
		used["intro_kind_"+k] = true
	}
	for _, st := range []State{StateRequested, StateApproved, StateIntroduced, StateStaffDeclined, StateNotNow, StateDeclined, StateExpired, StateWithdrawn} {
		used["intro_state_"+string(st)] = true
	}
	for _, m := range []Met{MetYes, MetNotYet, MetNo} {
		used["intro_btn_met_"+string(m)] = true
	}
	catalogtest.Check(t, catalogtest.Catalog{
		Own:      Messages(),
		Uses:     []flows.Messages{flows.GeneralMessages()},
		Used:     used,
		MinUsed:  40,
		NoPlural: true,
		Data: []any{"Hub", "StartGate", "Max", 2, "Min", 20, "Count", 3, "Kind", "k", "Topic", "t", "Contact", "Karim",
			"Bio", "b", "Languages", "fr", "Blurb", "x", "Startup", "s", "Sector", "Fintech", "Pitch", "p", "Reason", "r",
			"Note", "n", "Address", "a@b.ma", "Contacts", "c", "State", "s", "Date", "2026-12-03", "Founder", "Salma", "Telegram", "@salma"},
		Plain: func(id string) bool {
			for _, p := range []string{"btn_", "cmd_", "intro_btn_", "intro_kind_", "intro_tag_", "intro_c_btn_"} {
				if strings.HasPrefix(id, p) {
					return true
				}
			}
			return false
		},
	})
}
