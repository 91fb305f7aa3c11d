package flows

import (
	"embed"
	"fmt"
	"html"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Messages are a package's message catalogs: the files
// locales/<lang>.toml or locales/<name>.<lang>.toml of Files, for each
// of Languages.
type Messages struct {
	Name  string // the package, for errors
	Files fs.FS
}

// GeneralMessages are the Engine's own messages (welcome, help, language,
// errors) and those several conversations share (buttons, input problems).
func GeneralMessages() Messages { return Messages{Name: "flows", Files: localeFiles} }

// Languages founderbot speaks, the first being the fallback of last resort.
var Languages = []string{"fr", "en", "ar"}

// Catalog holds the translated messages. Message texts are Telegram HTML;
// values a founder typed must go through Catalog.Value before they are
// put into a message.
type Catalog struct {
	def    string
	bundle *i18n.Bundle
	locs   map[string]*i18n.Localizer
	owner  map[string]string // "<lang> <id>" → the file that defines it
	loaded map[string]bool   // Messages.Name
}

// NewCatalog loads the general messages and those of each package given
// (the staff side's, conversations' ahead of their registration); def is
// the language used when a founder's language is unknown or unsupported.
func NewCatalog(def string, packages ...Messages) (*Catalog, error) {
	if !Supported(def) {
		return nil, fmt.Errorf("default language %q: want one of %s", def, strings.Join(Languages, ", "))
	}
	b := i18n.NewBundle(language.MustParse(def))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{def: def, bundle: b, locs: map[string]*i18n.Localizer{}, owner: map[string]string{}, loaded: map[string]bool{}}
	for _, l := range Languages {
		c.locs[l] = i18n.NewLocalizer(b, l)
	}
	for _, p := range append([]Messages{GeneralMessages()}, packages...) {
		if err := c.Add(p); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Add loads a package's messages, all or none: a message ID that a file
// of the same language already defines is an error. A package added
// twice (by name) is loaded once. Add at start-up, before the catalog
// renders anything (Engine.Register calls it).
func (c *Catalog) Add(p Messages) error {
	if c.loaded[p.Name] {
		return nil
	}
	files, _ := fs.Glob(p.Files, "locales/*.toml")
	if len(files) == 0 {
		return fmt.Errorf("catalog of %s: no locales/*.toml", p.Name)
	}
	claims := map[string]string{}
	for _, f := range files {
		if err := c.claim(p.Files, f, p.Name+":"+f, claims); err != nil {
			return err
		}
	}
	for _, f := range files {
		if _, err := c.bundle.LoadMessageFileFS(p.Files, f); err != nil {
			return fmt.Errorf("load catalog %s:%s: %w", p.Name, f, err)
		}
	}
	maps.Copy(c.owner, claims)
	c.loaded[p.Name] = true
	return nil
}

// claim records in claims which file defines each message of file f,
// and refuses a message another file of the same language defines.
func (c *Catalog) claim(fsys fs.FS, f, name string, claims map[string]string) error {
	var m map[string]any
	if _, err := toml.DecodeFS(fsys, f, &m); err != nil {
		return fmt.Errorf("load catalog %s: %w", name, err)
	}
	base := strings.TrimSuffix(path.Base(f), ".toml")
	lang := base[strings.LastIndexByte(base, '.')+1:]
	for id := range m {
		key := lang + " " + id
		other, dup := c.owner[key]
		if !dup {
			other, dup = claims[key]
		}
		if dup {
			return fmt.Errorf("load catalog %s: message %s is already in %s", name, id, other)
		}
		claims[key] = name
	}
	return nil
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Default is the hub's default language.
func (c *Catalog) Default() string { return c.def }

// Resolve picks the language to speak: the founder's choice, else a
// transport hint such as Telegram's "fr-FR" when supported, else the default.
func (c *Catalog) Resolve(chosen, hint string) string {
	if Supported(chosen) {
		return chosen
	}
	base, _, _ := strings.Cut(strings.ToLower(hint), "-")
	if Supported(base) {
		return base
	}
	return c.def
}

// T renders message id in lang. data is alternating keys and values.
// A missing message renders as its id, which the catalog tests catch.
func (c *Catalog) T(lang, id string, data ...any) string {
	return c.render(lang, id, nil, data)
}

// N renders a message with plural forms chosen by n, also available as {{.Count}}.
func (c *Catalog) N(lang, id string, n int, data ...any) string {
	return c.render(lang, id, n, append(data, "Count", n))
}

func (c *Catalog) render(lang, id string, count any, data []any) string {
	loc, ok := c.locs[lang]
	if !ok {
		loc = c.locs[c.def]
	}
	var td map[string]any
	if len(data) > 0 {
		td = make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			td[data[i].(string)] = data[i+1]
		}
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Value escapes text a founder typed for a message, and in Arabic isolates
// it with FSI…PDI so Latin names do not scramble the right-to-left line.
func (c *Catalog) Value(lang, s string) string {
	s = html.EscapeString(s)
	if lang == "ar" {
		return "\u2068" + s + "\u2069"
	}
	return s
}
