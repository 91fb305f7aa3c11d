package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// Send slots keep a transport's flood limits for every replica at once
// (one bot token, one limit). Their keys share the hash tag {sends}, so
// that one script sees the bot's and the chat's state on Redis Cluster
// too; at Telegram's 30 messages a second one slot is plenty:
//
//	fb:{sends}:bot        hash  tat (the bot's next free slot), pause (nothing before it)
//	fb:{sends}:window     zset  booking → when it leaves the bot's second
//	fb:{sends}:direct     zset  direct reply waiting → until when it counts
//	fb:{sends}:chat:<id>  hash  tat (the chat's GCRA), o:<booking> → until when it is open
//
// Times are microseconds, from the request's Now or, when it is zero,
// from Redis' TIME: then every replica uses one clock, whatever their own.

func (r *Redis) sendsKey(rest string) string { return r.prefix + "{sends}:" + rest }

// sendsSecond is the window Telegram counts messages in.
const sendsSecond = 1_000_000

// takeSlot books a slot or says how long to wait. See TakeSendSlot.
var takeSlot = redis.NewScript(`
local now = tonumber(ARGV[1])
if now == 0 then
  redis.replicate_commands() -- writes after TIME: needed before Redis 5, a no-op since
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local id, direct = ARGV[2], ARGV[3] == '1'
local every, perSecond = tonumber(ARGV[4]), tonumber(ARGV[5])
local chatEvery, burst = tonumber(ARGV[6]), tonumber(ARGV[7])
local ahead, open, poll = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local second = tonumber(ARGV[11])

local pause = tonumber(redis.call('HGET', KEYS[1], 'pause') or 0)
if pause > now then return {0, pause - now, 'pause'} end
if every == 0 then return {1, 0, ''} end

-- The chat: a GCRA allowing burst messages back to back, at most burst of
-- them unanswered.
local ctat, opened = 0, 0
local fields = redis.call('HGETALL', KEYS[4])
for i = 1, #fields, 2 do
  local v = tonumber(fields[i + 1])
  if fields[i] == 'tat' then
    ctat = v
  elseif v <= now then
    redis.call('HDEL', KEYS[4], fields[i])
  else
    opened = opened + 1
  end
end
local free = ctat - (burst - 1) * chatEvery
if free > now then return {0, free - now, 'chat'} end
if opened >= burst then return {0, poll, 'chat'} end

-- The bot: a direct reply that cannot go now says so, and bulk waits for it.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local function hold(d)
  if direct then
    redis.call('ZADD', KEYS[3], now + d + poll, id)
    redis.call('PEXPIRE', KEYS[3], math.ceil((d + poll) / 1000) + 1000)
  end
  return {0, d, 'bot'}
end
if not direct and redis.call('ZCARD', KEYS[3]) > 0 then return {0, every, 'direct'} end
if redis.call('ZCARD', KEYS[2]) >= perSecond then
  -- An unanswered message leaves a second after its answer, at least a
  -- second from now: waking at the first end or in a second is never late.
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return hold(math.min(tonumber(first[2]) - now, second))
end
local slot = math.max(tonumber(redis.call('HGET', KEYS[1], 'tat') or 0), now)
if slot - now > ahead then return hold(slot - ahead - now) end

redis.call('HSET', KEYS[1], 'tat', slot + every)
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('ZADD', KEYS[2], slot + open, id)
redis.call('PEXPIRE', KEYS[2], math.ceil((slot - now + open + second) / 1000) + 60000)
ctat = math.max(ctat, slot) + chatEvery
redis.call('HSET', KEYS[4], 'tat', ctat, 'o:' .. id, slot + open)
redis.call('PEXPIRE', KEYS[4], math.ceil((ctat - now + open) / 1000) + 60000)
if direct then redis.call('ZREM', KEYS[3], id) end
return {1, slot - now, ''}
`)

// releaseSlot ends a booking. See ReleaseSendSlot.
var releaseSlot = redis.NewScript(`
local now = tonumber(ARGV[1])
if now == 0 then
  redis.replicate_commands() -- writes after TIME: needed before Redis 5, a no-op since
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local id, chatEvery, second = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREM', KEYS[3], id)
redis.call('HDEL', KEYS[2], 'o:' .. id)
if ARGV[3] ~= '1' then
  redis.call('ZREM', KEYS[1], id)
  return 0
end
redis.call('ZADD', KEYS[1], now + second, id)
redis.call('PEXPIRE', KEYS[1], math.ceil(second / 1000) + 60000)
local ctat = math.max(tonumber(redis.call('HGET', KEYS[2], 'tat') or 0), now + chatEvery)
redis.call('HSET', KEYS[2], 'tat', ctat)
redis.call('PEXPIRE', KEYS[2], math.ceil((ctat - now) / 1000) + 60000)
return 1
`)

var pauseSends = redis.NewScript(`
local now = tonumber(ARGV[1])
if now == 0 then
  redis.replicate_commands() -- writes after TIME: needed before Redis 5, a no-op since
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local upto = now + tonumber(ARGV[2])
if upto > tonumber(redis.call('HGET', KEYS[1], 'pause') or 0) then
  redis.call('HSET', KEYS[1], 'pause', upto)
  redis.call('PEXPIRE', KEYS[1], 86400000)
end
return 1
`)

// slotPoll is how soon to ask again when only an answer can free the
// way (a chat with ChatBurst messages unanswered): answers are not
// announced across replicas.
const slotPoll = 50 * time.Millisecond

// TakeSendSlot books the moment a message may go, or says how long to wait
// before asking again, for every replica of the bot together:
//   - nothing while a pause (PauseSends) lasts;
//   - a chat: ChatBurst messages back to back, then one per ChatEvery,
//     counted from the later of the slot and the answer (ReleaseSendSlot),
//     and never more than ChatBurst unanswered;
//   - the bot: one slot per Every, booked at most Ahead before it comes,
//     and at most PerSecond messages counted at once, each from its
//     booking until a second after its answer;
//   - a direct reply that finds the bot's rate spent is noted as waiting,
//     and bulk messages get no slot until it got one.
//
// The message should go at the slot, and be released when Telegram
// answered or it was not sent after all.
func (r *Redis) TakeSendSlot(ctx context.Context, req flows.SlotRequest) (flows.SendSlot, error) {
	l := req.Limits
	keys := []string{r.sendsKey("bot"), r.sendsKey("window"), r.sendsKey("direct"), r.sendsKey("chat:" + req.Chat)}
	res, err := takeSlot.Run(ctx, r.rdb, keys, micros(req.Now), req.ID, flag(req.Direct),
		l.Every.Microseconds(), max(l.PerSecond, 1), l.ChatEvery.Microseconds(), max(l.ChatBurst, 1),
		l.Ahead.Microseconds(), l.Open.Microseconds(), slotPoll.Microseconds(), sendsSecond).Slice()
	if err != nil {
		return flows.SendSlot{}, fmt.Errorf("take send slot for %s: %w", req.Chat, err)
	}
	if len(res) != 3 {
		return flows.SendSlot{}, fmt.Errorf("take send slot for %s: answer %v", req.Chat, res)
	}
	booked, _ := res[0].(int64)
	wait, _ := res[1].(int64)
	reason, _ := res[2].(string)
	return flows.SendSlot{Booked: booked == 1, Wait: time.Duration(wait) * time.Microsecond, Reason: reason}, nil
}

// ReleaseSendSlot ends a booking of TakeSendSlot: answered (whatever the
// answer, at req.Now) or never sent. An answered message stays in the
// bot's second until a second after the answer, and its chat's next
// message is ChatEvery after it.
func (r *Redis) ReleaseSendSlot(ctx context.Context, req flows.SlotRequest, answered bool) error {
	keys := []string{r.sendsKey("window"), r.sendsKey("chat:" + req.Chat), r.sendsKey("direct")}
	err := releaseSlot.Run(ctx, r.rdb, keys, micros(req.Now), req.ID, flag(answered),
		req.Limits.ChatEvery.Microseconds(), sendsSecond).Err()
	if err != nil {
		return fmt.Errorf("release send slot for %s: %w", req.Chat, err)
	}
	return nil
}

// PauseSends gives no slot to anyone for d from now (zero now: Redis'
// clock), as Telegram's retry_after asks; a shorter pause does not cut a
// longer one.
func (r *Redis) PauseSends(ctx context.Context, d time.Duration, now time.Time) error {
	if err := pauseSends.Run(ctx, r.rdb, []string{r.sendsKey("bot")}, micros(now), d.Microseconds()).Err(); err != nil {
		return fmt.Errorf("pause sends for %v: %w", d, err)
	}
	return nil
}

// micros is t in microseconds since 1970, 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
