package input

import (
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	tests := []struct {
		in, addr, suggestion string
		p                    Problem
	}{
		{"ali@acme.ma", "ali@acme.ma", "", OK},
		{"  Ali.Benali@ACME.MA \n", "Ali.Benali@acme.ma", "", OK},
		{"ali+bot@startgate.ma", "ali+bot@startgate.ma", "", OK},
		{"ali\u200b@acme.ma\u200e", "ali@acme.ma", "", OK},
		{"élodie@exemple.fr", "élodie@exemple.fr", "", OK},
		{"ÉLODIE@Exemple.FR", "ÉLODIE@exemple.fr", "", OK},
		{"سعيد@مثال.المغرب", "سعيد@مثال.المغرب", "", OK},
		{"ali@example.xn--mgbc0a9azcg", "ali@example.xn--mgbc0a9azcg", "", OK},
		{"ali@mail.acme.co.ma", "ali@mail.acme.co.ma", "", OK},
		{strings.Repeat("a", 64) + "@acme.ma", strings.Repeat("a", 64) + "@acme.ma", "", OK},

		// Real provider domains are not typos.
		{"ali@gmail.com", "ali@gmail.com", "", OK},
		{"ali@hotmail.fr", "ali@hotmail.fr", "", OK},
		{"ali@yahoo.fr", "ali@yahoo.fr", "", OK},
		{"ali@outlook.fr", "ali@outlook.fr", "", OK},
		{"ali@menara.ma", "ali@menara.ma", "", OK},
		{"ali@hotmail.co.uk", "ali@hotmail.co.uk", "", OK},
		{"ali@live.fr", "ali@live.fr", "", OK},
		{"ali@gmail.fr", "ali@gmail.fr", "", OK},

		{"ali@gmial.com", "ali@gmial.com", "ali@gmail.com", EmailTypo},
		{"ali@gmail.con", "ali@gmail.con", "ali@gmail.com", EmailTypo},
		{"Ali@GMAIL.CO", "Ali@gmail.co", "Ali@gmail.com", EmailTypo},
		{"ali@hotmial.com", "ali@hotmial.com", "ali@hotmail.com", EmailTypo},
		{"ali@hotmal.fr", "ali@hotmal.fr", "ali@hotmail.fr", EmailTypo},
		{"ali@yaho.fr", "ali@yaho.fr", "ali@yahoo.fr", EmailTypo},
		{"ali@outlok.com", "ali@outlok.com", "ali@outlook.com", EmailTypo},
		{"ali@iclod.com", "ali@iclod.com", "ali@icloud.com", EmailTypo},

		{"ali@gmail", "", "ali@gmail.com", EmailNoTLD},
		{"ali@gmail.c0m", "", "ali@gmail.com", EmailNoTLD},
		{"ali@gmail.com.", "", "ali@gmail.com", EmailNoTLD},
		{"ali@hotmail", "", "", EmailNoTLD}, // .com or .fr: no guess
		{"ali@acme", "", "", EmailNoTLD},
		{"ali@acme.m", "", "", EmailNoTLD},
		{"ali@acme.ma.", "", "", EmailNoTLD},
		{"ali@1.2.3.4", "", "", EmailNoTLD},

		{"Ali <ali@acme.ma>", "", "", BadEmail},
		{"<ali@acme.ma>", "", "", BadEmail},
		{"mailto:ali@acme.ma", "", "", BadEmail},
		{"ali", "", "", BadEmail},
		{"ali@", "", "", BadEmail},
		{"@acme.ma", "", "", BadEmail},
		{"ali@@acme.ma", "", "", BadEmail},
		{"ali@acme@acme.ma", "", "", BadEmail},
		{"ali @acme.ma", "", "", BadEmail},
		{"ali@acme .ma", "", "", BadEmail},
		{"ali..b@acme.ma", "", "", BadEmail},
		{".ali@acme.ma", "", "", BadEmail},
		{"ali.@acme.ma", "", "", BadEmail},
		{"ali@acme..ma", "", "", BadEmail},
		{"ali@.acme.ma", "", "", BadEmail},
		{"ali@-acme.ma", "", "", BadEmail},
		{"ali@acme-.ma", "", "", BadEmail},
		{"ali@ac_me.ma", "", "", BadEmail},
		{"ali@[192.0.2.1]", "", "", BadEmail},
		{`"ali"@acme.ma`, "", "", BadEmail},
		{"ali(x)@acme.ma", "", "", BadEmail},
		{"ali🚀@acme.ma", "", "", BadEmail},
		{"ali@🚀.ma", "", "", BadEmail},
		{strings.Repeat("a", 65) + "@acme.ma", "", "", BadEmail},
		{"ali@" + strings.Repeat("a", 64) + ".ma", "", "", BadEmail},

		{"", "", "", Empty},
		{" \u200b\n ", "", "", Empty},
	}
	for _, tt := range tests {
		addr, sug, p := Email(tt.in)
		if addr != tt.addr || sug != tt.suggestion || p != tt.p {
			t.Errorf("Email(%+q) = %+q, %+q, %v; want %+q, %+q, %v",
				tt.in, addr, sug, p, tt.addr, tt.suggestion, tt.p)
		}
	}
}

// TestEmailTypoSuggestionsAreValid keeps the typo table honest: every
// correction must itself be accepted without a further suggestion.
func TestEmailTypoSuggestionsAreValid(t *testing.T) {
	for _, typo := range []string{"gmial.com", "gmail.co", "hotmail.con", "hotmai.fr",
		"yhaoo.com", "yahooo.fr", "outlook.co", "oulook.fr", "icloud.con"} {
		_, sug, p := Email("a@" + typo)
		if p != EmailTypo {
			t.Errorf("Email(%q) problem = %v; want %v", "a@"+typo, p, EmailTypo)
			continue
		}
		if addr, again, p := Email(sug); addr != sug || again != "" || p != OK {
			t.Errorf("Email(%q) = %q, %q, %v; want %q, \"\", ok", sug, addr, again, p, sug)
		}
	}
}
