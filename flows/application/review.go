package application

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// ReviewStore is what staff review needs from storage; *store.Redis has it.
type ReviewStore interface {
	Application(ctx context.Context, id string) (flows.Application, error)
	ListApplications(ctx context.Context, status flows.Status, skip, limit int) ([]flows.Application, int, error)
	// UpdateApplication applies fn to the stored application atomically:
	// fn may run more than once, on fresh data each time, and nothing is
	// written when it returns an error.
	UpdateApplication(ctx context.Context, id string, fn func(*flows.Application) error) (flows.Application, error)
	// UpdateSession applies fn to a founder's session atomically, like UpdateApplication.
	UpdateSession(ctx context.Context, f flows.FounderID, fn func(*flows.Session) error) (flows.Session, error)
}

// transitions lists where each status may go by a staff decision. A
// founder's answer to a request for information returns the application
// to the status it had (Prev).
var transitions = map[flows.Status][]flows.Status{
	flows.StatusSubmitted:     {flows.StatusShortlisted, flows.StatusAccepted, flows.StatusRejected, flows.StatusInfoRequested},
	flows.StatusShortlisted:   {flows.StatusAccepted, flows.StatusRejected, flows.StatusInfoRequested},
	flows.StatusInfoRequested: {flows.StatusAccepted, flows.StatusRejected},
}

// CanMove reports whether staff may move an application from one status to another.
func CanMove(from, to flows.Status) bool { return slices.Contains(transitions[from], to) }

// Next lists the statuses staff may move an application to from s.
func Next(s flows.Status) []flows.Status { return transitions[s] }

// TransitionError says why a decision was refused: the application is
// not in a status it can leave that way, often because someone else
// decided first (Last says who).
type TransitionError struct {
	ID       string
	From, To flows.Status
	Last     *flows.AuditEntry
}

func (e *TransitionError) Error() string {
	if e.Last != nil {
		return fmt.Sprintf("application %s is already %s (by %s)", e.ID, e.From, e.Last.ByName)
	}
	return fmt.Sprintf("application %s cannot go from %s to %s", e.ID, e.From, e.To)
}

// ErrNoteRequired: asking a founder for information needs the question.
var ErrNoteRequired = errors.New("a question is required")

// ReviewConfig is what the hub decides about reviews.
type ReviewConfig struct {
	Hub       string
	NextSteps string         // told to accepted founders
	TZ        *time.Location // for "this week" in Stats
	// Programs are the form's (nil: the embedded default).
	Programs *Programs
}

// Review is the staff side of applications.
type Review struct {
	store ReviewStore
	cat   *flows.Catalog
	cfg   ReviewConfig
	// Reminders, when set, reminds founders of unanswered questions.
	Reminders *Reminders
	Now       func() time.Time
}

// NewReview returns the staff review service.
func NewReview(st ReviewStore, cat *flows.Catalog, cfg ReviewConfig) *Review {
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	if cfg.Programs == nil {
		cfg.Programs = DefaultPrograms()
	}
	return &Review{store: st, cat: cat, cfg: cfg, Now: time.Now}
}

// Application returns one application.
func (r *Review) Application(ctx context.Context, id string) (flows.Application, error) {
	return r.store.Application(ctx, id)
}

// List returns applications newest first (all when status is empty) and how many match.
func (r *Review) List(ctx context.Context, status flows.Status, skip, limit int) ([]flows.Application, int, error) {
	return r.store.ListApplications(ctx, status, skip, limit)
}

// Decide moves an application to status to on behalf of a staff member,
// with note as the reason (or, for StatusInfoRequested, the question), and
// returns it with the message that tells the founder. Of two decisions
// racing on one application exactly one is applied; the other gets a
// *TransitionError naming who decided.
func (r *Review) Decide(ctx context.Context, id string, to flows.Status, by flows.Actor, note string) (flows.Application, flows.Outgoing, error) {
	note = strings.TrimSpace(note)
	if to == flows.StatusInfoRequested && note == "" {
		return flows.Application{}, flows.Outgoing{}, ErrNoteRequired
	}
	now := r.Now()
	var lang string
	if to == flows.StatusInfoRequested {
		// Prepared before the status changes, and harmless if it does not:
		// the founder's next message answers the question only if the
		// application awaits it, and the reminder checks the same.
		cur, err := r.store.Application(ctx, id)
		if err != nil {
			return cur, flows.Outgoing{}, err
		}
		s, err := r.store.UpdateSession(ctx, cur.Founder, func(s *flows.Session) error {
			return s.Set(keyAwaitingInfo, cur.ID)
		})
		if err != nil {
			return cur, flows.Outgoing{}, fmt.Errorf("await the answer of %s: %w", cur.Founder, err)
		}
		lang = r.cat.Resolve(s.Lang, cur.Lang)
		if r.Reminders != nil {
			cur.Info = append(cur.Info, flows.InfoRequest{}) // the question about to be asked
			if err := r.Reminders.scheduleInfoReminder(ctx, cur, now); err != nil {
				return cur, flows.Outgoing{}, err
			}
		}
	}
	a, err := r.store.UpdateApplication(ctx, id, func(a *flows.Application) error {
		if !CanMove(a.Status, to) {
			te := &TransitionError{ID: a.ID, From: a.Status, To: to}
			if n := len(a.Audit); n > 0 {
				te.Last = &a.Audit[n-1]
			}
			return te
		}
		if to == flows.StatusInfoRequested {
			a.Prev = a.Status
			a.Info = append(a.Info, flows.InfoRequest{Question: note, AskedBy: by.Name, AskedAt: now})
		}
		a.Audit = append(a.Audit, flows.AuditEntry{At: now, By: by.ID, ByName: by.Name, From: a.Status, To: to, Note: note})
		a.Status, a.Updated = to, now
		return nil
	})
	if err != nil {
		return a, flows.Outgoing{}, err
	}
	if lang == "" {
		lang = a.Lang
	}
	return a, flows.Outgoing{Founder: a.Founder, Reply: r.decisionReply(a, lang, note)}, nil
}

func (r *Review) decisionReply(a flows.Application, lang, note string) flows.Reply {
	v := func(s string) string { // empty stays empty: templates test {{if .Note}}
		if s == "" {
			return ""
		}
		return r.cat.Value(lang, s)
	}
	data := []any{"ID", a.ID, "Startup", v(a.Answers["startup"]), "Hub", v(r.cfg.Hub), "Note", v(note)}
	if a.Status == flows.StatusAccepted {
		data = append(data, "NextSteps", v(r.cfg.NextSteps))
	}
	return flows.Reply{Text: r.cat.T(lang, "decision_"+string(a.Status), data...),
		Buttons: [][]flows.Button{{{Label: r.cat.T(lang, "btn_status"), Data: "m:status"}}}}
}

// Stats are counts of applications.
type Stats struct {
	Total    int
	ThisWeek int // submitted since Monday 00:00 in the hub's time zone
	ByStatus map[flows.Status]int
	BySector map[string]int
	ByStage  map[string]int
	ByCall   map[string]int // by the call applied to ("" before programs)
}

// Stats counts all applications.
func (r *Review) Stats(ctx context.Context) (Stats, error) { return r.StatsIn(ctx, "") }

// StatsIn counts the applications to a program (all for "").
func (r *Review) StatsIn(ctx context.Context, program string) (Stats, error) {
	apps, _, err := r.ListIn(ctx, program, "", 0, 1<<30)
	if err != nil {
		return Stats{}, err
	}
	now := r.Now().In(r.cfg.TZ)
	y, m, d := now.Date()
	monday := time.Date(y, m, d-(int(now.Weekday())+6)%7, 0, 0, 0, 0, r.cfg.TZ)
	st := Stats{ByStatus: map[flows.Status]int{}, BySector: map[string]int{}, ByStage: map[string]int{}, ByCall: map[string]int{}}
	for _, a := range apps {
		st.Total++
		st.ByStatus[a.Status]++
		st.BySector[a.Answers["sector"]]++
		st.ByStage[a.Answers["stage"]]++
		st.ByCall[a.Call]++
		if !a.Submitted.Before(monday) {
			st.ThisWeek++
		}
	}
	return st, nil
}

// maxInfoAnswer bounds a founder's answer to a staff question.
const maxInfoAnswer = 2000

// errNoQuestion: the founder's text answers no open question after all.
var errNoQuestion = errors.New("no open question")

// answerInfo records the founder's text as the answer to staff's question
// and returns the application to the status it had.
func (f *Form) answerInfo(t *flows.Turn, typed string) (bool, error) {
	var id string
	if !t.Get(keyAwaitingInfo, &id) || id == "" {
		return false, nil
	}
	answer := input.Clean(typed, maxInfoAnswer)
	if answer == "" {
		return false, nil
	}
	now := t.Now()
	a, err := f.store.UpdateApplication(t.Context(), id, func(a *flows.Application) error {
		n := len(a.Info)
		if n > 0 && a.Info[n-1].Answer == answer && a.Status != flows.StatusInfoRequested {
			return nil // recorded by an earlier attempt of this same event
		}
		if a.Status != flows.StatusInfoRequested || n == 0 || a.Info[n-1].Answer != "" {
			return errNoQuestion
		}
		a.Info[n-1].Answer, a.Info[n-1].AnsweredAt = answer, now
		a.Audit = append(a.Audit, flows.AuditEntry{At: now, By: string(a.Founder), ByName: founderName(a),
			From: flows.StatusInfoRequested, To: a.Prev, Note: answer})
		a.Status, a.Prev, a.Updated = a.Prev, "", now
		return nil
	})
	t.Set(keyAwaitingInfo, "")
	switch {
	case errors.Is(err, errNoQuestion), errors.Is(err, flows.ErrNotFound):
		return false, nil // staff decided meanwhile: the text is an ordinary message
	case err != nil:
		return false, fmt.Errorf("answer question on %s: %w", id, err)
	}
	t.Notify(Answered{Application: a})
	t.Say(t.T("info_thanks", "ID", a.ID))
	return true, nil
}

func founderName(a *flows.Application) string {
	if a.Handle != "" {
		return "@" + a.Handle
	}
	return a.Name
}

// SetStaffMessage records where staff's Slack message about an
// application is, so that later decisions update it in place.
func (r *Review) SetStaffMessage(ctx context.Context, id, channel, ts string) error {
	_, err := r.store.UpdateApplication(ctx, id, func(a *flows.Application) error {
		a.StaffChannel, a.StaffTS = channel, ts
		return nil
	})
	return err
}

// Digest is what staff need to see each morning.
type Digest struct {
	Since, Until time.Time
	New          []flows.Application // submitted in the period
	Answered     []flows.Application // founders answered staff's question in the period
	Waiting      int                 // submitted or shortlisted: waiting on staff
	OnFounders   int                 // info requested: waiting on founders
	// Sessions are the office-hours sessions booked for the day (filled
	// by the caller, which knows office hours).
	Sessions []flows.SlotListing
}

// Digest gathers the applications that moved between since and until.
func (r *Review) Digest(ctx context.Context, since, until time.Time) (Digest, error) {
	return r.DigestIn(ctx, since, until, "")
}

// DigestIn is Digest for the applications to one program (all for "").
func (r *Review) DigestIn(ctx context.Context, since, until time.Time, program string) (Digest, error) {
	apps, _, err := r.ListIn(ctx, program, "", 0, 1<<30)
	if err != nil {
		return Digest{}, err
	}
	d := Digest{Since: since, Until: until}
	in := func(t time.Time) bool { return !t.Before(since) && t.Before(until) }
	for _, a := range apps {
		switch a.Status {
		case flows.StatusSubmitted, flows.StatusShortlisted:
			d.Waiting++
		case flows.StatusInfoRequested:
			d.OnFounders++
		}
		if in(a.Submitted) {
			d.New = append(d.New, a)
		}
		if n := len(a.Info); n > 0 && a.Info[n-1].Answer != "" && in(a.Info[n-1].AnsweredAt) {
			d.Answered = append(d.Answered, a)
		}
	}
	return d, nil
}
