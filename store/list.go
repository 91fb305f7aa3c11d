package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// ListApplications returns applications newest first, those with status
// only when it is not empty, skipping skip of them and returning at most
// limit, plus how many match in all.
func (r *Redis) ListApplications(ctx context.Context, status flows.Status, skip, limit int) ([]flows.Application, int, error) {
	ids, err := r.rdb.ZRevRange(ctx, r.allKey(), 0, -1).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("list application ids: %w", err)
	}
	if len(ids) == 0 {
		return nil, 0, nil
	}
	owners, err := r.rdb.HMGet(ctx, r.ownerKey(), ids...).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("list application owners: %w", err)
	}
	pipe := r.rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		if o, ok := owners[i].(string); ok {
			gets[i] = pipe.Get(ctx, r.appKey(flows.FounderID(o), id))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("load applications: %w", err)
	}
	var out []flows.Application
	total := 0
	for _, g := range gets {
		if g == nil || g.Err() != nil {
			continue // reserved but never submitted
		}
		var a flows.Application
		if err := json.Unmarshal([]byte(g.Val()), &a); err != nil {
			return nil, 0, fmt.Errorf("decode application: %w", err)
		}
		if status != "" && a.Status != status {
			continue
		}
		if total >= skip && len(out) < limit {
			out = append(out, a)
		}
		total++
	}
	return out, total, nil
}

// PollOffset returns the next Telegram update ID to ask for (0 at first).
func (r *Redis) PollOffset(ctx context.Context) (int64, error) {
	n, err := r.rdb.Get(ctx, r.prefix+"telegram:offset").Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load telegram offset: %w", err)
	}
	return n, nil
}

// SavePollOffset records that every update below offset was handled.
// It never moves the offset backwards.
func (r *Redis) SavePollOffset(ctx context.Context, offset int64) error {
	if err := raiseTo.Run(ctx, r.rdb, []string{r.prefix + "telegram:offset"}, offset).Err(); err != nil {
		return fmt.Errorf("save telegram offset: %w", err)
	}
	return nil
}

// raiseTo sets a number key to ARGV[1] unless it already holds more: an
// offset or a last-run time never moves backwards.
var raiseTo = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`)
