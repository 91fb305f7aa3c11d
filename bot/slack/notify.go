package slack

import (
	"context"
	"embed"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/flows/privacy"
)

//go:embed locales/*.toml
var locales embed.FS

// Messages are the staff side's message catalogs (staff*.toml, in the
// staff language) and the header of broadcasts to founders, for
// flows.NewCatalog.
func Messages() flows.Messages { return flows.Messages{Name: "slack", Files: locales} }

// Notify tells staff (and mentors) what a founder's event produced: a
// submitted application, an answer to a question, a booking made, moved
// or cancelled. It returns at once, like the methods it calls; files for
// the founder and outputs the staff side does not know are not its
// business, and are ignored.
func (s *Staff) Notify(ctx context.Context, n flows.Notification) {
	switch n := n.(type) {
	case application.Submitted:
		s.Submitted(ctx, n.Application)
	case application.Answered:
		s.Answered(ctx, n.Application)
	case officehours.BookingEvent:
		s.Bookings(ctx, []officehours.BookingEvent{n})
	case privacy.Forgotten:
		s.forgotten(ctx, n)
	case intro.Requested:
		s.IntroRequested(ctx, n.Intro)
	}
}
