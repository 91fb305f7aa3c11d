package application

import (
	"fmt"
	"strings"
	"testing"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/catalogtest"
)

// TestCatalogs checks the application's messages: every one the form,
// the review and the reminders ask for, in every language and form.
func TestCatalogs(t *testing.T) {
	used := catalogtest.Scan(t, ".", catalogtest.CallPattern)
	for _, q := range DefaultPrograms().List[0].Calls[0].Questions {
		used["q_"+q.ID], used["f_"+q.ID] = true, true
		for _, ch := range q.options() {
			used[q.ID+"_"+ch] = true
		}
	}
	used["opt_yes"], used["opt_no"] = true, true
	used["draft_nudge"] = true
	for i := range deadlineBefore {
		used[fmt.Sprint("deadline_nudge_", i)] = true
	}
	for _, s := range []flows.Status{flows.StatusSubmitted, flows.StatusShortlisted, flows.StatusAccepted,
		flows.StatusRejected, flows.StatusInfoRequested} {
		used["status_"+string(s)] = true
		if s != flows.StatusSubmitted {
			used["decision_"+string(s)] = true
		}
	}
	// The commands' descriptions and menu labels, which the Engine builds.
	for _, c := range (&Form{}).Conversation().Commands {
		used["cmd_"+c.Name] = true
		if c.Menu {
			used["btn_"+c.Name] = true
		}
	}
	catalogtest.Check(t, catalogtest.Catalog{
		Own:     Messages(),
		Uses:    []flows.Messages{flows.GeneralMessages()},
		Used:    used,
		MinUsed: 80,
		Data: []any{"Hub", "StartGate", "Name", "Salma", "ID", "A-7F3K", "Status", "ok",
			"Startup", "Acme", "Date", "2026-11-25", "Total", 10, "N", 3, "Value", "v", "Label", "L",
			"Min", 2, "Max", 80, "Note", "n", "NextSteps", "s",
			"Program", "Incubation", "Description", "d", "Required", "Incubation"},
		Plain:        plainLabel,
		PlainRefuses: "<>",
	})
}

// plainLabel tells the messages that are button labels or command
// descriptions: plain text.
func plainLabel(id string) bool {
	for _, p := range []string{"btn_", "stage_", "f_", "cmd_", "opt_"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}
