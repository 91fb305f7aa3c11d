package officehours

import (
	"embed"

	"github.com/startgate/founderbot/flows"
)

//go:embed locales/*.toml
var locales embed.FS

// Messages are office hours' message catalogs, for flows.NewCatalog.
func Messages() flows.Messages { return flows.Messages{Name: "officehours", Files: locales} }

// BookData is the data of a button that starts booking from any message,
// for other conversations' messages (an introduction to a mentor).
const BookData = "oh:book"

// Conversation is what the Engine needs to run office hours for
// founders: /book and /mybookings, the booking and rating flows, the
// "oh:" buttons of messages that outlive a question (the list of
// /mybookings, reminders, waitlist offers, rating prompts), and the jobs
// that send those messages.
func (o *OfficeHours) Conversation() flows.Conversation {
	book := flows.Flow{Name: flowBook, Ask: o.askBook, Press: o.pressBook, Text: o.bookText, Cancel: o.stopBook}
	rate := book
	rate.Name = flowRate
	return flows.Conversation{
		Name: "officehours",
		Commands: []flows.CommandSpec{
			{Name: "book", Run: func(t *flows.Turn, _ string) error { return o.startBooking(t) }},
			{Name: "mybookings", Run: func(t *flows.Turn, _ string) error { return o.myBookings(t) }},
		},
		Flows:    []flows.Flow{book, rate},
		Buttons:  []flows.ButtonPrefix{{Prefix: "oh:", Press: o.officeButton}},
		Jobs:     o.jobs(),
		Messages: Messages(),
	}
}

// EventsIn are the booking events of a turn's result, in order.
func EventsIn(res flows.Result) []BookingEvent {
	var out []BookingEvent
	for _, n := range res.Notifications {
		if ev, ok := n.(BookingEvent); ok {
			out = append(out, ev)
		}
	}
	return out
}
