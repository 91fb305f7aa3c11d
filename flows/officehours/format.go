package officehours

import (
	"fmt"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Dates and times for founders, in the hub's time zone and the founder's
// language: day and month names come from the catalogs, never from Go's
// English layouts, and times are isolated in Arabic so "14:00–14:30" keeps
// its order inside a right-to-left line.

// dayName is "jeudi 3 décembre", "Thursday 3 December", "الخميس 3 دجنبر".
func (o *OfficeHours) dayName(lang string, t time.Time) string {
	l := t.In(o.cfg.TZ)
	return o.tr(lang, "book_date",
		"Weekday", o.tr(lang, fmt.Sprintf("book_weekday_%d", int(l.Weekday()))),
		"Day", l.Day(),
		"Month", o.tr(lang, fmt.Sprintf("book_month_%d", int(l.Month()))))
}

// clock is a time of day, as on a button: "14:00".
func (o *OfficeHours) clock(t time.Time) string { return t.In(o.cfg.TZ).Format("15:04") }

// timeRange is "14:00–14:30", escaped and isolated for a message.
func (o *OfficeHours) timeRange(lang string, start, end time.Time) string {
	return o.cat.Value(lang, o.clock(start)+"–"+o.clock(end))
}

// zoneLabel says which clock the times follow: the hub's city and the UTC
// offset on that day ("Casablanca, GMT+1"), which matters in Morocco where
// the offset changes for Ramadan.
func (o *OfficeHours) zoneLabel(lang string, t time.Time) string {
	_, off := t.In(o.cfg.TZ).Zone()
	gmt := "GMT"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		gmt += sign + fmt.Sprint(off/3600)
		if m := off % 3600 / 60; m != 0 {
			gmt += fmt.Sprintf(":%02d", m)
		}
	}
	name := o.cfg.TZ.String()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ReplaceAll(name, "_", " ")
	// The hub's city by its name in the founder's language, when the
	// catalog has one ("book_city_casablanca"); else the zone's.
	city := o.cat.Value(lang, name)
	if id := "book_city_" + strings.ToLower(strings.ReplaceAll(name, " ", "_")); o.tr(lang, id) != id {
		city = o.tr(lang, id)
	}
	return o.tr(lang, "book_zone", "City", city, "Offset", o.cat.Value(lang, gmt))
}

// placeLine says where the session happens.
func (o *OfficeHours) placeLine(lang string, p flows.Place) string {
	switch {
	case p.Link != "":
		return o.tr(lang, "book_place_link", "Link", o.cat.Value(lang, p.Link))
	case p.Room != "":
		return o.tr(lang, "book_place_room", "Room", o.cat.Value(lang, p.Room))
	}
	return o.tr(lang, "book_place_tbd")
}

// languageNames lists a mentor's languages by their own names.
func (o *OfficeHours) languageNames(langs []string) string {
	names := make([]string, len(langs))
	for i, l := range langs {
		names[i] = o.cat.T(l, "language_name")
	}
	return strings.Join(names, ", ")
}

// sessionDetails is the block that says when and where a session is.
func (o *OfficeHours) sessionDetails(lang string, start, end time.Time, p flows.Place) string {
	return o.tr(lang, "book_details",
		"Date", o.dayName(lang, start),
		"Time", o.timeRange(lang, start, end),
		"Zone", o.zoneLabel(lang, start),
		"Place", o.placeLine(lang, p))
}

// mentorName is a mentor's name for a message; a removed or unknown
// mentor still has their ID.
func (o *OfficeHours) mentorName(lang string, m flows.Mentor, id flows.MentorID) string {
	if m.Name == "" {
		return o.cat.Value(lang, string(id))
	}
	return o.cat.Value(lang, m.Name)
}

// minutes is a duration in whole minutes, for messages.
func minutes(d time.Duration) int { return int(d.Round(time.Minute) / time.Minute) }
