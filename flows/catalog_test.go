package flows

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/startgate/founderbot/flows/input"
)

// catalogKeys maps each message ID of a catalog file ("fr", "staff.fr")
// to whether it has plural forms.
func catalogKeys(t *testing.T, file string) map[string]bool {
	t.Helper()
	var m map[string]any
	if _, err := toml.DecodeFS(localeFiles, "locales/"+file+".toml", &m); err != nil {
		t.Fatalf("%s catalog: %v", file, err)
	}
	keys := map[string]bool{}
	for k, v := range m {
		_, plural := v.(map[string]any)
		keys[k] = plural
	}
	return keys
}

// TestCatalogsSameKeys: every catalog file has the same messages in every language.
func TestCatalogsSameKeys(t *testing.T) {
	prefixes := []string{""}
	files, _ := fs.Glob(localeFiles, "locales/*."+Languages[0]+".toml")
	for _, f := range files {
		prefixes = append(prefixes, strings.TrimSuffix(strings.TrimPrefix(f, "locales/"), Languages[0]+".toml"))
	}
	if len(prefixes) < 3 {
		t.Fatalf("catalog files: %v", prefixes)
	}
	for _, prefix := range prefixes {
		ref := catalogKeys(t, prefix+Languages[0])
		for _, lang := range Languages[1:] {
			keys := catalogKeys(t, prefix+lang)
			for id, plural := range ref {
				if p, ok := keys[id]; !ok {
					t.Errorf("%s%s lacks %s", prefix, lang, id)
				} else if p != plural {
					t.Errorf("%s%s: %s has plural forms in one language only", prefix, lang, id)
				}
			}
			for id := range keys {
				if _, ok := ref[id]; !ok {
					t.Errorf("%s%s has %s, which %s%s lacks", prefix, lang, id, prefix, Languages[0])
				}
			}
		}
	}
}

// usedIDs lists every message ID the code can ask for: literal IDs found in
// the package's source, and the IDs it builds from the form's tables.
func usedIDs(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile(`(?:\.(?:t|T|N)\((?:[a-zA-Z.]+, )?|Resolve\([^)]*\), )"([a-z_]+)"[,)]`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			ids[m[1]] = true
		}
	}
	for _, f := range applyFields {
		ids["q_"+f.key], ids["f_"+f.key] = true, true
		for _, ch := range f.choices {
			ids[f.key+"_"+ch] = true
		}
	}
	ids["draft_nudge"] = true
	for i := range deadlineBefore {
		ids[fmt.Sprint("deadline_nudge_", i)] = true
	}
	for p := input.OK + 1; p <= input.URLScheme; p++ {
		ids["err_"+p.String()] = true
	}
	for _, s := range []Status{StatusSubmitted, StatusShortlisted, StatusAccepted, StatusRejected, StatusInfoRequested} {
		ids["status_"+string(s)] = true
		if s != StatusSubmitted {
			ids["decision_"+string(s)] = true
		}
	}
	for _, c := range (&Engine{cat: &Catalog{}}).commandNames() {
		ids["cmd_"+c] = true
	}
	return ids
}

func TestCatalogsComplete(t *testing.T) {
	used := usedIDs(t)
	if len(used) < 80 {
		t.Fatalf("found only %d message IDs in the code; the scan is broken", len(used))
	}
	used["console_banner"] = true // asked for by bot/console
	for _, lang := range Languages {
		checkIDs(t, lang, used, catalogKeys(t, lang))
	}
}

// TestCatalogsRender renders every message with sample values in every
// language and plural form: no template error, no missing value, and
// Telegram HTML that is well formed.
func TestCatalogsRender(t *testing.T) {
	cat, err := NewCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	data := []any{"Hub", "StartGate", "Name", "Salma", "Command", "x", "ID", "A-7F3K", "Status", "ok",
		"Startup", "Acme", "Date", "2026-11-25", "Total", 10, "N", 3, "Value", "v", "Label", "L",
		"Min", 2, "Max", 80, "Suggestion", "a@gmail.com", "Note", "n", "NextSteps", "s",
		"New", 1, "Answered", 2, "Waiting", 3, "OnFounders", 4, "Sector", "Mobility",
		"When", "Thu 10:00", "Mentor", "Karim", "Founder", "Acme"}
	var files []string
	for _, lang := range Languages {
		files = append(files, lang)
		if _, err := localeFiles.Open("locales/staff." + lang + ".toml"); err == nil {
			files = append(files, "staff."+lang)
		}
	}
	for _, file := range files {
		lang := file[strings.LastIndex(file, ".")+1:]
		for id, plural := range catalogKeys(t, file) {
			counts := []int{-1}
			if plural {
				counts = []int{0, 1, 2, 3, 11, 100}
			}
			for _, n := range counts {
				s := cat.T(lang, id, data...)
				if n >= 0 {
					s = cat.N(lang, id, n, data...)
				}
				if s == id || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s %s (n=%d) renders as %q", lang, id, n, s)
				}
				if plainLabel(id) {
					continue
				}
				if err := checkHTML(s); err != nil {
					t.Errorf("%s %s: %v in %q", lang, id, err, s)
				}
			}
		}
	}
}

// checkHTML accepts the tags flows uses, balanced, and & only in entities.
func checkHTML(s string) error {
	tag := regexp.MustCompile(`^<(/?)(b|i|code)>`)
	ent := regexp.MustCompile(`^&(lt|gt|amp|quot|#\d+);`)
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			m := tag.FindStringSubmatch(s[i:])
			if m == nil {
				return fmt.Errorf("stray < at %d", i)
			}
			if m[1] == "" {
				open = append(open, m[2])
			} else if len(open) == 0 || open[len(open)-1] != m[2] {
				return fmt.Errorf("unbalanced </%s>", m[2])
			} else {
				open = open[:len(open)-1]
			}
		case '&':
			if !ent.MatchString(s[i:]) {
				return fmt.Errorf("stray & at %d", i)
			}
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unclosed <%s>", open[len(open)-1])
	}
	return nil
}

// plainLabel tells the messages that are button labels or command
// descriptions: plain text, where "&" is just "&".
func plainLabel(id string) bool {
	for _, p := range []string{"btn_", "sector_", "stage_", "f_", "cmd_", "language_name"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// checkIDs reports the IDs the code uses that file lacks, and those file
// has that nothing uses.
func checkIDs(t *testing.T, file string, used, keys map[string]bool) {
	t.Helper()
	var missing, unused []string
	for id := range used {
		if _, ok := keys[id]; !ok {
			missing = append(missing, id)
		}
	}
	for id := range keys {
		if !used[id] {
			unused = append(unused, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	if len(missing) > 0 {
		t.Errorf("%s catalog lacks %v", file, missing)
	}
	if len(unused) > 0 {
		t.Errorf("%s catalog has messages nothing uses: %v", file, unused)
	}
}
