package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// What /forgetme erases, family by family (each Erase below runs on one
// hash tag, so every step is valid on a Cluster; a step that fails is
// run again by retrying, and each is safe to repeat):
//
//	{jobs}     jobs whose subject is the founder, one of their
//	           applications, bookings or introduction requests
//	{outbox}   their queued messages (counted as failed, so broadcasts
//	           finish); message keys naming them go in the sweep
//	{intro}    their introduction requests: open ones withdrawn, all
//	           anonymised (privacy_intro.go), messages queued about them
//	           failed; their index, open set and pair marks deleted
//	{oh}       their bookings anonymised (an active one is cancelled
//	           first: flows/privacy cancels through office hours so the
//	           mentor is told and the waitlist offered), their places on
//	           waitlists, slots offered to them, fbook/fbooked/fcancels
//	{apps}     their applications anonymised: moved to the owner
//	           "anonymised" without answers other than sector, stage and
//	           program, names, notes or staff questions
//	{<founder>} session (drafts), applications index, unreachable mark
//	{founders} the directory entry
//	sweep      any key left whose name holds the founder ID, except the
//	           update-dedupe markers (fb:{<founder>}:upd:<id>, 48h TTL)
//	           and the session, emptied but for its version until
//	           DropSession (see eraseProfile)
//
// Stats keep counting anonymised applications, bookings and introductions.

// AnonymousOwner owns the anonymised applications: their key is
// fb:{anonymised}:app:<id> and the owner index points there.
const AnonymousOwner flows.FounderID = "anonymised"

// keptAnswers are the application answers that say nothing about a
// person, kept for stats when an application is anonymised.
var keptAnswers = []string{"sector", "stage", "program"}

// anonymousApplication is a without anything about its founder.
func anonymousApplication(a flows.Application) flows.Application {
	out := flows.Application{ID: a.ID, Founder: AnonymousOwner, Lang: a.Lang, Status: a.Status, Prev: a.Prev,
		Submitted: a.Submitted, Updated: a.Updated, Answers: map[string]string{}}
	for _, k := range keptAnswers {
		if v, ok := a.Answers[k]; ok {
			out.Answers[k] = v
		}
	}
	for _, e := range a.Audit {
		e.Note = ""
		if !strings.HasPrefix(e.By, "slack:") {
			e.By, e.ByName = "", ""
		}
		out.Audit = append(out.Audit, e)
	}
	return out
}

// anonymiseApplication moves application id of f to the anonymous owner.
// The order (copy, index, delete) leaves it readable at every step.
func (r *Redis) anonymiseApplication(ctx context.Context, f flows.FounderID, id string) error {
	d, err := r.rdb.Get(ctx, r.appKey(f, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		// Reserved and never submitted, or moved already.
		owner, err := r.rdb.HGet(ctx, r.ownerKey(), id).Result()
		if err == nil && owner == string(f) {
			return releaseID.Run(ctx, r.rdb, []string{r.ownerKey(), r.allKey()}, id, string(f)).Err()
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read application %s: %w", id, err)
	}
	var a flows.Application
	if err := json.Unmarshal(d, &a); err != nil {
		return fmt.Errorf("decode application %s: %w", id, err)
	}
	anon, err := json.Marshal(anonymousApplication(a))
	if err != nil {
		return fmt.Errorf("encode application %s: %w", id, err)
	}
	if err := r.rdb.Set(ctx, r.appKey(AnonymousOwner, id), anon, 0).Err(); err != nil {
		return fmt.Errorf("anonymise application %s: %w", id, err)
	}
	if err := r.rdb.HSet(ctx, r.ownerKey(), id, string(AnonymousOwner)).Err(); err != nil {
		return fmt.Errorf("anonymise application %s: %w", id, err)
	}
	pipe := r.rdb.TxPipeline()
	pipe.Del(ctx, r.appKey(f, id))
	pipe.ZRem(ctx, r.founderKey(f, "apps"), id)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("anonymise application %s: %w", id, err)
	}
	r.mu.Lock()
	delete(r.owners, id)
	r.mu.Unlock()
	return nil
}

// ownedIDs lists the application IDs of f: those of the founder's index
// and those reserved for them in the owner index.
func (r *Redis) ownedIDs(ctx context.Context, f flows.FounderID) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, r.founderKey(f, "apps"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("applications of %s: %w", f, err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	iter := r.rdb.HScan(ctx, r.ownerKey(), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		id := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		if iter.Val() == string(f) && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("owner index: %w", err)
	}
	return ids, nil
}

func (r *Redis) eraseApplications(ctx context.Context, f flows.FounderID, _ time.Time) error {
	ids, err := r.ownedIDs(ctx, f)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.anonymiseApplication(ctx, f, id); err != nil {
			return err
		}
	}
	return r.rdb.Del(ctx, r.founderKey(f, "apps")).Err()
}

// ohAnon is anon(id, now): the booking without its founder, cancelled
// first if it still holds its slot.
const ohAnon = `
local function anon(id, now)
  local k = P .. 'booking:' .. id
  local b = hmap(k)
  if not b or (b.founder or '') == '' then return 0 end
  if b.status == 'booked' then close(b, 'cancelled', 'free', now) end
  redis.call('ZREM', P .. 'fbook:' .. b.founder, id)
  redis.call('HSET', k, 'founder', '', 'who', '{}', 'agenda', '', 'comment', '', 'op', '')
  redis.call('HDEL', k, 'fcancels')
  return 1
end
`

// founderBookingIDs: KEYS all bookings; ARGV prefix, founder. It reads
// every booking's founder field: O(bookings), for a rare request.
var founderBookingIDs = redis.NewScript(`
local P, f, out = ARGV[1], ARGV[2], {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('HGET', P .. 'booking:' .. id, 'founder') == f then out[#out + 1] = id end
end
return out
`)

// forgetOH: KEYS bookings, mentors, slots, fbook, fbooked, fcancels of
// the founder; ARGV prefix, founder, now (ms).
var forgetOH = ohScript(ohAnon + `
local f, now = ARGV[2], ARGV[3]
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('HGET', P .. 'booking:' .. id, 'founder') == f then n = n + anon(id, now) end
end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('ZREM', P .. 'wait:' .. m, f) end
for _, s in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local sk = P .. 'slot:' .. s
  if redis.call('HGET', sk, 'offer_to') == f then redis.call('HDEL', sk, 'offer_to', 'offer_until') end
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6])
return n
`)

func (r *Redis) eraseOfficeHours(ctx context.Context, f flows.FounderID, now time.Time) error {
	keys := []string{r.ohKey("bookings"), r.ohKey("mentors"), r.ohKey("slots"),
		r.ohKey("fbook:" + string(f)), r.ohKey("fbooked:" + string(f)), r.ohKey("fcancels:" + string(f))}
	if err := forgetOH.Run(ctx, r.rdb, keys, r.ohKey(""), string(f), ms(now)).Err(); err != nil {
		return fmt.Errorf("forget %s in office hours: %w", f, err)
	}
	return nil
}

// anonymiseBookings: KEYS all bookings; ARGV prefix, cutoff (ms), offset,
// count, now. Bookings that started before the cutoff lose their founder
// (one never concluded is closed first); it returns how many it looked
// at and how many it anonymised.
var anonymiseBookings = ohScript(ohAnon + `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
local n = 0
for _, id in ipairs(ids) do
  n = n + anon(id, ARGV[5])
end
return {#ids, n}
`)

// forgetJobs: KEYS due, lease; ARGV the job key prefix, then needles:
// the '"subject":"<s>"' of each subject whose jobs go.
var forgetJobs = redis.NewScript(`
local n = 0
for _, z in ipairs(KEYS) do
  for _, id in ipairs(redis.call('ZRANGE', z, 0, -1)) do
    local d = redis.call('HGET', ARGV[1] .. id, 'd') or ''
    for i = 2, #ARGV do
      if string.find(d, ARGV[i], 1, true) then
        redis.call('DEL', ARGV[1] .. id)
        redis.call('ZREM', KEYS[1], id)
        redis.call('ZREM', KEYS[2], id)
        n = n + 1
        break
      end
    end
  end
end
return n
`)

// subjects are what a founder's jobs may be about: the founder, their
// applications, their bookings and their introduction requests.
func (r *Redis) subjects(ctx context.Context, f flows.FounderID) ([]string, error) {
	apps, err := r.ownedIDs(ctx, f)
	if err != nil {
		return nil, err
	}
	bookings, err := founderBookingIDs.Run(ctx, r.rdb, []string{r.ohKey("bookings")}, r.ohKey(""), string(f)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", f, err)
	}
	intros, err := r.introIDs(ctx, f)
	if err != nil {
		return nil, err
	}
	return append(append(append([]string{string(f)}, apps...), bookings...), intros...), nil
}

func (r *Redis) eraseJobs(ctx context.Context, f flows.FounderID, _ time.Time) error {
	subj, err := r.subjects(ctx, f)
	if err != nil {
		return err
	}
	args := []any{r.jobsKey("job:")}
	for _, s := range subj {
		v, _ := json.Marshal(s)
		args = append(args, `"subject":`+string(v))
	}
	if err := forgetJobs.Run(ctx, r.rdb, []string{r.jobsKey("due"), r.jobsKey("lease")}, args...).Err(); err != nil {
		return fmt.Errorf("forget jobs of %s: %w", f, err)
	}
	return nil
}

// queuedFor lists the outbox's messages for f, waiting or being sent.
func (r *Redis) queuedFor(ctx context.Context, f flows.FounderID) ([]OutboxMessage, error) {
	var out []OutboxMessage
	start := "-"
	for {
		xs, err := r.rdb.XRangeN(ctx, r.streamKey(), start, "+", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("outbox of %s: %w", f, err)
		}
		for _, x := range xs {
			if x.Values["f"] == string(f) {
				out = append(out, decodeOutgoing(x, 0))
			}
		}
		if len(xs) < 1000 {
			return out, nil
		}
		start = "(" + xs[len(xs)-1].ID
	}
}

func (r *Redis) eraseOutbox(ctx context.Context, f flows.FounderID, _ time.Time) error {
	msgs, err := r.queuedFor(ctx, f)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		// Failed, as a message Telegram refused: a broadcast's counts add up.
		if err := r.FinishOutgoing(ctx, m, OutcomeFailed); err != nil {
			return err
		}
	}
	return nil
}

// eraseProfile empties the session but keeps its version: the Engine
// saves the /forgetme turn after it, and must find the version it read.
// DropSession deletes the key after that save.
func (r *Redis) eraseProfile(ctx context.Context, f flows.FounderID, _ time.Time) error {
	pipe := r.rdb.TxPipeline()
	pipe.HDel(ctx, r.founderKey(f, "session"), "d")
	pipe.Del(ctx, r.founderKey(f, "unreachable"))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("forget session of %s: %w", f, err)
	}
	// The index of unreachable founders has a hash tag of its own.
	if err := r.rdb.SRem(ctx, r.unreachableIndex(), string(f)).Err(); err != nil {
		return fmt.Errorf("forget %s in the unreachable index: %w", f, err)
	}
	return r.forgetDirectory(ctx, f)
}

// sweep deletes the keys left whose name holds f, on every node: message
// keys of the outbox ("staff:<founder>:…"), job runs, and any family
// added later that forgot to erase its own, and the replies journalled
// with earlier updates. Update markers stay: they expire within 48 hours
// and keep a redelivered update from running again. So does the chat's
// mailbox with its lease and rate window: the worker applying this very
// /forgetme holds them, and each update left in it is removed as soon as
// it is applied.
func (r *Redis) sweep(ctx context.Context, f flows.FounderID, _ time.Time) error {
	match := globEscape(r.prefix) + "*" + globEscape(string(f)) + "*"
	upd, session := r.founderKey(f, "upd:"), r.founderKey(f, "session")
	pipeline := map[string]bool{r.chatKey(string(f), "inbox"): true, r.chatKey(string(f), "inbox:u"): true,
		r.chatKey(string(f), "lease"): true, r.chatKey(string(f), "rate"): true}
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, match, 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			if strings.HasPrefix(k, upd) || k == session || pipeline[k] || !hasID(strings.TrimPrefix(k, r.prefix), f) {
				continue
			}
			if err := r.rdb.Del(ctx, k).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	var err error
	if cc, ok := r.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, r.rdb)
	}
	if err != nil {
		return fmt.Errorf("sweep keys of %s: %w", f, err)
	}
	return nil
}
