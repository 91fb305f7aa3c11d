package input

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hostVerdict classifies a host name for Email and Link.
type hostVerdict int

const (
	hostOK    hostVerdict = iota
	hostBad               // not a host name at all
	hostNoTLD             // a host name whose last label is no top-level domain
)

// checkHost judges a lower-cased host name: labels of 1 to 63 letters,
// digits and inner hyphens, non-ASCII letters allowed so that IDNs typed in
// their own script pass (golang.org/x/net/idna is not a dependency, so they
// are not converted to punycode), and a top-level domain of at least two
// letters or an "xn--" punycode label. IP addresses are refused: founders
// share names, and an address is more likely a typo or a trick.
func checkHost(h string) hostVerdict {
	if h == "" || len(h) > 253 || h[0] == '.' || strings.Contains(h, "..") {
		return hostBad
	}
	labels := strings.Split(h, ".")
	last := len(labels) - 1
	if labels[last] == "" {
		// "gmail." is more likely a missing TLD than anything else.
		if !validLabels(labels[:last]) {
			return hostBad
		}
		return hostNoTLD
	}
	if !validLabels(labels) {
		return hostBad
	}
	if last == 0 || !isTLD(labels[last]) {
		return hostNoTLD
	}
	return hostOK
}

// validLabels reports whether every label is a well-formed DNS label.
func validLabels(labels []string) bool {
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		if first, _ := utf8.DecodeRuneInString(l); unicode.IsMark(first) {
			return false // an accent needs a letter to sit on
		}
		for _, r := range l {
			if !isLabelRune(r) {
				return false
			}
		}
	}
	return true
}

func isLabelRune(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// isTLD accepts letters-only labels ("ma", "com", "المغرب") and punycode.
func isTLD(l string) bool {
	if rest, ok := strings.CutPrefix(l, "xn--"); ok {
		return rest != "" && strings.IndexFunc(rest, func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-')
		}) < 0
	}
	n := 0
	for _, r := range l {
		// Marks are part of letters in scripts such as Devanagari (".भारत").
		if !unicode.IsLetter(r) && !(n > 0 && unicode.IsMark(r)) {
			return false
		}
		n++
	}
	return n >= 2
}
