package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// maxUpdateAttempts bounds optimistic retries; each lost race means
// another writer made progress, so this is only reached under a storm.
const maxUpdateAttempts = 50

// UpdateApplication implements application.ReviewStore optimistically: read
// the application, let fn decide, and write only if the stored JSON is
// still the one read (a compare-and-set script); else read again. That is
// two round trips, plus one to find the owner the first time an ID is seen.
func (r *Redis) UpdateApplication(ctx context.Context, id string, fn func(*flows.Application) error) (flows.Application, error) {
	var a flows.Application
	owner, err := r.owner(ctx, id)
	if err != nil {
		return a, err
	}
	key := r.appKey(owner, id)
	for range maxUpdateAttempts {
		old, err := r.rdb.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			if !r.ownerMoved(ctx, id, owner) {
				return a, flows.ErrNotFound
			}
			owner, _ = r.owner(ctx, id)
			key = r.appKey(owner, id)
			continue
		}
		if err != nil {
			return a, fmt.Errorf("application %s: %w", id, err)
		}
		a = flows.Application{}
		if err := json.Unmarshal([]byte(old), &a); err != nil {
			return a, fmt.Errorf("decode application %s: %w", id, err)
		}
		if err := fn(&a); err != nil {
			return a, err
		}
		d, err := json.Marshal(a)
		if err != nil {
			return a, fmt.Errorf("encode application %s: %w", id, err)
		}
		ok, err := compareAndSet.Run(ctx, r.rdb, []string{key}, old, d).Int()
		if err != nil {
			return a, fmt.Errorf("update application %s: %w", id, err)
		}
		if ok == 1 {
			return a, nil
		}
	}
	return a, fmt.Errorf("update application %s: still contended after %d attempts", id, maxUpdateAttempts)
}

var compareAndSet = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// owner finds who an application belongs to. An ID never changes owner,
// so answers are kept in memory (a bounded map, cleared when full).
func (r *Redis) owner(ctx context.Context, id string) (flows.FounderID, error) {
	r.mu.Lock()
	f, ok := r.owners[id]
	r.mu.Unlock()
	if ok {
		return f, nil
	}
	o, err := r.rdb.HGet(ctx, r.ownerKey(), id).Result()
	if errors.Is(err, redis.Nil) {
		return "", flows.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("owner of application %s: %w", id, err)
	}
	r.mu.Lock()
	if len(r.owners) >= maxOwners {
		clear(r.owners)
	}
	r.owners[id] = flows.FounderID(o)
	r.mu.Unlock()
	return flows.FounderID(o), nil
}

// ownerMoved forgets the cached owner of id and reports whether the
// index now names another: anonymising an application (privacy_forget.go)
// moves it, and another replica may have cached the founder.
func (r *Redis) ownerMoved(ctx context.Context, id string, was flows.FounderID) bool {
	r.mu.Lock()
	delete(r.owners, id)
	r.mu.Unlock()
	now, err := r.owner(ctx, id)
	return err == nil && now != was
}

// maxOwners bounds the owner cache; a hub has far fewer applications.
const maxOwners = 100_000

// UpdateSession implements application.ReviewStore on the session's version check.
func (r *Redis) UpdateSession(ctx context.Context, f flows.FounderID, fn func(*flows.Session) error) (flows.Session, error) {
	for range maxUpdateAttempts {
		s, ver, _, err := r.LoadSession(ctx, f, "")
		if err != nil {
			return s, err
		}
		if err := fn(&s); err != nil {
			return s, err
		}
		err = r.SaveSession(ctx, f, "", ver, s, nil, nil)
		if !errors.Is(err, flows.ErrConflict) {
			return s, err
		}
	}
	return flows.Session{}, fmt.Errorf("update session of %s: still contended after %d attempts", f, maxUpdateAttempts)
}
