package input

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var cleanTests = []struct {
	name string
	in   string
	max  int
	want string
}{
	{"plain", "Acme", 100, "Acme"},
	{"zero width and bidi override", "Ac\u200bme\u202e", 100, "Acme"},
	{"bom and word joiner", "\ufeffAc\u2060me", 100, "Acme"},
	{"zero width joiners", "A\u200cc\u200dme", 100, "Acme"},
	{"soft hyphen", "Start\u00adGate", 100, "StartGate"},
	{"bidi isolates", "\u2066Acme\u2069 \u2067SARL\u2069", 100, "Acme SARL"},
	{"bidi embeddings", "\u202aAcme\u202c \u202bSA\u202c \u202dx\u202c", 100, "Acme SA x"},
	{"arabic with marks", "\u200eشركة\u200f ناشئة\u200f", 100, "شركة ناشئة"},
	{"arabic harakat kept", "مَرْحَبًا", 100, "مَرْحَبًا"},
	{"newlines and tabs", "  Acme\r\n\tSARL \n", 100, "Acme SARL"},
	{"no-break spaces", "Start\u00a0Gate\u202f:\u3000ok", 100, "Start Gate : ok"},
	{"line separator", "a\u2028b\u2029c\u0085d", 100, "a b c d"},
	{"other controls dropped", "a\x00b\x1bc\x7f", 100, "abc"},
	{"invalid utf-8 dropped", "a\xffb\xc3", 100, "ab"},
	{"nfc", "e\u0301cole", 100, "école"},
	{"nfc across removed zero width", "e\u200b\u0301t\u00e9", 100, "été"},
	{"french", "  Société   Générale  ", 100, "Société Générale"},
	{"only invisible", " \u200b\u200e\t\n\ufeff ", 100, ""},
	{"empty", "", 100, ""},
	{"cut", "abcdef", 3, "abc"},
	{"cut leaves no trailing space", "ab cd", 3, "ab"},
	{"cut counts composed runes", "e\u0301e\u0301e\u0301", 2, "éé"},
	{"cut arabic", "شركة ناشئة", 4, "شركة"},
	{"cut emoji", "🚀🚀🚀", 2, "🚀🚀"},
	{"cut after cleaning", "\u200b\u200b\u200babc", 2, "ab"},
	{"exact length", "abc", 3, "abc"},
	// NFC expands U+0958 to two runes, and norm inserts U+034F into runs of
	// more than 30 combining marks: cuts must still be fixed points.
	{"nfc expands", "\u0958\u0958", 3, "\u0915\u093c\u0915"},
	{"stream-safe run", "a" + strings.Repeat("\u0301", 40), 100, "á" + strings.Repeat("\u0301", 29) + "\u034f" + strings.Repeat("\u0301", 10)},
	{"zero max", "abc", 0, ""},
	{"negative max", "abc", -1, ""},
}

func TestClean(t *testing.T) {
	for _, tt := range cleanTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Clean(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Clean(%+q, %d) = %+q; want %+q", tt.in, tt.max, got, tt.want)
			}
			if again := Clean(got, tt.max); again != got {
				t.Errorf("Clean(%+q, %d) = %+q; want idempotent %+q", got, tt.max, again, got)
			}
		})
	}
}

func TestCleanIdempotentAtEveryLength(t *testing.T) {
	for _, tt := range cleanTests {
		for n := 1; n <= utf8.RuneCountInString(tt.in)+1; n++ {
			once := Clean(tt.in, n)
			if twice := Clean(once, n); twice != once {
				t.Errorf("Clean(Clean(%+q, %d)) = %+q; want %+q", tt.in, n, twice, once)
			}
			if c := utf8.RuneCountInString(once); c > n {
				t.Errorf("Clean(%+q, %d) has %d runes; want at most %d", tt.in, n, c, n)
			}
		}
	}
}

// TestNFCAddsNothingCleanRemoves backs the assumption in clean that
// normalizing after filtering cannot bring back what the filter removed.
func TestNFCAddsNothingCleanRemoves(t *testing.T) {
	removed := func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if removed(r) || (r >= 0xD800 && r <= 0xDFFF) {
			continue
		}
		if d := norm.NFD.String(string(r)); strings.ContainsFunc(d, removed) {
			t.Errorf("NFD(%U) = %+q; contains a rune clean removes", r, d)
		}
	}
}

func TestLength(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		want     Problem
	}{
		{"Acme", 2, 80, OK},
		{"", 2, 80, Empty},
		{"", 0, 80, OK},
		{"A", 2, 80, TooShort},
		{"Acme", 2, 3, TooLong},
		{"شركة", 4, 4, OK},  // runes, not bytes
		{"école", 5, 5, OK}, // NFC counts é once
		{"🚀", 1, 1, OK},
	}
	for _, tt := range tests {
		if got := Length(tt.in, tt.min, tt.max); got != tt.want {
			t.Errorf("Length(%q, %d, %d) = %v; want %v", tt.in, tt.min, tt.max, got, tt.want)
		}
	}
}

func TestProblemString(t *testing.T) {
	want := map[Problem]string{
		OK: "ok", Empty: "empty", TooShort: "too_short", TooLong: "too_long",
		BadEmail: "bad_email", EmailNoTLD: "email_no_tld", EmailTypo: "email_typo",
		BadPhone: "bad_phone", PhoneNoCountry: "phone_no_country", NotNumber: "not_number",
		OutOfRange: "out_of_range", BadURL: "bad_url", URLScheme: "url_scheme",
		Problem(99): "problem_99",
	}
	for p, w := range want {
		if got := p.String(); got != w {
			t.Errorf("Problem(%d).String() = %q; want %q", int(p), got, w)
		}
	}
}

func BenchmarkClean(b *testing.B) {
	inputs := map[string]string{
		"ascii":   "  Acme SARL builds   solar panels\tfor rural schools in Morocco.  ",
		"french":  "Société Générale d'Énergie — « prix : 12 € »\u00a0!",
		"arabic":  "\u200eشركة ناشئة\u200f تعمل في مجال الطاقة المتجددة",
		"hostile": strings.Repeat("a\u200b\u202e\u0301 ", 200),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Clean(in, 500)
			}
		})
	}
}
