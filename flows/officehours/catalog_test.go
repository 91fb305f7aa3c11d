package officehours

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/catalogtest"
)

// TestCatalogs checks office hours' messages (locales/*.toml): every
// one the code asks for, in every language, rendered.
func TestCatalogs(t *testing.T) {
	used := catalogtest.Scan(t, ".", catalogtest.CallPattern, regexp.MustCompile(`"(book_[a-z0-9_]*[a-z0-9])"`))
	catalogtest.Add(used, "cmd_book", "cmd_mybookings", "book_city_casablanca")
	for _, tag := range flows.FunctionalTags {
		used["book_tag_"+tag] = true
	}
	for d := range 7 {
		used[fmt.Sprint("book_weekday_", d)] = true
	}
	for m := 1; m <= 12; m++ {
		used[fmt.Sprint("book_month_", m)] = true
	}
	catalogtest.Check(t, catalogtest.Catalog{
		Own:      Messages(),
		Uses:     []flows.Messages{flows.GeneralMessages()},
		Used:     used,
		MinUsed:  60,
		NoPlural: true,
		Data: []any{"Hub", "StartGate", "Mentor", "Karim", "Topic", "Tech", "Details", "d", "Agenda", "a",
			"Date", "jeudi 3", "Time", "14:00", "Zone", "z", "Place", "p", "Link", "https://x.ma", "Room", "Atlas",
			"City", "Casablanca", "Offset", "GMT+1", "Weekday", "jeudi", "Day", 1, "Month", "mai", "Max", 2,
			"MaxMoves", 2, "MaxBookings", 4, "MaxCancels", 3, "Hours", 12, "Contact", "c", "Days", 14, "Min", 10, "Position", 1, "Minutes", 30,
			"Until", "14:30", "Old", "o", "New", "n", "Left", 1, "Rating", 4, "Bio", "b", "Languages", "fr"},
		Plain: bookPlain,
	})
}

func bookPlain(id string) bool {
	for _, p := range []string{"book_btn_", "book_tag_", "book_weekday_", "book_month_", "book_ics_", "cmd_", "book_date"} {
		if strings.HasPrefix(id, p) && id != "book_ics_caption" {
			return true
		}
	}
	return false
}

// TestDatesLocalized: day and month names come from the catalogs, in
// every language, never from Go's English names.
func TestDatesLocalized(t *testing.T) {
	cat, err := flows.NewCatalog("fr", Messages())
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Africa/Casablanca")
	if err != nil {
		t.Fatal(err)
	}
	o := New(nil, nil, cat, Config{TZ: loc}, nil)
	day := time.Date(2026, 12, 3, 14, 0, 0, 0, loc)
	first := time.Date(2026, 5, 1, 9, 0, 0, 0, loc)
	for _, tc := range []struct{ lang, day, first string }{
		{"fr", "jeudi 3 décembre", "vendredi 1er mai"},
		{"en", "Thursday 3 December", "Friday 1 May"},
		{"ar", "الخميس 3 دجنبر", "الجمعة 1 ماي"},
	} {
		if got := o.dayName(tc.lang, day); got != tc.day {
			t.Errorf("dayName(%s, %v) = %q; want %q", tc.lang, day, got, tc.day)
		}
		if got := o.dayName(tc.lang, first); got != tc.first {
			t.Errorf("dayName(%s, %v) = %q; want %q", tc.lang, first, got, tc.first)
		}
	}
	if got, want := o.timeRange("ar", day, day.Add(30*time.Minute)), "\u206814:00–14:30\u2069"; got != want {
		t.Errorf("Arabic time range = %q; want %q, isolated", got, want)
	}
}

// TestRefusalsHaveMessages: every refusal the store returns, wrapped as
// it comes, has a message for the founder in every language; other
// errors are not mistaken for refusals.
func TestRefusalsHaveMessages(t *testing.T) {
	for _, err := range []error{flows.ErrSlotTaken, flows.ErrOverlap, flows.ErrTooManyUpcoming, flows.ErrWeeklyCap, flows.ErrSlotPast, flows.ErrSlotCancelled,
		flows.ErrOutsideWindow, flows.ErrNotAllowed, flows.ErrCutoff, flows.ErrRescheduleLimit, flows.ErrBookingClosed, flows.ErrNotFound, flows.ErrTooEarly} {
		id := refusalID(fmt.Errorf("book S1 for tg:1: %w", err))
		if id == "" {
			t.Errorf("%v has no message", err)
			continue
		}
		keys := catalogtest.Keys(t, Messages())
		for _, lang := range flows.Languages {
			if _, ok := keys[lang][id]; !ok {
				t.Errorf("%v: %s lacks %s", err, lang, id)
			}
		}
	}
	if id := refusalID(fmt.Errorf("book S1: %w", errors.New("connection refused"))); id != "" {
		t.Errorf("a Redis failure reads as the refusal %s", id)
	}
}
