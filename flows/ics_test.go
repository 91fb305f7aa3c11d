package flows_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

func parseICS(t *testing.T, d flows.Document) *ics.Calendar {
	t.Helper()
	if !strings.HasPrefix(d.MIME, "text/calendar") || !strings.HasSuffix(d.Name, ".ics") {
		t.Errorf("document %s (%s) is not a calendar file", d.Name, d.MIME)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", d.Name, err, d.Data)
	}
	if n := len(cal.Events()); n != 1 {
		t.Fatalf("%s has %d events; want 1", d.Name, n)
	}
	return cal
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

// TestCalendarLifecycle follows one booking's calendar files: booked,
// moved twice, cancelled. The UID never changes, SEQUENCE only goes up,
// and the last file cancels the event.
func TestCalendarLifecycle(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-16:00 every 30 online https://meet.example.com/karim")
	agenda := "Notre pricing, nos premières embauches, et la levée de fonds : « seed » ou BA ? Ligne longue, virgules; point-virgule."
	res := w.cmd("tg:1", "fr", "book")
	res = w.press("tg:1", "fr", res, "Tech")
	res = w.press("tg:1", "fr", res, "Karim")
	res = w.press("tg:1", "fr", res, "mardi")
	w.press("tg:1", "fr", res, "14:00")
	res = w.text("tg:1", "fr", agenda)
	docs := []flows.Document{w.press("tg:1", "fr", res, "✅").Documents()[0]}
	for _, at := range []string{"15:00", "15:30"} {
		res = w.data("tg:1", "fr", "oh:r:B-0001")
		res = w.press("tg:1", "fr", res, "mardi")
		res = w.press("tg:1", "fr", res, at+"–")
		docs = append(docs, w.press("tg:1", "fr", res, "✅").Documents()[0])
	}
	res = w.data("tg:1", "fr", "oh:c:B-0001")
	docs = append(docs, w.press("tg:1", "fr", res, "Oui").Documents()[0])

	want := []struct{ method, status, seq, start string }{
		{"REQUEST", "CONFIRMED", "0", "20261201T130000Z"},
		{"REQUEST", "CONFIRMED", "1", "20261201T140000Z"},
		{"REQUEST", "CONFIRMED", "2", "20261201T143000Z"},
		{"CANCEL", "CANCELLED", "3", "20261201T143000Z"},
	}
	for i, d := range docs {
		cal := parseICS(t, d)
		e := cal.Events()[0]
		got := []string{calProp(cal, ics.PropertyMethod), prop(e, ics.ComponentPropertyStatus),
			prop(e, ics.ComponentPropertySequence), prop(e, ics.ComponentPropertyDtStart)}
		if w := want[i]; strings.Join(got, " ") != strings.Join([]string{w.method, w.status, w.seq, w.start}, " ") {
			t.Errorf("file %d: METHOD STATUS SEQUENCE DTSTART = %v; want %+v", i, got, w)
		}
		if e.Id() != "B-0001@founderbot.invalid" {
			t.Errorf("file %d: UID = %s; want B-0001@founderbot.invalid", i, e.Id())
		}
		if s := prop(e, ics.ComponentPropertySummary); s != "Permanence avec Karim Benali (StartGate)" {
			t.Errorf("file %d: SUMMARY = %q", i, s)
		}
		if l := prop(e, ics.ComponentPropertyLocation); l != "https://meet.example.com/karim" {
			t.Errorf("file %d: LOCATION = %q", i, l)
		}
		if desc := prop(e, ics.ComponentPropertyDescription); !strings.Contains(desc, agenda) {
			t.Errorf("file %d: DESCRIPTION = %q; want the agenda whole", i, desc)
		}
		for _, line := range strings.Split(string(d.Data), "\r\n") {
			if len(line) > 75 {
				t.Errorf("file %d: line of %d octets (RFC 5545 folds at 75): %q", i, len(line), line)
			}
		}
	}
}

// TestCalendarOfStaffCancellation: a founder whose slot staff cancel gets
// an apology with a file that cancels the event.
func TestCalendarOfStaffCancellation(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30 room Atlas")
	w.bookFirst("tg:1", "ar", "التقنية", "Karim")
	slot, res, err := w.oh.CancelSlot(context.Background(), "S1", flows.Actor{ID: "slack:U1", Name: "@salma"})
	if err != nil || !slot.Cancelled {
		t.Fatalf("CancelSlot = %+v, %v", slot, err)
	}
	if len(res.Notices) != 1 || len(res.Events) != 1 {
		t.Fatalf("notices %d, events %d; want one of each", len(res.Notices), len(res.Events))
	}
	n := res.Notices[0]
	if n.Outgoing.Founder != "tg:1" || !strings.Contains(n.Outgoing.Reply.Text, "نعتذر منك") || !strings.Contains(n.Outgoing.Reply.Text, "الثلاثاء 1 دجنبر") {
		t.Errorf("notice = %+v; want an Arabic apology with the date", n.Outgoing)
	}
	cal := parseICS(t, *n.Outgoing.Document)
	if calProp(cal, ics.PropertyMethod) != "CANCEL" || prop(cal.Events()[0], ics.ComponentPropertySequence) != "1" {
		t.Errorf("file = %s", n.Outgoing.Document.Data)
	}
	if ev := res.Events[0]; ev.Kind != officehours.EventSlotCancelled || ev.By != "slack:U1" || ev.Booking.Status != flows.StatusSlotCancelled {
		t.Errorf("event = %+v", ev)
	}
	if _, _, err := w.oh.CancelSlot(context.Background(), "S1", flows.Actor{ID: "slack:U1"}); err == nil {
		t.Error("cancelling a cancelled slot again succeeded")
	}
}
