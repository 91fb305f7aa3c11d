package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// The founder directory: everyone who wrote to the bot. Its keys share
// the {founders} hash tag, so one MULTI writes a founder on a Cluster:
//
//	fb:{founders}:dir    hash  founder → JSON {name, handle, lang}
//	fb:{founders}:first  zset  founder → first seen (ms)
//	fb:{founders}:seen   zset  founder → last seen (ms)
//
// Whether a founder can be reached is fb:{<founder>}:unreachable (outbox.go).
// Personal data of other families, and how /forgetme erases it, are in
// privacy_forget.go; what /mydata shows is in privacy_export.go.

func (r *Redis) dirKey(rest string) string { return r.prefix + "{founders}:" + rest }

type dirEntry struct {
	Name   string `json:"name,omitempty"`
	Handle string `json:"handle,omitempty"`
	Lang   string `json:"lang,omitempty"`
}

// SeenFounder records that f wrote at now, as who. The first call for a
// founder is their first-seen time; later ones move last seen forward and
// update the name, handle and language.
func (r *Redis) SeenFounder(ctx context.Context, f flows.FounderID, who flows.Founder, now time.Time) error {
	d, err := json.Marshal(dirEntry{Name: who.Name, Handle: who.Handle, Lang: who.Lang})
	if err != nil {
		return fmt.Errorf("encode founder %s: %w", f, err)
	}
	at := float64(now.UnixMilli())
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.dirKey("dir"), string(f), d)
		p.ZAddNX(ctx, r.dirKey("first"), redis.Z{Score: at, Member: string(f)})
		p.ZAddGT(ctx, r.dirKey("seen"), redis.Z{Score: at, Member: string(f)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record founder %s: %w", f, err)
	}
	return nil
}

// Founders lists the directory, most recently seen first.
func (r *Redis) Founders(ctx context.Context) ([]flows.Founder, error) {
	seen, err := r.rdb.ZRevRangeWithScores(ctx, r.dirKey("seen"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list founders: %w", err)
	}
	if len(seen) == 0 {
		return nil, nil
	}
	ids := make([]string, len(seen))
	for i, z := range seen {
		ids[i] = z.Member.(string)
	}
	out := make([]flows.Founder, 0, len(ids))
	// Pages keep each pipeline small; on a Cluster the unreachable
	// marks live on every node and go-redis splits the pipeline.
	for start := 0; start < len(ids); start += 500 {
		page := ids[start:min(start+500, len(ids))]
		pipe := r.rdb.Pipeline()
		dir := pipe.HMGet(ctx, r.dirKey("dir"), page...)
		first := pipe.ZMScore(ctx, r.dirKey("first"), page...)
		marks := make([]*redis.IntCmd, len(page))
		for i, id := range page {
			marks[i] = pipe.Exists(ctx, r.founderKey(flows.FounderID(id), "unreachable"))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("list founders: %w", err)
		}
		for i, id := range page {
			f := flows.Founder{ID: flows.FounderID(id), Last: time.UnixMilli(int64(seen[start+i].Score)),
				Unreachable: marks[i].Val() > 0}
			if s, ok := dir.Val()[i].(string); ok {
				var e dirEntry
				if err := json.Unmarshal([]byte(s), &e); err != nil {
					return nil, fmt.Errorf("decode founder %s: %w", id, err)
				}
				f.Name, f.Handle, f.Lang = e.Name, e.Handle, e.Lang
			}
			if fs := first.Val(); i < len(fs) && fs[i] > 0 {
				f.First = time.UnixMilli(int64(fs[i]))
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// Founder returns one founder of the directory; ok is false when f is
// not in it.
func (r *Redis) Founder(ctx context.Context, f flows.FounderID) (flows.Founder, bool, error) {
	pipe := r.rdb.Pipeline()
	d := pipe.HGet(ctx, r.dirKey("dir"), string(f))
	first := pipe.ZScore(ctx, r.dirKey("first"), string(f))
	last := pipe.ZScore(ctx, r.dirKey("seen"), string(f))
	mark := pipe.Exists(ctx, r.founderKey(f, "unreachable"))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return flows.Founder{}, false, fmt.Errorf("founder %s: %w", f, err)
	}
	if last.Err() != nil {
		return flows.Founder{}, false, nil
	}
	out := flows.Founder{ID: f, First: time.UnixMilli(int64(first.Val())), Last: time.UnixMilli(int64(last.Val())),
		Unreachable: mark.Val() > 0}
	if s, err := d.Result(); err == nil {
		var e dirEntry
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return out, false, fmt.Errorf("decode founder %s: %w", f, err)
		}
		out.Name, out.Handle, out.Lang = e.Name, e.Handle, e.Lang
	}
	return out, true, nil
}

// forgetDirectory drops f from the directory.
func (r *Redis) forgetDirectory(ctx context.Context, f flows.FounderID) error {
	r.mu.Lock()
	delete(r.seen, f)
	r.mu.Unlock()
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, r.dirKey("dir"), string(f))
		p.ZRem(ctx, r.dirKey("first"), string(f))
		p.ZRem(ctx, r.dirKey("seen"), string(f))
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget %s in the directory: %w", f, err)
	}
	return nil
}

// hasID reports whether s holds the founder ID f as a whole word: "tg:1"
// is in "fb:{tg:1}:session" and "staff:tg:1:9f", not in "fb:{tg:12}:session".
func hasID(s string, f flows.FounderID) bool {
	id := string(f)
	for i := 0; ; {
		j := strings.Index(s[i:], id)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(id)
		if (at == 0 || !idChar(s[at-1])) && (end == len(s) || !idChar(s[end])) {
			return true
		}
		i = at + 1
	}
}

func idChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}

// globEscape quotes the glob characters of s for SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// DropSession deletes the founder's session (flows/privacy: after the
// /forgetme turn saved it once more).
func (r *Redis) DropSession(ctx context.Context, f flows.FounderID) error {
	if err := r.rdb.Del(ctx, r.founderKey(f, "session")).Err(); err != nil {
		return fmt.Errorf("drop session of %s: %w", f, err)
	}
	return nil
}

// seenEvery is how far last seen may lag: a founder's updates within it
// write nothing to the directory unless their name, handle or language
// changed.
const seenEvery = 10 * time.Minute

// maxSeen bounds the cache of what the directory last got per founder.
const maxSeen = 100_000

type seenMark struct {
	who flows.Founder
	at  time.Time
}

// Seen is SeenFounder for every update: it writes only when the name,
// handle or language changed since this process last wrote, or last
// seen moved by more than seenEvery. Most updates cost no round trip.
func (r *Redis) Seen(ctx context.Context, f flows.FounderID, who flows.Founder, now time.Time) error {
	who = flows.Founder{Name: who.Name, Handle: who.Handle, Lang: who.Lang}
	r.mu.Lock()
	m, ok := r.seen[f]
	r.mu.Unlock()
	if ok && m.who == who && now.Sub(m.at) < seenEvery && !now.Before(m.at) {
		return nil
	}
	if err := r.SeenFounder(ctx, f, who, now); err != nil {
		return err
	}
	r.mu.Lock()
	if len(r.seen) >= maxSeen {
		clear(r.seen)
	}
	r.seen[f] = seenMark{who: who, at: now}
	r.mu.Unlock()
	return nil
}
