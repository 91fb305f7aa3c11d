package telegram_test

import (
	"context"
	"sync"
	"testing"
	"time"
)

// virtualClock is a telegram.Clock whose time moves only when every
// goroutine taking part (Join) waits on it, and then straight to the
// earliest deadline: a minute of sending takes the time the work takes,
// and the schedule depends on the limiter's rules alone, not on the
// machine's speed. Calls to Telegram and Redis happen while the caller
// is not waiting, so they take no virtual time.
type virtualClock struct {
	mu       sync.Mutex
	now      time.Time
	parts    int
	sleepers []*sleeper
	stuck    chan struct{} // closed when all wait and none has a deadline
}

type sleeper struct {
	at    time.Time
	timed bool
	wake  <-chan struct{}
	done  chan struct{}
}

func newVirtualClock(start time.Time) *virtualClock {
	return &virtualClock{now: start, stuck: make(chan struct{})}
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Join counts n more goroutines that the clock waits for.
func (c *virtualClock) Join(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts += n
}

// Leave is called by a goroutine of Join that is done.
func (c *virtualClock) Leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts--
	c.advanceLocked()
}

func (c *virtualClock) Wait(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if d == 0 {
		return ctx.Err()
	}
	s := &sleeper{wake: wake, done: make(chan struct{})}
	c.mu.Lock()
	if d > 0 {
		s.at, s.timed = c.now.Add(d), true
	}
	c.sleepers = append(c.sleepers, s)
	c.advanceLocked()
	c.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-wake:
		c.remove(s)
		return nil
	case <-ctx.Done():
		c.remove(s)
		return ctx.Err()
	}
}

func (c *virtualClock) remove(s *sleeper) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, o := range c.sleepers {
		if o == s {
			c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
			c.advanceLocked()
			return
		}
	}
}

func (c *virtualClock) advanceLocked() {
	// A sleeper whose wake channel was closed is running, whether or not
	// it took itself off yet.
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if closed(s.wake) {
			close(s.done)
		} else {
			kept = append(kept, s)
		}
	}
	c.sleepers = kept
	if c.parts <= 0 || len(c.sleepers) < c.parts {
		return
	}
	var next *sleeper
	for _, s := range c.sleepers {
		if s.timed && (next == nil || s.at.Before(next.at)) {
			next = s
		}
	}
	if next == nil {
		select {
		case <-c.stuck:
		default:
			close(c.stuck)
		}
		return
	}
	if next.at.After(c.now) {
		c.now = next.at
	}
	kept = c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.timed && !s.at.After(c.now) {
			close(s.done)
		} else {
			kept = append(kept, s)
		}
	}
	c.sleepers = kept
}

func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// run starts n goroutines taking part in c, each running f(i), and waits
// for them all, failing tb if they are stuck or take over limit of real time.
func (c *virtualClock) run(tb testing.TB, n int, limit time.Duration, f func(i int)) {
	tb.Helper()
	c.Join(n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer c.Leave()
			f(i)
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-c.stuck:
		tb.Fatal("every goroutine waits on the virtual clock with no deadline")
	case <-time.After(limit):
		tb.Fatalf("not done within %v of real time", limit)
	}
}
