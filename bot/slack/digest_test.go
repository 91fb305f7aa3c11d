package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
)

func TestPostDigestAndStats(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.apply(501, "nora", answers("<!channel> Mobility & Co"))
	d, err := e.review.Digest(ctx, a.Submitted.Add(-time.Hour), a.Submitted.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	d.Sessions = []flows.SlotListing{{Slot: flows.Slot{Start: start, End: start.Add(30 * time.Minute)},
		Mentor: flows.Mentor{Name: "Karim Benali"}, Booking: &flows.Booking{Who: flows.FounderInfo{Startup: "Acme"}}}}
	if err := e.staff.PostDigest(ctx, d); err != nil {
		t.Fatal(err)
	}
	msgs := e.slack.Messages(staffChannel)
	if len(msgs) != 1 {
		t.Fatalf("channel has %d messages; want the digest", len(msgs))
	}
	got := texts(msgs[0].Blocks)
	for _, want := range []string{"Daily digest", "1 new", "1 waiting on staff", a.ID, "&lt;!channel&gt; Mobility &amp; Co", "Office hours today", "Karim Benali with Acme"} {
		if !strings.Contains(got, want) {
			t.Errorf("digest lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<!channel>") {
		t.Errorf("founder text can ping the channel:\n%s", got)
	}
	quiet, _ := e.review.Digest(ctx, a.Submitted.Add(time.Hour), a.Submitted.Add(2*time.Hour))
	quiet.Waiting = 0
	if err := e.staff.PostDigest(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	if got := texts(e.slack.Messages(staffChannel)[1].Blocks); !strings.Contains(got, "Nothing new") {
		t.Errorf("quiet digest:\n%s", got)
	}
	if err := e.staff.PostWeeklyStats(ctx); err != nil {
		t.Fatal(err)
	}
	if got := texts(e.slack.Messages(staffChannel)[2].Blocks); !strings.Contains(got, "1 applications") && !strings.Contains(got, "*1 applications*") {
		t.Errorf("weekly stats:\n%s", got)
	}
}
