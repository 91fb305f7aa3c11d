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

// UpdateApplication implements flows.ReviewStore with WATCH/MULTI on the
// application's key: fn decides on fresh data, and the write happens only
// if nobody wrote in between.
func (r *Redis) UpdateApplication(ctx context.Context, id string, fn func(*flows.Application) error) (flows.Application, error) {
	var a flows.Application
	owner, err := r.rdb.HGet(ctx, r.ownerKey(), id).Result()
	if errors.Is(err, redis.Nil) {
		return a, flows.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("owner of application %s: %w", id, err)
	}
	key := r.appKey(flows.FounderID(owner), id)
	for range maxUpdateAttempts {
		err = r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			d, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return flows.ErrNotFound
			}
			if err != nil {
				return err
			}
			a = flows.Application{}
			if err := json.Unmarshal(d, &a); err != nil {
				return fmt.Errorf("decode application %s: %w", id, err)
			}
			if err := fn(&a); err != nil {
				return err
			}
			if d, err = json.Marshal(a); err != nil {
				return fmt.Errorf("encode application %s: %w", id, err)
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, d, 0)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return a, err
		}
	}
	return a, fmt.Errorf("update application %s: still contended after %d attempts", id, maxUpdateAttempts)
}

// UpdateSession implements flows.ReviewStore on the session's version check.
func (r *Redis) UpdateSession(ctx context.Context, f flows.FounderID, fn func(*flows.Session) error) (flows.Session, error) {
	for range maxUpdateAttempts {
		s, ver, _, err := r.LoadSession(ctx, f, "")
		if err != nil {
			return s, err
		}
		if err := fn(&s); err != nil {
			return s, err
		}
		err = r.SaveSession(ctx, f, "", ver, s, nil)
		if !errors.Is(err, flows.ErrConflict) {
			return s, err
		}
	}
	return flows.Session{}, fmt.Errorf("update session of %s: still contended after %d attempts", f, maxUpdateAttempts)
}
