package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// Introductions in /mydata and /forgetme. A request's record
// (fb:{intro}:i:<id>) is named by its ID, not the founder, so the sweep
// never finds it: this part exports and anonymises it. Every key it
// touches has the {intro} hash tag.

// introData is a request as its founder may see it: what they gave, where
// it stands, and the contact's name and kind. Not the contact's private
// details, staff's decision notes, or the contact's reason unless the
// contact chose to share it, nor the contact's follow-up.
type introData struct {
	ID            string      `json:"id"`
	Contact       string      `json:"contact"`
	ContactName   string      `json:"contact_name,omitempty"`
	Kind          string      `json:"kind"`
	Topic         string      `json:"topic,omitempty"`
	Reason        string      `json:"reason"`
	Name          string      `json:"name,omitempty"`
	Handle        string      `json:"handle,omitempty"`
	Application   string      `json:"application,omitempty"`
	Startup       string      `json:"startup,omitempty"`
	Sector        string      `json:"sector,omitempty"`
	Stage         string      `json:"stage,omitempty"`
	Summary       string      `json:"summary,omitempty"`
	State         intro.State `json:"state"`
	Created       time.Time   `json:"created"`
	Updated       time.Time   `json:"updated"`
	Decided       time.Time   `json:"decided,omitzero"`
	Answered      time.Time   `json:"answered,omitzero"`
	ContactReason string      `json:"contact_reason,omitempty"`
	Followup      intro.Side  `json:"followup,omitzero"` // the founder's own answer
}

func (r *Redis) exportIntros(ctx context.Context, f flows.FounderID) (any, error) {
	l, err := r.FounderIntros(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []introData
	for _, in := range l {
		if in.Founder != f {
			continue // anonymised meanwhile
		}
		d := introData{ID: in.ID, Contact: string(in.Contact), Kind: in.Kind, Topic: in.Topic, Reason: in.Reason,
			Name: in.FounderName, Handle: in.FounderHandle, Application: in.AppID, Startup: in.Startup,
			Sector: in.Sector, Stage: in.Stage, Summary: in.Summary, State: in.State, Created: in.Created,
			Updated: in.Updated, Decided: in.Decided, Answered: in.Answered, Followup: in.FounderFollowup}
		if in.ShareReason {
			d.ContactReason = in.ContactReason
		}
		if m, err := r.Mentor(ctx, in.Contact); err == nil {
			d.ContactName = m.Name
		} else if !errors.Is(err, flows.ErrNotFound) {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// anonymousIntro is in without anything about its founder: the contact,
// kind, topic, sector, stage, state, dates and the follow-ups' answers
// and ratings stay for the stats; names, pitch, reasons, comments and
// staff's notes go. A request still open is withdrawn: nobody acts on it.
func anonymousIntro(in intro.Intro, now time.Time) intro.Intro {
	out := intro.Intro{ID: in.ID, Founder: AnonymousOwner, Lang: in.Lang, Sector: in.Sector, Stage: in.Stage,
		Contact: in.Contact, Kind: in.Kind, Topic: in.Topic, State: in.State, Version: in.Version + 1,
		Created: in.Created, Updated: in.Updated, DecidedBy: in.DecidedBy, Decided: in.Decided,
		Answered: in.Answered, Reminded: in.Reminded, FounderTold: in.FounderTold, ContactTold: in.ContactTold,
		Followups:       in.Followups,
		FounderFollowup: intro.Side{Met: in.FounderFollowup.Met, Rating: in.FounderFollowup.Rating},
		ContactFollowup: intro.Side{Met: in.ContactFollowup.Met, Rating: in.ContactFollowup.Rating}}
	if in.State.Open() {
		out.State, out.Updated = intro.StateWithdrawn, now
	}
	return out
}

// anonymiseIntro anonymises request id of f, retrying if a concurrent
// change (a staff click) wrote it meanwhile. It returns the contact.
func (r *Redis) anonymiseIntro(ctx context.Context, f flows.FounderID, id string, now time.Time) (flows.MentorID, error) {
	key := r.introKey("i:" + id)
	for range maxUpdateAttempts {
		old, err := r.rdb.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("introduction %s: %w", id, err)
		}
		var in intro.Intro
		if err := json.Unmarshal([]byte(old), &in); err != nil {
			return "", fmt.Errorf("decode introduction %s: %w", id, err)
		}
		if in.Founder != f {
			return in.Contact, nil // anonymised by an earlier run
		}
		d, err := json.Marshal(anonymousIntro(in, now))
		if err != nil {
			return "", fmt.Errorf("encode introduction %s: %w", id, err)
		}
		ok, err := compareAndSet.Run(ctx, r.rdb, []string{key}, old, d).Int() // if it is still the JSON read
		if err != nil {
			return "", fmt.Errorf("anonymise introduction %s: %w", id, err)
		}
		if ok == 1 {
			return in.Contact, nil
		}
	}
	return "", fmt.Errorf("anonymise introduction %s: still contended after %d attempts", id, maxUpdateAttempts)
}

// anonymiseClosedIntros anonymises, as /forgetme would, the requests
// closed (introduced, declined, expired, withdrawn) before cutoff, and
// takes them out of their founders' lists. Open requests wait for their
// outcome, and introduced ones for their follow-up while it is still
// scheduled: answers to it do not move Updated, and a short
// RETENTION_DAYS could otherwise cut the second round.
func (r *Redis) anonymiseClosedIntros(ctx context.Context, cutoff, now time.Time) (int, error) {
	all, err := r.Intros(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range all {
		if in.Founder == AnonymousOwner || in.State.Open() || !in.Updated.Before(cutoff) {
			continue
		}
		if in.State == intro.StateIntroduced {
			due, err := r.rdb.Exists(ctx, r.jobsKey("job:"+intro.KindFollowup+":"+in.ID)).Result()
			if err != nil {
				return n, fmt.Errorf("follow-up of %s: %w", in.ID, err)
			}
			if due == 1 {
				continue
			}
		}
		// The list first: a later run skips an anonymised request.
		if err := r.rdb.ZRem(ctx, r.introKey("f:"+string(in.Founder)), in.ID).Err(); err != nil {
			return n, fmt.Errorf("introductions of %s: %w", in.Founder, err)
		}
		if _, err := r.anonymiseIntro(ctx, in.Founder, in.ID, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// eraseIntros withdraws the founder's open requests and anonymises them
// all (their jobs went with the jobs part, which runs first; a job a
// racing click adds finds the request withdrawn), fails the queued
// messages about them (to the founder or the contact: an ask
// carries the pitch), then deletes the founder's index, open set and
// pair marks. The request IDs stay in fb:{intro}:all, pointing at the
// anonymised records. The action markers (op:<founder>:…) go in the sweep.
func (r *Redis) eraseIntros(ctx context.Context, f flows.FounderID, now time.Time) error {
	ids, err := r.introIDs(ctx, f)
	if err != nil {
		return err
	}
	dels := []string{r.introKey("f:" + string(f)), r.introKey("open:" + string(f))}
	for _, id := range ids {
		c, err := r.anonymiseIntro(ctx, f, id, now)
		if err != nil {
			return err
		}
		if c != "" {
			dels = append(dels, r.introKey("pair:"+string(f)+"|"+string(c)))
		}
	}
	// After the records: a staff click racing this erasure either lands
	// before (its message is failed here) or finds the request withdrawn.
	if err := r.failIntroMessages(ctx, ids); err != nil {
		return err
	}
	// One DEL: every key here has the {intro} tag, one Cluster slot.
	if err := r.rdb.Del(ctx, dels...).Err(); err != nil {
		return fmt.Errorf("forget introductions of %s: %w", f, err)
	}
	return nil
}

// failIntroMessages fails the queued messages about the requests ids
// (their keys are "intro:<id>:…"), as a message Telegram refused.
func (r *Redis) failIntroMessages(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	about := func(key string) bool {
		for _, id := range ids {
			if strings.HasPrefix(key, "intro:"+id+":") {
				return true
			}
		}
		return false
	}
	start := "-"
	for {
		xs, err := r.rdb.XRangeN(ctx, r.streamKey(), start, "+", 1000).Result()
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		for _, x := range xs {
			if k, _ := x.Values["k"].(string); about(k) {
				if err := r.FinishOutgoing(ctx, decodeOutgoing(x, 0), OutcomeFailed); err != nil {
					return err
				}
			}
		}
		if len(xs) < 1000 {
			return nil
		}
		start = "(" + xs[len(xs)-1].ID
	}
}

// introIDs lists the founder's request IDs, subjects of their intro jobs.
func (r *Redis) introIDs(ctx context.Context, f flows.FounderID) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, r.introKey("f:"+string(f)), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("introductions of %s: %w", f, err)
	}
	return ids, nil
}
