package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// Jobs keys, all under the {jobs} hash tag so each script is one slot:
//
//	fb:{jobs}:due       zset  job ID → due time (ms)
//	fb:{jobs}:lease     zset  job ID → lease expiry (ms), while a worker has it
//	fb:{jobs}:job:<id>  string, JSON of flows.Job with its revision
//	fb:{jobs}:run:<key> string, a periodic occurrence that was claimed
//	fb:{jobs}:last:<n>  string, the last occurrence of periodic job n (ms)
func (r *Redis) jobsKey(rest string) string { return r.prefix + "{jobs}:" + rest }

// scheduleJob stores a job and (re)sets its due time. Its revision goes
// up, so a worker still holding an older claim cannot ack the new one away.
var scheduleJob = redis.NewScript(`
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'd', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
return rev
`)

// ScheduleJob implements flows.JobStore: it creates the job, or moves it
// when a job with its ID exists.
func (r *Redis) ScheduleJob(ctx context.Context, j flows.Job) error {
	d, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	keys := []string{r.jobsKey("job:" + j.ID), r.jobsKey("due"), r.jobsKey("lease")}
	if err := scheduleJob.Run(ctx, r.rdb, keys, d, j.Due.UnixMilli(), j.ID).Err(); err != nil {
		return fmt.Errorf("schedule job %s: %w", j.ID, err)
	}
	return nil
}

// CancelJob implements flows.JobStore.
func (r *Redis) CancelJob(ctx context.Context, id string) error {
	pipe := r.rdb.TxPipeline()
	pipe.Del(ctx, r.jobsKey("job:"+id))
	pipe.ZRem(ctx, r.jobsKey("due"), id)
	pipe.ZRem(ctx, r.jobsKey("lease"), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	return nil
}

// claimJobs first returns jobs whose lease expired (their worker died) to
// the due set, then leases up to ARGV[3] due jobs.
var claimJobs = redis.NewScript(`
local now, lease, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], now, id)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max)) do
  redis.call('ZREM', KEYS[1], id)
  local j = redis.call('HMGET', ARGV[4] .. id, 'rev', 'd')
  if j[2] then
    redis.call('ZADD', KEYS[2], now + lease, id)
    table.insert(out, j[1])
    table.insert(out, j[2])
  end
end
return out
`)

// ClaimDueJobs implements flows.JobStore: it leases up to max jobs due at
// now for lease. A job whose worker does not ack it within its lease is
// claimed again.
func (r *Redis) ClaimDueJobs(ctx context.Context, now time.Time, lease time.Duration, max int) ([]flows.Job, error) {
	vals, err := claimJobs.Run(ctx, r.rdb, []string{r.jobsKey("due"), r.jobsKey("lease")},
		now.UnixMilli(), lease.Milliseconds(), max, r.jobsKey("job:")).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim due jobs: %w", err)
	}
	jobs := make([]flows.Job, 0, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		var j flows.Job
		if err := json.Unmarshal([]byte(vals[i+1]), &j); err != nil {
			return nil, fmt.Errorf("decode job: %w", err)
		}
		fmt.Sscan(vals[i], &j.Rev)
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// ackJob deletes a done job, unless it was rescheduled since it was claimed.
var ackJob = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'rev') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
`)

// AckJob implements flows.JobStore.
func (r *Redis) AckJob(ctx context.Context, j flows.Job) error {
	keys := []string{r.jobsKey("job:" + j.ID), r.jobsKey("lease"), r.jobsKey("due")}
	if err := ackJob.Run(ctx, r.rdb, keys, j.ID, j.Rev).Err(); err != nil {
		return fmt.Errorf("ack job %s: %w", j.ID, err)
	}
	return nil
}

// ClaimOccurrence implements flows.JobStore: true for exactly one caller
// per periodic job and scheduled time, whichever replica asks first.
func (r *Redis) ClaimOccurrence(ctx context.Context, name string, at time.Time) (bool, error) {
	key := r.jobsKey(fmt.Sprintf("run:%s:%d", name, at.Unix()))
	ok, err := r.rdb.SetNX(ctx, key, 1, 8*24*time.Hour).Result()
	if err != nil {
		return false, fmt.Errorf("claim %s at %s: %w", name, at, err)
	}
	return ok, nil
}

// ReleaseOccurrence implements flows.JobStore.
func (r *Redis) ReleaseOccurrence(ctx context.Context, name string, at time.Time) error {
	if err := r.rdb.Del(ctx, r.jobsKey(fmt.Sprintf("run:%s:%d", name, at.Unix()))).Err(); err != nil {
		return fmt.Errorf("release %s at %s: %w", name, at, err)
	}
	return nil
}

// LastOccurrence implements flows.JobStore: the latest scheduled time of a
// periodic job that was run, zero if never.
func (r *Redis) LastOccurrence(ctx context.Context, name string) (time.Time, error) {
	ms, err := r.rdb.Get(ctx, r.jobsKey("last:"+name)).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("last run of %s: %w", name, err)
	}
	return time.UnixMilli(ms), nil
}

// SetLastOccurrence implements flows.JobStore; it never moves backwards.
func (r *Redis) SetLastOccurrence(ctx context.Context, name string, at time.Time) error {
	if err := raiseTo.Run(ctx, r.rdb, []string{r.jobsKey("last:" + name)}, at.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("save last run of %s: %w", name, err)
	}
	return nil
}
