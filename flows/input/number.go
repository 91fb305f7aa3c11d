package input

import (
	"errors"
	"strconv"
	"strings"
)

// Phone checks an international phone number and returns it in E.164 form
// ("+212612345678": 8 to 15 digits after "+", the first not 0).
//
// Accepted: a "+" or "00" prefix; spaces, dots, dashes and parentheses
// between digits; Arabic-Indic and Eastern Arabic-Indic digits; the "(0)"
// trunk-prefix notation ("+33 (0)6 12 34 56 78"); and a trunk 0 kept after
// the country code of Morocco, Algeria, Tunisia, France or Belgium
// ("+212 0612345678"), where national numbers never start with 0 (so
// "+33 00 ..." is BadPhone).
//
// A number without a prefix ("0612345678", or "612345678" with enough digits)
// is PhoneNoCountry: the country cannot be guessed. Anything else is BadPhone.
func Phone(s string) (e164 string, p Problem) {
	s = asciiDigits(clean(s))
	if s == "" {
		return "", Empty
	}
	if len(s) > 64 {
		return "", BadPhone
	}
	intl := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "(+")
	if intl || strings.HasPrefix(s, "00") {
		s = strings.Replace(s, "(0)", "", 1)
	}
	digits, ok := phoneDigits(s)
	if !ok || digits == "" {
		return "", BadPhone
	}
	switch {
	case intl:
	case strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	case len(digits) >= 6 && len(digits) <= 15:
		return "", PhoneNoCountry
	default:
		return "", BadPhone
	}
	digits, ok = dropTrunkZero(digits)
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", BadPhone
	}
	return "+" + digits, OK
}

// phoneDigits returns the digits of a number written with separators, and
// false when it holds anything else: letters, a "+" not in front, nested or
// unbalanced parentheses.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	open := false
	for i, r := range s {
		switch {
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		case r == '+':
			if b.Len() > 0 || strings.TrimLeft(s[:i], "(") != "" {
				return "", false
			}
		case r == '(':
			if open {
				return "", false
			}
			open = true
		case r == ')':
			if !open {
				return "", false
			}
			open = false
		case r == ' ', r == '.', r == '-', '\u2010' <= r && r <= '\u2015':
			// Hyphens and dashes of every width: numbers are often pasted
			// from word processors.
		default:
			return "", false
		}
	}
	return b.String(), !open
}

// dropTrunkZero removes the national trunk 0 that people keep after a
// country code, for countries where no number starts with 0 after the
// country code (Italy, for one, keeps it), and reports false when such a
// number still starts with 0 after that.
func dropTrunkZero(digits string) (string, bool) {
	for _, cc := range []string{"212", "213", "216", "33", "32"} {
		if rest, ok := strings.CutPrefix(digits, cc); ok {
			rest = strings.TrimPrefix(rest, "0")
			return cc + rest, !strings.HasPrefix(rest, "0")
		}
	}
	return digits, true
}

// Count parses a whole number in [min, max]: ASCII, Arabic-Indic (٠-٩) or
// Eastern Arabic-Indic (۰-۹) digits with an optional sign. Decimals, words
// and digit groups ("12.5", "ten", "1 000") are NotNumber; a whole number
// outside the range, however large, is OutOfRange. n is the parsed value
// when the text is a number that fits an int, 0 otherwise.
func Count(s string, min, max int) (n int, p Problem) {
	s = asciiDigits(clean(s))
	if s == "" {
		return 0, Empty
	}
	// U+2212 is the typographic minus that some keyboards produce.
	s = strings.Replace(s, "\u2212", "-", 1)
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || len(s)-len(digits) > 1 || strings.IndexFunc(digits, func(r rune) bool {
		return r < '0' || r > '9'
	}) >= 0 {
		return 0, NotNumber
	}
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) {
		return 0, OutOfRange
	}
	if err != nil {
		return 0, NotNumber
	}
	if n < min || n > max {
		return n, OutOfRange
	}
	return n, OK
}
