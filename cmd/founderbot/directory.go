package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
	"github.com/startgate/founderbot/flows/privacy"
	"github.com/startgate/founderbot/store"
)

// directory is what records founders; *store.Redis has it.
type directory interface {
	Seen(ctx context.Context, f flows.FounderID, who flows.Founder, now time.Time) error
}

// withDirectory records every founder who writes to the bot, after the
// event is handled, in the founder directory. The store writes only when
// something changed (see store.Redis.Seen), so most updates cost nothing.
// A founder who just erased their data is not recorded again.
type withDirectory struct {
	engine
	dir directory
	log *slog.Logger
}

func (w withDirectory) Handle(ctx context.Context, ev flows.Event) (flows.Result, error) {
	res, err := w.engine.Handle(ctx, ev)
	if err != nil || res.Duplicate || ev.Group || privacy.ForgottenIn(res) {
		return res, err
	}
	who := flows.Founder{Name: input.Clean(ev.Name, 120), Handle: input.Clean(ev.Handle, 120), Lang: res.Lang}
	if err := w.dir.Seen(ctx, ev.Founder, who, time.Now()); err != nil {
		w.log.Warn("record founder in the directory", "founder", ev.Founder, "err", err)
	}
	return res, nil
}

// dataParts are the families of founders' data /mydata and /forgetme
// cover, in the order they are erased. A conversation that stores
// founders' data elsewhere adds its part here.
func dataParts(st *store.Redis) []privacy.Part {
	var parts []privacy.Part
	for _, p := range st.DataParts() {
		parts = append(parts, p)
	}
	return parts
}

// retention anonymises, daily, what is older than days (RETENTION_DAYS).
func retention(st *store.Redis, days int, log *slog.Logger) flows.Periodic {
	if days == 0 {
		days = 730
	}
	return privacy.Retention(days, func(ctx context.Context, cutoff time.Time) error {
		n, err := st.AnonymiseBefore(ctx, cutoff, time.Now())
		if err == nil {
			log.Info("retention: anonymised", "applications", n.Applications, "bookings", n.Bookings, "introductions", n.Intros, "before", cutoff)
		}
		return err
	})
}
