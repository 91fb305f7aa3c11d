package officehours

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/startgate/founderbot/flows"
)

// TestCalendarInjection checks the review's finding: golang-ical leaves a
// bare CR in text and parameter values unescaped, and URL values as they
// are, so a HUB_NAME (or a name, room, link or agenda) with line breaks
// could add properties to the founder's calendar file. The file is parsed
// back: no injected property, every line ends in CRLF, the texts read as
// written less their control characters.
func TestCalendarInjection(t *testing.T) {
	cat, err := flows.NewCatalog("fr", Messages())
	if err != nil {
		t.Fatal(err)
	}
	o := New(nil, nil, cat, Config{
		Hub:            "Start;Gate: \"Rabat\", Hub\r\nX-INJECTED-HUB:1\rBEGIN:VALARM",
		CalendarDomain: "evil.example\r\nX-INJECTED-DOMAIN:1",
		TZ:             time.UTC,
	}, nil)
	start := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	b := flows.Booking{ID: "B-0001", Mentor: "karim", Start: start, End: start.Add(30 * time.Minute), Status: flows.StatusBooked,
		Agenda: "Line one\r\nX-INJECTED-AGENDA:1\rmore\u2028X-INJECTED-LS:1\x00\x1b[31m",
		Place:  flows.Place{Link: "https://meet.example.com/k\r\nX-INJECTED-URL:1"}}
	m := flows.Mentor{ID: "karim", Name: "Karim\r\nX-INJECTED-MENTOR:1"}
	for _, place := range []flows.Place{b.Place, {Room: "Atlas\rX-INJECTED-ROOM:1\nLOCATION:elsewhere"}} {
		b.Place = place
		d := o.calendarFile("fr", b, m, start.Add(-time.Hour))
		raw := string(d.Data)
		lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
		for _, l := range lines {
			if strings.ContainsAny(l, "\r\n\x00\x1b\u2028") {
				t.Errorf("a line holds a line break or control character: %q", l)
			}
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(d.Data))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, raw)
		}
		allowed := map[string]bool{"VERSION": true, "PRODID": true, "METHOD": true, "UID": true, "SEQUENCE": true,
			"DTSTAMP": true, "DTSTART": true, "DTEND": true, "SUMMARY": true, "DESCRIPTION": true, "LOCATION": true,
			"URL": true, "ORGANIZER": true, "STATUS": true}
		for _, p := range cal.CalendarProperties {
			if !allowed[p.IANAToken] {
				t.Errorf("calendar property %s=%q was injected", p.IANAToken, p.Value)
			}
		}
		evs := cal.Events()
		if len(evs) != 1 || len(cal.Components) != 1 {
			t.Fatalf("%d events, %d components; want 1\n%s", len(evs), len(cal.Components), raw)
		}
		locations := 0
		for _, p := range evs[0].Properties {
			if !allowed[p.IANAToken] {
				t.Errorf("event property %s=%q was injected", p.IANAToken, p.Value)
			}
			if p.IANAToken == "LOCATION" {
				locations++
			}
			for k, vs := range p.ICalParameters {
				for _, v := range vs {
					if strings.ContainsAny(v, "\r\n\\") {
						t.Errorf("parameter %s of %s is %q", k, p.IANAToken, v)
					}
				}
			}
		}
		if locations > 1 {
			t.Errorf("%d LOCATION properties", locations)
		}
		e := evs[0]
		if got := prop(e, ics.ComponentPropertyDescription); !strings.Contains(got, "Line one\nX-INJECTED-AGENDA:1\nmore") {
			t.Errorf("DESCRIPTION = %q; want the agenda's lines as text", got)
		}
		if got := prop(e, ics.ComponentPropertySummary); !strings.Contains(got, "Karim X-INJECTED-MENTOR:1") {
			t.Errorf("SUMMARY = %q; want the mentor's name on one line", got)
		}
		if org := e.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:office-hours@founderbot.invalid" {
			t.Errorf("ORGANIZER = %+v; want the default domain for an invalid one", org)
		}
	}
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// FuzzCalendarFile: whatever the hub's name, the mentor's name and the
// agenda, the calendar file parses back with one event and none but our
// properties.
func FuzzCalendarFile(f *testing.F) {
	f.Add("StartGate", "Karim", "Pricing, hires; seed?", "Atlas")
	f.Add("Hub\r\nX-A:1", "K\rX-B:1", "a\\nb\r\nc", "R\nLOCATION:x")
	f.Add("\"q\";:,'\\", "\x00\x7f\u0085", "\u2028\u2029", "")
	cat, err := flows.NewCatalog("fr", Messages())
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, hub, mentor, agenda, room string) {
		o := New(nil, nil, cat, Config{Hub: hub, TZ: time.UTC}, nil)
		b := flows.Booking{ID: "B-0001", Mentor: "m", Start: start, End: start.Add(30 * time.Minute), Status: flows.StatusBooked,
			Agenda: agenda, Place: flows.Place{Room: room}}
		d := o.calendarFile("en", b, flows.Mentor{ID: "m", Name: mentor}, start)
		cal, err := ics.ParseCalendar(bytes.NewReader(d.Data))
		if err != nil {
			t.Fatalf("parse: %v\n%q", err, d.Data)
		}
		if len(cal.Components) != 1 || len(cal.Events()) != 1 {
			t.Fatalf("%d components; want one event\n%q", len(cal.Components), d.Data)
		}
		for _, p := range cal.Events()[0].Properties {
			switch p.IANAToken {
			case "UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION", "ORGANIZER", "STATUS":
			default:
				t.Errorf("property %s injected\n%q", p.IANAToken, d.Data)
			}
		}
	})
}
