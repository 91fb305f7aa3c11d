// Package ops serves what operators and orchestrators look at: /healthz,
// /readyz and the Prometheus metrics on /metrics. Transports and the
// scheduler report to it through small interfaces of their own, which
// *Metrics satisfies; flows never imports it.
package ops

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every family.
const Namespace = "founderbot"

// The outcomes Message counts, one family each.
const (
	MessageSent        = "sent"
	MessageRetried     = "retried"
	MessageDropped     = "dropped"
	MessageRateLimited = "rate_limited" // the platform answered 429
)

// Metrics is founderbot's set of Prometheus families, on a registry of its
// own (no global state). Every label value comes from a small fixed set:
// values outside it are counted as "other", so a bug or a forged input can
// never make the number of series grow.
type Metrics struct {
	reg *prometheus.Registry

	updatesReceived *prometheus.CounterVec
	updatesHandled  *prometheus.CounterVec
	updatesFailed   *prometheus.CounterVec
	duplicates      *prometheus.CounterVec
	limited         *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	redisErrors     *prometheus.CounterVec
	messages        map[string]*prometheus.CounterVec // by outcome
	jobsRun         *prometheus.CounterVec
	jobsFailed      *prometheus.CounterVec
	jobsDropped     *prometheus.CounterVec
	jobsLate        *prometheus.CounterVec

	transports, kinds, platforms, redisKinds, limits, jobs *labelSet
}

// LateAfter is how long after its due time a job counts as late.
const LateAfter = time.Minute

// NewMetrics makes the families and registers them, with the Go and
// process collectors, on a new registry.
func NewMetrics() *Metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg:             prometheus.NewRegistry(),
		updatesReceived: counter("updates_received_total", "Updates received from founders (Telegram) and staff (Slack).", "transport", "kind"),
		updatesHandled:  counter("updates_handled_total", "Updates whose handling ended, whatever its outcome.", "transport", "kind"),
		updatesFailed:   counter("updates_failed_total", "Updates whose handling failed (the sender got the error reply).", "transport", "kind"),
		duplicates:      counter("duplicates_dropped_total", "Updates dropped because they had already been applied.", "transport"),
		limited: counter("updates_limited_total", "Updates of a founder over the per-founder limit: answered with a request to slow down, or dropped.",
			"transport", "outcome"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "update_handling_seconds",
			Help:    "Time from the start of an update's handling to its end, replies included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"transport", "kind"}),
		redisErrors: counter("redis_command_errors_total", "Redis commands or pipelines that failed (redis.Nil is not a failure).", "kind"),
		messages: map[string]*prometheus.CounterVec{
			MessageSent:        counter("messages_sent_total", "Messages the platform accepted.", "platform"),
			MessageRetried:     counter("messages_retried_total", "Message sends tried again after a 429, a 5xx or a network error.", "platform"),
			MessageDropped:     counter("messages_dropped_total", "Messages given up on (refused, founder unreachable, too many tries).", "platform"),
			MessageRateLimited: counter("messages_rate_limited_total", "Sends the platform refused with 429 Too Many Requests.", "platform"),
		},
		jobsRun:     counter("jobs_run_total", "Due and periodic jobs run.", "job"),
		jobsFailed:  counter("jobs_failed_total", "Due and periodic jobs whose run failed (retried later).", "job"),
		jobsDropped: counter("jobs_dropped_total", "Jobs and occurrences dropped because they came due too late to matter.", "job"),
		jobsLate:    counter("jobs_late_total", "Jobs run more than a minute after they were due.", "job"),

		transports: newLabelSet("telegram", "slack", "console"),
		kinds: newLabelSet("text", "command", "button", "unsupported", "edited",
			"interaction", "event"),
		platforms:  newLabelSet("telegram", "slack"),
		redisKinds: newLabelSet("timeout", "network", "server", "canceled"),
		limits:     newLabelSet(LimitSlowed, LimitDropped),
		// Job names come from code (kinds and periodic names), never from
		// users; the cap only guards against a bug.
		jobs: newOpenLabelSet(64),
	}
	m.reg.MustRegister(m.updatesReceived, m.updatesHandled, m.updatesFailed, m.duplicates, m.limited, m.latency, m.redisErrors,
		m.jobsRun, m.jobsFailed, m.jobsDropped, m.jobsLate,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range m.messages {
		m.reg.MustRegister(c)
	}
	return m
}

// Register adds more collectors (the store's gauges) to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves the exposition for GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Timeout: 10 * time.Second})
}

// Gatherer lets tests read the families without HTTP.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// UpdateReceived counts an update as it arrives.
func (m *Metrics) UpdateReceived(transport, kind string) {
	m.updatesReceived.WithLabelValues(m.transports.of(transport), m.kinds.of(kind)).Inc()
}

// UpdateHandled counts an update whose handling ended and records how long it took.
func (m *Metrics) UpdateHandled(transport, kind string, took time.Duration) {
	t, k := m.transports.of(transport), m.kinds.of(kind)
	m.updatesHandled.WithLabelValues(t, k).Inc()
	m.latency.WithLabelValues(t, k).Observe(took.Seconds())
}

// UpdateFailed counts an update whose handling failed.
func (m *Metrics) UpdateFailed(transport, kind string) {
	m.updatesFailed.WithLabelValues(m.transports.of(transport), m.kinds.of(kind)).Inc()
}

// DuplicateDropped counts an update that had already been applied.
func (m *Metrics) DuplicateDropped(transport string) {
	m.duplicates.WithLabelValues(m.transports.of(transport)).Inc()
}

// The outcomes of UpdateLimited.
const (
	LimitSlowed  = "slowed"  // answered with a request to slow down, not applied
	LimitDropped = "dropped" // neither applied nor answered
)

// UpdateLimited counts an update of a founder over the per-founder limit.
func (m *Metrics) UpdateLimited(transport, outcome string) {
	m.limited.WithLabelValues(m.transports.of(transport), m.limits.of(outcome)).Inc()
}

// Message counts what became of a message send: one of the Message* outcomes.
func (m *Metrics) Message(platform, outcome string) {
	if c, ok := m.messages[outcome]; ok {
		c.WithLabelValues(m.platforms.of(platform)).Inc()
	}
}

// RedisError counts a failed Redis command; kind is timeout, network,
// server or canceled.
func (m *Metrics) RedisError(kind string) {
	m.redisErrors.WithLabelValues(m.redisKinds.of(kind)).Inc()
}

// JobRan counts a due or periodic job that ran, late after its due time;
// it failed when err is not nil. It makes *Metrics a flows.JobObserver.
func (m *Metrics) JobRan(job string, late time.Duration, err error) {
	j := m.jobs.of(job)
	m.jobsRun.WithLabelValues(j).Inc()
	if err != nil {
		m.jobsFailed.WithLabelValues(j).Inc()
	}
	if late > LateAfter {
		m.jobsLate.WithLabelValues(j).Inc()
	}
}

// JobDropped counts a job or occurrence dropped as stale; it fits
// flows.Scheduler.Dropped and flows.OfficeHours.Dropped.
func (m *Metrics) JobDropped(job string) {
	m.jobsDropped.WithLabelValues(m.jobs.of(job)).Inc()
}
