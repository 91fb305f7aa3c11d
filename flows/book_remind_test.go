package flows_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// mentorInbox is a MentorNotifier that records the reminders, failing
// the next fail calls.
type mentorInbox struct {
	mu   sync.Mutex
	got  []officehours.MentorReminder
	keys []string // of every call, failed ones too
	fail int
}

func (m *mentorInbox) MentorReminder(_ context.Context, r officehours.MentorReminder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, r.Key)
	if m.fail > 0 {
		m.fail--
		return errors.New("slack is down")
	}
	m.got = append(m.got, r)
	return nil
}

func (m *mentorInbox) reminders() []officehours.MentorReminder {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]officehours.MentorReminder(nil), m.got...)
}

// remindWorld is office hours with a mentor inbox and a count of the
// reminders dropped.
type remindWorld struct {
	*ohWorld
	mentors *mentorInbox
	mu      sync.Mutex
	dropped map[string]int
}

func newRemindWorld(t *testing.T) *remindWorld {
	w := &remindWorld{ohWorld: newOHWorld(t, anyone, ohStart), mentors: &mentorInbox{}, dropped: map[string]int{}}
	w.oh.MentorReminders = w.mentors
	w.oh.Dropped = func(what string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.dropped[what]++
	}
	return w
}

func (w *remindWorld) drops(what string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dropped[what]
}

// at moves the clock to a time of the hub's day and runs what is due.
func (w *remindWorld) at(month time.Month, day, hour, minute int) {
	w.setNow(time.Date(2026, month, day, hour, minute, 0, 0, casablanca))
	w.tick()
}

// reminders are the founder's session reminders queued so far.
func (w *remindWorld) reminders(f flows.FounderID) []flows.Reply {
	var out []flows.Reply
	for _, m := range w.out.sent() {
		if m.Founder == f && (strings.Contains(m.Reply.Text, "Reminder:") || strings.Contains(m.Reply.Text, "starts soon")) {
			out = append(out, m.Reply)
		}
	}
	return out
}

func (w *remindWorld) status(id flows.BookingID) flows.BookingStatus {
	w.t.Helper()
	b, err := w.oh.Booking(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return b.Status
}

func replyButton(r flows.Reply, label string) (string, bool) {
	return buttonWith(flows.Result{Replies: []flows.Reply{r}}, label)
}

// TestSessionRemindersOnce: each reminder goes once at its time, however
// many schedulers tick, to the founder and to the mentor.
func TestSessionRemindersOnce(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30 room Atlas")
	w.bookFirst("tg:1", "en", "Tech", "Karim")
	other := flows.NewScheduler(w.env.Store, flows.SchedulerConfig{TZ: casablanca, Lease: time.Minute}, slog.New(slog.DiscardHandler))
	w.oh.Register(other)
	other.Now = w.clock
	both := func() {
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(w.tick)
			wg.Go(func() { other.Tick(context.Background()) })
		}
		wg.Wait()
	}

	w.setNow(time.Date(2026, 11, 30, 13, 59, 0, 0, casablanca))
	both()
	if n := len(w.reminders("tg:1")); n != 0 {
		t.Fatalf("%d reminders a minute before the day-before one", n)
	}
	w.setNow(time.Date(2026, 11, 30, 14, 0, 0, 0, casablanca))
	both()
	both()
	rs := w.reminders("tg:1")
	if len(rs) != 1 {
		t.Fatalf("%d reminders at T-24h; want 1", len(rs))
	}
	day := flows.Result{Replies: rs}
	mustSay(t, day, "Reminder:", "Karim Benali", "Tuesday 1 December", "14:00–14:30", "Room: Atlas",
		"Our pricing and the first hires.", "still coming?", "[✅ Yes, I'll be there] [✖️ Cancel session]")
	if d, _ := replyButton(rs[0], "Yes"); d != "oh:ok:B-0001" {
		t.Errorf("Yes button data = %q", d)
	}
	if d, _ := replyButton(rs[0], "Cancel"); d != "oh:c:B-0001" {
		t.Errorf("Cancel button data = %q; want the /mybookings one", d)
	}
	ms := w.mentors.reminders()
	if len(ms) != 1 || ms[0].Before != 24*time.Hour || ms[0].Booking.ID != "B-0001" || ms[0].Mentor.Name != "Karim Benali" ||
		ms[0].Booking.Agenda != "Our pricing and the first hires." || ms[0].Booking.Who.Name != "Founder tg:1" || len(ms[0].Previous) != 0 {
		t.Fatalf("mentor reminders at T-24h = %+v", ms)
	}

	w.setNow(time.Date(2026, 12, 1, 13, 0, 0, 0, casablanca))
	both()
	both()
	rs = w.reminders("tg:1")
	if len(rs) != 2 || len(rs[1].Buttons) != 0 {
		t.Fatalf("reminders at T-1h = %+v; want a second one, without buttons", rs)
	}
	mustSay(t, flows.Result{Replies: rs[1:]}, "starts soon", "Karim Benali", "14:00–14:30", "Room: Atlas")
	if ms := w.mentors.reminders(); len(ms) != 2 || ms[1].Before != time.Hour || ms[0].Key == ms[1].Key {
		t.Errorf("mentor reminders = %+v; want the hour-before one too, under another key", ms)
	}
	if w.drops("oh_remind:24h")+w.drops("oh_remind:1h") != 0 {
		t.Errorf("dropped %v; want none", w.dropped)
	}
}

// TestSessionReminderButtons: Yes only thanks; Cancel is /mybookings'
// cancel, with its confirmation and its cut-off.
func TestSessionReminderButtons(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-15:00 every 30")
	w.bookFirst("tg:1", "en", "Tech", "Karim") // 14:00, B-0001
	w.bookFirst("tg:2", "en", "Tech", "Karim") // 14:30, B-0002
	w.at(time.November, 30, 14, 30)
	if len(w.reminders("tg:1")) != 1 || len(w.reminders("tg:2")) != 1 {
		t.Fatalf("day-before reminders: %d and %d; want one each", len(w.reminders("tg:1")), len(w.reminders("tg:2")))
	}
	first, second := w.reminders("tg:1")[0], w.reminders("tg:2")[0]

	yes, _ := replyButton(first, "Yes")
	mustSay(t, w.data("tg:1", "en", yes), "Thank you!", "Karim Benali", "Tuesday 1 December", "14:00–14:30")
	if s := w.status("B-0001"); s != flows.StatusBooked {
		t.Errorf("status after Yes = %s", s)
	}
	mustSay(t, w.data("tg:2", "en", yes), "no longer booked") // not theirs

	cancel, _ := replyButton(first, "Cancel")
	res := w.data("tg:1", "en", cancel)
	mustSay(t, res, "Cancel your session with <b>Karim Benali</b>?")
	if s := w.status("B-0001"); s != flows.StatusBooked {
		t.Fatalf("status before the confirmation = %s", s)
	}
	res = w.press("tg:1", "en", res, "Yes, cancel it")
	mustSay(t, res, "is cancelled")
	if s := w.status("B-0001"); s != flows.StatusCancelled || len(officehours.EventsIn(res)) != 1 || officehours.EventsIn(res)[0].Kind != officehours.EventCancelled {
		t.Errorf("after Cancel: status %s, events %+v", s, officehours.EventsIn(res))
	}
	mustSay(t, w.data("tg:1", "en", yes), "no longer booked")

	// Within the 12-hour cut-off, Cancel sends the founder to staff.
	w.at(time.December, 1, 3, 0)
	cancel, _ = replyButton(second, "Cancel")
	mustSay(t, w.data("tg:2", "en", cancel), "too late to change it here", "@startgate_team")
	if s := w.status("B-0002"); s != flows.StatusBooked {
		t.Errorf("status after a late Cancel = %s", s)
	}

	// The cancelled session gets no hour-before reminder; the other does.
	w.at(time.December, 1, 13, 30)
	if n, m := len(w.reminders("tg:1")), len(w.reminders("tg:2")); n != 1 || m != 2 {
		t.Errorf("reminders: tg:1 %d, tg:2 %d; want 1 and 2", n, m)
	}
	if n := w.drops("oh_remind:1h"); n != 0 {
		t.Errorf("a cancelled session's reminder counted as dropped late (%d)", n)
	}
}

// TestSessionRemindersFollowTheBooking: a moved session is reminded at
// its new time only; one cancelled by staff is not reminded.
func TestSessionRemindersFollowTheBooking(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30", "2026-12-03 10:00-10:30")
	w.mentor("Nadia Alaoui", []string{"tech"}, 0, "2026-12-02 16:00-16:30")
	w.bookFirst("tg:1", "en", "Tech", "Karim") // 1 December 14:00
	w.bookFirst("tg:2", "en", "Tech", "Nadia") // 2 December 16:00
	res := w.cmd("tg:1", "en", "mybookings")
	res = w.press("tg:1", "en", res, "Move")
	res = w.press("tg:1", "en", res, "Thursday 3 December")
	res = w.press("tg:1", "en", res, "10:00–")
	mustSay(t, w.press("tg:1", "en", res, "✅"), "Your session is moved")
	// A job of the booking as it was before the move, as one left over
	// from a race would be: it must do nothing.
	stale := flows.Job{ID: "oh_remind:B-0001:old:24h", Kind: officehours.KindSessionRemind, Subject: "B-0001", Version: 0,
		Due: time.Date(2026, 11, 30, 14, 0, 0, 0, casablanca)}
	if err := w.env.Store.ScheduleJob(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.oh.CancelSlot(context.Background(), "S3", flows.Actor{ID: "slack:U1"}); err != nil {
		t.Fatal(err)
	}

	w.at(time.November, 30, 14, 0) // the old day-before time
	w.at(time.December, 1, 13, 0)  // the old hour-before time
	w.at(time.December, 1, 16, 0)  // tg:2's day-before time
	if n, m := len(w.reminders("tg:1")), len(w.reminders("tg:2")); n != 0 || m != 0 {
		t.Fatalf("reminders at old or cancelled times: tg:1 %d, tg:2 %d", n, m)
	}
	w.at(time.December, 2, 10, 0)
	rs := w.reminders("tg:1")
	if len(rs) != 1 {
		t.Fatalf("%d reminders at the new day-before time; want 1", len(rs))
	}
	mustSay(t, flows.Result{Replies: rs}, "Thursday 3 December", "10:00–10:30")
	w.at(time.December, 2, 15, 0) // tg:2's hour-before time
	if n := len(w.reminders("tg:2")); n != 0 {
		t.Errorf("%d reminders of a session staff cancelled", n)
	}
	w.at(time.December, 3, 9, 0)
	if rs := w.reminders("tg:1"); len(rs) != 2 || !strings.Contains(rs[1].Text, "10:00–10:30") {
		t.Errorf("reminders = %+v; want the hour-before one at the new time", rs)
	}
	if ms := w.mentors.reminders(); len(ms) != 2 || ms[0].Booking.Seq != 1 || ms[0].Booking.Slot != "S2" {
		t.Errorf("mentor reminders = %+v; want two, of the moved booking", ms)
	}
}

// TestSessionRemindersCatchUp: after downtime, a reminder still goes
// while it means something; the rest are dropped and counted.
func TestSessionRemindersCatchUp(t *testing.T) {
	setup := func(t *testing.T) *remindWorld {
		w := newRemindWorld(t)
		w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30 room Atlas")
		w.bookFirst("tg:1", "en", "Tech", "Karim")
		return w
	}
	t.Run("past the hour-before time", func(t *testing.T) {
		w := setup(t)
		w.at(time.December, 1, 13, 30)
		rs := w.reminders("tg:1")
		if len(rs) != 1 || !strings.Contains(rs[0].Text, "starts soon") {
			t.Fatalf("reminders = %+v; want only the hour-before one", rs)
		}
		if w.drops("oh_remind:24h") != 1 || w.drops("oh_remind:1h") != 0 {
			t.Errorf("dropped %v; want the day-before one", w.dropped)
		}
		if ms := w.mentors.reminders(); len(ms) != 1 || ms[0].Before != time.Hour {
			t.Errorf("mentor reminders = %+v; want the hour-before one", ms)
		}
	})
	t.Run("late day-before, within the cut-off", func(t *testing.T) {
		w := setup(t)
		w.at(time.December, 1, 10, 0)
		rs := w.reminders("tg:1")
		if len(rs) != 1 {
			t.Fatalf("%d reminders; want the late day-before one", len(rs))
		}
		mustSay(t, flows.Result{Replies: rs}, "Reminder:", "too late to cancel here", "@startgate_team", "[✅ Yes, I'll be there]")
		if _, ok := replyButton(rs[0], "Cancel"); ok {
			t.Error("Cancel offered within the cut-off")
		}
		w.at(time.December, 1, 13, 0)
		if n := len(w.reminders("tg:1")); n != 2 {
			t.Errorf("%d reminders; want the hour-before one too", n)
		}
	})
	t.Run("past the start", func(t *testing.T) {
		w := setup(t)
		w.at(time.December, 1, 14, 5)
		if n := len(w.reminders("tg:1")); n != 0 {
			t.Errorf("%d reminders for a session that started", n)
		}
		if w.drops("oh_remind:24h") != 1 || w.drops("oh_remind:1h") != 1 {
			t.Errorf("dropped %v; want both", w.dropped)
		}
		if ms := w.mentors.reminders(); len(ms) != 0 {
			t.Errorf("mentor reminded of a session that started: %+v", ms)
		}
	})
}

// TestSessionRemindersQuietHours: the day-before reminder that falls in
// the night goes the evening before at 21:00; the hour-before one never moves.
func TestSessionRemindersQuietHours(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 23:00-23:30", "2026-12-02 07:30-08:00")
	w.bookFirst("tg:1", "en", "Tech", "Karim") // 1 December 23:00
	w.bookFirst("tg:2", "en", "Tech", "Karim") // 2 December 07:30
	w.at(time.November, 30, 20, 59)
	if n, m := len(w.reminders("tg:1")), len(w.reminders("tg:2")); n != 0 || m != 0 {
		t.Fatalf("reminders before 21:00: %d, %d", n, m)
	}
	w.at(time.November, 30, 21, 0)
	if n, m := len(w.reminders("tg:1")), len(w.reminders("tg:2")); n != 1 || m != 1 {
		t.Fatalf("day-before reminders at 21:00: %d, %d; want one each", n, m)
	}
	w.at(time.December, 1, 21, 59)
	w.at(time.December, 1, 22, 0)
	if rs := w.reminders("tg:1"); len(rs) != 2 || !strings.Contains(rs[1].Text, "23:00–23:30") {
		t.Errorf("tg:1 reminders = %+v; want the hour-before one at 22:00", rs)
	}
	w.at(time.December, 2, 6, 30)
	if rs := w.reminders("tg:2"); len(rs) != 2 || !strings.Contains(rs[1].Text, "07:30–08:00") {
		t.Errorf("tg:2 reminders = %+v; want the hour-before one at 06:30", rs)
	}
}

// TestMentorPrepBrief: the mentor's reminder recalls their last session
// with the founder and what came of it, but never the founder's rating or
// comment (founders are told these go to the team: the review found them
// in the mentor's DM); a failed call is retried, the founder's reminder
// is not sent twice.
func TestMentorPrepBrief(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30", "2026-12-03 14:00-14:30")
	w.bookFirst("tg:1", "en", "Tech", "Karim") // B-0001, 1 December
	w.bookFirst("tg:1", "en", "Tech", "Karim") // B-0002, 3 December
	w.at(time.November, 30, 14, 0)
	if ms := w.mentors.reminders(); len(ms) != 1 || len(ms[0].Previous) != 0 {
		t.Fatalf("first brief = %+v; want no earlier session", ms)
	}
	w.at(time.December, 1, 14, 30)
	ctx := context.Background()
	if _, err := w.env.Store.RateBooking(ctx, "B-0001", "tg:1", 4, "Great advice on pricing", w.clock()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.oh.RecordOutcome(ctx, "B-0001", flows.StatusHeld, flows.Actor{ID: "slack:UKAR1"}); err != nil {
		t.Fatal(err)
	}

	w.mentors.mu.Lock()
	w.mentors.fail = 1
	w.mentors.mu.Unlock()
	w.at(time.December, 2, 14, 0)
	if n := len(w.mentors.reminders()); n != 1 {
		t.Fatalf("%d mentor reminders after a failed call; want still 1", n)
	}
	w.at(time.December, 2, 14, 2) // the job's lease (a minute) is over: retried
	ms := w.mentors.reminders()
	if len(ms) != 2 {
		t.Fatalf("%d mentor reminders after the retry; want 2", len(ms))
	}
	brief := ms[1]
	if brief.Booking.ID != "B-0002" || brief.Before != 24*time.Hour || len(brief.Previous) != 1 {
		t.Fatalf("brief = %+v", brief)
	}
	if p := brief.Previous[0]; p.ID != "B-0001" || p.Status != flows.StatusHeld {
		t.Errorf("previous session = %+v", p)
	}
	if p := brief.Previous[0]; p.Rating != 0 || p.Comment != "" {
		t.Errorf("the mentor's brief carries the founder's rating %d and comment %q", p.Rating, p.Comment)
	}
	w.mentors.mu.Lock()
	keys := w.mentors.keys
	w.mentors.mu.Unlock()
	if len(keys) != 3 || keys[1] != keys[2] || keys[1] != brief.Key {
		t.Errorf("keys of the calls = %v; want the retry under the failed call's key", keys)
	}
	if rs := w.reminders("tg:1"); len(rs) != 2 {
		t.Errorf("founder got %d day-before reminders; want 2 (one per session)", len(rs))
	}
}

// TestSessionReminderBookedLate: a session 32 hours ahead whose day-before
// moment falls in the quiet hours, already past their eve, gets its
// reminder when the quiet hours end rather than none.
func TestSessionReminderBookedLate(t *testing.T) {
	w := newRemindWorld(t)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-02 07:00-07:30")
	w.at(time.November, 30, 23, 0)
	w.bookFirst("tg:1", "en", "Tech", "Karim") // 2 December 07:00, 32 hours ahead
	w.at(time.December, 1, 7, 59)
	if n := len(w.reminders("tg:1")); n != 0 {
		t.Fatalf("reminders in the quiet hours: %d", n)
	}
	w.at(time.December, 1, 8, 0)
	if rs := w.reminders("tg:1"); len(rs) != 1 {
		t.Errorf("reminders at 08:00 the day before = %d; want the day-before one", len(rs))
	}
}
