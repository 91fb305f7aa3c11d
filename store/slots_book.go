package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// ohChecks are the rules of booking a slot, shared by BookSlot and
// Reschedule.
const ohChecks = `
-- check_slot is '' when founder f may take slot s now, else the refusal.
local function check_slot(s, f, now, wend)
  if s.state == 'cancelled' then return 'cancelled' end
  if s.state == 'booked' then return 'taken' end
  local start = num(s.start)
  if start <= now then return 'past' end
  if start > wend then return 'window' end
  if (s.offer_to or '') ~= '' and s.offer_to ~= f and num(s.offer_until) > now then return 'taken' end
  return ''
end
-- overlaps is true when a booking of the founder's index, other than
-- except, overlaps [start, fin). Slots are at most maxlen long, so only
-- bookings starting after start - maxlen can.
local function overlaps(index, start, fin, maxlen, except)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '(' .. fmt(start - maxlen), '(' .. fmt(fin))) do
    if id ~= except and num(redis.call('HGET', P .. 'booking:' .. id, 'end')) > start then return true end
  end
  return false
end
-- full is true when the mentor of slot s has their week's cap of sessions.
local function full(s)
  local cap = num(redis.call('HGET', P .. 'mentor:' .. s.mentor, 'cap'))
  return cap > 0 and num(redis.call('GET', P .. 'load:' .. s.mentor .. ':' .. s.week)) >= cap
end
-- take books slot s for booking id.
local function take(sk, s, id)
  redis.call('HSET', sk, 'state', 'booked', 'booking', id)
  redis.call('HDEL', sk, 'offer_to', 'offer_until')
  redis.call('INCR', P .. 'load:' .. s.mentor .. ':' .. s.week)
end
`

// founderWeek keeps a founder's bookings or cancellations of the last
// FounderWeek in a sorted set (booking ID by time), for the weekly caps.
const founderWeek = `
-- week_count drops the entries of index older than the week and counts the rest.
local function week_count(index, now, week)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', fmt(now - week))
  return redis.call('ZCARD', index)
end
-- week_add records id at now; the set goes a week after its last entry.
local function week_add(index, now, week, id)
  redis.call('ZADD', index, fmt(now), id)
  redis.call('PEXPIRE', index, fmt(week))
end
`

// bookSlot: KEYS slot, booking, the founder's index, all bookings, the
// founder's bookings and cancellations of the week; ARGV prefix, now,
// window end, max upcoming, max slot length, booking ID, founder, who,
// topic, agenda, max bookings a week (0: no cap), the week.
var bookSlot = ohScript(ohChecks + founderWeek + `
local now, f, week = num(ARGV[2]), ARGV[7], num(ARGV[12])
local s = hmap(KEYS[1])
if not s then return {'no_slot'} end
local b = hmap(KEYS[2])
if b then
  if b.founder == f and b.slot == s.id and b.status == 'booked' then return {'ok', redis.call('HGETALL', KEYS[2])} end
  return {'id_taken'}
end
local why = check_slot(s, f, now, num(ARGV[3]))
if why ~= '' then return {why} end
local maxlen = num(ARGV[5])
-- Sessions over by now are not the founder's to count or overlap.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. fmt(now - maxlen))
if redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[2], '+inf') >= num(ARGV[4]) then return {'too_many'} end
local maxweek = num(ARGV[11])
if week_count(KEYS[5], now, week) >= maxweek and maxweek > 0 then return {'week_bookings'} end
if overlaps(KEYS[3], num(s.start), num(s['end']), maxlen, '') then return {'overlap'} end
if full(s) then return {'cap'} end
take(KEYS[1], s, ARGV[6])
redis.call('HSET', KEYS[2], 'id', ARGV[6], 'slot', s.id, 'mentor', s.mentor, 'founder', f, 'who', ARGV[8],
  'topic', ARGV[9], 'agenda', ARGV[10], 'start', s.start, 'end', s['end'], 'link', s.link or '', 'room', s.room or '',
  'status', 'booked', 'seq', '0', 'resched', '0', 'created', ARGV[2], 'updated', ARGV[2],
  'fcancels', fmt(week_count(KEYS[6], now, week)))
week_add(KEYS[5], now, week, ARGV[6])
redis.call('ZADD', KEYS[3], s.start, ARGV[6])
redis.call('ZADD', KEYS[4], s.start, ARGV[6])
redis.call('ZREM', P .. 'wait:' .. s.mentor, f)
return {'ok', redis.call('HGETALL', KEYS[2])}
`)

// BookSlot implements officehours.Store: every rule is checked and
// the booking written in one script, so of any number of founders racing
// for a slot exactly one gets it, and a founder racing against themself
// never ends with overlapping sessions or more than the rules allow.
func (r *Redis) BookSlot(ctx context.Context, slot flows.SlotID, b flows.Booking, now time.Time, rules flows.BookingRules) (flows.Booking, error) {
	who, err := json.Marshal(b.Who)
	if err != nil {
		return b, fmt.Errorf("encode booking %s: %w", b.ID, err)
	}
	keys := []string{r.ohKey("slot:" + string(slot)), r.ohKey("booking:" + string(b.ID)),
		r.ohKey("fbook:" + string(b.Founder)), r.ohKey("bookings"),
		r.ohKey("fbooked:" + string(b.Founder)), r.ohKey("fcancels:" + string(b.Founder))}
	v, err := r.runOH(ctx, bookSlot, keys, ms(now), ms(now.Add(rules.Window)), rules.MaxUpcoming,
		flows.MaxSlotLength.Milliseconds(), string(b.ID), string(b.Founder), who, b.Topic, b.Agenda,
		rules.MaxBookingsPerWeek, flows.FounderWeek.Milliseconds())
	if err != nil {
		return b, fmt.Errorf("book %s for %s: %w", slot, b.Founder, err)
	}
	return bookingOf(hashOf(v[0]))
}

// reschedule: KEYS booking, new slot, the founder's index, all bookings;
// ARGV prefix, now, window end, cutoff, max reschedules, max slot length,
// founder, op.
var reschedule = ohScript(ohChecks + `
local now, f, op = num(ARGV[2]), ARGV[7], ARGV[8]
local b = hmap(KEYS[1])
if not b or b.founder ~= f then return {'no_booking'} end
local s = hmap(KEYS[2])
if not s then return {'no_slot'} end
if b.slot == s.id and op ~= '' and b.op == op then return {'ok', redis.call('HGETALL', KEYS[1])} end
if b.status ~= 'booked' then return {'closed'} end
if num(b.start) - now < num(ARGV[4]) then return {'cutoff'} end
if num(b.resched) >= num(ARGV[5]) then return {'resched_limit'} end
local why = check_slot(s, f, now, num(ARGV[3]))
if why ~= '' then return {why} end
if overlaps(KEYS[3], num(s.start), num(s['end']), num(ARGV[6]), b.id) then return {'overlap'} end
local week = redis.call('HGET', P .. 'slot:' .. b.slot, 'week')
if (s.mentor ~= b.mentor or s.week ~= week) and full(s) then return {'cap'} end
-- The old slot is let go only here, with the new one taken.
unbook(b, 'free')
take(KEYS[2], s, b.id)
redis.call('HSET', KEYS[1], 'slot', s.id, 'mentor', s.mentor, 'start', s.start, 'end', s['end'],
  'link', s.link or '', 'room', s.room or '', 'seq', fmt(num(b.seq) + 1), 'resched', fmt(num(b.resched) + 1),
  'updated', ARGV[2], 'op', op, 'prev_slot', b.slot)
redis.call('ZADD', KEYS[3], s.start, b.id)
redis.call('ZADD', KEYS[4], s.start, b.id)
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// Reschedule implements officehours.Store.
func (r *Redis) Reschedule(ctx context.Context, id flows.BookingID, f flows.FounderID, to flows.SlotID, op string, now time.Time, rules flows.BookingRules) (flows.Booking, error) {
	keys := []string{r.ohKey("booking:" + string(id)), r.ohKey("slot:" + string(to)),
		r.ohKey("fbook:" + string(f)), r.ohKey("bookings")}
	v, err := r.runOH(ctx, reschedule, keys, ms(now), ms(now.Add(rules.Window)), rules.CancelCutoff.Milliseconds(),
		rules.MaxReschedules, flows.MaxSlotLength.Milliseconds(), string(f), op)
	if err != nil {
		return flows.Booking{}, fmt.Errorf("reschedule %s to %s: %w", id, to, err)
	}
	return bookingOf(hashOf(v[0]))
}

// cancelBooking: KEYS booking, the founder's cancellations of the week;
// ARGV prefix, now, cutoff, founder ("" for staff), op, max cancellations
// a week (0: no cap), the week. Only a founder's own count.
var cancelBooking = ohScript(founderWeek + `
local b = hmap(KEYS[1])
if not b or (ARGV[4] ~= '' and b.founder ~= ARGV[4]) then return {'no_booking'} end
if b.status ~= 'booked' then
  if ARGV[5] ~= '' and b.op == ARGV[5] then return {'ok', redis.call('HGETALL', KEYS[1])} end
  return {'closed'}
end
local now, week, n = num(ARGV[2]), num(ARGV[7]), 0
if ARGV[4] ~= '' then
  if num(b.start) - now < num(ARGV[3]) then return {'cutoff'} end
  n = week_count(KEYS[2], now, week)
  if num(ARGV[6]) > 0 and n >= num(ARGV[6]) then return {'week_cancels'} end
  week_add(KEYS[2], now, week, b.id)
  n = n + 1
end
close(b, 'cancelled', 'free', ARGV[2])
redis.call('HSET', KEYS[1], 'op', ARGV[5], 'fcancels', fmt(n))
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// CancelBooking implements officehours.Store.
func (r *Redis) CancelBooking(ctx context.Context, id flows.BookingID, f flows.FounderID, op string, now time.Time, rules flows.BookingRules) (flows.Booking, error) {
	keys := []string{r.ohKey("booking:" + string(id)), r.ohKey("fcancels:" + string(f))}
	v, err := r.runOH(ctx, cancelBooking, keys, ms(now), rules.CancelCutoff.Milliseconds(), string(f), op,
		rules.MaxCancelsPerWeek, flows.FounderWeek.Milliseconds())
	if err != nil {
		return flows.Booking{}, fmt.Errorf("cancel booking %s: %w", id, err)
	}
	return bookingOf(hashOf(v[0]))
}

// setOutcome: KEYS booking; ARGV prefix, now, outcome, by.
var setOutcome = ohScript(`
local b = hmap(KEYS[1])
if not b then return {'no_booking'} end
if ARGV[3] == 'mentor_cancelled' then
  if b.status ~= 'booked' then return {'closed'} end
  close(b, 'mentor_cancelled', 'cancelled', ARGV[2])
else
  if b.status ~= 'booked' and b.status ~= 'held' and b.status ~= 'no_show' then return {'closed'} end
  if num(ARGV[2]) < num(b.start) then return {'too_early'} end
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated', ARGV[2])
end
redis.call('HSET', KEYS[1], 'outcome_by', ARGV[4])
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// SetOutcome implements officehours.Store.
func (r *Redis) SetOutcome(ctx context.Context, id flows.BookingID, outcome flows.BookingStatus, by string, now time.Time) (flows.Booking, error) {
	switch outcome {
	case flows.StatusHeld, flows.StatusNoShow, flows.StatusMentorCancelled:
	default:
		return flows.Booking{}, fmt.Errorf("outcome %q: want held, no_show or mentor_cancelled", outcome)
	}
	v, err := r.runOH(ctx, setOutcome, []string{r.ohKey("booking:" + string(id))}, ms(now), string(outcome), by)
	if err != nil {
		return flows.Booking{}, fmt.Errorf("record outcome of %s: %w", id, err)
	}
	return bookingOf(hashOf(v[0]))
}

// rateBooking: KEYS booking; ARGV prefix, now, founder, rating, comment.
var rateBooking = ohScript(`
local b = hmap(KEYS[1])
if not b or b.founder ~= ARGV[3] then return {'no_booking'} end
if b.status ~= 'booked' and b.status ~= 'held' then return {'closed'} end
if num(ARGV[2]) < num(b.start) then return {'too_early'} end
if ARGV[4] ~= '0' then redis.call('HSET', KEYS[1], 'rating', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'comment', ARGV[5]) end
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// RateBooking implements officehours.Store.
func (r *Redis) RateBooking(ctx context.Context, id flows.BookingID, f flows.FounderID, rating int, comment string, now time.Time) (flows.Booking, error) {
	if rating < 0 || rating > 5 {
		return flows.Booking{}, fmt.Errorf("rating %d: want 1 to 5", rating)
	}
	v, err := r.runOH(ctx, rateBooking, []string{r.ohKey("booking:" + string(id))}, ms(now), string(f), rating, comment)
	if err != nil {
		return flows.Booking{}, fmt.Errorf("rate %s: %w", id, err)
	}
	return bookingOf(hashOf(v[0]))
}

// Booking implements officehours.Store.
func (r *Redis) Booking(ctx context.Context, id flows.BookingID) (flows.Booking, error) {
	h, err := r.rdb.HGetAll(ctx, r.ohKey("booking:"+string(id))).Result()
	if err != nil {
		return flows.Booking{}, fmt.Errorf("booking %s: %w", id, err)
	}
	if len(h) == 0 {
		return flows.Booking{}, fmt.Errorf("booking %s: %w", id, flows.ErrNotFound)
	}
	return bookingOf(h)
}

// FounderBookings implements officehours.Store.
func (r *Redis) FounderBookings(ctx context.Context, f flows.FounderID, from time.Time) ([]flows.Booking, error) {
	l, err := r.hashesBetween(ctx, "fbook:"+string(f), "booking", "("+ms(from), "+inf")
	if err != nil {
		return nil, fmt.Errorf("bookings of %s: %w", f, err)
	}
	return bookingsOf(l)
}

// Bookings implements officehours.Store.
func (r *Redis) Bookings(ctx context.Context, from, to time.Time) ([]flows.Booking, error) {
	l, err := r.hashesBetween(ctx, "bookings", "booking", ms(from), "("+ms(to))
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return bookingsOf(l)
}

// JoinWaitlist implements officehours.Store.
func (r *Redis) JoinWaitlist(ctx context.Context, mentor flows.MentorID, f flows.FounderID, now time.Time) (int, error) {
	key := r.ohKey("wait:" + string(mentor))
	var rank *redis.IntCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAddNX(ctx, key, redis.Z{Score: float64(now.UnixMilli()), Member: string(f)})
		rank = p.ZRank(ctx, key, string(f))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("join waitlist of %s: %w", mentor, err)
	}
	return int(rank.Val()) + 1, nil
}

// offerSlot: KEYS slot; ARGV prefix, now, ttl.
var offerSlot = ohScript(`
local s = hmap(KEYS[1])
if not s then return {'no_slot'} end
local now = num(ARGV[2])
if s.state ~= 'free' or num(s.start) <= now then
  redis.call('HDEL', KEYS[1], 'offer_to', 'offer_until')
  return {'ok', {}}
end
if (s.offer_to or '') ~= '' and num(s.offer_until) > now then return {'ok', redis.call('HGETALL', KEYS[1])} end
local next = redis.call('ZPOPMIN', P .. 'wait:' .. s.mentor)
if #next == 0 then
  redis.call('HDEL', KEYS[1], 'offer_to', 'offer_until')
  return {'ok', {}}
end
redis.call('HINCRBY', KEYS[1], 'offer_seq', 1)
redis.call('HSET', KEYS[1], 'offer_to', next[1], 'offer_until', fmt(now + num(ARGV[3])))
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// OfferSlot implements officehours.Store. While an offer runs it
// returns that offer again, so a caller that failed to send it can.
func (r *Redis) OfferSlot(ctx context.Context, id flows.SlotID, now time.Time, ttl time.Duration) (flows.Slot, flows.FounderID, error) {
	v, err := r.runOH(ctx, offerSlot, []string{r.ohKey("slot:" + string(id))}, ms(now), ttl.Milliseconds())
	if err != nil {
		return flows.Slot{}, "", fmt.Errorf("offer slot %s: %w", id, err)
	}
	h := hashOf(v[0])
	if len(h) == 0 {
		return flows.Slot{}, "", nil
	}
	s := slotOf(h)
	return s, s.OfferTo, nil
}
