package input

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Seeds shared by the fuzzers: typical, foreign-script and hostile inputs.
var fuzzSeeds = []string{
	"", " ", "Acme", "Ac\u200bme\u202e", "e\u200b\u0301", "شركة ناشئة", "١٢", "۱۲",
	"ali@acme.ma", "Ali <ali@x.ma>", "ali@gmial.com", "ali@gmail.c0m", "سعيد@مثال.المغرب",
	"+212 6 12 34 56 78", "0612345678", "+33 (0)6 12 34 56 78", "+٢١٢٦١٢٣٤٥٦٧٨",
	"acme.ma/deck", "https://شركة.المغرب/عرض", "javascript:alert(1)", "acme.ma:8080",
	"-3", "12.5", "\xff\xfe", "a\u0301\u0301\u0301\u0301", "\u0958\u0958\u0958",
}

func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 3)
		f.Add(s, 100)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n %= 1000 // keep cut points within reach of the inputs
		got := Clean(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%+q, %d) = %+q; invalid UTF-8", s, n, got)
		}
		if c := utf8.RuneCountInString(got); c > max(n, 0) {
			t.Fatalf("Clean(%+q, %d) = %+q, %d runes; want at most %d", s, n, got, c, n)
		}
		if again := Clean(got, n); again != got {
			t.Fatalf("Clean(%+q, %d) = %+q; Clean of that = %+q", s, n, got, again)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Clean(%+q, %d) = %+q; not NFC", s, n, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("Clean(%+q, %d) = %+q; untrimmed or doubled space", s, n, got)
		}
		if i := strings.IndexFunc(got, func(r rune) bool {
			return r != ' ' && unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
		}); i >= 0 {
			t.Fatalf("Clean(%+q, %d) = %+q; kept %U", s, n, got, []rune(got[i:])[0])
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, sug, p := Email(s)
		if !utf8.ValidString(addr) || !utf8.ValidString(sug) {
			t.Fatalf("Email(%+q) = %+q, %+q; invalid UTF-8", s, addr, sug)
		}
		switch p {
		case OK:
			if a, sg, p2 := Email(addr); a != addr || sg != "" || p2 != OK {
				t.Fatalf("Email(%+q) = %+q ok; Email of that = %+q, %+q, %v", s, addr, a, sg, p2)
			}
		case EmailTypo:
			if a, sg, p2 := Email(addr); a != addr || sg != sug || p2 != EmailTypo {
				t.Fatalf("Email(%+q) = %+q typo; Email of that = %+q, %+q, %v", s, addr, a, sg, p2)
			}
			if a, _, p2 := Email(sug); a != sug || p2 != OK {
				t.Fatalf("Email(%+q) suggests %+q; Email of that = %+q, %v", s, sug, a, p2)
			}
		default:
			if addr != "" {
				t.Fatalf("Email(%+q) = %+q, %v; want no address with a problem", s, addr, p)
			}
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzPhone(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := Phone(s)
		if p != OK {
			if got != "" {
				t.Fatalf("Phone(%+q) = %q, %v; want no number with a problem", s, got, p)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("Phone(%+q) = %q; not E.164", s, got)
		}
		if again, p2 := Phone(got); again != got || p2 != OK {
			t.Fatalf("Phone(%+q) = %q; Phone of that = %q, %v", s, got, again, p2)
		}
	})
}

func FuzzCount(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 0, 100)
	}
	f.Add("-9223372036854775808", -1<<63, 0)
	f.Fuzz(func(t *testing.T, s string, lo, hi int) {
		n, p := Count(s, lo, hi)
		switch p {
		case OK:
			if n < lo || n > hi {
				t.Fatalf("Count(%+q, %d, %d) = %d ok; outside range", s, lo, hi, n)
			}
			if again, p2 := Count(strconv.Itoa(n), lo, hi); again != n || p2 != OK {
				t.Fatalf("Count(%+q, %d, %d) = %d; Count of that = %d, %v", s, lo, hi, n, again, p2)
			}
		case Empty, NotNumber, OutOfRange:
		default:
			t.Fatalf("Count(%+q, %d, %d) = %d, %v; unexpected problem", s, lo, hi, n, p)
		}
	})
}

func FuzzLink(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := Link(s)
		if p != OK {
			if got != "" {
				t.Fatalf("Link(%+q) = %+q, %v; want no link with a problem", s, got, p)
			}
			return
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxLinkRunes {
			t.Fatalf("Link(%+q) = %+q; invalid UTF-8 or too long", s, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("Link(%+q) = %+q; url.Parse: %v", s, got, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("Link(%+q) = %+q; scheme %q, host %q, user %v", s, got, u.Scheme, u.Hostname(), u.User)
		}
		if again, p2 := Link(got); again != got || p2 != OK {
			t.Fatalf("Link(%+q) = %+q; Link of that = %+q, %v", s, got, again, p2)
		}
	})
}

func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%+q) = %+q; invalid UTF-8", s, got)
		}
		if again := Fold(got); again != got {
			t.Fatalf("Fold(%+q) = %+q; Fold of that = %+q", s, got, again)
		}
	})
}
