package main

import (
	"context"

	"github.com/startgate/founderbot/bot/ops"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/store"
)

// The label values of the state gauges: the domain's fixed sets. A status
// outside them (a newer version's, in a shared Redis) counts as "other".
var (
	appStatuses = []flows.Status{flows.StatusSubmitted, flows.StatusShortlisted, flows.StatusAccepted,
		flows.StatusRejected, flows.StatusInfoRequested}
	bookingStatuses = []flows.BookingStatus{flows.StatusBooked, flows.StatusCancelled, flows.StatusSlotCancelled,
		flows.StatusHeld, flows.StatusNoShow, flows.StatusMentorCancelled}
	introStates = []intro.State{intro.StateRequested, intro.StateApproved, intro.StateIntroduced, intro.StateStaffDeclined,
		intro.StateNotNow, intro.StateDeclined, intro.StateExpired, intro.StateWithdrawn}
)

// storeState reads what the dashboards show from the store's domain
// operations; ops.StateCollector caches and bounds it.
func storeState(st *store.Redis) ops.StateFunc {
	return func(ctx context.Context) (ops.State, error) {
		var s ops.State
		var err error
		if s.OutboxDepth, s.OutboxOldest, err = st.OutboxStats(ctx); err != nil {
			return s, err
		}
		if s.Unreachable, err = st.UnreachableCount(ctx); err != nil {
			return s, err
		}
		apps, err := st.ApplicationCounts(ctx)
		if err != nil {
			return s, err
		}
		s.Applications = bounded(apps, appStatuses)
		bookings, err := st.BookingCounts(ctx)
		if err != nil {
			return s, err
		}
		s.Bookings = bounded(bookings, bookingStatuses)
		intros, err := st.IntroCounts(ctx)
		if err != nil {
			return s, err
		}
		s.Introductions = bounded(intros, introStates)
		return s, nil
	}
}

// bounded keys counts by the known values (zero included, so that every
// series exists from the start) and folds the rest into "other".
func bounded[K ~string](counts map[K]int64, known []K) map[string]int64 {
	out := make(map[string]int64, len(known)+1)
	for _, k := range known {
		out[string(k)] = 0
	}
	for k, n := range counts {
		if _, ok := out[string(k)]; ok {
			out[string(k)] += n
		} else {
			out["other"] += n
		}
	}
	return out
}
