package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/officehours"
)

// engine is what the transports call: the flows engine, and what staff
// must hear of (new applications, answers to their questions).
type engine interface {
	Handle(ctx context.Context, ev flows.Event) (flows.Result, error)
	ErrorReply(lang string) flows.Reply
	SlowDownReply(lang string) flows.Reply
	Commands(lang string) []flows.Command
	Catalog() *flows.Catalog
}

// staffSide is what founders' events are told to; *slack.Staff has it.
type staffSide interface {
	Notify(ctx context.Context, n flows.Notification)
}

// withStaff passes founders' submissions and answers on to staff. Staff
// posts in the background, so the founder's reply never waits on Slack.
type withStaff struct {
	*flows.Engine
	staff staffSide
}

func (w withStaff) Handle(ctx context.Context, ev flows.Event) (flows.Result, error) {
	res, err := w.Engine.Handle(ctx, ev)
	if err != nil {
		return res, err
	}
	for _, n := range res.Notifications {
		w.staff.Notify(ctx, n)
	}
	return res, nil
}

// outgoingKey names a message a staff action sends. Each action sends
// once, so the key only needs to be unique: the outbox keeps it from
// being delivered twice after a crash.
func outgoingKey(o flows.Outgoing) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "staff:" + string(o.Founder) + ":" + hex.EncodeToString(b[:])
}

// schedulePosts adds the staff channel's periodic posts.
func schedulePosts(s *flows.Scheduler, cfg *config, review *application.Review, oh *officehours.OfficeHours, intros *intro.Intros, staff *slack.Staff) error {
	if cfg.digestCron != "off" {
		err := s.Every(flows.Periodic{Name: "digest", Spec: cfg.digestCron, Run: func(ctx context.Context, at time.Time) error {
			d, err := review.Digest(ctx, at.Add(-24*time.Hour), at)
			if err != nil {
				return err
			}
			if oh != nil {
				y, m, day := at.Date()
				start := time.Date(y, m, day, 0, 0, 0, 0, at.Location())
				slots, err := oh.ListSlots(ctx, "", start, start.AddDate(0, 0, 1))
				if err != nil {
					return err
				}
				for _, l := range slots {
					if l.Booking != nil {
						d.Sessions = append(d.Sessions, l)
					}
				}
			}
			return staff.PostDigest(ctx, d)
		}})
		if err != nil {
			return usagef("DIGEST_CRON: %v", err)
		}
	}
	// Posting a new application to Slack happens after the founder's reply
	// and is not in the outbox: if the process died in between, this
	// catches it up within five minutes, on one replica.
	err := s.Every(flows.Periodic{Name: "staff_repost", Spec: "*/5 * * * *", CatchUp: time.Hour, Run: func(ctx context.Context, at time.Time) error {
		apps, _, err := review.List(ctx, flows.StatusSubmitted, 0, 1<<30)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if a.StaffTS == "" && a.Submitted.Before(at.Add(-time.Minute)) {
				staff.Submitted(ctx, a)
			}
		}
		// Introduction requests likewise.
		if intros == nil {
			return nil
		}
		onStaff, _, err := intros.Waiting(ctx)
		if err != nil {
			return err
		}
		for _, in := range onStaff {
			if in.StaffTS == "" && in.Created.Before(at.Add(-time.Minute)) {
				staff.IntroRequested(ctx, in)
			}
		}
		return nil
	}})
	if err != nil {
		return err
	}
	if cfg.weeklyCron != "off" {
		err := s.Every(flows.Periodic{Name: "weekly_stats", Spec: cfg.weeklyCron, Run: func(ctx context.Context, _ time.Time) error {
			return staff.PostWeeklyStats(ctx)
		}})
		if err != nil {
			return usagef("WEEKLY_STATS_CRON: %v", err)
		}
	}
	return nil
}
