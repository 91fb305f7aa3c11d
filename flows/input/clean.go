package input

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Clean normalizes typed text before validation: it drops invalid UTF-8,
// turns white space (including newlines, tabs and no-break spaces) into
// spaces, removes other control characters (Cc) and every format character
// (Cf: zero-width space and joiners, BOM, word joiner, bidi marks, embeddings,
// overrides and isolates, soft hyphen), applies Unicode NFC, collapses runs of
// spaces, trims, and cuts the result to at most maxRunes runes without
// splitting a rune or leaving a trailing space. A maxRunes below 1 yields "".
//
// Clean is idempotent: Clean(Clean(s, n), n) == Clean(s, n).
func Clean(s string, maxRunes int) string {
	if maxRunes < 1 {
		return ""
	}
	return truncate(clean(s), maxRunes)
}

// Length checks the length in runes of a value that went through Clean.
// An empty value is Empty unless min allows it (min < 1).
func Length(s string, min, max int) Problem {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		return Empty
	case n < min:
		return TooShort
	case n > max:
		return TooLong
	}
	return OK
}

// clean is Clean without the length cut, for validators that must see the
// whole value before deciding it is too long.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is owed before the next kept rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r < utf8.RuneSelf && r > ' ' && r != 0x7f:
			// Printable ASCII, most of what founders type: skip the
			// Unicode table lookups below.
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(byte(r))
		case r == utf8.RuneError && size == 1:
			// Invalid byte: dropped rather than replaced, so that pasted
			// binary junk does not turn into visible question marks.
		case unicode.IsSpace(r):
			space = true
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
			// Invisible characters are dropped without becoming a space,
			// so "Ac\u200bme" reads "Acme".
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	// Normalizing after filtering matters: a removed zero-width character
	// may have kept a letter and its accent apart. Canonical decompositions
	// never produce white space, controls or format characters (see
	// TestNFCAddsNothingCleanRemoves), so the filtered text stays filtered.
	return norm.NFC.String(b.String())
}

// truncate cuts a cleaned string to at most n runes. The prefix of an NFC
// string is usually NFC; when it is not, the cut moves back to the last
// normalization boundary so that Clean stays idempotent.
func truncate(s string, n int) string {
	cut, count := 0, 0
	for cut < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
		count++
	}
	if cut == len(s) {
		return s
	}
	p := s[:cut]
	if !norm.NFC.IsNormalString(p) {
		if lb := norm.NFC.LastBoundary([]byte(p)); lb >= 0 {
			p = p[:lb]
		} else {
			p = ""
		}
	}
	return strings.TrimRight(p, " ")
}

// asciiDigits rewrites Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹)
// digits as ASCII, the forms founders in Morocco and the Middle East type.
func asciiDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return arabicDigit(r) >= 0 }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if d := arabicDigit(r); d >= 0 {
			return '0' + d
		}
		return r
	}, s)
}

// arabicDigit returns the value of an Arabic-Indic digit, or -1.
func arabicDigit(r rune) rune {
	switch {
	case r >= '\u0660' && r <= '\u0669':
		return r - '\u0660'
	case r >= '\u06F0' && r <= '\u06F9':
		return r - '\u06F0'
	}
	return -1
}
