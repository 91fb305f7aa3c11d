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

// A staff broadcast is drafted (previewed) first and sent on confirmation,
// one at a time across replicas:
//
//	fb:broadcast:draft:<id>   string, JSON of BroadcastDraft, until confirmed or expired
//	fb:broadcast:lock         string: the ID of the broadcast being sent, with a TTL
//	                          its sender refreshes while it watches the broadcast

// BroadcastDraft is a broadcast staff previewed and may still confirm.
type BroadcastDraft = flows.BroadcastDraft

func (r *Redis) broadcastKey(rest string) string { return r.prefix + "broadcast:" + rest }

// SaveBroadcastDraft keeps d under id for ttl, for TakeBroadcastDraft.
func (r *Redis) SaveBroadcastDraft(ctx context.Context, id string, d BroadcastDraft, ttl time.Duration) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode broadcast draft %s: %w", id, err)
	}
	if err := r.rdb.Set(ctx, r.broadcastKey("draft:"+id), b, ttl).Err(); err != nil {
		return fmt.Errorf("save broadcast draft %s: %w", id, err)
	}
	return nil
}

// TakeBroadcastDraft returns the draft id and deletes it, so that a draft
// is sent once however often Confirm is pressed; ok is false when there
// is no such draft (taken already, cancelled or expired). Only its author
// may take it: for anyone else it stays, and the error is
// flows.ErrNotAuthor with the draft (whose By says who may).
func (r *Redis) TakeBroadcastDraft(ctx context.Context, id, by string) (d BroadcastDraft, ok bool, err error) {
	v, err := takeBroadcastDraft.Run(ctx, r.rdb, []string{r.broadcastKey("draft:" + id)}, by).StringSlice()
	if err != nil {
		return d, false, fmt.Errorf("take broadcast draft %s: %w", id, err)
	}
	if v[0] == "none" {
		return d, false, nil
	}
	if err := json.Unmarshal([]byte(v[1]), &d); err != nil {
		return d, false, fmt.Errorf("decode broadcast draft %s: %w", id, err)
	}
	if v[0] == "not_author" {
		return d, false, fmt.Errorf("take broadcast draft %s as %s: %w", id, by, flows.ErrNotAuthor)
	}
	return d, true, nil
}

// takeBroadcastDraft: KEYS the draft; ARGV who takes it. The author check
// and the delete are one step, so a draft goes to its author at most once.
var takeBroadcastDraft = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return {'none'} end
local ok, d = pcall(cjson.decode, v)
if not ok or type(d) ~= 'table' or d.by ~= ARGV[1] then return {'not_author', v} end
redis.call('DEL', KEYS[1])
return {'ok', v}
`)

// LockBroadcast takes the broadcast lock for id for ttl, unless another
// broadcast holds it; holder is then that broadcast's ID. Taking it again
// for the same id succeeds and extends it.
func (r *Redis) LockBroadcast(ctx context.Context, id string, ttl time.Duration) (ok bool, holder string, err error) {
	v, err := lockBroadcast.Run(ctx, r.rdb, []string{r.broadcastKey("lock")}, id, ttl.Milliseconds()).Text()
	if err != nil {
		return false, "", fmt.Errorf("lock broadcast %s: %w", id, err)
	}
	return v == id, v, nil
}

var lockBroadcast = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`)

// RefreshBroadcast extends the lock id holds by ttl, and reports false
// when id no longer holds it (it expired, and perhaps another took it).
func (r *Redis) RefreshBroadcast(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	n, err := refreshBroadcast.Run(ctx, r.rdb, []string{r.broadcastKey("lock")}, id, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("refresh broadcast lock %s: %w", id, err)
	}
	return n == 1, nil
}

var refreshBroadcast = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// UnlockBroadcast releases the lock if id holds it, and only then: a
// broadcast whose lock expired must not release its successor's.
func (r *Redis) UnlockBroadcast(ctx context.Context, id string) error {
	if err := unlockBroadcast.Run(ctx, r.rdb, []string{r.broadcastKey("lock")}, id).Err(); err != nil {
		return fmt.Errorf("unlock broadcast %s: %w", id, err)
	}
	return nil
}

var unlockBroadcast = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// RunningBroadcast returns the ID of the broadcast holding the lock, ""
// when none does.
func (r *Redis) RunningBroadcast(ctx context.Context) (string, error) {
	v, err := r.rdb.Get(ctx, r.broadcastKey("lock")).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("running broadcast: %w", err)
	}
	return v, nil
}
