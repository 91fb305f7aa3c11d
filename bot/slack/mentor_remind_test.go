package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// TestMentorReminder: the mentor's DMs carry the session, the agenda and
// earlier outcomes, escaped, but never the founder's rating or comment,
// which founders are told go to the team.
func TestMentorReminder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	b := flows.Booking{ID: "B-7F3K", Founder: "tg:5", Start: start, End: start.Add(30 * time.Minute),
		Who: flows.FounderInfo{Startup: "<!here> Acme", Stage: "mvp"}, Agenda: "Pricing & <b>go-to-market</b>"}
	m := flows.Mentor{ID: "M1", Name: "Karim", SlackUser: bob}
	prev := flows.Booking{ID: "B-0001", Start: start.AddDate(0, 0, -14), End: start.AddDate(0, 0, -14).Add(30 * time.Minute),
		Status: flows.StatusHeld, Rating: 5, Comment: "Very useful"}
	if err := e.staff.MentorReminder(ctx, officehours.MentorReminder{Booking: b, Mentor: m, Before: 24 * time.Hour, Previous: []flows.Booking{prev}}); err != nil {
		t.Fatal(err)
	}
	if err := e.staff.MentorReminder(ctx, officehours.MentorReminder{Booking: b, Mentor: m, Before: time.Hour}); err != nil {
		t.Fatal(err)
	}
	ch, ok := e.slack.DM(bob)
	if !ok {
		t.Fatal("no DM opened with the mentor")
	}
	msgs := e.slack.Messages(ch)
	if len(msgs) != 2 {
		t.Fatalf("mentor got %d DMs; want 2", len(msgs))
	}
	day, hour := texts(msgs[0].Blocks), texts(msgs[1].Blocks)
	for _, want := range []string{"Tomorrow", "&lt;!here&gt; Acme", "Pricing &amp; &lt;b&gt;go-to-market&lt;/b&gt;", "Held"} {
		if !strings.Contains(day, want) {
			t.Errorf("day-before DM lacks %q:\n%s", want, day)
		}
	}
	for _, leak := range []string{"5/5", "Very useful"} {
		if strings.Contains(day, leak) {
			t.Errorf("day-before DM shows the founder's feedback %q:\n%s", leak, day)
		}
	}
	if !strings.Contains(hour, "In one hour") || strings.Contains(hour, "Very useful") {
		t.Errorf("hour-before DM:\n%s", hour)
	}
	// A mentor without Slack is skipped, not an error.
	if err := e.staff.MentorReminder(ctx, officehours.MentorReminder{Booking: b, Mentor: flows.Mentor{ID: "M2"}, Before: time.Hour}); err != nil {
		t.Errorf("mentor without Slack: %v", err)
	}
}
