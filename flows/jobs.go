package flows

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is a message or task due at a time. Its Version is the version of
// what it belongs to when it was scheduled; the job's handler compares it
// with the current one, so a job for something since cancelled, answered
// or moved does nothing.
type Job struct {
	ID      string    `json:"id"` // one job per ID: scheduling it again moves it
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"` // a FounderID or an application ID
	Version int64     `json:"version,omitempty"`
	Due     time.Time `json:"due"`
	Rev     int64     `json:"-"` // set by the store when claimed
}

// JobStore keeps due-time jobs and periodic occurrences; *store.Redis has it.
type JobStore interface {
	ScheduleJob(ctx context.Context, j Job) error
	CancelJob(ctx context.Context, id string) error
	// ClaimDueJobs leases due jobs; one not acked within lease comes back.
	ClaimDueJobs(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Job, error)
	AckJob(ctx context.Context, j Job) error
	// ClaimOccurrence is true for exactly one caller per name and time;
	// ReleaseOccurrence gives a claimed occurrence back when its run failed.
	ClaimOccurrence(ctx context.Context, name string, at time.Time) (bool, error)
	ReleaseOccurrence(ctx context.Context, name string, at time.Time) error
	LastOccurrence(ctx context.Context, name string) (time.Time, error)
	SetLastOccurrence(ctx context.Context, name string, at time.Time) error
}

// Outbox queues messages for founders; the same key is queued once.
type Outbox interface {
	Enqueue(ctx context.Context, key string, o Outgoing, tag string) (bool, error)
}

// Periodic is a job run on a cron schedule in the hub's time zone, by one
// replica per occurrence.
type Periodic struct {
	Name string
	Spec string // standard 5-field cron, e.g. "0 9 * * 1"
	// CatchUp is how late an occurrence may still run after a restart;
	// older ones are dropped and counted. 0 means 6 hours.
	CatchUp time.Duration
	Run     func(ctx context.Context, at time.Time) error
	sched   cron.Schedule
}

// JobHandler does a due job. It returns nil when the job is done or no
// longer meaningful (it is then dropped), an error to have it retried
// after its lease.
type JobHandler func(ctx context.Context, j Job, now time.Time) error

// SchedulerConfig tunes the scheduler; zero values take the defaults.
type SchedulerConfig struct {
	TZ    *time.Location
	Lease time.Duration // how long a claimed job is a worker's; default 2 minutes
	Batch int           // jobs claimed per tick; default 100
}

// Scheduler runs due jobs and periodic jobs. Several replicas may run one
// each on the same store: every job's effect happens once.
type Scheduler struct {
	jobs     JobStore
	cfg      SchedulerConfig
	log      *slog.Logger
	handlers map[string]JobHandler
	periodic []*Periodic
	Now      func() time.Time
	// Dropped counts occurrences and jobs dropped because they were stale.
	Dropped func(what string)
	// Observer is told of every job run; nil: nobody is.
	Observer JobObserver
}

// JobObserver is told of each due job ("remind:nudge", by kind) and
// periodic occurrence ("periodic:digest") the scheduler runs, how late
// after its due time, and whether it failed: metrics implement it.
type JobObserver interface {
	JobRan(job string, late time.Duration, err error)
}

func (s *Scheduler) observe(job string, late time.Duration, err error) {
	if s.Observer != nil {
		s.Observer.JobRan(job, late, err)
	}
}

// NewScheduler returns a scheduler on jobs.
func NewScheduler(jobs JobStore, cfg SchedulerConfig, log *slog.Logger) *Scheduler {
	if cfg.TZ == nil {
		cfg.TZ = time.UTC
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	return &Scheduler{jobs: jobs, cfg: cfg, log: log, handlers: map[string]JobHandler{},
		Now: time.Now, Dropped: func(string) {}}
}

// Handle sets the handler of a kind of job.
func (s *Scheduler) Handle(kind string, h JobHandler) { s.handlers[kind] = h }

// Every adds a periodic job; its spec is read in the hub's time zone.
func (s *Scheduler) Every(p Periodic) error {
	spec := strings.TrimSpace(p.Spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return fmt.Errorf("schedule %s: %q: give no time zone, the hub's (%s) is used", p.Name, p.Spec, s.cfg.TZ)
	}
	sched, err := cron.ParseStandard("CRON_TZ=" + s.cfg.TZ.String() + " " + spec)
	if err != nil {
		return fmt.Errorf("schedule %s: %q: %w", p.Name, p.Spec, err)
	}
	if p.CatchUp == 0 {
		p.CatchUp = 6 * time.Hour
	}
	p.sched = sched
	s.periodic = append(s.periodic, &p)
	return nil
}

// Run ticks every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick runs what is due now once. Failures are logged here and retried
// at a later tick.
func (s *Scheduler) Tick(ctx context.Context) {
	now := s.Now()
	jobs, err := s.jobs.ClaimDueJobs(ctx, now, s.cfg.Lease, s.cfg.Batch)
	if err != nil {
		s.log.Error("claim due jobs", "err", err)
	}
	for _, j := range jobs {
		s.runJob(ctx, j, now)
	}
	for _, p := range s.periodic {
		if err := s.runPeriodic(ctx, p, now); err != nil {
			s.log.Error("periodic job", "job", p.Name, "err", err)
		}
	}
}

func (s *Scheduler) runJob(ctx context.Context, j Job, now time.Time) {
	if h, ok := s.handlers[j.Kind]; !ok {
		s.log.Warn("job of unknown kind dropped", "job", j.ID, "kind", j.Kind)
	} else {
		err := h(ctx, j, now)
		s.observe(j.Kind, now.Sub(j.Due), err)
		if err != nil {
			s.log.Error("job failed; retried after its lease", "job", j.ID, "err", err)
			return
		}
	}
	if err := s.jobs.AckJob(ctx, j); err != nil {
		s.log.Error("ack job", "job", j.ID, "err", err)
	}
}

// runPeriodic runs the next occurrence of p if it is due, once across
// replicas. A first start runs nothing from the past; after a restart a
// missed occurrence still runs if it is at most CatchUp late.
func (s *Scheduler) runPeriodic(ctx context.Context, p *Periodic, now time.Time) error {
	last, err := s.jobs.LastOccurrence(ctx, p.Name)
	if err != nil {
		return err
	}
	if last.IsZero() {
		return s.jobs.SetLastOccurrence(ctx, p.Name, now)
	}
	at := p.sched.Next(last)
	if at.After(now) {
		return nil
	}
	for next := p.sched.Next(at); !next.After(now); next = p.sched.Next(at) {
		at = next // several missed: only the latest may still matter
	}
	if now.Sub(at) > p.CatchUp {
		s.log.Warn("periodic job missed while down; dropped", "job", p.Name, "at", at)
		s.Dropped("periodic:" + p.Name)
		return s.jobs.SetLastOccurrence(ctx, p.Name, at)
	}
	won, err := s.jobs.ClaimOccurrence(ctx, p.Name, at)
	if err != nil || !won {
		return err
	}
	err = p.Run(ctx, at.In(s.cfg.TZ))
	s.observe("periodic:"+p.Name, now.Sub(at), err)
	if err != nil {
		// Given back, so that a later tick (this replica's or another's) tries again.
		if rerr := s.jobs.ReleaseOccurrence(ctx, p.Name, at); rerr != nil {
			s.log.Error("release periodic occurrence", "job", p.Name, "err", rerr)
		}
		return fmt.Errorf("run %s at %s: %w", p.Name, at, err)
	}
	return s.jobs.SetLastOccurrence(ctx, p.Name, at)
}

// HandleAll sets the handlers of several kinds of job, such as those the
// conversations registered on an Engine (Engine.Jobs).
func (s *Scheduler) HandleAll(hs map[string]JobHandler) {
	for kind, h := range hs {
		s.Handle(kind, h)
	}
}
