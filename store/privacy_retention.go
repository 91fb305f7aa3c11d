package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// Retention: what outlives its purpose is anonymised by a periodic job
// (flows/privacy.Retention), the way /forgetme anonymises it. Idle
// sessions need no job: every save gives the session a TTL (SessionTTL).

// SessionTTL is how long a session (with its drafts and the language a
// founder chose) lives after the founder last wrote. It outlives the
// Engine's draft expiry (30 days), so a founder returning after a month
// is still told their draft was dropped.
const SessionTTL = 60 * 24 * time.Hour

// decided are the statuses after which an application waits for nothing.
var decided = map[flows.Status]bool{flows.StatusAccepted: true, flows.StatusRejected: true}

// Anonymised counts what AnonymiseBefore anonymised.
type Anonymised struct {
	Applications, Bookings, Intros int
}

// AnonymiseBefore anonymises the decided applications last changed
// before cutoff, the bookings that started before it and the
// introduction requests closed before it. Running it again does nothing
// more.
func (r *Redis) AnonymiseBefore(ctx context.Context, cutoff, now time.Time) (Anonymised, error) {
	var n Anonymised
	ids, err := r.rdb.ZRangeByScore(ctx, r.allKey(), &redis.ZRangeBy{Min: "-inf", Max: "(" + ms(cutoff)}).Result()
	if err != nil {
		return n, fmt.Errorf("old applications: %w", err)
	}
	for _, id := range ids {
		owner, err := r.owner(ctx, id)
		if err != nil || owner == AnonymousOwner {
			continue // never submitted, or done already
		}
		a, err := r.Application(ctx, id)
		if err != nil || !decided[a.Status] || !a.Updated.Before(cutoff) {
			continue
		}
		if err := r.anonymiseApplication(ctx, owner, id); err != nil {
			return n, err
		}
		n.Applications++
	}
	const page = 500
	for off := 0; ; off += page {
		v, err := anonymiseBookings.Run(ctx, r.rdb, []string{r.ohKey("bookings")}, r.ohKey(""), ms(cutoff), off, page, ms(now)).Int64Slice()
		if err != nil {
			return n, fmt.Errorf("anonymise old bookings: %w", err)
		}
		n.Bookings += int(v[1])
		if v[0] < page {
			break
		}
	}
	n.Intros, err = r.anonymiseClosedIntros(ctx, cutoff, now)
	return n, err
}
