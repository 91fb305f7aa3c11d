package application

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Kinds of reminder jobs.
const (
	KindDraftNudge   = "draft_nudge"
	KindInfoReminder = "info_reminder"
)

// Silence before each nudge about an unfinished draft: at most two.
var nudgeAfter = [...]time.Duration{24 * time.Hour, 72 * time.Hour}

// Before the application deadline, drafts get a nudge at each of these.
var deadlineBefore = [...]time.Duration{7 * 24 * time.Hour, 48 * time.Hour}

// infoReminderAfter is how long a staff question may wait for an answer
// before the founder is reminded, once.
const infoReminderAfter = 72 * time.Hour

// RemindersConfig is what the hub decides about reminders.
type RemindersConfig struct {
	Hub      string
	TZ       *time.Location
	Deadline time.Time // APPLICATION_DEADLINE, for the embedded default program; zero: none
	// Programs are the form's (nil: the embedded default); a call's
	// closing time is its drafts' deadline.
	Programs *Programs
	// Quiet hours in the hub's time zone, when no reminder is sent:
	// from QuietFrom to QuietTo (hours, default 22 to 8).
	QuietFrom, QuietTo int
}

// ReminderStore is what reminders need from storage; *store.Redis has it.
type ReminderStore interface {
	flows.JobStore
	LoadSession(ctx context.Context, f flows.FounderID, updateID string) (flows.Session, int64, bool, error)
	UpdateSession(ctx context.Context, f flows.FounderID, fn func(*flows.Session) error) (flows.Session, error)
	Application(ctx context.Context, id string) (flows.Application, error)
}

// Reminders sends the nudges about unfinished drafts and unanswered
// questions, through the outbox, each at most once.
type Reminders struct {
	store ReminderStore
	out   flows.Outbox
	cat   *flows.Catalog
	cfg   RemindersConfig
}

// NewReminders returns the reminders; Register them on a Scheduler.
func NewReminders(st ReminderStore, out flows.Outbox, cat *flows.Catalog, cfg RemindersConfig) *Reminders {
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.QuietFrom == 0 && cfg.QuietTo == 0 {
		cfg.QuietFrom, cfg.QuietTo = 22, 8
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	if cfg.Programs == nil {
		cfg.Programs = DefaultPrograms()
	}
	return &Reminders{store: st, out: out, cat: cat, cfg: cfg}
}

// Register sets the scheduler's handlers for reminder jobs.
func (r *Reminders) Register(s *flows.Scheduler) { s.HandleAll(r.jobs()) }

func (r *Reminders) jobs() map[string]flows.JobHandler {
	return map[string]flows.JobHandler{KindDraftNudge: r.draftNudge, KindInfoReminder: r.infoReminder}
}

// draftOf is the program and call of a stored draft (see Form.current).
func (r *Reminders) draftOf(s *flows.Session) (draft, bool) {
	var pid, cid string
	if _, err := s.Get(keyProgram, &pid); err != nil {
		return draft{}, false
	}
	if _, err := s.Get(keyCall, &cid); err != nil {
		return draft{}, false
	}
	return r.cfg.Programs.draft(pid, cid)
}

// deadline is when the draft's call closes: APPLICATION_DEADLINE for the
// embedded default's call, which has no closing time of its own.
func (r *Reminders) deadline(d draft) time.Time {
	if d.c.Closes.IsZero() {
		return r.cfg.Deadline
	}
	return d.c.Closes
}

// marks are the reminders a draft got: nudges after silence, and the
// bits of the deadline nudges (bit i: deadlineBefore[i]).
type marks struct{ nudges, deadline int }

func readMarks(s *flows.Session) (marks, error) {
	var m marks
	var err error
	if m.nudges, err = intKey(s, keyNudges); err != nil {
		return m, err
	}
	m.deadline, err = intKey(s, keyDeadline)
	return m, err
}

// awake moves t out of the quiet hours, to their end.
func (r *Reminders) awake(t time.Time) time.Time {
	l := t.In(r.cfg.TZ)
	h := l.Hour()
	quiet := h >= r.cfg.QuietFrom || h < r.cfg.QuietTo
	if r.cfg.QuietFrom < r.cfg.QuietTo { // quiet hours within one day
		quiet = h >= r.cfg.QuietFrom && h < r.cfg.QuietTo
	}
	if !quiet {
		return t
	}
	end := time.Date(l.Year(), l.Month(), l.Day(), r.cfg.QuietTo, 0, 0, 0, r.cfg.TZ)
	if !end.After(l) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

func draftJobID(f flows.FounderID) string { return "nudge:" + string(f) }

// nextNudge says when the next reminder about a draft is due and which:
// "silence" after 24h then 72h without an answer, "deadline" 7 days and
// 48 hours before the deadline. ok is false when none is left.
func (r *Reminders) nextNudge(s flows.Session) (at time.Time, ok bool, err error) {
	if s.Flow != flowApply {
		return at, false, nil
	}
	m, err := readMarks(&s)
	if err != nil {
		return at, false, err
	}
	consider := func(t time.Time) {
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	d, found := r.draftOf(&s)
	if !found {
		return at, false, nil
	}
	deadline := r.deadline(d)
	if m.nudges < len(nudgeAfter) {
		consider(s.Touched.Add(nudgeAfter[m.nudges]))
	}
	if !deadline.IsZero() && s.Started.Before(deadline) {
		for i, d := range deadlineBefore {
			// A draft started after a nudge's moment skips that nudge.
			if at := deadline.Add(-d); m.deadline&(1<<i) == 0 && at.After(s.Started) {
				consider(at)
			}
		}
	}
	if ok {
		at = r.awake(at)
	}
	// The call's closing is told when it happens, whatever the hour.
	if c := d.c.Closes; !c.IsZero() && (!ok || c.Before(at)) {
		at, ok = c, true
	}
	return at, ok, nil
}

func (r *Reminders) scheduleDraft(ctx context.Context, f flows.FounderID, s flows.Session) error {
	at, ok, err := r.nextNudge(s)
	if !ok || err != nil {
		return err
	}
	return r.store.ScheduleJob(ctx, flows.Job{ID: draftJobID(f), Kind: KindDraftNudge, Subject: string(f), Version: s.Started.Unix(), Due: at})
}

// draftNudge sends the reminder that is due about a founder's draft, if
// the draft is still there and still silent, then schedules the next one.
func (r *Reminders) draftNudge(ctx context.Context, j flows.Job, now time.Time) error {
	f := flows.FounderID(j.Subject)
	s, _, _, err := r.store.LoadSession(ctx, f, "")
	if err != nil {
		return err
	}
	if s.Flow != flowApply || s.Started.Unix() != j.Version {
		return nil // submitted, cancelled or started anew: this job is stale
	}
	at, ok, err := r.nextNudge(s)
	if !ok || err != nil {
		return err
	}
	m, err := readMarks(&s)
	if err != nil {
		return err
	}
	if at.After(now) { // the founder answered since, or it is night: later
		return r.store.ScheduleJob(ctx, flows.Job{ID: j.ID, Kind: j.Kind, Subject: j.Subject, Version: j.Version, Due: at})
	}
	d, _ := r.draftOf(&s) // found: nextNudge found it
	if !d.c.Closes.IsZero() && !now.Before(d.c.Closes) {
		return r.callClosed(ctx, j, s, d)
	}
	deadline := r.deadline(d)
	lang := r.cat.Resolve(s.Lang, s.Hint)
	data := []any{"Hub", r.programName(lang, d.p), "Total", d.total(),
		"Date", deadline.In(r.cfg.TZ).Format("2006-01-02")}
	var id, key string
	deadlineBit := -1
	for i := len(deadlineBefore) - 1; i >= 0; i-- { // the latest deadline nudge due wins
		at := deadline.Add(-deadlineBefore[i])
		if !deadline.IsZero() && m.deadline&(1<<i) == 0 && !now.Before(at) && at.After(s.Started) {
			deadlineBit = i
			break
		}
	}
	if deadlineBit >= 0 {
		id, key = "deadline_nudge_"+strconv.Itoa(deadlineBit), fmt.Sprintf("nudge:%s:%d:d%d", f, j.Version, deadlineBit)
		if !d.c.Closes.IsZero() { // a draft kept for a program's next call gets that call's nudges too
			key += ":" + d.c.ID
		}
	} else {
		id, key = "draft_nudge", fmt.Sprintf("nudge:%s:%d:s%d", f, j.Version, m.nudges)
	}
	reply := flows.Reply{Text: r.cat.N(lang, id, len(s.Answers), data...),
		Buttons: [][]flows.Button{{{Label: r.cat.T(lang, "btn_continue"), Data: "m:apply"}}}}
	if _, err := r.out.Enqueue(ctx, key, flows.Outgoing{Founder: f, Reply: reply}, "reminders"); err != nil {
		return fmt.Errorf("queue %s: %w", key, err)
	}
	s, err = r.store.UpdateSession(ctx, f, func(s *flows.Session) error {
		if s.Started.Unix() != j.Version {
			return errStale
		}
		m, err := readMarks(s)
		if err != nil {
			return err
		}
		if deadlineBit >= 0 {
			for i := 0; i <= deadlineBit; i++ { // a later nudge covers the earlier
				m.deadline |= 1 << i
			}
			return s.Set(keyDeadline, m.deadline)
		}
		return s.Set(keyNudges, m.nudges+1)
	})
	if errors.Is(err, errStale) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.scheduleDraft(ctx, f, s)
}

var errStale = errors.New("stale")

func (r *Reminders) programName(lang string, p *Program) string {
	if len(p.Name) == 0 {
		return r.cat.Value(lang, r.cfg.Hub)
	}
	return r.cat.Value(lang, p.Name[lang])
}

// callClosed tells a founder whose draft was still open that the call
// closed: the draft goes on in the program's next call when that call
// asks the same questions, else it is dropped.
func (r *Reminders) callClosed(ctx context.Context, j flows.Job, s flows.Session, d draft) error {
	f := flows.FounderID(j.Subject)
	lang := r.cat.Resolve(s.Lang, s.Hint)
	next := d.p.sameNext(d.c)
	var reply flows.Reply
	if next != nil {
		reply = flows.Reply{Text: r.cat.T(lang, "call_closed_kept", "Program", r.programName(lang, d.p),
			"Date", next.Opens.In(r.cfg.TZ).Format("2006-01-02 15:04"))}
	} else {
		reply = flows.Reply{Text: r.cat.T(lang, "call_closed", "Program", r.programName(lang, d.p))}
	}
	key := fmt.Sprintf("closed:%s:%d:%s", f, j.Version, d.c.ID)
	if _, err := r.out.Enqueue(ctx, key, flows.Outgoing{Founder: f, Reply: reply}, "reminders"); err != nil {
		return fmt.Errorf("queue %s: %w", key, err)
	}
	s, err := r.store.UpdateSession(ctx, f, func(s *flows.Session) error {
		var cid string
		if _, err := s.Get(keyCall, &cid); err != nil {
			return err
		}
		if s.Flow != flowApply || s.Started.Unix() != j.Version || (cid != d.c.ID && cid != "") {
			return errStale
		}
		if next != nil {
			return moveToCall(s.Set, next)
		}
		s.Flow, s.Step, s.Pending, s.Answers, s.Started = "", "", "", nil, time.Time{}
		s.Nonce++
		for _, k := range draftKeys {
			if err := s.Set(k, nil); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errStale):
		return nil
	case err != nil:
		return err
	case next == nil:
		return nil
	}
	return r.scheduleDraft(ctx, f, s)
}

// scheduleInfoReminder is called when staff ask a question.
func (r *Reminders) scheduleInfoReminder(ctx context.Context, a flows.Application, now time.Time) error {
	return r.store.ScheduleJob(ctx, flows.Job{ID: "info:" + a.ID, Kind: KindInfoReminder, Subject: a.ID,
		Version: int64(len(a.Info)), Due: r.awake(now.Add(infoReminderAfter))})
}

// infoReminder reminds a founder, once, of a question still unanswered.
func (r *Reminders) infoReminder(ctx context.Context, j flows.Job, now time.Time) error {
	a, err := r.store.Application(ctx, j.Subject)
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	n := len(a.Info)
	if a.Status != flows.StatusInfoRequested || int64(n) != j.Version || a.Info[n-1].Answer != "" {
		return nil
	}
	if at := r.awake(now); at.After(now) {
		return r.store.ScheduleJob(ctx, flows.Job{ID: j.ID, Kind: j.Kind, Subject: j.Subject, Version: j.Version, Due: at})
	}
	s, _, _, err := r.store.LoadSession(ctx, a.Founder, "")
	if err != nil {
		return err
	}
	lang := r.cat.Resolve(s.Lang, a.Lang)
	reply := flows.Reply{Text: r.cat.T(lang, "info_reminder", "ID", a.ID, "Hub", r.cat.Value(lang, r.cfg.Hub),
		"Note", r.cat.Value(lang, a.Info[n-1].Question))}
	_, err = r.out.Enqueue(ctx, fmt.Sprintf("info:%s:%d", a.ID, n), flows.Outgoing{Founder: a.Founder, Reply: reply}, "reminders")
	return err
}
