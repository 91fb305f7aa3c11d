package flows

import (
	"embed"
	"fmt"
	"html"
	"io/fs"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Languages founderbot speaks, the first being the fallback of last resort.
var Languages = []string{"fr", "en", "ar"}

// Catalog holds the translated messages. Message texts are Telegram HTML;
// values a founder typed must go through Catalog.Value before they are
// put into a message.
type Catalog struct {
	def  string
	locs map[string]*i18n.Localizer
}

// NewCatalog loads the embedded catalogs; def is the language used when a
// founder's language is unknown or unsupported.
func NewCatalog(def string) (*Catalog, error) {
	if !Supported(def) {
		return nil, fmt.Errorf("default language %q: want one of %s", def, strings.Join(Languages, ", "))
	}
	b := i18n.NewBundle(language.MustParse(def))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	// locales/<lang>.toml holds founders' messages; locales/staff.<lang>.toml staff's.
	files, _ := fs.Glob(localeFiles, "locales/*.toml")
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(localeFiles, f); err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", f, err)
		}
	}
	c := &Catalog{def: def, locs: map[string]*i18n.Localizer{}}
	for _, l := range Languages {
		c.locs[l] = i18n.NewLocalizer(b, l)
	}
	return c, nil
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
