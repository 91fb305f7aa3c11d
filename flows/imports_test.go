package flows_test

import (
	"os/exec"
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
