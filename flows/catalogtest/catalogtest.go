// Package catalogtest checks a package's message catalogs, the same way
// for every package that has its own (the Engine's, each conversation's,
// the staff side's): every file has the same messages in every language;
// every message the code asks for exists in every language; every
// message is used; every message renders in every language and plural
// form, with well-formed markup.
package catalogtest

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/startgate/founderbot/flows"
)

// Catalog describes one package's catalogs for Check.
type Catalog struct {
	Own flows.Messages // the package's files
	// Uses are the catalogs whose messages the package's code may ask
	// for too (the general messages, a conversation's labels).
	Uses []flows.Messages
	// Used are the message IDs the package's code asks for (see Scan),
	// those it builds at run time included.
	Used map[string]bool
	// UsedElsewhere are IDs of Own that other packages ask for; they
	// count as used, and are not looked for in Uses.
	UsedElsewhere map[string]bool
	// MinUsed is how many IDs the scan must at least find, lest a broken
	// scan pass for a clean catalog.
	MinUsed int
	// Data are sample values for every template of Own.
	Data []any
	// Plain tells the messages that are plain text (button labels,
	// command descriptions, file names): they may hold none of the
	// characters of PlainRefuses (default "<>&": no markup at all).
	Plain        func(id string) bool
	PlainRefuses string
	// Markup checks the other messages as rendered; nil: TelegramHTML.
	Markup func(s string) error
	// NoPlural refuses plural forms in Own: the code asks for none.
	NoPlural bool
}

// Check runs every check on c.
func Check(t *testing.T, c Catalog) {
	t.Helper()
	if len(c.Used) < c.MinUsed {
		t.Fatalf("found only %d message IDs in the code; the scan is broken", len(c.Used))
	}
	own := Keys(t, c.Own)
	sameKeys(t, c.Own.Name, own)
	ref := own[flows.Languages[0]]
	var uses []map[string]bool
	for _, u := range c.Uses {
		uses = append(uses, Keys(t, u)[flows.Languages[0]])
	}
	for _, lang := range flows.Languages {
		var missing, unused []string
		for id := range c.Used {
			if _, ok := own[lang][id]; ok {
				continue
			}
			if !slices.ContainsFunc(uses, func(u map[string]bool) bool { _, ok := u[id]; return ok }) {
				missing = append(missing, id)
			}
		}
		for id := range own[lang] {
			if !c.Used[id] && !c.UsedElsewhere[id] {
				unused = append(unused, id)
			}
			for i, u := range uses {
				if _, clash := u[id]; clash {
					t.Errorf("%s %s: %s is in %s's catalog too", c.Own.Name, lang, id, c.Uses[i].Name)
				}
			}
		}
		slices.Sort(missing)
		slices.Sort(unused)
		if len(missing) > 0 {
			t.Errorf("%s %s catalog lacks %v", c.Own.Name, lang, missing)
		}
		if len(unused) > 0 {
			t.Errorf("%s %s catalog has messages nothing uses: %v", c.Own.Name, lang, unused)
		}
	}
	if c.NoPlural {
		var plural []string
		for id, p := range ref {
			if p {
				plural = append(plural, id)
			}
		}
		if len(plural) > 0 {
			t.Errorf("%s: %v have plural forms, which no code asks for", c.Own.Name, plural)
		}
	}
	render(t, c, own)
}

// render renders every message of Own with the sample values in every
// language and plural form.
func render(t *testing.T, c Catalog, own map[string]map[string]bool) {
	t.Helper()
	cat, err := flows.NewCatalog("fr", append([]flows.Messages{c.Own}, c.Uses...)...)
	if err != nil {
		t.Fatal(err)
	}
	markup := c.Markup
	if markup == nil {
		markup = TelegramHTML
	}
	for _, lang := range flows.Languages {
		for id, plural := range own[lang] {
			counts := []int{-1}
			if plural {
				counts = []int{0, 1, 2, 3, 11, 100}
			}
			for _, n := range counts {
				s := cat.T(lang, id, c.Data...)
				if n >= 0 {
					s = cat.N(lang, id, n, c.Data...)
				}
				if s == id || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s %s (n=%d) renders as %q", lang, id, n, s)
				}
				if c.Plain != nil && c.Plain(id) {
					if strings.ContainsAny(s, cmp.Or(c.PlainRefuses, "<>&")) {
						t.Errorf("%s %s is plain text but has markup: %q", lang, id, s)
					}
					continue
				}
				if err := markup(s); err != nil {
					t.Errorf("%s %s: %v in %q", lang, id, err, s)
				}
			}
		}
	}
}

// sameKeys: every file has the same messages in every language, with
// plural forms in all or in none.
func sameKeys(t *testing.T, name string, byLang map[string]map[string]bool) {
	t.Helper()
	ref := byLang[flows.Languages[0]]
	for _, lang := range flows.Languages[1:] {
		keys := byLang[lang]
		for id, plural := range ref {
			if p, ok := keys[id]; !ok {
				t.Errorf("%s %s lacks %s", name, lang, id)
			} else if p != plural {
				t.Errorf("%s %s: %s has plural forms in one language only", name, lang, id)
			}
		}
		for id := range keys {
			if _, ok := ref[id]; !ok {
				t.Errorf("%s %s has %s, which %s lacks", name, lang, id, flows.Languages[0])
			}
		}
	}
}

// Keys maps each language to the message IDs of m's files in it, each
// to whether it has plural forms. A message in two files of one
// language, or a file of no language, is an error.
func Keys(t *testing.T, m flows.Messages) map[string]map[string]bool {
	t.Helper()
	files, _ := fs.Glob(m.Files, "locales/*.toml")
	if len(files) == 0 {
		t.Fatalf("%s: no locales/*.toml", m.Name)
	}
	out := map[string]map[string]bool{}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".toml")
		lang := base[strings.LastIndexByte(base, '.')+1:]
		if !flows.Supported(lang) {
			t.Errorf("%s: %s is in no language of %v", m.Name, f, flows.Languages)
			continue
		}
		var msgs map[string]any
		if _, err := toml.DecodeFS(m.Files, f, &msgs); err != nil {
			t.Fatalf("%s: %s: %v", m.Name, f, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]bool{}
		}
		for id, v := range msgs {
			if _, dup := out[lang][id]; dup {
				t.Errorf("%s: %s repeats %s", m.Name, f, id)
			}
			_, plural := v.(map[string]any)
			out[lang][id] = plural
		}
	}
	for _, lang := range flows.Languages {
		if out[lang] == nil {
			t.Errorf("%s: no file in %s", m.Name, lang)
		}
	}
	return out
}

// CallPattern finds the IDs a package asks a catalog for in the usual
// ways: t.T("id", …), t.N("id", …), cat.T(lang, "id", …), s.t("id").
var CallPattern = regexp.MustCompile(`(?:\.(?:t|T|N|tr)\((?:[a-zA-Z.()]+, )?|Resolve\([^)]*\), )"([a-z_0-9]+)"[,)]`)

// Scan lists the IDs the patterns' first groups match in the non-test
// Go files of dir.
func Scan(t *testing.T, dir string, patterns ...*regexp.Regexp) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	ids := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				ids[m[1]] = true
			}
		}
	}
	return ids
}

// Add puts ids into set and returns it.
func Add(set map[string]bool, ids ...string) map[string]bool {
	if set == nil {
		set = map[string]bool{}
	}
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// Union is the IDs of all the sets.
func Union(sets ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

// TelegramHTML accepts the tags founders' messages use, balanced, and &
// only in entities.
func TelegramHTML(s string) error {
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			m := htmlTag.FindStringSubmatch(s[i:])
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
			if !htmlEntity.MatchString(s[i:]) {
				return fmt.Errorf("stray & at %d", i)
			}
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unclosed <%s>", open[len(open)-1])
	}
	return nil
}

var (
	htmlTag    = regexp.MustCompile(`^<(/?)(b|i|code)>`)
	htmlEntity = regexp.MustCompile(`^&(lt|gt|amp|quot|#\d+);`)
)
