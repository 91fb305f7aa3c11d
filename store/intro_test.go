package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/store/storetest"
)

var introNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func newIntro(id string, f flows.FounderID, m flows.MentorID) intro.Intro {
	return intro.Intro{ID: id, Founder: f, Contact: m, Kind: flows.KindInvestor, Topic: "fintech",
		Reason: "We want to raise a seed round next spring.", State: intro.StateRequested, Created: introNow, Updated: introNow}
}

func limits(op string) intro.Limits {
	return intro.Limits{MaxPending: 2, Cooldown: 90 * 24 * time.Hour, MonthlyCap: 0, Month: "2026-12", Now: introNow, Op: op}
}

// TestIntroLimits: a pending request blocks a second one to the same
// contact; MaxPending bounds open requests; a decline blocks the contact
// for the cool-down; a retried action gets its request back.
func TestIntroLimits(t *testing.T) {
	env := storetest.New(t)
	st := env.Store
	ctx := context.Background()
	if _, err := st.CreateIntro(ctx, newIntro("I-0001", "tg:1", "karim"), limits("op1")); err != nil {
		t.Fatal(err)
	}
	got, err := st.CreateIntro(ctx, newIntro("I-0009", "tg:1", "karim"), limits("op1"))
	if err != nil || got.ID != "I-0001" {
		t.Fatalf("retried create = %v, %v; want I-0001", got.ID, err)
	}
	if _, err := st.CreateIntro(ctx, newIntro("I-0002", "tg:1", "karim"), limits("op2")); !errors.Is(err, intro.ErrAlreadyPending) {
		t.Fatalf("second request to the same contact: got %v; want ErrAlreadyPending", err)
	}
	if _, err := st.CreateIntro(ctx, newIntro("I-0002", "tg:1", "nadia"), limits("op3")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateIntro(ctx, newIntro("I-0003", "tg:1", "omar"), limits("op4")); !errors.Is(err, intro.ErrTooManyPending) {
		t.Fatalf("third open request: got %v; want ErrTooManyPending", err)
	}
	decline := func(in *intro.Intro) error {
		if in.State != intro.StateRequested {
			return intro.ErrStale
		}
		in.State, in.Updated = intro.StateStaffDeclined, introNow
		in.CooldownEnds = introNow.Add(90 * 24 * time.Hour)
		return nil
	}
	if _, err := st.UpdateIntro(ctx, "I-0001", decline); err != nil {
		t.Fatal(err)
	}
	// The mark lasts as long as the cool-down, no longer.
	pair := env.Prefix + "{intro}:pair:tg:1|karim"
	if ttl, err := env.Client.PTTL(ctx, pair).Result(); err != nil || ttl < 89*24*time.Hour || ttl > 90*24*time.Hour {
		t.Errorf("the decline's mark expires in %v, %v; want the 90 days of the cool-down", ttl, err)
	}
	if _, err := st.CreateIntro(ctx, newIntro("I-0004", "tg:1", "karim"), limits("op5")); !errors.Is(err, intro.ErrRecentlyDeclined) {
		t.Fatalf("request after a decline: got %v; want ErrRecentlyDeclined", err)
	}
	later := limits("op6")
	later.Now = introNow.Add(91 * 24 * time.Hour)
	if _, err := st.CreateIntro(ctx, newIntro("I-0004", "tg:1", "karim"), later); err != nil {
		t.Fatalf("request 91 days after a decline: %v", err)
	}
	list, err := st.FounderIntros(ctx, "tg:1")
	if err != nil || len(list) != 3 {
		t.Fatalf("FounderIntros = %d, %v; want 3", len(list), err)
	}
	// Without a cool-down a decline leaves no mark.
	if _, err := st.UpdateIntro(ctx, "I-0002", func(in *intro.Intro) error {
		in.State, in.Updated, in.CooldownEnds = intro.StateDeclined, introNow, introNow // no cool-down
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := env.Client.Exists(ctx, env.Prefix+"{intro}:pair:tg:1|nadia").Result(); n != 0 || err != nil {
		t.Errorf("mark of a decline whose cool-down ended: %d, %v; want none", n, err)
	}
	if _, err := st.CreateIntro(ctx, newIntro("I-0005", "tg:1", "nadia"), limits("op7")); err != nil {
		t.Errorf("request once the cool-down ended: %v", err)
	}
}

// TestIntroOneOutcome: concurrent staff clicks (Approve against Decline,
// twenty times) give exactly one outcome.
func TestIntroOneOutcome(t *testing.T) {
	st := storetest.New(t).Store
	ctx := context.Background()
	if _, err := st.CreateIntro(ctx, newIntro("I-0001", "tg:1", "karim"), limits("")); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := intro.StateApproved
			if i%2 == 1 {
				to = intro.StateStaffDeclined
			}
			_, err := st.UpdateIntro(ctx, "I-0001", func(in *intro.Intro) error {
				if in.State != intro.StateRequested {
					return intro.ErrStale
				}
				in.State, in.DecidedBy = to, fmt.Sprint(i)
				return nil
			})
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, intro.ErrStale):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Fatalf("%d clicks won; want 1", got)
	}
	in, err := st.Intro(ctx, "I-0001")
	if err != nil || in.Version != 1 {
		t.Fatalf("intro version %d, %v; want 1", in.Version, err)
	}
}

// TestIntroMonthlyCap: 50 founders asking one contact at once get exactly
// the cap's number of requests.
func TestIntroMonthlyCap(t *testing.T) {
	st := storetest.New(t).Store
	ctx := context.Background()
	const founders, cap = 50, 7
	var made, capped atomic.Int32
	var wg sync.WaitGroup
	for i := range founders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := limits(fmt.Sprint("op", i))
			l.MonthlyCap = cap
			_, err := st.CreateIntro(ctx, newIntro(fmt.Sprintf("I-%04d", i), flows.FounderID(fmt.Sprint("tg:", i)), "karim"), l)
			switch {
			case err == nil:
				made.Add(1)
			case errors.Is(err, intro.ErrCapReached):
				capped.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if made.Load() != cap || capped.Load() != founders-cap {
		t.Fatalf("made %d, capped %d; want %d and %d", made.Load(), capped.Load(), cap, founders-cap)
	}
	if n, err := st.MonthlyIntros(ctx, "karim", "2026-12"); err != nil || n != cap {
		t.Fatalf("MonthlyIntros = %d, %v; want %d", n, err, cap)
	}
	all, err := st.Intros(ctx)
	if err != nil || len(all) != cap {
		t.Fatalf("Intros = %d, %v; want %d", len(all), err, cap)
	}
}
