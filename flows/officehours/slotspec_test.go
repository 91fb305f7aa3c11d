package officehours_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// casablanca is the hub time zone of the slot syntax tests.
var casablanca, _ = time.LoadLocation("Africa/Casablanca")

func TestParseSlotsAdd(t *testing.T) {
	at := func(y int, mo time.Month, d, h, m int) time.Time { return time.Date(y, mo, d, h, m, 0, 0, casablanca) }
	for _, tc := range []struct {
		args       string
		mentor     string
		start, end time.Time
		n          int
		place      flows.Place
	}{
		{"Karim Benali 2026-12-03 14:00-17:00 every 30", "Karim Benali", at(2026, 12, 3, 14, 0), at(2026, 12, 3, 17, 0), 6, flows.Place{}},
		{"karim 2026-12-03 14:00-15:00 online https://meet.example.com/abc", "karim", at(2026, 12, 3, 14, 0), at(2026, 12, 3, 15, 0), 1,
			flows.Place{Link: "https://meet.example.com/abc"}},
		{"karim 2026-12-03 9h-10h30 room Salle  Atlas", "karim", at(2026, 12, 3, 9, 0), at(2026, 12, 3, 10, 30), 1, flows.Place{Room: "Salle Atlas"}},
		{"karim 03/12/2026 14:00 – 14:45 EVERY 15min", "karim", at(2026, 12, 3, 14, 0), at(2026, 12, 3, 14, 45), 3, flows.Place{}},
		{"<@U024BE7LH> 2026-12-03 23:00-24:00", "<@U024BE7LH>", at(2026, 12, 3, 23, 0), at(2026, 12, 4, 0, 0), 1, flows.Place{}},
		{"karim 2026-12-03 14:00-17:00 every 40", "karim", at(2026, 12, 3, 14, 0), at(2026, 12, 3, 17, 0), 4, flows.Place{}},
		// Ramadan 2026: Morocco is on UTC+0 from 15 February 03:00 (back to
		// 02:00) to 22 March 02:00 (on to 03:00).
		{"karim 2026-02-15 03:30-04:00", "karim", time.Date(2026, 2, 15, 3, 30, 0, 0, time.UTC), time.Date(2026, 2, 15, 4, 0, 0, 0, time.UTC), 1, flows.Place{}},
		{"karim 2026-02-15 01:00-04:00 every 60", "karim", time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 15, 4, 0, 0, 0, time.UTC), 4, flows.Place{}},
		{"karim 2026-03-22 01:00-04:00 every 60", "karim", time.Date(2026, 3, 22, 1, 0, 0, 0, time.UTC), time.Date(2026, 3, 22, 3, 0, 0, 0, time.UTC), 2, flows.Place{}},
	} {
		r, err := officehours.ParseSlotsAdd(tc.args, casablanca)
		if err != nil {
			t.Errorf("ParseSlotsAdd(%q): %v", tc.args, err)
			continue
		}
		if r.Mentor != tc.mentor || !r.Start.Equal(tc.start) || !r.End.Equal(tc.end) || r.Place != tc.place {
			t.Errorf("ParseSlotsAdd(%q) = %q %v–%v %+v; want %q %v–%v %+v", tc.args, r.Mentor, r.Start, r.End, r.Place,
				tc.mentor, tc.start, tc.end, tc.place)
		}
		if got := len(r.Slots()); got != tc.n {
			t.Errorf("ParseSlotsAdd(%q) makes %d slots; want %d", tc.args, got, tc.n)
		}
	}
}

func TestParseSlotsAddRefusals(t *testing.T) {
	for _, tc := range []struct{ args, says string }{
		{"", "whose"},
		{"karim", "YYYY-MM-DD"},
		{"2026-12-03 14:00-15:00", "YYYY-MM-DD"}, // no mentor: the date is taken as the name
		{"karim 2026-02-30 14:00-15:00", "YYYY-MM-DD"},
		{"karim 2026-12-03", "HH:MM-HH:MM"},
		{"karim 2026-12-03 14:00", "HH:MM-HH:MM"},
		{"karim 2026-12-03 25:00-26:00", "not a time"},
		{"karim 2026-12-03 24:00-24:30", "not a time"},
		{"karim 2026-12-03 15:00-14:00", "after the start"},
		{"karim 2026-12-03 14:00-14:05", "at least 10"},
		{"karim 2026-12-03 08:00-17:00", "at most 8"},
		{"karim 2026-12-03 08:00-20:00 every 10", "more than 48"},
		{"karim 2026-12-03 14:00-15:00 every 5", "from 10 to 240"},
		{"karim 2026-12-03 14:00-15:00 every", "every how many"},
		{"karim 2026-12-03 14:00-14:20 every 30", "no room"},
		{"karim 2026-12-03 14:00-15:00 online ftp://x", "not a web link"},
		{"karim 2026-12-03 14:00-15:00 online", "one link"},
		{"karim 2026-12-03 14:00-15:00 room", "room takes"},
		{"karim 2026-12-03 14:00-15:00 room " + strings.Repeat("x", 81), "room takes"},
		{"karim 2026-12-03 14:00-15:00 lunch", "unexpected"},
		{"karim 2026-02-15 02:30-03:30", "twice"},          // the hour Ramadan repeats
		{"karim 2026-03-22 02:30-03:30", "does not exist"}, // the hour it skips
	} {
		_, err := officehours.ParseSlotsAdd(tc.args, casablanca)
		var se *officehours.SlotSpecError
		if !errors.As(err, &se) || !strings.Contains(se.Problem, tc.says) {
			t.Errorf("ParseSlotsAdd(%q) = %v; want a SlotSpecError saying %q", tc.args, err, tc.says)
		}
	}
}

func TestParseSlotsList(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, casablanca) // a Thursday
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, casablanca)
	for _, tc := range []struct {
		args, mentor string
		from         time.Time
	}{
		{"", "", monday},
		{"Karim Benali", "Karim Benali", monday},
		{"karim next", "karim", monday.AddDate(0, 0, 7)},
		{"this", "", monday},
		{"2026-12-20", "", time.Date(2026, 12, 14, 0, 0, 0, 0, casablanca)},
		{"nadia 2026-W09", "nadia", time.Date(2026, 2, 23, 0, 0, 0, 0, casablanca)},
		{"2026-W01", "", time.Date(2025, 12, 29, 0, 0, 0, 0, casablanca)},
	} {
		mentor, from, to, err := officehours.ParseSlotsList(tc.args, now, casablanca)
		if err != nil || mentor != tc.mentor || !from.Equal(tc.from) {
			t.Errorf("ParseSlotsList(%q) = %q, %v, %v; want %q from %v", tc.args, mentor, from, err, tc.mentor, tc.from)
		}
		if y, m, d := to.Date(); to.In(casablanca).Hour() != 0 || time.Date(y, m, d, 0, 0, 0, 0, casablanca).Sub(from) < 6*24*time.Hour {
			t.Errorf("ParseSlotsList(%q) ends %v; want the next Monday 00:00", tc.args, to)
		}
	}
	// The week Ramadan's clock change falls in (back an hour on Sunday
	// 15 February) lasts 169 hours, and still ends on Monday 00:00.
	_, from, to, _ := officehours.ParseSlotsList("2026-02-12", now, casablanca)
	if to.Sub(from) != 169*time.Hour || to.In(casablanca).Weekday() != time.Monday || to.In(casablanca).Hour() != 0 {
		t.Errorf("week of 2026-02-15 = %v–%v; want Monday to Monday, 169 hours", from, to)
	}
}

// FuzzParseSlotsAdd: whatever staff type, the parser either refuses with
// a SlotSpecError or returns slots that keep the rules.
func FuzzParseSlotsAdd(f *testing.F) {
	for _, s := range []string{
		"Karim Benali 2026-12-03 14:00-17:00 every 30",
		"karim 2026-12-03 14:00-15:00 online https://meet.example.com/abc",
		"karim 03/12/2026 9h-10h30 room Salle Atlas",
		"karim 2026-02-15 01:00-04:00 every 60",
		"karim 2026-03-22 02:30-03:30",
		"<@U024BE7LH> 2026-12-03 23:00-24:00 every 20",
		"x 2026-12-03 14:00–15:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		r, err := officehours.ParseSlotsAdd(args, casablanca)
		if err != nil {
			var se *officehours.SlotSpecError
			if !errors.As(err, &se) || se.Problem == "" {
				t.Fatalf("ParseSlotsAdd(%q) = %v; want a SlotSpecError", args, err)
			}
			return
		}
		if r.Mentor == "" || strings.TrimSpace(r.Mentor) != r.Mentor {
			t.Fatalf("ParseSlotsAdd(%q): mentor %q", args, r.Mentor)
		}
		if r.Place.Link != "" && r.Place.Room != "" {
			t.Fatalf("ParseSlotsAdd(%q): both a link and a room", args)
		}
		if n := utf8.RuneCountInString(r.Place.Room); n > 80 || !utf8.ValidString(r.Place.Room) {
			t.Fatalf("ParseSlotsAdd(%q): room %q", args, r.Place.Room)
		}
		slots := r.Slots()
		if len(slots) == 0 || len(slots) > officehours.MaxSlotsPerRequest {
			t.Fatalf("ParseSlotsAdd(%q) makes %d slots", args, len(slots))
		}
		for i, s := range slots {
			if d := s.End.Sub(s.Start); d < 10*time.Minute || d > flows.MaxSlotLength {
				t.Fatalf("ParseSlotsAdd(%q): slot %d lasts %v", args, i, d)
			}
			if s.Start.Before(r.Start) || s.End.After(r.End) || (i > 0 && s.Start.Before(slots[i-1].End)) {
				t.Fatalf("ParseSlotsAdd(%q): slot %d (%v–%v) out of order or range", args, i, s.Start, s.End)
			}
		}
	})
}
