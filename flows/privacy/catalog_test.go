package privacy

import (
	"regexp"
	"strings"
	"testing"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/catalogtest"
)

// TestCatalogs checks the privacy messages (locales/*.toml): every one
// the code asks for, in every language, rendered.
func TestCatalogs(t *testing.T) {
	used := catalogtest.Scan(t, ".", catalogtest.CallPattern, regexp.MustCompile(`"(privacy_[a-z0-9_]*[a-z0-9])"`))
	catalogtest.Add(used, "cmd_mydata", "cmd_forgetme")
	catalogtest.Check(t, catalogtest.Catalog{
		Own:      Messages(),
		Uses:     []flows.Messages{flows.GeneralMessages()},
		Used:     used,
		MinUsed:  8,
		NoPlural: true,
		Plain: func(id string) bool {
			return strings.HasPrefix(id, "privacy_btn_") || strings.HasPrefix(id, "cmd_")
		},
	})
}
