package officehours

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/startgate/founderbot/flows"
)

// calendarFile is the iCalendar file of a booking in the founder's
// language. Its UID is the booking's, so that importing a later file
// updates the same event: SEQUENCE goes up with each change, and a
// cancelled booking gives METHOD:CANCEL with STATUS:CANCELLED. Times are in
// UTC: every calendar shows them in its own zone, with no VTIMEZONE to
// get wrong around Morocco's Ramadan clock change.
func (o *OfficeHours) calendarFile(lang string, b flows.Booking, m flows.Mentor, now time.Time) flows.Document {
	cal := ics.NewCalendarFor(o.cfg.Hub)
	cal.SetProductId("-//" + o.cfg.Hub + "//founderbot//" + strings.ToUpper(lang))
	ev := cal.AddEvent(string(b.ID) + "@" + o.cfg.CalendarDomain)
	ev.SetSequence(b.Seq)
	ev.SetDtStampTime(now)
	ev.SetStartAt(b.Start)
	ev.SetEndAt(b.End)
	name := m.Name
	if name == "" {
		name = string(b.Mentor)
	}
	ev.SetSummary(o.tr(lang, "book_ics_summary", "Mentor", name, "Hub", o.cfg.Hub))
	desc := o.tr(lang, "book_ics_description", "Mentor", name, "Agenda", b.Agenda)
	switch {
	case b.Place.Link != "":
		ev.SetLocation(b.Place.Link)
		ev.SetURL(b.Place.Link)
		desc += "\n" + b.Place.Link
	case b.Place.Room != "":
		ev.SetLocation(b.Place.Room)
	}
	ev.SetDescription(desc)
	ev.SetOrganizer("mailto:office-hours@"+o.cfg.CalendarDomain, ics.WithCN(o.cfg.Hub))
	method, status, caption := ics.MethodRequest, ics.ObjectStatusConfirmed, "book_ics_caption"
	switch {
	case !b.Active():
		method, status, caption = ics.MethodCancel, ics.ObjectStatusCancelled, "book_ics_caption_cancel"
	case b.Seq > 0:
		caption = "book_ics_caption_update"
	}
	cal.SetMethod(method)
	ev.SetStatus(status)
	return flows.Document{
		Name:    "office-hours-" + string(b.ID) + ".ics",
		MIME:    "text/calendar; charset=utf-8; method=" + string(method),
		Data:    []byte(cal.Serialize(ics.WithNewLineWindows)), // RFC 5545: CRLF, whatever the OS
		Caption: o.tr(lang, caption),
	}
}
