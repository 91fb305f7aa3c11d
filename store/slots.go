package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// Office hours keep every key under the {oh} hash tag, so each script
// below runs in one Cluster slot and is atomic: the booking rules are
// checked and applied in one step, never read-then-write from Go.
//
//	fb:{oh}:seq                hash    slot → the last slot number given
//	fb:{oh}:mentors            set     IDs of the mentors not removed
//	fb:{oh}:mentor:<m>         hash    d (JSON of flows.Mentor), cap (weekly cap), removed ("1")
//	fb:{oh}:mslots:<m>         zset    the mentor's slot IDs by start (ms)
//	fb:{oh}:slots              zset    every slot ID by start (ms)
//	fb:{oh}:slot:<s>           hash    id, mentor, start, end (ms), week, link, room,
//	                                   state (free|booked|cancelled), booking,
//	                                   offer_to, offer_until (ms), offer_seq
//	fb:{oh}:booking:<b>        hash    id, slot, mentor, founder, who (JSON), topic, agenda,
//	                                   start, end, link, room, status, seq, resched, created,
//	                                   updated, rating, comment, outcome_by, prev_slot, op
//	fb:{oh}:bookings           zset    every booking ID by start (ms)
//	fb:{oh}:fbook:<founder>    zset    the founder's active bookings by start (ms)
//	fb:{oh}:load:<m>:<week>    string  sessions booked with mentor m in the ISO week
//	fb:{oh}:wait:<m>           zset    founders waiting for mentor m, by time joined (ms)
//
// The scripts name their fixed keys in KEYS and build the others (a
// booking's slot, a mentor's counter) from the {oh} prefix in ARGV[1],
// as the jobs scripts do: same hash tag, same slot.

func (r *Redis) ohKey(rest string) string { return r.prefix + "{oh}:" + rest }

// ohPrelude is shared by the office-hours scripts. Numbers are written
// with fmt(): Lua would print large ones in exponent form.
const ohPrelude = `
local P = ARGV[1]
local function fmt(n) return string.format('%.0f', n) end
local function num(v) return tonumber(v) or 0 end
local function hmap(key)
  local r = redis.call('HGETALL', key)
  if #r == 0 then return nil end
  local t = {}
  for i = 1, #r, 2 do t[r[i]] = r[i + 1] end
  return t
end
-- unbook drops an active booking's hold: its slot goes to state, and the
-- mentor's week count and the founder's index forget it.
local function unbook(b, state)
  local sk = P .. 'slot:' .. b.slot
  if redis.call('HGET', sk, 'booking') == b.id then
    redis.call('HSET', sk, 'state', state, 'booking', '')
  end
  local week = redis.call('HGET', sk, 'week')
  if week then
    local lk = P .. 'load:' .. b.mentor .. ':' .. week
    if redis.call('DECR', lk) <= 0 then redis.call('DEL', lk) end
  end
  redis.call('ZREM', P .. 'fbook:' .. b.founder, b.id)
end
-- close ends an active booking with status and the slot state given.
local function close(b, status, state, now)
  unbook(b, state)
  redis.call('HSET', P .. 'booking:' .. b.id, 'status', status, 'seq', fmt(num(b.seq) + 1), 'updated', now)
end
`

func ohScript(body string) *redis.Script { return redis.NewScript(ohPrelude + body) }

// refusals maps the scripts' codes to the errors flows knows.
var refusals = map[string]error{
	"no_slot":       flows.ErrNotFound,
	"no_booking":    flows.ErrNotFound,
	"no_mentor":     flows.ErrNotFound,
	"exists":        flows.ErrMentorExists,
	"id_taken":      flows.ErrIDTaken,
	"taken":         flows.ErrSlotTaken,
	"cancelled":     flows.ErrSlotCancelled,
	"past":          flows.ErrSlotPast,
	"window":        flows.ErrOutsideWindow,
	"too_many":      flows.ErrTooManyUpcoming,
	"overlap":       flows.ErrOverlap,
	"cap":           flows.ErrWeeklyCap,
	"cutoff":        flows.ErrCutoff,
	"resched_limit": flows.ErrRescheduleLimit,
	"closed":        flows.ErrBookingClosed,
	"too_early":     flows.ErrTooEarly,
	"week_bookings": flows.ErrWeeklyBookings,
	"week_cancels":  flows.ErrWeeklyCancels,
}

// runOH runs an office-hours script whose reply is {code, ...}, and
// turns a code other than "ok" into its error.
func (r *Redis) runOH(ctx context.Context, s *redis.Script, keys []string, args ...any) ([]any, error) {
	v, err := s.Run(ctx, r.rdb, keys, append([]any{r.ohKey("")}, args...)...).Slice()
	if err != nil {
		return nil, err
	}
	code, _ := v[0].(string)
	if code == "ok" {
		return v[1:], nil
	}
	if e, ok := refusals[code]; ok {
		return v[1:], e
	}
	return nil, fmt.Errorf("unexpected reply %q", code)
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// hashOf reads a flat HGETALL reply.
func hashOf(v any) map[string]string {
	l, _ := v.([]any)
	h := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		k, _ := l[i].(string)
		h[k], _ = l[i+1].(string)
	}
	return h
}

func msTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func slotOf(h map[string]string) flows.Slot {
	seq, _ := strconv.ParseInt(h["offer_seq"], 10, 64)
	return flows.Slot{
		ID: flows.SlotID(h["id"]), Mentor: flows.MentorID(h["mentor"]),
		Start: msTime(h["start"]), End: msTime(h["end"]), Week: h["week"],
		Place:     flows.Place{Link: h["link"], Room: h["room"]},
		Cancelled: h["state"] == "cancelled", Booking: flows.BookingID(h["booking"]),
		OfferTo: flows.FounderID(h["offer_to"]), OfferUntil: msTime(h["offer_until"]), OfferSeq: seq,
	}
}

func bookingOf(h map[string]string) (flows.Booking, error) {
	b := flows.Booking{
		ID: flows.BookingID(h["id"]), Slot: flows.SlotID(h["slot"]), Mentor: flows.MentorID(h["mentor"]),
		Founder: flows.FounderID(h["founder"]), Topic: h["topic"], Agenda: h["agenda"],
		Start: msTime(h["start"]), End: msTime(h["end"]), Place: flows.Place{Link: h["link"], Room: h["room"]},
		Status: flows.BookingStatus(h["status"]), Seq: atoi(h["seq"]), Reschedules: atoi(h["resched"]),
		Created: msTime(h["created"]), Updated: msTime(h["updated"]), Rating: atoi(h["rating"]),
		Comment: h["comment"], OutcomeBy: h["outcome_by"], PrevSlot: flows.SlotID(h["prev_slot"]),
		FounderCancels: atoi(h["fcancels"]),
	}
	if w := h["who"]; w != "" {
		if err := json.Unmarshal([]byte(w), &b.Who); err != nil {
			return b, fmt.Errorf("decode booking %s: %w", b.ID, err)
		}
	}
	return b, nil
}

func bookingsOf(v []any) ([]flows.Booking, error) {
	out := make([]flows.Booking, 0, len(v))
	for _, x := range v {
		h := hashOf(x)
		if len(h) == 0 {
			continue
		}
		b, err := bookingOf(h)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

var putMentor = ohScript(`
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HGET', KEYS[1], 'removed') ~= '1' then return {'exists'} end
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'cap', ARGV[3], 'removed', '0')
redis.call('SADD', KEYS[2], ARGV[4])
return {'ok'}
`)

// PutMentor implements officehours.Store.
func (r *Redis) PutMentor(ctx context.Context, m flows.Mentor) error {
	m.Removed = false
	d, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode mentor %s: %w", m.ID, err)
	}
	keys := []string{r.ohKey("mentor:" + string(m.ID)), r.ohKey("mentors")}
	if _, err := r.runOH(ctx, putMentor, keys, d, m.WeeklyCap, string(m.ID)); err != nil {
		return fmt.Errorf("put mentor %s: %w", m.ID, err)
	}
	return nil
}

var updateMentor = ohScript(`
if redis.call('HGET', KEYS[1], 'removed') == '1' then return {'no_mentor'} end
if redis.call('HGET', KEYS[1], 'd') ~= ARGV[2] then return {'ok', 0} end
redis.call('HSET', KEYS[1], 'd', ARGV[3], 'cap', ARGV[4])
return {'ok', 1}
`)

// UpdateMentor applies fn to a mentor not removed and saves the result
// if nobody saved the mentor in between, else applies fn again to the
// fresh record: staff editing a mentor, the contact pausing their
// introductions and a founder linking a contact's chat each change their
// own fields without undoing the others'. ErrNotFound if there is none.
func (r *Redis) UpdateMentor(ctx context.Context, id flows.MentorID, fn func(*flows.Mentor) error) (flows.Mentor, error) {
	key := r.ohKey("mentor:" + string(id))
	for range maxUpdateAttempts {
		m, old, err := r.mentor(ctx, id)
		if err == nil && m.Removed {
			err = fmt.Errorf("mentor %s: %w", id, flows.ErrNotFound)
		}
		if err != nil {
			return flows.Mentor{}, err
		}
		if err := fn(&m); err != nil {
			return m, err
		}
		m.ID, m.Removed = id, false
		d, err := json.Marshal(m)
		if err != nil {
			return m, fmt.Errorf("encode mentor %s: %w", id, err)
		}
		res, err := r.runOH(ctx, updateMentor, []string{key}, old, d, m.WeeklyCap)
		if err != nil {
			return m, fmt.Errorf("update mentor %s: %w", id, err)
		}
		if n, _ := res[0].(int64); n == 1 {
			return m, nil
		}
	}
	return flows.Mentor{}, fmt.Errorf("update mentor %s: still contended after %d attempts", id, maxUpdateAttempts)
}

// Mentor implements officehours.Store.
func (r *Redis) Mentor(ctx context.Context, id flows.MentorID) (flows.Mentor, error) {
	m, _, err := r.mentor(ctx, id)
	return m, err
}

// mentor reads a mentor, removed ones included, with the JSON stored.
func (r *Redis) mentor(ctx context.Context, id flows.MentorID) (flows.Mentor, string, error) {
	var m flows.Mentor
	v, err := r.rdb.HMGet(ctx, r.ohKey("mentor:"+string(id)), "d", "removed").Result()
	if err != nil {
		return m, "", fmt.Errorf("mentor %s: %w", id, err)
	}
	d, ok := v[0].(string)
	if !ok {
		return m, "", fmt.Errorf("mentor %s: %w", id, flows.ErrNotFound)
	}
	if err := json.Unmarshal([]byte(d), &m); err != nil {
		return m, "", fmt.Errorf("decode mentor %s: %w", id, err)
	}
	m.Removed = v[1] == "1"
	return m, d, nil
}

var listMentors = ohScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  table.insert(out, redis.call('HGET', P .. 'mentor:' .. id, 'd') or '')
end
return {'ok', out}
`)

// Mentors implements officehours.Store.
func (r *Redis) Mentors(ctx context.Context) ([]flows.Mentor, error) {
	v, err := r.runOH(ctx, listMentors, []string{r.ohKey("mentors")})
	if err != nil {
		return nil, fmt.Errorf("list mentors: %w", err)
	}
	l, _ := v[0].([]any)
	out := make([]flows.Mentor, 0, len(l))
	for _, x := range l {
		d, _ := x.(string)
		if d == "" {
			continue
		}
		var m flows.Mentor
		if err := json.Unmarshal([]byte(d), &m); err != nil {
			return nil, fmt.Errorf("decode mentor: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

var removeMentor = ohScript(`
local m = redis.call('HMGET', KEYS[1], 'd', 'removed')
if not m[1] or m[2] == '1' then return {'no_mentor'} end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[2], '+inf')) do
  local sk = P .. 'slot:' .. id
  local s = hmap(sk)
  if s and s.state == 'booked' and s.booking ~= '' then
    local b = hmap(P .. 'booking:' .. s.booking)
    if b then
      close(b, 'slot_cancelled', 'cancelled', ARGV[2])
      table.insert(out, redis.call('HGETALL', P .. 'booking:' .. b.id))
    end
  end
  if s and s.state ~= 'cancelled' then
    redis.call('HSET', sk, 'state', 'cancelled', 'booking', '')
    redis.call('HDEL', sk, 'offer_to', 'offer_until')
  end
end
redis.call('HSET', KEYS[1], 'removed', '1')
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[4])
return {'ok', out}
`)

// RemoveMentor implements officehours.Store.
func (r *Redis) RemoveMentor(ctx context.Context, id flows.MentorID, now time.Time) ([]flows.Booking, error) {
	keys := []string{r.ohKey("mentor:" + string(id)), r.ohKey("mentors"), r.ohKey("mslots:" + string(id)), r.ohKey("wait:" + string(id))}
	v, err := r.runOH(ctx, removeMentor, keys, ms(now), string(id))
	if err != nil {
		return nil, fmt.Errorf("remove mentor %s: %w", id, err)
	}
	l, _ := v[0].([]any)
	return bookingsOf(l)
}

var addSlots = ohScript(`
local m = redis.call('HMGET', KEYS[1], 'd', 'removed')
if not m[1] or m[2] == '1' then return {'no_mentor'} end
local maxlen = num(ARGV[3])
local n = (#ARGV - 3) / 5
for i = 0, n - 1 do
  local start, fin = num(ARGV[4 + i * 5]), num(ARGV[5 + i * 5])
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. fmt(start - maxlen), '(' .. fmt(fin))) do
    local o = redis.call('HMGET', P .. 'slot:' .. id, 'end', 'state')
    if o[2] ~= 'cancelled' and num(o[1]) > start then return {'overlap', id} end
  end
end
local ids = {}
for i = 0, n - 1 do
  local a = 4 + i * 5
  local id = 'S' .. redis.call('HINCRBY', KEYS[4], 'slot', 1)
  redis.call('HSET', P .. 'slot:' .. id, 'id', id, 'mentor', ARGV[2], 'start', ARGV[a], 'end', ARGV[a + 1],
    'week', ARGV[a + 2], 'link', ARGV[a + 3], 'room', ARGV[a + 4], 'state', 'free', 'booking', '')
  redis.call('ZADD', KEYS[2], ARGV[a], id)
  redis.call('ZADD', KEYS[3], ARGV[a], id)
  table.insert(ids, id)
end
return {'ok', ids}
`)

// AddSlots implements officehours.Store.
func (r *Redis) AddSlots(ctx context.Context, mentor flows.MentorID, slots []flows.Slot) ([]flows.Slot, error) {
	slots = slices.Clone(slots)
	slices.SortFunc(slots, func(a, b flows.Slot) int { return a.Start.Compare(b.Start) })
	args := []any{string(mentor), flows.MaxSlotLength.Milliseconds()}
	for i, s := range slots {
		if !s.End.After(s.Start) || s.End.Sub(s.Start) > flows.MaxSlotLength {
			return nil, fmt.Errorf("slot %s–%s: bad length", s.Start, s.End)
		}
		if i > 0 && s.Start.Before(slots[i-1].End) {
			return nil, &flows.SlotOverlapError{Existing: slots[i-1]}
		}
		args = append(args, ms(s.Start), ms(s.End), s.Week, s.Link, s.Room)
	}
	keys := []string{r.ohKey("mentor:" + string(mentor)), r.ohKey("mslots:" + string(mentor)), r.ohKey("slots"), r.ohKey("seq")}
	v, err := r.runOH(ctx, addSlots, keys, args...)
	if errors.Is(err, flows.ErrOverlap) {
		id, _ := v[0].(string)
		existing, err := r.Slot(ctx, flows.SlotID(id))
		if err != nil {
			return nil, err
		}
		return nil, &flows.SlotOverlapError{Existing: existing}
	}
	if err != nil {
		return nil, fmt.Errorf("add slots of %s: %w", mentor, err)
	}
	ids, _ := v[0].([]any)
	for i := range slots {
		id, _ := ids[i].(string)
		slots[i].ID, slots[i].Mentor = flows.SlotID(id), mentor
	}
	return slots, nil
}

// Slot implements officehours.Store.
func (r *Redis) Slot(ctx context.Context, id flows.SlotID) (flows.Slot, error) {
	h, err := r.rdb.HGetAll(ctx, r.ohKey("slot:"+string(id))).Result()
	if err != nil {
		return flows.Slot{}, fmt.Errorf("slot %s: %w", id, err)
	}
	if len(h) == 0 {
		return flows.Slot{}, fmt.Errorf("slot %s: %w", id, flows.ErrNotFound)
	}
	return slotOf(h), nil
}

// listHashes returns the hashes of the members of a zset whose score is
// between ARGV[2] and ARGV[3] (ZRANGEBYSCORE bounds), each member's key
// being ARGV[4] .. member.
var listHashes = ohScript(`
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3])) do
  table.insert(out, redis.call('HGETALL', ARGV[4] .. id))
end
return {'ok', out}
`)

func (r *Redis) hashesBetween(ctx context.Context, index, kind string, from, to string) ([]any, error) {
	v, err := r.runOH(ctx, listHashes, []string{r.ohKey(index)}, from, to, r.ohKey(kind+":"))
	if err != nil {
		return nil, err
	}
	l, _ := v[0].([]any)
	return l, nil
}

// Slots implements officehours.Store.
func (r *Redis) Slots(ctx context.Context, mentor flows.MentorID, from, to time.Time) ([]flows.Slot, error) {
	index := "slots"
	if mentor != "" {
		index = "mslots:" + string(mentor)
	}
	l, err := r.hashesBetween(ctx, index, "slot", ms(from), "("+ms(to))
	if err != nil {
		return nil, fmt.Errorf("list slots: %w", err)
	}
	out := make([]flows.Slot, 0, len(l))
	for _, x := range l {
		if h := hashOf(x); len(h) > 0 {
			out = append(out, slotOf(h))
		}
	}
	return out, nil
}

var cancelSlot = ohScript(`
local s = hmap(KEYS[1])
if not s then return {'no_slot'} end
if s.state == 'cancelled' then return {'cancelled'} end
if num(s['end']) <= num(ARGV[2]) then return {'past'} end
local booking = {}
if s.state == 'booked' and s.booking ~= '' then
  local b = hmap(P .. 'booking:' .. s.booking)
  if b then
    close(b, 'slot_cancelled', 'cancelled', ARGV[2])
    booking = redis.call('HGETALL', P .. 'booking:' .. b.id)
  end
end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'booking', '')
redis.call('HDEL', KEYS[1], 'offer_to', 'offer_until')
return {'ok', redis.call('HGETALL', KEYS[1]), booking}
`)

// CancelSlot implements officehours.Store.
func (r *Redis) CancelSlot(ctx context.Context, id flows.SlotID, now time.Time) (flows.Slot, *flows.Booking, error) {
	v, err := r.runOH(ctx, cancelSlot, []string{r.ohKey("slot:" + string(id))}, ms(now))
	if err != nil {
		return flows.Slot{}, nil, fmt.Errorf("cancel slot %s: %w", id, err)
	}
	s := slotOf(hashOf(v[0]))
	h := hashOf(v[1])
	if len(h) == 0 {
		return s, nil, nil
	}
	b, err := bookingOf(h)
	return s, &b, err
}

// MentorLoad implements officehours.Store.
func (r *Redis) MentorLoad(ctx context.Context, mentor flows.MentorID, weeks []string) (map[string]int, error) {
	out := make(map[string]int, len(weeks))
	if len(weeks) == 0 {
		return out, nil
	}
	keys := make([]string, len(weeks))
	for i, w := range weeks {
		keys[i] = r.ohKey("load:" + string(mentor) + ":" + w)
	}
	// One key at a time would cost a round trip each; MGET across keys of
	// one hash tag is valid on Cluster.
	v, err := r.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("load of %s: %w", mentor, err)
	}
	for i, x := range v {
		s, _ := x.(string)
		out[weeks[i]] = atoi(s)
	}
	return out, nil
}
