package store

import (
	"encoding/json"
	"errors"

	"context"
	"fmt"
	"github.com/redis/go-redis/v9"
	"time"

	"github.com/startgate/founderbot/flows"
)

// DataPart is one family of a founder's data: what /mydata shows of it
// (Export, under Section) and how /forgetme erases it. flows/privacy
// defines the same interface; a new family (introductions, say) adds a
// part to DataParts, and the erasure test checks it leaves nothing.
type DataPart interface {
	Section() string
	// Export returns what the part holds about f, for JSON; nil when nothing.
	Export(ctx context.Context, f flows.FounderID) (any, error)
	// Erase deletes or anonymises it; running it again does no harm.
	Erase(ctx context.Context, f flows.FounderID, now time.Time) error
}

type part struct {
	section string
	export  func(ctx context.Context, f flows.FounderID) (any, error)
	erase   func(ctx context.Context, f flows.FounderID, now time.Time) error
}

func (p part) Section() string { return p.section }
func (p part) Export(ctx context.Context, f flows.FounderID) (any, error) {
	if p.export == nil {
		return nil, nil
	}
	return p.export(ctx, f)
}
func (p part) Erase(ctx context.Context, f flows.FounderID, now time.Time) error {
	return p.erase(ctx, f, now)
}

// DataParts are the families of founders' data this store keeps, in the
// order they must be erased: jobs and messages first (they name
// applications, bookings and introductions, which the later parts
// anonymise), the sweep last.
func (r *Redis) DataParts() []DataPart {
	return []DataPart{
		part{"pending_jobs", r.exportJobs, r.eraseJobs},
		part{"queued_messages", r.exportOutbox, r.eraseOutbox},
		part{"introductions", r.exportIntros, r.eraseIntros},
		part{"office_hours", r.exportOfficeHours, r.eraseOfficeHours},
		part{"applications", r.exportApplications, r.eraseApplications},
		part{"profile", r.exportProfile, r.eraseProfile},
		part{"other_keys", nil, r.sweep},
	}
}

// profileData is the directory's entry and the stored session: the
// founder's language, the flow under way, drafts' answers.
type profileData struct {
	Directory *flows.Founder `json:"directory,omitempty"`
	Session   *flows.Session `json:"session,omitempty"`
}

func (r *Redis) exportProfile(ctx context.Context, f flows.FounderID) (any, error) {
	var out profileData
	d, ok, err := r.Founder(ctx, f)
	if err != nil {
		return nil, err
	}
	if ok {
		out.Directory = &d
	}
	s, ver, _, err := r.LoadSession(ctx, f, "")
	if err != nil {
		return nil, err
	}
	if ver > 0 {
		out.Session = &s
	}
	return out, nil
}

func (r *Redis) exportApplications(ctx context.Context, f flows.FounderID) (any, error) {
	return r.Applications(ctx, f)
}

// bookingData is a booking as its founder may see it: the session, the
// topic and agenda, the rating and comment they gave; not who recorded
// its outcome.
type bookingData struct {
	ID          flows.BookingID     `json:"id"`
	Mentor      flows.MentorID      `json:"mentor"`
	Who         flows.FounderInfo   `json:"who"`
	Topic       string              `json:"topic,omitempty"`
	Agenda      string              `json:"agenda,omitempty"`
	Start       time.Time           `json:"start"`
	End         time.Time           `json:"end"`
	Place       flows.Place         `json:"place"`
	Status      flows.BookingStatus `json:"status"`
	Reschedules int                 `json:"reschedules,omitempty"`
	Created     time.Time           `json:"created"`
	Rating      int                 `json:"rating,omitempty"`
	Comment     string              `json:"comment,omitempty"`
}

type officeHoursData struct {
	Bookings  []bookingData    `json:"bookings,omitempty"`
	Waitlists []flows.MentorID `json:"waitlists,omitempty"` // mentors they wait for
	Offers    []flows.SlotID   `json:"offers,omitempty"`    // slots offered to them
}

// founderOH: KEYS mentors, slots; ARGV prefix, founder: the mentors whose
// waitlist has the founder, and the slots offered to them.
var founderOH = ohScript(`
local f, w, o = ARGV[2], {}, {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('ZSCORE', P .. 'wait:' .. m, f) then w[#w + 1] = m end
end
for _, s in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('HGET', P .. 'slot:' .. s, 'offer_to') == f then o[#o + 1] = s end
end
return {w, o}
`)

func (r *Redis) exportOfficeHours(ctx context.Context, f flows.FounderID) (any, error) {
	var out officeHoursData
	ids, err := founderBookingIDs.Run(ctx, r.rdb, []string{r.ohKey("bookings")}, r.ohKey(""), string(f)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", f, err)
	}
	for _, id := range ids {
		b, err := r.Booking(ctx, flows.BookingID(id))
		if err != nil {
			return nil, err
		}
		out.Bookings = append(out.Bookings, bookingData{ID: b.ID, Mentor: b.Mentor, Who: b.Who, Topic: b.Topic,
			Agenda: b.Agenda, Start: b.Start, End: b.End, Place: b.Place, Status: b.Status,
			Reschedules: b.Reschedules, Created: b.Created, Rating: b.Rating, Comment: b.Comment})
	}
	v, err := founderOH.Run(ctx, r.rdb, []string{r.ohKey("mentors"), r.ohKey("slots")}, r.ohKey(""), string(f)).Slice()
	if err != nil {
		return nil, fmt.Errorf("waitlists of %s: %w", f, err)
	}
	for _, m := range v[0].([]any) {
		out.Waitlists = append(out.Waitlists, flows.MentorID(m.(string)))
	}
	for _, s := range v[1].([]any) {
		out.Offers = append(out.Offers, flows.SlotID(s.(string)))
	}
	return out, nil
}

type jobData struct {
	Kind  string    `json:"kind"`
	About string    `json:"about"`
	Due   time.Time `json:"due"`
}

// exportJobs lists the pending jobs about the founder, their
// applications or bookings: reminders and prompts still to come.
func (r *Redis) exportJobs(ctx context.Context, f flows.FounderID) (any, error) {
	subj, err := r.subjects(ctx, f)
	if err != nil {
		return nil, err
	}
	ids, err := r.rdb.ZRange(ctx, r.jobsKey("due"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	want := map[string]bool{}
	for _, s := range subj {
		want[s] = true
	}
	var out []jobData
	for _, id := range ids {
		j, err := r.job(ctx, id)
		if err != nil {
			return nil, err
		}
		if j != nil && want[j.Subject] {
			out = append(out, jobData{Kind: j.Kind, About: j.Subject, Due: j.Due})
		}
	}
	return out, nil
}

type messageData struct {
	Text string `json:"text"`
}

func (r *Redis) exportOutbox(ctx context.Context, f flows.FounderID) (any, error) {
	msgs, err := r.queuedFor(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []messageData
	for _, m := range msgs {
		out = append(out, messageData{Text: m.Outgoing.Reply.Text})
	}
	return out, nil
}

// job reads one job; nil when it is gone.
func (r *Redis) job(ctx context.Context, id string) (*flows.Job, error) {
	d, err := r.rdb.HGet(ctx, r.jobsKey("job:"+id), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", id, err)
	}
	var j flows.Job
	if err := json.Unmarshal(d, &j); err != nil {
		return nil, fmt.Errorf("decode job %s: %w", id, err)
	}
	return &j, nil
}
