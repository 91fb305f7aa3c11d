package flows_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportDirection keeps the dependency arrow pointing inward: flows
// knows no transport and no database; transports do not know the store.
func TestImportDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	forbidden := map[string][]string{
		"github.com/startgate/founderbot/flows/...":    {"github.com/go-telegram/bot", "github.com/slack-go/slack", "github.com/redis/go-redis", "github.com/alicebob/miniredis", "github.com/startgate/founderbot/store", "github.com/startgate/founderbot/bot"},
		"github.com/startgate/founderbot/bot/telegram": {"github.com/startgate/founderbot/store", "github.com/redis/go-redis", "github.com/slack-go/slack"},
		"github.com/startgate/founderbot/bot/slack":    {"github.com/startgate/founderbot/store", "github.com/redis/go-redis", "github.com/go-telegram/bot"},
		"github.com/startgate/founderbot/bot/console":  {"github.com/startgate/founderbot/store", "github.com/redis/go-redis"},
		"github.com/startgate/founderbot/store":        {"github.com/startgate/founderbot/bot", "github.com/go-telegram/bot", "github.com/slack-go/slack"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if dep == b || strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		}
	}
}

// TestConversationImports keeps conversations apart: a conversation
// package (every package under flows/ but input and the test helpers)
// imports, of this module, only the flows package and flows/input; never
// another conversation, a transport or the store. Data one needs of
// another comes through interfaces the flows package defines or the
// conversation declares, wired in cmd/founderbot.
func TestConversationImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	const mod = "github.com/startgate/founderbot/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", mod+"flows/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := []string{mod + "flows", mod + "flows/input"}
	convs := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		if pkg == mod+"flows" {
			for _, imp := range imports {
				if strings.HasPrefix(imp, mod+"flows/") && imp != mod+"flows/input" {
					t.Errorf("the flows package imports %s; conversations register on it instead", imp)
				}
			}
			continue
		}
		if pkg == mod+"flows/input" || strings.HasSuffix(pkg, "test") {
			continue
		}
		convs++
		for _, imp := range imports {
			if strings.HasPrefix(imp, mod) && !slices.Contains(allowed, imp) {
				t.Errorf("conversation %s imports %s; want only %v", pkg, imp, allowed)
			}
		}
	}
	if convs < 2 {
		t.Errorf("found %d conversation packages; the listing is broken", convs)
	}
}
