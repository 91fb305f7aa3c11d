package flows

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The office-hours messages live in locales/book.<lang>.toml; these tests
// do for them what the catalog tests do for the main catalogs.

// bookIDs lists the message IDs office hours can ask for: every "book_…"
// literal of the package's code and the IDs it builds.
func bookIDs(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{"cmd_book": true, "cmd_mybookings": true, "book_city_casablanca": true}
	lit := regexp.MustCompile(`"(book_[a-z0-9_]*[a-z0-9])"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			ids[m[1]] = true
		}
	}
	for _, tag := range FunctionalTags {
		ids["book_tag_"+tag] = true
	}
	for d := range 7 {
		ids[fmt.Sprint("book_weekday_", d)] = true
	}
	for m := 1; m <= 12; m++ {
		ids[fmt.Sprint("book_month_", m)] = true
	}
	return ids
}

func TestBookCatalogsComplete(t *testing.T) {
	used := bookIDs(t)
	if len(used) < 60 {
		t.Fatalf("found only %d message IDs; the scan is broken", len(used))
	}
	main := catalogKeys(t, "fr")
	for _, lang := range Languages {
		keys := catalogKeys(t, "book."+lang)
		checkIDs(t, "book."+lang, used, keys)
		var plural []string
		for id, p := range keys {
			if p {
				plural = append(plural, id)
			}
			if _, clash := main[id]; clash {
				t.Errorf("book.%s has %s, which the main catalog has too", lang, id)
			}
		}
		if len(plural) > 0 {
			t.Errorf("book.%s: %v have plural forms, which no code asks for", lang, plural)
		}
	}
}

// TestBookCatalogsRender renders every office-hours message with sample
// values: no template error or missing value, well-formed Telegram HTML
// where the text is HTML, and no markup where it is plain.
func TestBookCatalogsRender(t *testing.T) {
	cat, err := NewCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	data := []any{"Hub", "StartGate", "Mentor", "Karim", "Topic", "Tech", "Details", "d", "Agenda", "a",
		"Date", "jeudi 3", "Time", "14:00", "Zone", "z", "Place", "p", "Link", "https://x.ma", "Room", "Atlas",
		"City", "Casablanca", "Offset", "GMT+1", "Weekday", "jeudi", "Day", 1, "Month", "mai", "Max", 2,
		"MaxMoves", 2, "MaxBookings", 4, "MaxCancels", 3, "Hours", 12, "Contact", "c", "Days", 14, "Min", 10, "Position", 1, "Minutes", 30,
		"Until", "14:30", "Old", "o", "New", "n", "Left", 1, "Rating", 4, "Bio", "b", "Languages", "fr"}
	for _, lang := range Languages {
		for id := range catalogKeys(t, "book."+lang) {
			s := cat.T(lang, id, data...)
			if s == id || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
				t.Errorf("%s %s renders as %q", lang, id, s)
			}
			if bookPlain(id) {
				if strings.ContainsAny(s, "<>&") {
					t.Errorf("%s %s is plain text but has markup: %q", lang, id, s)
				}
				continue
			}
			if err := checkHTML(s); err != nil {
				t.Errorf("%s %s: %v in %q", lang, id, err, s)
			}
		}
	}
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
	cat, err := NewCatalog("fr")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Africa/Casablanca")
	if err != nil {
		t.Fatal(err)
	}
	o := NewOfficeHours(nil, nil, cat, OfficeHoursConfig{TZ: loc}, nil)
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
	for _, err := range []error{ErrSlotTaken, ErrOverlap, ErrTooManyUpcoming, ErrWeeklyCap, ErrSlotPast, ErrSlotCancelled,
		ErrOutsideWindow, ErrNotAllowed, ErrCutoff, ErrRescheduleLimit, ErrBookingClosed, ErrNotFound, ErrTooEarly} {
		id := refusalID(fmt.Errorf("book S1 for tg:1: %w", err))
		if id == "" {
			t.Errorf("%v has no message", err)
			continue
		}
		for _, lang := range Languages {
			if _, ok := catalogKeys(t, "book."+lang)[id]; !ok {
				t.Errorf("%v: book.%s lacks %s", err, lang, id)
			}
		}
	}
	if id := refusalID(fmt.Errorf("book S1: %w", errors.New("connection refused"))); id != "" {
		t.Errorf("a Redis failure reads as the refusal %s", id)
	}
}
