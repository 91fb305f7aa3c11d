package input

import "testing"

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		p        Problem
	}{
		{"+212612345678", "+212612345678", OK},
		{"+212 6 12 34 56 78", "+212612345678", OK},
		{"+212-612-345-678", "+212612345678", OK},
		{"+212.612.345.678", "+212612345678", OK},
		{"(+212) 612 345 678", "+212612345678", OK},
		{"00212 612 345 678", "+212612345678", OK},
		{"+212 0612345678", "+212612345678", OK}, // trunk 0 kept by habit
		{"+33 (0)6 12 34 56 78", "+33612345678", OK},
		{"0033 6 12 34 56 78", "+33612345678", OK},
		{"+33 6–12–34–56–78", "+33612345678", OK}, // en dashes
		{"+39 06 1234 5678", "+390612345678", OK}, // Italy keeps its 0
		{"+1 (415) 555-2671", "+14155552671", OK},
		{"+٢١٢٦١٢٣٤٥٦٧٨", "+212612345678", OK},
		{"+۲۱۲ ۶۱۲ ۳۴۵ ۶۷۸", "+212612345678", OK},
		{"\u200e+212 612 345 678\u200f", "+212612345678", OK},
		{"+12345678", "+12345678", OK},
		{"+123456789012345", "+123456789012345", OK},

		{"0612345678", "", PhoneNoCountry},
		{"06 12 34 56 78", "", PhoneNoCountry},
		{"٠٦١٢٣٤٥٦٧٨", "", PhoneNoCountry},
		{"612345678", "", PhoneNoCountry},
		{"212612345678", "", PhoneNoCountry},

		{"+1234567", "", BadPhone},
		{"+1234567890123456", "", BadPhone},
		{"+0612345678", "", BadPhone},
		{"+33 00 00 00 00 00", "", BadPhone}, // found by FuzzPhone
		{"+212 00612345678", "", BadPhone},
		{"+00212612345678", "", BadPhone},
		{"12345", "", BadPhone},
		{"6+12345678", "", BadPhone},
		{"++212612345678", "", BadPhone},
		{"+212 (6 12 34 56 78", "", BadPhone},
		{"+212 6) 12 34 56 78", "", BadPhone},
		{"+212 ((6)) 12 34 56 78", "", BadPhone},
		{"+212 6 12 34 56 78 (mobile)", "", BadPhone},
		{"tel: +212612345678", "", BadPhone},
		{"+212/612/345/678", "", BadPhone},
		{"+", "", BadPhone},
		{"- -", "", BadPhone},
		{"ali@acme.ma", "", BadPhone},

		{"", "", Empty},
		{"\u200b", "", Empty},
	}
	for _, tt := range tests {
		got, p := Phone(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("Phone(%+q) = %q, %v; want %q, %v", tt.in, got, p, tt.want, tt.p)
		}
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		want     int
		p        Problem
	}{
		{"12", 0, 100, 12, OK},
		{" 7 ", 1, 10, 7, OK},
		{"007", 0, 10, 7, OK},
		{"0", 0, 10, 0, OK},
		{"+5", 0, 10, 5, OK},
		{"١٢", 0, 100, 12, OK},
		{"۱۲", 0, 100, 12, OK},
		{"1٢", 0, 100, 12, OK},
		{"\u200f١٢\u200f", 0, 100, 12, OK},
		{"-3", -5, 5, -3, OK},
		{"\u22123", -5, 5, -3, OK},

		{"-3", 0, 100, -3, OutOfRange},
		{"101", 0, 100, 101, OutOfRange},
		{"0", 1, 100, 0, OutOfRange},
		{"99999999999999999999999", 0, 100, 0, OutOfRange},

		{"12.5", 0, 100, 0, NotNumber},
		{"12,5", 0, 100, 0, NotNumber},
		{"١٢٫٥", 0, 100, 0, NotNumber},
		{"ten", 0, 100, 0, NotNumber},
		{"dix", 0, 100, 0, NotNumber},
		{"عشرة", 0, 100, 0, NotNumber},
		{"1 000", 0, 10000, 0, NotNumber},
		{"5 founders", 0, 100, 0, NotNumber},
		{"--5", -10, 10, 0, NotNumber},
		{"+-5", -10, 10, 0, NotNumber},
		{"5-", -10, 10, 0, NotNumber},
		{"-", 0, 10, 0, NotNumber},
		{"1e3", 0, 10000, 0, NotNumber},
		{"0x10", 0, 100, 0, NotNumber},

		{"", 0, 10, 0, Empty},
		{"  ", 0, 10, 0, Empty},
	}
	for _, tt := range tests {
		n, p := Count(tt.in, tt.min, tt.max)
		if n != tt.want || p != tt.p {
			t.Errorf("Count(%+q, %d, %d) = %d, %v; want %d, %v", tt.in, tt.min, tt.max, n, p, tt.want, tt.p)
		}
	}
}
