package input

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold returns a key for matching typed text against button labels: two
// texts match when their keys are equal. The key is case-folded, without
// diacritics (Latin accents, Arabic harakat and hamza seats), with
// compatibility forms unified (ligatures, full-width letters), Arabic-Indic
// digits as ASCII, apostrophes and the Arabic tatweel dropped, any other
// punctuation or symbol ("&", "/", "-", emoji) read as a space, and spaces
// collapsed. So "energie cleantech" matches "Énergie & CleanTech"; there is
// no partial or fuzzy matching.
func Fold(s string) string {
	// A Transformer is stateful, so each call builds its own chain rather
	// than sharing a package-level one between goroutines.
	// Decomposing both before folding ("℡" hides "TEL") and after (folding
	// "İ" yields "i" and a combining dot) keeps Fold idempotent.
	t := transform.Chain(
		norm.NFKD,
		cases.Fold(),
		norm.NFKD,
		runes.Remove(runes.In(unicode.Mn)),
		norm.NFC,
	)
	folded, _, err := transform.String(t, clean(s))
	if err != nil {
		// Clean output is valid UTF-8, and these transformers fail only
		// on resource limits; keep matching possible without them.
		folded = strings.ToLower(clean(s))
	}
	var b strings.Builder
	b.Grow(len(folded))
	space := false
	for _, r := range asciiDigits(folded) {
		switch {
		case r == '\'' || r == '\u2019' || r == '\u02BC' || r == '\u0640':
			// "d'Or" and "d’Or" match "dor"; tatweel only stretches a word.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}
