package flows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/catalogtest"
	"github.com/startgate/founderbot/flows/input"
)

// TestCatalogs checks the general messages: the Engine's own, and those
// the conversations share (buttons, input problems, sectors).
func TestCatalogs(t *testing.T) {
	used := catalogtest.Scan(t, ".", catalogtest.CallPattern)
	// Built at run time: the menu's labels and the commands' descriptions.
	for _, c := range []string{"start", "language", "cancel", "help"} {
		used["cmd_"+c] = true
	}
	catalogtest.Add(used, "btn_language", "btn_help")
	// Asked for elsewhere: by the conversations (flows/*/), which build
	// the input problems' IDs and name the sectors, and by bot/console.
	elsewhere := catalogtest.Add(nil, "console_banner")
	dirs, _ := filepath.Glob("*")
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && d != "testdata" && d != "locales" {
			elsewhere = catalogtest.Union(elsewhere, catalogtest.Scan(t, d, catalogtest.CallPattern))
		}
	}
	for p := input.OK + 1; p <= input.URLScheme; p++ {
		elsewhere["err_"+p.String()] = true
	}
	for _, s := range flows.Sectors {
		elsewhere["sector_"+s] = true
	}
	catalogtest.Check(t, catalogtest.Catalog{
		Own:           flows.GeneralMessages(),
		Used:          used,
		UsedElsewhere: elsewhere,
		MinUsed:       15,
		Data: []any{"Hub", "StartGate", "Name", "Salma", "Command", "x", "Min", 2, "Max", 80,
			"Suggestion", "a@gmail.com"},
		Plain:        plainLabel,
		PlainRefuses: "<>", // "R&D" is a fine label
	})
}

// plainLabel tells the messages that are button labels or command
// descriptions: plain text.
func plainLabel(id string) bool {
	for _, p := range []string{"btn_", "sector_", "cmd_", "language_name"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}
