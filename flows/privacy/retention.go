package privacy

import (
	"context"
	"time"

	"github.com/startgate/founderbot/flows"
)

// Retention is the daily job that anonymises what outlived its purpose:
// anonymise gets the cutoff, days before the occurrence. The Scheduler
// runs it on one replica per occurrence; anonymising is idempotent, so a
// retried occurrence does no harm.
func Retention(days int, anonymise func(ctx context.Context, cutoff time.Time) error) flows.Periodic {
	return flows.Periodic{Name: "retention", Spec: "30 3 * * *", CatchUp: 24 * time.Hour,
		Run: func(ctx context.Context, at time.Time) error {
			return anonymise(ctx, at.AddDate(0, 0, -days))
		}}
}
