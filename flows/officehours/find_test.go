package officehours

import (
	"errors"
	"slices"
	"testing"

	"github.com/startgate/founderbot/flows"
)

// TestMatchMentors: what staff type to name a contact — the whole name,
// a unique first name, a unique prefix, a Slack user — and an ambiguous
// one finds every match.
func TestMatchMentors(t *testing.T) {
	ms := []flows.Mentor{
		{ID: "karim-benali", Name: "Karim Benali", SlackUser: "UKARIM"},
		{ID: "karima-idrissi", Name: "Karima Idrissi"},
		{ID: "nadia-el-amrani", Name: "Nadia El Amrani"},
		{ID: "leila", Name: "Léila Bennani"},
	}
	ids := func(l []flows.Mentor) []string {
		var out []string
		for _, m := range l {
			out = append(out, string(m.ID))
		}
		return out
	}
	for _, tc := range []struct {
		ref, slack string
		want       []string
	}{
		{"karim benali", "", []string{"karim-benali"}},
		{"Karim", "", []string{"karim-benali"}}, // a first name beats a prefix of Karima
		{"nad", "", []string{"nadia-el-amrani"}},
		{"leila", "", []string{"leila"}}, // accents aside
		{"kar", "", []string{"karim-benali", "karima-idrissi"}},
		{"<@UKARIM>", "UKARIM", []string{"karim-benali"}},
		{"k", "", nil}, // one letter is no prefix
		{"omar", "", nil},
	} {
		if got := ids(matchMentors(ms, tc.ref, tc.slack)); !slices.Equal(got, tc.want) {
			t.Errorf("matchMentors(%q) = %v; want %v", tc.ref, got, tc.want)
		}
	}
	err := error(&AmbiguousError{Ref: "kar", Matches: ms[:2]})
	if !errors.Is(err, flows.ErrAmbiguousMentor) {
		t.Errorf("%v is not ErrAmbiguousMentor", err)
	}
}

// TestContactAddress: the contact for introductions is an e-mail address
// or a link, as flows/input reads them.
func TestContactAddress(t *testing.T) {
	for in, want := range map[string]string{"Karim@Seed.ma": "Karim@seed.ma", "nadia.vc/intro": "https://nadia.vc/intro"} {
		if got, err := contactAddress(in); err != nil || got != want {
			t.Errorf("contactAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"karim@", "javascript:alert(1)", "not an address"} {
		if _, err := contactAddress(bad); err == nil {
			t.Errorf("contactAddress(%q) accepted", bad)
		}
	}
}
