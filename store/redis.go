// Package store keeps founderbot's state in Redis. Callers see domain
// operations only; the keys below are this package's business.
//
// Keys (prefix "fb:" by default). Everything that belongs to one founder
// shares the founder's hash tag, so the multi-key scripts stay valid on
// Redis Cluster; the application index has a hash tag of its own.
//
//	fb:{<founder>}:session     hash  v (version), d (JSON of flows.Session)
//	fb:{<founder>}:upd:<id>    string, 48h TTL: update <id> was applied
//	fb:{<founder>}:out:<id>    hash, 48h TTL: the replies of update <id> (journal.go)
//	fb:{<founder>}:app:<app>   string, JSON of flows.Application
//	fb:{<founder>}:apps        zset  application IDs by submission time
//	fb:{apps}:owner            hash  application ID → founder
//	fb:{apps}:all              zset  application IDs by submission time
//	fb:telegram:offset         string, the next Telegram update to fetch
//	fb:{<founder>}:unreachable the founder blocked the bot (outbox.go)
//
// Other families, each listed at the top of its file: {jobs} (jobs.go),
// {outbox} (outbox.go), the inbox (inbox.go), {oh} office hours (slots.go), broadcast drafts and
// lock (broadcast.go).
package store

import (
	// Sessions, decoded and encoded on every update: see flows/session.go.
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	json "github.com/segmentio/encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// updateTTL outlives Telegram's 24 hours of redelivery with room to spare.
const updateTTL = 48 * time.Hour

// Redis is founderbot's store on a Redis server, Sentinel or Cluster.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	mu     sync.Mutex
	owners map[string]flows.FounderID    // application ID → founder, see owner
	loaded map[string]bool               // scripts known to be loaded, see pipelined
	seen   map[flows.FounderID]seenMark  // what the directory last got, see Seen
	pre    map[flows.FounderID]preloaded // sessions read ahead, see preload.go
}

// New returns a store on rdb with keys under prefix ("fb:" when empty).
func New(rdb redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = "fb:"
	}
	return &Redis{rdb: rdb, prefix: prefix, owners: map[string]flows.FounderID{}, loaded: map[string]bool{},
		seen: map[flows.FounderID]seenMark{}}
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.rdb.Ping(ctx).Err() }

func (r *Redis) founderKey(f flows.FounderID, rest string) string {
	return r.prefix + "{" + string(f) + "}:" + rest
}

func (r *Redis) updateKey(f flows.FounderID, updateID string) string {
	if updateID == "" {
		updateID = "-" // never written: the script is told there is no update
	}
	return r.founderKey(f, "upd:"+updateID)
}

func (r *Redis) appKey(f flows.FounderID, id string) string { return r.founderKey(f, "app:"+id) }
func (r *Redis) ownerKey() string                           { return r.prefix + "{apps}:owner" }
func (r *Redis) allKey() string                             { return r.prefix + "{apps}:all" }

// LoadSession reads the session and whether updateID was applied, in one round trip.
func (r *Redis) LoadSession(ctx context.Context, f flows.FounderID, updateID string) (flows.Session, int64, bool, error) {
	if p, ok := r.takePreloaded(f, updateID); ok {
		if p.applied {
			return flows.Session{}, 0, true, nil
		}
		return decodeSession(f, p.version, p.data)
	}
	var s flows.Session
	pipe := r.rdb.Pipeline()
	sess := pipe.HMGet(ctx, r.founderKey(f, "session"), "v", "d")
	var seen *redis.IntCmd
	if updateID != "" {
		seen = pipe.Exists(ctx, r.updateKey(f, updateID))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return s, 0, false, fmt.Errorf("load session of %s: %w", f, err)
	}
	if seen != nil && seen.Val() > 0 {
		return s, 0, true, nil
	}
	vals := sess.Val()
	ver, _ := vals[0].(string)
	d, _ := vals[1].(string)
	return decodeSession(f, ver, d)
}

// decodeSession reads a session as stored: version "" is no session.
func decodeSession(f flows.FounderID, version, data string) (flows.Session, int64, bool, error) {
	var s flows.Session
	if version == "" {
		return s, 0, false, nil
	}
	ver, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return s, 0, false, fmt.Errorf("session version of %s: %w", f, err)
	}
	if data != "" {
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			return s, 0, false, fmt.Errorf("decode session of %s: %w", f, err)
		}
	}
	return s, ver, false, nil
}

// saveSession checks the version and the update marker, then writes the
// session, the marker, the update's replies (its journal) and a submitted
// application in one step.
var saveSession = redis.NewScript(`
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'v', v + 1, 'd', ARGV[2])
if ARGV[3] == '1' then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
  if ARGV[8] ~= '' then
    redis.call('DEL', KEYS[5])
    redis.call('HSET', KEYS[5], 'd', ARGV[8])
    redis.call('EXPIRE', KEYS[5], ARGV[4])
  end
end
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[3], ARGV[5])
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[6])
end
redis.call('PEXPIRE', KEYS[1], ARGV[9]) -- idle sessions go (privacy_retention.go)
return v + 1
`)

// SaveSession implements flows.Store.
func (r *Redis) SaveSession(ctx context.Context, f flows.FounderID, updateID string, version int64, s flows.Session, app *flows.Application, out *flows.Result) error {
	d, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session of %s: %w", f, err)
	}
	hasUpdate := ""
	if updateID != "" {
		hasUpdate = "1"
	}
	var appJSON []byte
	appID, score := "", int64(0)
	if app != nil {
		if appJSON, err = json.Marshal(app); err != nil {
			return fmt.Errorf("encode application %s: %w", app.ID, err)
		}
		appID, score = app.ID, app.Submitted.UnixMilli()
	}
	var journal []byte
	if out != nil && updateID != "" {
		if journal, err = encodeJournal(out); err != nil {
			return fmt.Errorf("encode replies of %s: %w", f, err)
		}
	}
	keys := []string{r.founderKey(f, "session"), r.updateKey(f, updateID), r.appKey(f, appID), r.founderKey(f, "apps"), r.journalKey(f, updateID)}
	n, err := saveSession.Run(ctx, r.rdb, keys, version, d, hasUpdate, int(updateTTL.Seconds()), appJSON, appID, score, journal, SessionTTL.Milliseconds()).Int64()
	switch {
	case err != nil:
		return fmt.Errorf("save session of %s: %w", f, err)
	case n == -1:
		return flows.ErrConflict
	case n == -2:
		return flows.ErrDuplicate
	}
	return nil
}

// reserveID claims an application ID in the global index. It runs before
// the session is saved: a crash in between leaves an ID without an
// application, which readers skip, rather than an application staff never see.
var reserveID = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`)

// ReserveApplicationID implements flows.Store.
func (r *Redis) ReserveApplicationID(ctx context.Context, id string, f flows.FounderID, at time.Time) error {
	ok, err := reserveID.Run(ctx, r.rdb, []string{r.ownerKey(), r.allKey()}, id, string(f), at.UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("reserve application id %s: %w", id, err)
	}
	if ok == 0 {
		return flows.ErrIDTaken
	}
	return nil
}

var releaseID = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// ReleaseApplicationID implements flows.Store.
func (r *Redis) ReleaseApplicationID(ctx context.Context, id string, f flows.FounderID) error {
	if err := releaseID.Run(ctx, r.rdb, []string{r.ownerKey(), r.allKey()}, id, string(f)).Err(); err != nil {
		return fmt.Errorf("release application id %s: %w", id, err)
	}
	return nil
}

// founderApps returns a founder's applications, newest first, in one round trip.
var founderApps = redis.NewScript(`
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local out = {}
for i, id in ipairs(ids) do
  out[i] = redis.call('GET', ARGV[1] .. id) or ''
end
return out
`)

// Applications implements flows.Store.
func (r *Redis) Applications(ctx context.Context, f flows.FounderID) ([]flows.Application, error) {
	vals, err := founderApps.Run(ctx, r.rdb, []string{r.founderKey(f, "apps")}, r.appKey(f, "")).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("applications of %s: %w", f, err)
	}
	apps := make([]flows.Application, 0, len(vals))
	for _, v := range vals {
		if v == "" {
			continue
		}
		var a flows.Application
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return nil, fmt.Errorf("decode application of %s: %w", f, err)
		}
		apps = append(apps, a)
	}
	return apps, nil
}

// Application returns one application by its ID, or flows.ErrNotFound.
func (r *Redis) Application(ctx context.Context, id string) (flows.Application, error) {
	var a flows.Application
	owner, err := r.owner(ctx, id)
	if err != nil {
		return a, err
	}
	d, err := r.rdb.Get(ctx, r.appKey(owner, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		if r.ownerMoved(ctx, id, owner) {
			return r.Application(ctx, id)
		}
		return a, flows.ErrNotFound // reserved but never submitted
	}
	if err != nil {
		return a, fmt.Errorf("application %s: %w", id, err)
	}
	if err := json.Unmarshal(d, &a); err != nil {
		return a, fmt.Errorf("decode application %s: %w", id, err)
	}
	return a, nil
}
