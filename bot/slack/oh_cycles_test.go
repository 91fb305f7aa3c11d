package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// TestBookCancelCyclesBounded replays the review's finding: with a mentor
// capped at one session a week, 25 book/cancel cycles gave 50 staff
// posts, 50 calendar files and 25 stored bookings. With the default caps
// (4 bookings and 3 cancellations a founder a week) the cycles stop at
// the fourth cancellation with a clear refusal, and the staff channel
// gets the first cycle, the second booking, then one notice that
// collapses the rest.
func TestBookCancelCyclesBounded(t *testing.T) {
	e := newOHEnv(t)
	ctx := context.Background()
	if _, err := e.oh.AddMentor(ctx, flows.Mentor{Name: "Nadia El Amrani", Tags: []string{"product"}, SlackUser: karim, WeeklyCap: 1}); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
	_, body := e.command(alice, "slots add nadia-el-amrani "+day+" 10:00-10:30")
	mustContain(t, "slots add", body, "Added 1 slot(s)")
	e.apply(founderChat, "youssef_ea", answers("Acme Mobility"))
	e.staff.Wait()
	before := len(e.slack.Messages(staffChannel))

	var refused string
	cycles := 0
	for range 25 {
		res := e.founder(flows.Event{Kind: flows.KindCommand, Command: "book"})
		for range 4 { // topic, mentor, day, time
			res = e.press(res, "")
		}
		res = e.founder(flows.Event{Kind: flows.KindText, Text: "Pricing of our B2B offer."})
		res = e.press(res, e.cat.T("en", "book_btn_confirm"))
		if len(officehours.EventsIn(res)) != 1 {
			refused = res.Replies[0].Text
			break
		}
		res = e.founder(flows.Event{Kind: flows.KindButton, Data: "oh:cy:" + string(officehours.EventsIn(res)[0].Booking.ID)})
		if len(officehours.EventsIn(res)) != 1 {
			refused = res.Replies[0].Text
			break
		}
		cycles++
	}
	e.staff.Wait()
	if cycles != 3 || !strings.Contains(refused, "cancelled 3 sessions") {
		t.Errorf("%d full cycles, then %q; want 3, then the weekly cancellation cap", cycles, refused)
	}
	all, err := e.store.Store.Bookings(ctx, time.Now().Add(-time.Hour), time.Now().AddDate(0, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Errorf("%d stored bookings; want 4 (the weekly cap on bookings)", len(all))
	}
	if n := len(e.env.tg.Documents(founderChat)); n != 7 {
		t.Errorf("%d calendar files; want 7 (4 bookings, 3 cancellations)", n)
	}
	var lines []string
	for _, m := range e.slack.Messages(staffChannel)[before:] {
		lines = append(lines, texts(m.Blocks))
	}
	if len(lines) != 4 {
		t.Errorf("%d staff posts; want 4 (booked, cancelled, booked, one notice for the rest):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if len(lines) == 4 {
		mustContain(t, "collapsing notice", lines[3], "Acme Mobility (@youssef_ea)", "cancelled 2 sessions")
	}
}
