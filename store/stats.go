package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// Figures for operators' dashboards (bot/ops reads them at scrape time).
// Each costs a few round trips and, for applications and bookings, reads
// them all: callers cache the result for a few seconds.
//
//	fb:{unreachable}:all       set     founders marked unreachable (see SetUnreachable)

func (r *Redis) unreachableIndex() string { return r.prefix + "{unreachable}:all" }

// OutboxStats returns how many messages wait in the outbox (or are being
// sent) and when the oldest of them was queued (zero when none waits).
func (r *Redis) OutboxStats(ctx context.Context) (depth int64, oldest time.Time, err error) {
	pipe := r.rdb.Pipeline()
	n := pipe.XLen(ctx, r.streamKey())
	first := pipe.XRangeN(ctx, r.streamKey(), "-", "+", 1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, time.Time{}, fmt.Errorf("outbox stats: %w", err)
	}
	if msgs := first.Val(); len(msgs) > 0 {
		// A stream ID starts with the milliseconds of its XADD.
		ms, perr := strconv.ParseInt(strings.SplitN(msgs[0].ID, "-", 2)[0], 10, 64)
		if perr == nil {
			oldest = time.UnixMilli(ms)
		}
	}
	return n.Val(), oldest, nil
}

// ApplicationCounts returns how many submitted applications have each status.
func (r *Redis) ApplicationCounts(ctx context.Context) (map[flows.Status]int64, error) {
	apps, _, err := r.ListApplications(ctx, "", 0, 1<<30)
	if err != nil {
		return nil, err
	}
	counts := map[flows.Status]int64{}
	for _, a := range apps {
		counts[a.Status]++
	}
	return counts, nil
}

// IntroCounts returns how many introduction requests are in each state.
func (r *Redis) IntroCounts(ctx context.Context) (map[intro.State]int64, error) {
	ins, err := r.Intros(ctx)
	if err != nil {
		return nil, err
	}
	counts := map[intro.State]int64{}
	for _, in := range ins {
		counts[in.State]++
	}
	return counts, nil
}

// UnreachableCount returns how many founders are marked unreachable.
func (r *Redis) UnreachableCount(ctx context.Context) (int64, error) {
	n, err := r.rdb.SCard(ctx, r.unreachableIndex()).Result()
	if err != nil {
		return 0, fmt.Errorf("count unreachable founders: %w", err)
	}
	return n, nil
}

// BookingCounts returns how many office-hours bookings, of any time, have each status.
func (r *Redis) BookingCounts(ctx context.Context) (map[flows.BookingStatus]int64, error) {
	l, err := r.hashesBetween(ctx, "bookings", "booking", "-inf", "+inf")
	if err != nil {
		return nil, fmt.Errorf("count bookings: %w", err)
	}
	bs, err := bookingsOf(l)
	if err != nil {
		return nil, err
	}
	counts := map[flows.BookingStatus]int64{}
	for _, b := range bs {
		counts[b.Status]++
	}
	return counts, nil
}
