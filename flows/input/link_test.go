package input

import (
	"strings"
	"testing"
)

func TestLink(t *testing.T) {
	long := "https://acme.ma/" + strings.Repeat("a", maxLinkRunes-len("https://acme.ma/"))
	tests := []struct {
		in, want string
		p        Problem
	}{
		{"https://acme.ma", "https://acme.ma", OK},
		{"http://acme.ma/", "http://acme.ma/", OK},
		{"acme.ma/deck", "https://acme.ma/deck", OK},
		{"www.acme.ma", "https://www.acme.ma", OK},
		{"//acme.ma/x", "https://acme.ma/x", OK},
		{"HTTPS://ACME.MA/Deck.pdf", "https://acme.ma/Deck.pdf", OK},
		{"http://acme.ma:8080/x?y=1#z", "http://acme.ma:8080/x?y=1#z", OK},
		{"acme.ma:8080", "https://acme.ma:8080", OK},
		{"https://docs.google.com/presentation/d/1aB/edit?usp=sharing",
			"https://docs.google.com/presentation/d/1aB/edit?usp=sharing", OK},
		{"  https://acme.ma/deck \n", "https://acme.ma/deck", OK},
		{"acme\u200b.ma\u200e", "https://acme.ma", OK},
		{"https://شركة.المغرب/عرض", "https://شركة.المغرب/عرض", OK},
		{"https://Société.fr", "https://société.fr", OK},
		{"https://xn--mgbh0fb.xn--mgbc0a9azcg", "https://xn--mgbh0fb.xn--mgbc0a9azcg", OK},
		{"https://acme.ma/a%20b", "https://acme.ma/a%20b", OK},
		{long, long, OK},

		{"ftp://acme.ma/deck", "", URLScheme},
		{"javascript:alert(1)", "", URLScheme},
		{"JavaScript:alert(1)", "", URLScheme},
		{"mailto:ali@acme.ma", "", URLScheme},
		{"data:text/html,hi", "", URLScheme},
		{"tel:+212612345678", "", URLScheme},
		{"file:///etc/passwd", "", URLScheme},

		{"acme", "", BadURL},
		{"just some words", "", BadURL},
		{"localhost:3000", "", BadURL},
		{"http://localhost/", "", BadURL},
		{"https://192.168.1.1/", "", BadURL},
		{"http://[::1]/", "", BadURL},
		{"http:acme.ma", "", BadURL},
		{"https://", "", BadURL},
		{"https:///acme.ma", "", BadURL},
		{"https://user:pw@acme.ma", "", BadURL},
		{"ali@acme.ma", "", BadURL},
		{"acme .ma", "", BadURL},
		{"https://acme.ma/<script>", "", BadURL},
		{`https://acme.ma\@evil.com`, "", BadURL},
		{"https://acme.ma/\"x\"", "", BadURL},
		{"https://acme.ma:99999", "", BadURL},
		{"https://acme.ma:0", "", BadURL},
		{"https://acme.ma:+80", "", BadURL},
		{"https://acme.ma:", "", BadURL},
		{"https://-acme.ma", "", BadURL},
		{"https://ac_me.ma", "", BadURL},
		{"https://acme.m4", "", BadURL},
		{"https://acme.ma.", "", BadURL},
		{"https://%61cme.ma", "", BadURL},
		{"https://acme.ma/%zz", "", BadURL},

		{"https://acme.ma/" + strings.Repeat("a", maxLinkRunes), "", TooLong},
		// Fits as typed, but not once https:// is added.
		{"acme.ma/" + strings.Repeat("a", maxLinkRunes-len("acme.ma/")), "", TooLong},

		{"", "", Empty},
		{"\u200b \u2066", "", Empty},
	}
	for _, tt := range tests {
		got, p := Link(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("Link(%+q) = %+q, %v; want %+q, %v", tt.in, got, p, tt.want, tt.p)
		}
	}
}
