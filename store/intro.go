package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// Introductions keep every key under the {intro} hash tag, so that a
// request's limits are checked and applied in one script (one Cluster
// slot), never read-then-write from Go:
//
//	fb:{intro}:i:<id>                 string  JSON of intro.Intro
//	fb:{intro}:all                    zset    every request ID by creation (ms)
//	fb:{intro}:f:<founder>            zset    the founder's request IDs by creation (ms)
//	fb:{intro}:open:<founder>         set     the founder's open requests
//	fb:{intro}:pair:<founder>|<m>     string  "open", or when the contact or staff declined (ms),
//	                                          then expiring when the cool-down ends
//	fb:{intro}:month:<m>:<yyyy-mm>    string  requests made to contact m in the month
//	fb:{intro}:op:<op>                string, 48h TTL: the request the founder's action made
//
// The scripts build keys from the prefix in ARGV[1], as the office-hours
// scripts do: same hash tag, same slot.
func (r *Redis) introKey(rest string) string { return r.prefix + "{intro}:" + rest }

var createIntro = redis.NewScript(`
local P, id, founder, contact = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local month, maxp, cap = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local now, cool, op = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
if op ~= '' then
  local done = redis.call('GET', P .. 'op:' .. op)
  if done then return {'ok', done} end
end
local pair = P .. 'pair:' .. founder .. '|' .. contact
local pv = redis.call('GET', pair)
if pv == 'open' then return {'pending'} end
if pv and now - tonumber(pv) < cool then return {'declined'} end
local open = P .. 'open:' .. founder
if redis.call('SCARD', open) >= maxp then return {'too_many'} end
local mk = P .. 'month:' .. contact .. ':' .. month
if cap > 0 and tonumber(redis.call('GET', mk) or '0') >= cap then return {'cap'} end
local ik = P .. 'i:' .. id
if redis.call('EXISTS', ik) == 1 then return {'id_taken'} end
redis.call('SET', ik, ARGV[11])
redis.call('INCR', mk)
redis.call('EXPIRE', mk, 3000000) -- a month and some: the counter is of no use after
redis.call('SADD', open, id)
redis.call('SET', pair, 'open')
redis.call('ZADD', P .. 'f:' .. founder, now, id)
redis.call('ZADD', P .. 'all', now, id)
if op ~= '' then redis.call('SET', P .. 'op:' .. op, id, 'EX', 172800) end
return {'ok', id}
`)

var introRefusals = map[string]error{
	"pending":  intro.ErrAlreadyPending,
	"declined": intro.ErrRecentlyDeclined,
	"too_many": intro.ErrTooManyPending,
	"cap":      intro.ErrCapReached,
	"id_taken": intro.ErrIntroIDTaken,
}

// CreateIntro stores a new request under in.ID if the founder has fewer
// than MaxPending open requests, none open to the contact and none the
// contact or staff declined within Cooldown, and the contact's cap for
// the month is not reached, all at once. A retried action (the same
// Op) returns the request it made.
func (r *Redis) CreateIntro(ctx context.Context, in intro.Intro, l intro.Limits) (intro.Intro, error) {
	d, err := json.Marshal(in)
	if err != nil {
		return in, fmt.Errorf("encode introduction %s: %w", in.ID, err)
	}
	v, err := createIntro.Run(ctx, r.rdb, []string{r.introKey("all")}, r.introKey(""), in.ID, string(in.Founder),
		string(in.Contact), l.Month, l.MaxPending, l.MonthlyCap, l.Now.UnixMilli(), l.Cooldown.Milliseconds(), l.Op, d).Slice()
	if err != nil {
		return in, fmt.Errorf("create introduction %s: %w", in.ID, err)
	}
	code, _ := v[0].(string)
	if e, ok := introRefusals[code]; ok {
		return in, e
	}
	if code != "ok" {
		return in, fmt.Errorf("create introduction %s: unexpected reply %q", in.ID, code)
	}
	if id, _ := v[1].(string); id != in.ID {
		return r.Intro(ctx, id) // a retried action: the request it made
	}
	return in, nil
}

// Intro returns a request; flows.ErrNotFound when there is none.
func (r *Redis) Intro(ctx context.Context, id string) (intro.Intro, error) {
	var in intro.Intro
	d, err := r.rdb.Get(ctx, r.introKey("i:"+id)).Result()
	if errors.Is(err, redis.Nil) {
		return in, fmt.Errorf("introduction %s: %w", id, flows.ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("introduction %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(d), &in); err != nil {
		return in, fmt.Errorf("decode introduction %s: %w", id, err)
	}
	return in, nil
}

// updateIntro writes a request if it is still the JSON read, and keeps
// the founder's open set and the pair's mark in step with its state: a
// decline's mark (ARGV[4]) lasts as long as its cool-down (ARGV[6], ms;
// empty: for ever, for a decline that names no cool-down, which
// flows/intro always does).
var updateIntro = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == 'closed' then
  redis.call('SREM', KEYS[2], ARGV[5])
  if ARGV[4] == '' then
    redis.call('DEL', KEYS[3])
  elseif ARGV[6] == '' then
    redis.call('SET', KEYS[3], ARGV[4])
  else
    redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[6])
  end
end
return 1
`)

// UpdateIntro changes a request atomically: fn sees the stored request
// and changes it, or returns an error to leave it as it is; the change
// is written only if nobody wrote meanwhile, else fn runs again on the
// fresh request. Of two concurrent callers whose fn accept only one
// state (two clicks on Approve), exactly one wins.
func (r *Redis) UpdateIntro(ctx context.Context, id string, fn func(*intro.Intro) error) (intro.Intro, error) {
	key := r.introKey("i:" + id)
	for range maxUpdateAttempts {
		var in intro.Intro
		old, err := r.rdb.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			return in, fmt.Errorf("introduction %s: %w", id, flows.ErrNotFound)
		}
		if err != nil {
			return in, fmt.Errorf("introduction %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(old), &in); err != nil {
			return in, fmt.Errorf("decode introduction %s: %w", id, err)
		}
		wasOpen := in.State.Open()
		if err := fn(&in); err != nil {
			return in, err
		}
		in.Version++
		d, err := json.Marshal(in)
		if err != nil {
			return in, fmt.Errorf("encode introduction %s: %w", id, err)
		}
		closed, pair, keep := "", "", ""
		if wasOpen && !in.State.Open() {
			closed = "closed"
			if in.State.Declined() {
				pair = strconv.FormatInt(in.Updated.UnixMilli(), 10)
			}
			if cool := in.CooldownEnds.Sub(in.Updated); pair != "" && !in.CooldownEnds.IsZero() {
				// As long as the cool-down, on Redis' own clock (a flows
				// clock may be a test's); none, no mark.
				if cool <= 0 {
					pair = ""
				} else {
					keep = strconv.FormatInt(max(cool.Milliseconds(), 1), 10)
				}
			}
		}
		keys := []string{key, r.introKey("open:" + string(in.Founder)), r.introKey("pair:" + string(in.Founder) + "|" + string(in.Contact))}
		ok, err := updateIntro.Run(ctx, r.rdb, keys, old, d, closed, pair, in.ID, keep).Int()
		if err != nil {
			return in, fmt.Errorf("update introduction %s: %w", id, err)
		}
		if ok == 1 {
			return in, nil
		}
	}
	return intro.Intro{}, fmt.Errorf("update introduction %s: still contended after %d attempts", id, maxUpdateAttempts)
}

// FounderIntros lists the founder's requests, newest first.
func (r *Redis) FounderIntros(ctx context.Context, f flows.FounderID) ([]intro.Intro, error) {
	ids, err := r.rdb.ZRevRange(ctx, r.introKey("f:"+string(f)), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("introductions of %s: %w", f, err)
	}
	return r.intros(ctx, ids)
}

// Intros lists every request, newest first, for staff's stats and digest.
func (r *Redis) Intros(ctx context.Context) ([]intro.Intro, error) {
	ids, err := r.rdb.ZRevRange(ctx, r.introKey("all"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("introductions: %w", err)
	}
	return r.intros(ctx, ids)
}

func (r *Redis) intros(ctx context.Context, ids []string) ([]intro.Intro, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = r.introKey("i:" + id)
	}
	vals, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("introductions: %w", err)
	}
	out := make([]intro.Intro, 0, len(vals))
	for _, v := range vals {
		d, ok := v.(string)
		if !ok {
			continue
		}
		var in intro.Intro
		if err := json.Unmarshal([]byte(d), &in); err != nil {
			return nil, fmt.Errorf("decode introduction: %w", err)
		}
		out = append(out, in)
	}
	return out, nil
}

// MonthlyIntros counts the requests made to the contact in the month ("2026-12").
func (r *Redis) MonthlyIntros(ctx context.Context, contact flows.MentorID, month string) (int, error) {
	n, err := r.rdb.Get(ctx, r.introKey("month:"+string(contact)+":"+month)).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("introductions to %s in %s: %w", contact, month, err)
	}
	return n, nil
}
