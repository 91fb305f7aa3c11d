package input

import "testing"

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Énergie & CleanTech", "energie cleantech"},
		{"energie cleantech", "energie cleantech"},
		{"  ÉNERGIE  &  CLEANTECH ", "energie cleantech"},
		{"Prototype / MVP", "prototype mvp"},
		{"MVP", "mvp"},
		{"Santé", "sante"},
		{"E-commerce", "e commerce"},
		{"L'Afrique", "lafrique"},
		{"L’Afrique", "lafrique"},
		{"Straße", "strasse"},
		{"ﬁntech", "fintech"},
		{"ＦｉｎＴｅｃｈ", "fintech"},
		{"℡", "tel"},
		{"İstanbul", "istanbul"},
		{"Ac\u200bme\u202e", "acme"},
		{"🚀 Tech!", "tech"},
		{"Smart Cities (Villes)", "smart cities villes"},
		{"الطَّاقَة", "الطاقة"},
		{"الطـــاقة", "الطاقة"},
		{"أفريقيا", "افريقيا"},
		{"إفريقيا", "افريقيا"},
		{"المرحلة ٣", "المرحلة 3"},
		{"&", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := Fold(tt.in)
		if got != tt.want {
			t.Errorf("Fold(%+q) = %+q; want %+q", tt.in, got, tt.want)
		}
		if again := Fold(got); again != got {
			t.Errorf("Fold(%+q) = %+q; want idempotent %+q", got, again, got)
		}
	}
}

func TestFoldMatchesButtonLabels(t *testing.T) {
	pairs := []struct{ typed, label string }{
		{"energie cleantech", "Énergie & CleanTech"},
		{"SANTE", "Santé"},
		{"fintech", "FinTech"},
		{"الطاقة", "الطَّاقَة"},
	}
	for _, p := range pairs {
		if Fold(p.typed) != Fold(p.label) {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want equal", p.typed, Fold(p.typed), p.label, Fold(p.label))
		}
	}
	if Fold("MVP") == Fold("Prototype / MVP") {
		t.Errorf("Fold(%q) == Fold(%q); want different (no partial matching)", "MVP", "Prototype / MVP")
	}
}
