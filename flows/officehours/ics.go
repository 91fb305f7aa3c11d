package officehours

import (
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	hub, domain := icsText(o.cfg.Hub, false), o.cfg.CalendarDomain
	if !calendarDomain.MatchString(domain) {
		domain = "founderbot.invalid"
	}
	cal := ics.NewCalendarFor(hub)
	cal.SetProductId("-//" + hub + "//founderbot//" + strings.ToUpper(lang))
	ev := cal.AddEvent(string(b.ID) + "@" + domain)
	ev.SetSequence(b.Seq)
	ev.SetDtStampTime(now)
	ev.SetStartAt(b.Start)
	ev.SetEndAt(b.End)
	name := m.Name
	if name == "" {
		name = string(b.Mentor)
	}
	name = icsText(name, false)
	ev.SetSummary(icsText(o.tr(lang, "book_ics_summary", "Mentor", name, "Hub", hub), false))
	desc := o.tr(lang, "book_ics_description", "Mentor", name, "Agenda", b.Agenda)
	switch {
	case b.Place.Link != "":
		ev.SetLocation(icsText(b.Place.Link, false))
		if u, ok := icsURI(b.Place.Link); ok {
			ev.SetURL(u)
		}
		desc += "\n" + b.Place.Link
	case b.Place.Room != "":
		ev.SetLocation(icsText(b.Place.Room, false))
	}
	ev.SetDescription(icsText(desc, true))
	ev.SetOrganizer("mailto:office-hours@"+domain, ics.WithCN(icsParam(hub)))
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

// Calendar values are made safe here, before golang-ical (v0.3.4), which
// escapes TEXT values' backslash, semicolon, comma and LF (RFC 5545
// 3.3.11) but leaves a CR and other control characters as they are,
// writes URI values verbatim, and backslash-escapes parameter values
// instead of quoting them: a HUB_NAME, mentor name, room, link or agenda
// with a line break would otherwise add lines to the founder's calendar.

// icsText prepares a TEXT value: every line break (CRLF, CR, LF, NEL,
// line and paragraph separators) becomes an LF, which golang-ical writes
// as \n, or a space for a one-line value; tabs become spaces and other
// control characters go.
func icsText(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == utf8.RuneError:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsParam prepares a parameter value (RFC 5545 3.1: no control
// character, and a DQUOTE nowhere). Values with ; : or , must be quoted,
// which golang-ical cannot do, so those characters, and the quote and
// backslash it would escape, become spaces or look-alikes.
func icsParam(s string) string {
	s = strings.NewReplacer(";", " ", ":", " ", ",", " ", `"`, "", `\`, "/", "'", "\u2019").Replace(icsText(s, false))
	return strings.Join(strings.Fields(s), " ")
}

// icsURI is link as a URI value, if it is a plain http(s) URL: nothing
// golang-ical writes verbatim may hold a space, a control character or a
// quote.
func icsURI(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	s := u.String()
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || r == '"' {
			return "", false
		}
	}
	return s, true
}

// calendarDomain matches a host name fit for UIDs and the organizer's
// address.
var calendarDomain = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)
