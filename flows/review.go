package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows/input"
)

// ReviewStore is what staff review needs from storage; *store.Redis has it.
type ReviewStore interface {
	Application(ctx context.Context, id string) (Application, error)
	ListApplications(ctx context.Context, status Status, skip, limit int) ([]Application, int, error)
	// UpdateApplication applies fn to the stored application atomically:
	// fn may run more than once, on fresh data each time, and nothing is
	// written when it returns an error.
	UpdateApplication(ctx context.Context, id string, fn func(*Application) error) (Application, error)
	// UpdateSession applies fn to a founder's session atomically, like UpdateApplication.
	UpdateSession(ctx context.Context, f FounderID, fn func(*Session) error) (Session, error)
}

// Actor is a staff member acting on applications.
type Actor struct {
	ID   string // "slack:U024BE7LH"
	Name string // how people see them, such as "@karim"
}

// transitions lists where each status may go by a staff decision. A
// founder's answer to a request for information returns the application
// to the status it had (Prev).
var transitions = map[Status][]Status{
	StatusSubmitted:     {StatusShortlisted, StatusAccepted, StatusRejected, StatusInfoRequested},
	StatusShortlisted:   {StatusAccepted, StatusRejected, StatusInfoRequested},
	StatusInfoRequested: {StatusAccepted, StatusRejected},
}

// CanMove reports whether staff may move an application from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Next lists the statuses staff may move an application to from s.
func Next(s Status) []Status { return transitions[s] }

// TransitionError says why a decision was refused: the application is
// not in a status it can leave that way, often because someone else
// decided first (Last says who).
type TransitionError struct {
	ID       string
	From, To Status
	Last     *AuditEntry
}

func (e *TransitionError) Error() string {
	if e.Last != nil {
		return fmt.Sprintf("application %s is already %s (by %s)", e.ID, e.From, e.Last.ByName)
	}
	return fmt.Sprintf("application %s cannot go from %s to %s", e.ID, e.From, e.To)
}

// ErrNoteRequired: asking a founder for information needs the question.
var ErrNoteRequired = errors.New("a question is required")

// Outgoing is a message for a founder, to be sent by their transport.
type Outgoing struct {
	Founder FounderID
	Reply   Reply
	// Document, when set, is sent right after Reply, as part of the same
	// message: once, and never before it.
	Document *Document
}

// ReviewConfig is what the hub decides about reviews.
type ReviewConfig struct {
	Hub       string
	NextSteps string         // told to accepted founders
	TZ        *time.Location // for "this week" in Stats
}

// Review is the staff side of applications.
type Review struct {
	store ReviewStore
	cat   *Catalog
	cfg   ReviewConfig
	// Reminders, when set, reminds founders of unanswered questions.
	Reminders *Reminders
	Now       func() time.Time
}

// NewReview returns the staff review service.
func NewReview(st ReviewStore, cat *Catalog, cfg ReviewConfig) *Review {
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.Hub == "" {
		cfg.Hub = "StartGate"
	}
	return &Review{store: st, cat: cat, cfg: cfg, Now: time.Now}
}

// Application returns one application.
func (r *Review) Application(ctx context.Context, id string) (Application, error) {
	return r.store.Application(ctx, id)
}

// List returns applications newest first (all when status is empty) and how many match.
func (r *Review) List(ctx context.Context, status Status, skip, limit int) ([]Application, int, error) {
	return r.store.ListApplications(ctx, status, skip, limit)
}

// Decide moves an application to status to on behalf of a staff member,
// with note as the reason (or, for StatusInfoRequested, the question), and
// returns it with the message that tells the founder. Of two decisions
// racing on one application exactly one is applied; the other gets a
// *TransitionError naming who decided.
func (r *Review) Decide(ctx context.Context, id string, to Status, by Actor, note string) (Application, Outgoing, error) {
	note = strings.TrimSpace(note)
	if to == StatusInfoRequested && note == "" {
		return Application{}, Outgoing{}, ErrNoteRequired
	}
	now := r.Now()
	var lang string
	if to == StatusInfoRequested {
		// Prepared before the status changes, and harmless if it does not:
		// the founder's next message answers the question only if the
		// application awaits it, and the reminder checks the same.
		cur, err := r.store.Application(ctx, id)
		if err != nil {
			return cur, Outgoing{}, err
		}
		s, err := r.store.UpdateSession(ctx, cur.Founder, func(s *Session) error {
			s.AwaitingInfo = cur.ID
			return nil
		})
		if err != nil {
			return cur, Outgoing{}, fmt.Errorf("await the answer of %s: %w", cur.Founder, err)
		}
		lang = r.cat.Resolve(s.Lang, cur.Lang)
		if r.Reminders != nil {
			cur.Info = append(cur.Info, InfoRequest{}) // the question about to be asked
			if err := r.Reminders.scheduleInfoReminder(ctx, cur, now); err != nil {
				return cur, Outgoing{}, err
			}
		}
	}
	a, err := r.store.UpdateApplication(ctx, id, func(a *Application) error {
		if !CanMove(a.Status, to) {
			te := &TransitionError{ID: a.ID, From: a.Status, To: to}
			if n := len(a.Audit); n > 0 {
				te.Last = &a.Audit[n-1]
			}
			return te
		}
		if to == StatusInfoRequested {
			a.Prev = a.Status
			a.Info = append(a.Info, InfoRequest{Question: note, AskedBy: by.Name, AskedAt: now})
		}
		a.Audit = append(a.Audit, AuditEntry{At: now, By: by.ID, ByName: by.Name, From: a.Status, To: to, Note: note})
		a.Status, a.Updated = to, now
		return nil
	})
	if err != nil {
		return a, Outgoing{}, err
	}
	if lang == "" {
		lang = a.Lang
	}
	return a, Outgoing{Founder: a.Founder, Reply: r.decisionReply(a, lang, note)}, nil
}

func (r *Review) decisionReply(a Application, lang, note string) Reply {
	v := func(s string) string { // empty stays empty: templates test {{if .Note}}
		if s == "" {
			return ""
		}
		return r.cat.Value(lang, s)
	}
	data := []any{"ID", a.ID, "Startup", v(a.Answers["startup"]), "Hub", v(r.cfg.Hub), "Note", v(note)}
	if a.Status == StatusAccepted {
		data = append(data, "NextSteps", v(r.cfg.NextSteps))
	}
	return Reply{Text: r.cat.T(lang, "decision_"+string(a.Status), data...),
		Buttons: [][]Button{{{Label: r.cat.T(lang, "btn_status"), Data: "m:status"}}}}
}

// Stats are counts of applications.
type Stats struct {
	Total    int
	ThisWeek int // submitted since Monday 00:00 in the hub's time zone
	ByStatus map[Status]int
	BySector map[string]int
	ByStage  map[string]int
}

// Stats counts all applications.
func (r *Review) Stats(ctx context.Context) (Stats, error) {
	apps, _, err := r.store.ListApplications(ctx, "", 0, 1<<30)
	if err != nil {
		return Stats{}, err
	}
	now := r.Now().In(r.cfg.TZ)
	y, m, d := now.Date()
	monday := time.Date(y, m, d-(int(now.Weekday())+6)%7, 0, 0, 0, 0, r.cfg.TZ)
	st := Stats{ByStatus: map[Status]int{}, BySector: map[string]int{}, ByStage: map[string]int{}}
	for _, a := range apps {
		st.Total++
		st.ByStatus[a.Status]++
		st.BySector[a.Answers["sector"]]++
		st.ByStage[a.Answers["stage"]]++
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
func (c *conv) answerInfo(typed string) (bool, error) {
	answer := input.Clean(typed, maxInfoAnswer)
	if answer == "" {
		return false, nil
	}
	id := c.s.AwaitingInfo
	a, err := c.e.store.UpdateApplication(c.ctx, id, func(a *Application) error {
		n := len(a.Info)
		if n > 0 && a.Info[n-1].Answer == answer && a.Status != StatusInfoRequested {
			return nil // recorded by an earlier attempt of this same event
		}
		if a.Status != StatusInfoRequested || n == 0 || a.Info[n-1].Answer != "" {
			return errNoQuestion
		}
		a.Info[n-1].Answer, a.Info[n-1].AnsweredAt = answer, c.now
		a.Audit = append(a.Audit, AuditEntry{At: c.now, By: string(a.Founder), ByName: founderName(a),
			From: StatusInfoRequested, To: a.Prev, Note: answer})
		a.Status, a.Prev, a.Updated = a.Prev, "", c.now
		return nil
	})
	c.s.AwaitingInfo = ""
	switch {
	case errors.Is(err, errNoQuestion), errors.Is(err, ErrNotFound):
		return false, nil // staff decided meanwhile: the text is an ordinary message
	case err != nil:
		return false, fmt.Errorf("answer question on %s: %w", id, err)
	}
	c.answered = &a
	c.say(c.t("info_thanks", "ID", a.ID))
	return true, nil
}

func founderName(a *Application) string {
	if a.Handle != "" {
		return "@" + a.Handle
	}
	return a.Name
}

// SetStaffMessage records where staff's Slack message about an
// application is, so that later decisions update it in place.
func (r *Review) SetStaffMessage(ctx context.Context, id, channel, ts string) error {
	_, err := r.store.UpdateApplication(ctx, id, func(a *Application) error {
		a.StaffChannel, a.StaffTS = channel, ts
		return nil
	})
	return err
}

// Digest is what staff need to see each morning.
type Digest struct {
	Since, Until time.Time
	New          []Application // submitted in the period
	Answered     []Application // founders answered staff's question in the period
	Waiting      int           // submitted or shortlisted: waiting on staff
	OnFounders   int           // info requested: waiting on founders
	// Sessions are the office-hours sessions booked for the day (filled
	// by the caller, which knows office hours).
	Sessions []SlotListing
}

// Digest gathers the applications that moved between since and until.
func (r *Review) Digest(ctx context.Context, since, until time.Time) (Digest, error) {
	apps, _, err := r.store.ListApplications(ctx, "", 0, 1<<30)
	if err != nil {
		return Digest{}, err
	}
	d := Digest{Since: since, Until: until}
	in := func(t time.Time) bool { return !t.Before(since) && t.Before(until) }
	for _, a := range apps {
		switch a.Status {
		case StatusSubmitted, StatusShortlisted:
			d.Waiting++
		case StatusInfoRequested:
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
