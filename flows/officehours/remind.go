package officehours

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Session reminders: the founder and the mentor hear about a session a
// day before and an hour before. Each is a job of the booking's Seq, so
// a cancelled or moved booking's old reminders do nothing; moving a
// booking schedules them anew under the same job IDs.
//
// Timing. The hour-before reminder goes exactly then, at night too: the
// founder needs it whenever the session is. The day-before one that falls
// in the quiet hours goes earlier, in the evening before they begin, at
// the latest an hour before (21:00 for quiet hours from 22 to 8): it
// carries the Cancel button, and earlier leaves more time to use it.
//
// Catch-up after downtime. A reminder still goes late while it means
// something: the day-before one until the hour-before one's time (from
// then on that one says it all, so the late day-before one is dropped),
// the hour-before one until the session starts. A reminder for a session
// that has started is dropped. Both drops are counted (Dropped) and
// logged.

// sessionReminder is one reminder before a session: its name is the end
// of its job ID and of its outbox key.
type sessionReminder struct {
	name   string
	before time.Duration
}

// sessionReminders are in the order they go out.
var sessionReminders = [...]sessionReminder{{"24h", 24 * time.Hour}, {"1h", time.Hour}}

// prepSessions is how many earlier sessions a mentor's brief recalls.
const prepSessions = 3

// MentorNotifier tells mentors of their sessions to come; the Slack side
// implements it. A call returns an error only when trying again may
// help: the reminder is then retried after its job's lease, until the
// session starts.
type MentorNotifier interface {
	MentorReminder(ctx context.Context, r MentorReminder) error
}

// MentorReminder is a reminder to a mentor of a session: a prep brief
// with the founder's startup, stage and agenda (in Booking) and what
// came of their earlier sessions together. It never carries the
// founder's ratings or comments: founders are told those go to the team.
type MentorReminder struct {
	Booking flows.Booking
	Mentor  flows.Mentor
	Before  time.Duration // 24h or 1h: which reminder this is
	// Previous are the founder's earlier sessions with the mentor, newest
	// first (at most 3): Status is the outcome; Rating and Comment are
	// always empty.
	Previous []flows.Booking
	// Key is the same on every attempt of this reminder and differs
	// between reminders: a notifier that can remember keys sends once.
	Key string
}

func remindJobID(id flows.BookingID, name string) string {
	return "oh_remind:" + string(id) + ":" + name
}

// remindAt is when a reminder before a session that starts at start is
// due; see the timing rules above.
func (o *OfficeHours) remindAt(start time.Time, before time.Duration) time.Time {
	at := start.Add(-before)
	if before < 24*time.Hour {
		return at
	}
	l := at.In(o.cfg.TZ)
	from, to, h := o.cfg.QuietFrom, o.cfg.QuietTo, l.Hour()
	if from == to {
		return at // no quiet hours
	}
	quiet := h >= from || h < to
	if from < to { // quiet hours within one day
		quiet = h >= from && h < to
	}
	if !quiet {
		return at
	}
	begin := time.Date(l.Year(), l.Month(), l.Day(), from, 0, 0, 0, o.cfg.TZ)
	if begin.After(l) { // past midnight: they began the evening before
		begin = begin.AddDate(0, 0, -1)
	}
	return begin.Add(-time.Hour)
}

// quietEnd is t, or the end of the quiet hours t falls in.
func (o *OfficeHours) quietEnd(t time.Time) time.Time {
	l := t.In(o.cfg.TZ)
	from, to, h := o.cfg.QuietFrom, o.cfg.QuietTo, l.Hour()
	quiet := from != to && (h >= from || h < to)
	if from < to {
		quiet = h >= from && h < to
	}
	if !quiet {
		return t
	}
	end := time.Date(l.Year(), l.Month(), l.Day(), to, 0, 0, 0, o.cfg.TZ)
	if !end.After(l) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// scheduleReminders schedules the reminders of a booking just made or
// moved. One whose time has passed is not sent at all: a founder who
// books 20 hours ahead needs no day-before reminder. The job of a
// reminder not scheduled is removed, lest an earlier time's one linger.
func (o *OfficeHours) scheduleReminders(ctx context.Context, b flows.Booking, now time.Time) {
	for _, r := range sessionReminders {
		id := remindJobID(b.ID, r.name)
		var err error
		// remindAt is never later than the exact time. When the quiet hours
		// moved it into the past (booked 24 to 34 hours ahead), it goes when
		// they end instead, if that is still well before the session.
		at, exact := o.remindAt(b.Start, r.before), b.Start.Add(-r.before)
		if !at.After(now) && exact.After(now) {
			at = o.quietEnd(exact)
		}
		// A day-before reminder that would come within the last hour is left
		// to the hour-before one.
		if at.After(now) && (r.before <= time.Hour || at.Before(b.Start.Add(-time.Hour))) {
			err = o.store.ScheduleJob(ctx, flows.Job{ID: id, Kind: KindSessionRemind, Subject: string(b.ID), Version: int64(b.Seq), Due: at})
		} else {
			err = o.store.CancelJob(ctx, id)
		}
		if err != nil { // the booking stands; only a reminder may be missing
			o.log.Error("schedule session reminder", "job", id, "err", err)
		}
	}
}

// unscheduleReminders removes a cancelled booking's reminders. They would
// do nothing anyway (the booking's Seq went up): this only tidies.
func (o *OfficeHours) unscheduleReminders(ctx context.Context, id flows.BookingID) {
	for _, r := range sessionReminders {
		if err := o.store.CancelJob(ctx, remindJobID(id, r.name)); err != nil {
			o.log.Warn("remove session reminder", "booking", id, "err", err)
		}
	}
}

// sessionReminder sends a reminder that came due, to the founder then to
// the mentor, unless the booking changed since or it is too late.
func (o *OfficeHours) sessionReminder(ctx context.Context, j flows.Job, now time.Time) error {
	i := strings.LastIndexByte(j.ID, ':')
	idx := -1
	for k, r := range sessionReminders {
		if i >= 0 && j.ID[i+1:] == r.name {
			idx = k
		}
	}
	if idx < 0 {
		o.log.Warn("session reminder of unknown kind dropped", "job", j.ID)
		return nil
	}
	r := sessionReminders[idx]
	b, err := o.store.Booking(ctx, flows.BookingID(j.Subject))
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !b.Active() || int64(b.Seq) != j.Version {
		return nil // cancelled or moved: a newer job, if any, reminds
	}
	late := !now.Before(b.Start)
	if next := idx + 1; !late && next < len(sessionReminders) {
		late = !now.Before(b.Start.Add(-sessionReminders[next].before)) // the next reminder says it all
	}
	if late {
		o.log.Warn("session reminder came due too late; dropped", "job", j.ID, "start", b.Start, "now", now)
		if o.Dropped != nil {
			o.Dropped("oh_remind:" + r.name)
		}
		return nil
	}
	m, err := o.mentor(ctx, b.Mentor)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("oh_remind:%s:%d:%s", b.ID, b.Seq, r.name)
	if err := o.remindFounder(ctx, b, m, r, key, now); err != nil {
		return err
	}
	// The mentor comes last: when the call fails the job is retried, and
	// the founder's message, already queued under its key, is not sent again.
	if o.MentorReminders == nil || m.Removed {
		return nil
	}
	prev, err := o.store.PastSessions(ctx, b.Mentor, b.Founder, now, prepSessions)
	if err != nil {
		return fmt.Errorf("prep brief of %s: %w", b.ID, err)
	}
	for i := range prev {
		prev[i].Rating, prev[i].Comment = 0, "" // the team's, not the mentor's
	}
	mr := MentorReminder{Booking: b, Mentor: m, Before: r.before, Previous: prev, Key: key}
	// At most once, like the outbox: a retry after a lost answer, or a
	// second replica after a lease ran out, must not DM the mentor again.
	first, err := o.store.MarkSending(ctx, "mentor:"+key)
	if err != nil || !first {
		return err
	}
	if err := o.MentorReminders.MentorReminder(ctx, mr); err != nil {
		if uerr := o.store.UnmarkSending(ctx, "mentor:"+key); uerr != nil {
			o.log.Error("unmark mentor reminder", "key", key, "err", uerr)
		}
		return fmt.Errorf("remind mentor %s of %s: %w", b.Mentor, b.ID, err)
	}
	return nil
}

// remindFounder queues the founder's reminder: the day before, the
// session with "still coming?" and a Cancel button while the founder may
// still cancel; the hour before, when and where.
func (o *OfficeHours) remindFounder(ctx context.Context, b flows.Booking, m flows.Mentor, r sessionReminder, key string, now time.Time) error {
	lang, err := o.founderLang(ctx, b.Founder, b.Who.Lang)
	if err != nil {
		return err
	}
	name := o.mentorName(lang, m, b.Mentor)
	var reply flows.Reply
	if r.before >= 24*time.Hour {
		contact := "" // set when it is too late to cancel here
		row := []flows.Button{{Label: o.tr(lang, "book_btn_coming"), Data: "oh:ok:" + string(b.ID)}}
		if b.Start.Sub(now) >= o.cfg.Rules.CancelCutoff {
			row = append(row, flows.Button{Label: o.tr(lang, "book_btn_cancel_session"), Data: "oh:c:" + string(b.ID)})
		} else {
			contact = o.contact(lang)
		}
		agenda := "" // an empty one, isolated in Arabic, would not be empty
		if b.Agenda != "" {
			agenda = o.cat.Value(lang, b.Agenda)
		}
		reply = flows.Reply{Text: o.tr(lang, "book_remind_day", "Mentor", name,
			"Details", o.sessionDetails(lang, b.Start, b.End, b.Place),
			"Agenda", agenda, "Contact", contact), Buttons: [][]flows.Button{row}}
	} else {
		reply = flows.Reply{Text: o.tr(lang, "book_remind_hour", "Mentor", name,
			"Time", o.timeRange(lang, b.Start, b.End), "Zone", o.zoneLabel(lang, b.Start),
			"Place", o.placeLine(lang, b.Place))}
	}
	if _, err := o.out.Enqueue(ctx, key, flows.Outgoing{Founder: b.Founder, Reply: reply}, "office_hours"); err != nil {
		return fmt.Errorf("queue %s: %w", key, err)
	}
	return nil
}

// contact says how founders reach staff, outside a conversation.
func (o *OfficeHours) contact(lang string) string {
	if o.cfg.Contact != "" {
		return o.cat.Value(lang, o.cfg.Contact)
	}
	return o.tr(lang, "book_contact_team", "Hub", o.cat.Value(lang, o.cfg.Hub))
}

// coming is the "Yes, I'll be there" button of the day-before reminder:
// it only thanks the founder, the booking stays as it is.
func (o *OfficeHours) coming(t *flows.Turn, id flows.BookingID) error {
	b, err := o.store.Booking(t.Context(), id)
	if err != nil && !errors.Is(err, flows.ErrNotFound) {
		return fmt.Errorf("booking %s: %w", id, err)
	}
	if err != nil || b.Founder != t.Event().Founder || !b.Active() {
		t.Say(t.T("book_err_closed"), []flows.Button{{Label: t.T("book_btn_my"), Data: "oh:my"}})
		return nil
	}
	m, err := o.mentor(t.Context(), b.Mentor)
	if err != nil {
		return err
	}
	t.Say(t.T("book_coming_ok", "Mentor", o.mentorName(t.Lang(), m, b.Mentor), "Date", o.dayName(t.Lang(), b.Start),
		"Time", o.timeRange(t.Lang(), b.Start, b.End)))
	t.Ask()
	return nil
}
