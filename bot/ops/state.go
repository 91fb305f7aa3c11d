package ops

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// State is what the store says about the bot's state, read at scrape time.
type State struct {
	OutboxDepth  int64
	OutboxOldest time.Time // when the oldest waiting message was queued; zero when none waits
	Applications map[string]int64
	Unreachable  int64            // founders marked unreachable (blocked the bot)
	Bookings     map[string]int64 // office-hours bookings by status
	// Introductions by state (their outcome once closed).
	Introductions map[string]int64
}

// StateFunc reads the State; cmd wires it to the store's domain operations.
type StateFunc func(ctx context.Context) (State, error)

// StateCollector exposes a StateFunc as gauges. Reading the store costs a
// few Redis round trips, so a reading is kept for a few seconds (several
// Prometheus servers, or a fast scrape, do not multiply the load) and
// bounded by a timeout (a slow Redis does not hold a scrape).
type StateCollector struct {
	read    StateFunc
	maxAge  time.Duration
	timeout time.Duration
	now     func() time.Time

	mu     sync.Mutex
	last   State
	readAt time.Time
	ok     bool

	depth, oldest, apps, unreachable, bookings, intros, up *prometheus.Desc
	errors                                                 prometheus.Counter
}

// NewStateCollector returns a collector reading at most every maxAge,
// each reading bounded by timeout.
func NewStateCollector(read StateFunc, maxAge, timeout time.Duration) *StateCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
	}
	return &StateCollector{read: read, maxAge: maxAge, timeout: timeout, now: time.Now,
		depth:       d("outbox_depth", "Messages waiting in the outbox or being sent."),
		oldest:      d("outbox_oldest_age_seconds", "Age of the oldest message in the outbox; 0 when it is empty."),
		apps:        d("applications", "Submitted applications by status.", "status"),
		unreachable: d("founders_unreachable", "Founders the bot cannot reach (they blocked it or left Telegram)."),
		bookings:    d("bookings", "Office-hours bookings by outcome.", "outcome"),
		intros:      d("introductions", "Introductions by outcome.", "outcome"),
		up:          d("state_up", "1 when the last reading of the store's state succeeded."),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "state_read_errors_total",
			Help: "Readings of the store's state that failed or timed out."}),
	}
}

// Describe implements prometheus.Collector.
func (c *StateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.depth, c.oldest, c.apps, c.unreachable, c.bookings, c.intros, c.up} {
		ch <- d
	}
	c.errors.Describe(ch)
}

// Collect implements prometheus.Collector. When the store cannot be read
// the gauges are left out rather than reported stale, and state_up is 0.
func (c *StateCollector) Collect(ch chan<- prometheus.Metric) {
	s, ok := c.state()
	c.errors.Collect(ch)
	if !ok {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.OutboxDepth))
	age := 0.0
	if !s.OutboxOldest.IsZero() {
		age = max(0, c.now().Sub(s.OutboxOldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.unreachable, prometheus.GaugeValue, float64(s.Unreachable))
	for desc, byLabel := range map[*prometheus.Desc]map[string]int64{c.apps: s.Applications, c.bookings: s.Bookings, c.intros: s.Introductions} {
		for v, n := range byLabel {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), v)
		}
	}
}

// state returns a reading no older than maxAge, reading the store if need be.
func (c *StateCollector) state() (State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.readAt.IsZero() && c.now().Sub(c.readAt) < c.maxAge {
		return c.last, c.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	s, err := c.read(ctx)
	c.readAt, c.ok = c.now(), err == nil
	if err != nil {
		c.errors.Inc()
		return State{}, false
	}
	c.last = s
	return s, true
}
