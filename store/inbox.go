package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// The inbox: every incoming update is stored here before it is confirmed
// to Telegram, in its chat's mailbox; workers of any replica take a chat
// with a lease and apply its updates one at a time, in update_id order.
//
//	fb:{<chat>}:inbox          zset  update IDs waiting, scored by ID
//	fb:{<chat>}:inbox:u        hash  update ID → the update as received;
//	                                 "<id>:s" → 1: answer "slow down" instead
//	fb:{<chat>}:lease          string, PX: the worker draining the chat
//	fb:{<chat>}:rate           string, PX: updates in the current window
//	fb:{<chat>}:out:<update>   hash, 48h TTL: d (the replies, see journal.go), s (sent)
//	fb:{inbox}:ready           zset  chats that may have work → when to look (ms)
//	fb:{inbox}:wake            list  chats stored for any replica to take now (polling)
//	fb:lease:<name>            string, PX: a replica's leadership (the poller)
//
// <chat> is "tg:<chat id>": for a private chat it is the founder's own hash
// tag, so the journal written by the session's save script and the inbox
// live in one slot. The ready set is one small key of its own; a chat's
// keys and it are never touched by one script, so everything runs on
// Redis Cluster.

// chatKey names a mailbox's keys: a private chat's mailbox is named after
// its founder, so they share the founder's hash tag and slot.
func (r *Redis) chatKey(chat, rest string) string { return r.founderKey(flows.FounderID(chat), rest) }
func (r *Redis) readyKey() string                 { return r.prefix + "{inbox}:ready" }

// storeUpdate adds one update to its chat's mailbox unless it is there
// already or was applied and answered, counting it against the chat's
// limit: status 0 dropped, 1 stored, 2 stored as the "slow down" one, 3
// done. Then, when a holder is given and nobody holds the chat, it takes
// the chat's lease for the holder and returns the mailbox's first update:
// {status, 1, id, data, slow}; else {status, 0}. When asked (ARGV[7]) and
// that first update is the one stored, to be applied, it adds the chat's
// session and whether the update was applied: {..., version, session,
// applied}, which LoadSession then need not read (see preload).
var storeUpdate = redis.NewScript(`
local function admit()
  if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
  if redis.call('EXISTS', KEYS[4]) == 1 and (redis.call('EXISTS', KEYS[5]) == 0 or redis.call('HEXISTS', KEYS[5], 's') == 1) then
    return 3
  end
  local status = 1
  local max = tonumber(ARGV[3])
  if max > 0 then
    local n = redis.call('INCR', KEYS[3])
    if n == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
    if n > max + 1 then return 0 end
    if n == max + 1 then status = 2 end
  end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  if status == 2 then redis.call('HSET', KEYS[2], ARGV[1] .. ':s', '1') end
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
  return status
end
local status = admit()
if ARGV[5] == '' or redis.call('EXISTS', KEYS[6]) == 1 then return {status, 0} end
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return {status, 0} end
redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[6])
-- The update just stored is the caller's already: its data is not sent back.
local data = ''
if ids[1] ~= ARGV[1] then data = redis.call('HGET', KEYS[2], ids[1]) or '' end
local head = {status, 1, ids[1], data, redis.call('HGET', KEYS[2], ids[1] .. ':s') or ''}
if ARGV[7] == '1' and ids[1] == ARGV[1] and head[5] == '' then
  local s = redis.call('HMGET', KEYS[7], 'v', 'd')
  head[6], head[7], head[8] = s[1] or '', s[2] or '', redis.call('EXISTS', KEYS[4])
end
return head
`)

// StoreUpdates stores a batch of updates and marks their chats ready, in
// one round trip, and says what became of each. Only once it returned
// without error may the updates be confirmed to Telegram. Updates whose
// ID was already applied and answered are left out, so a redelivery has
// one effect.
//
// Without claim, the chats are also handed to whichever replica waits in
// WaitChat first.
//
// With claim set (Holder and TTL; Chat is ignored), a chat nobody holds
// is leased to claim.Holder at once, and its first update returned with
// the result of the first of the chat's updates: the caller's worker
// starts on it without another round trip. The chat's place in the ready
// set is then when that lease would end, so that other replicas look at it
// only if the caller dies.
func (r *Redis) StoreUpdates(ctx context.Context, ups []flows.InboxUpdate, lim flows.InboxLimit, claim *flows.ChatLease) ([]flows.StoreResult, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	holder, ttl := "", time.Duration(0)
	due := time.Now().UnixMilli()
	if claim != nil {
		holder, ttl = claim.Holder, claim.TTL
		due += ttl.Milliseconds()
	}
	cmds := make([]*redis.Cmd, len(ups))
	err := r.pipelined(ctx, []*redis.Script{storeUpdate}, func(pipe redis.Pipeliner) {
		for i, u := range ups {
			id := strconv.FormatInt(u.ID, 10)
			// The chat's session key is its founder's (a private chat is
			// named after its founder, see chatKey): same slot.
			keys := []string{r.chatKey(u.Chat, "inbox"), r.chatKey(u.Chat, "inbox:u"), r.chatKey(u.Chat, "rate"),
				r.updateKey(flows.FounderID(u.Chat), id), r.journalKey(flows.FounderID(u.Chat), id), r.chatKey(u.Chat, "lease"),
				r.founderKey(flows.FounderID(u.Chat), "session")}
			withSession := ""
			if holder != "" && privateChat(u.Chat) {
				withSession = "1"
			}
			cmds[i] = storeUpdate.EvalSha(ctx, pipe, keys, id, u.Data, lim.Max, lim.Window.Milliseconds(), holder, ttl.Milliseconds(), withSession)
		}
		// After the mailboxes: a worker that finds the chat ready finds its update.
		seen := map[string]bool{}
		var wake []any
		for _, u := range ups {
			if !seen[u.Chat] {
				seen[u.Chat] = true
				wake = append(wake, u.Chat)
				pipe.ZAdd(ctx, r.readyKey(), redis.Z{Score: float64(due), Member: u.Chat})
			}
		}
		if claim == nil {
			pipe.RPush(ctx, r.wakeKey(), wake...)
			pipe.LTrim(ctx, r.wakeKey(), -maxWake, -1)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("store %d updates: %w", len(ups), err)
	}
	out := make([]flows.StoreResult, len(ups))
	for i, c := range cmds {
		vals, err := c.Slice()
		if err != nil {
			return nil, fmt.Errorf("store update %d: %w", ups[i].ID, err)
		}
		n, _ := vals[0].(int64)
		out[i].Admission = flows.Admission(n)
		if claimed, _ := vals[1].(int64); claimed == 1 {
			out[i].Claimed = true
			out[i].Due = due
			out[i].First = item(vals[2:])
			if out[i].First.ID == ups[i].ID {
				out[i].First.Data = ups[i].Data // not sent back
			}
			if len(vals) == 8 {
				ver, _ := vals[5].(string)
				d, _ := vals[6].(string)
				seen, _ := vals[7].(int64)
				r.preload(flows.FounderID(ups[i].Chat), out[i].First.ID, ver, d, seen == 1)
			}
		}
	}
	return out, nil
}

// pipelined runs a pipeline built by build whose scripts go by EVALSHA,
// loading them first; after a Redis restart or failover emptied the
// script cache it loads them again and runs the pipeline once more (every
// script here may run twice).
func (r *Redis) pipelined(ctx context.Context, scripts []*redis.Script, build func(redis.Pipeliner)) error {
	for attempt := 0; ; attempt++ {
		if err := r.loadScripts(ctx, scripts); err != nil {
			return err
		}
		pipe := r.rdb.Pipeline()
		build(pipe)
		_, err := pipe.Exec(ctx)
		if attempt == 0 && isNoScript(err) {
			r.mu.Lock()
			clear(r.loaded)
			r.mu.Unlock()
			continue
		}
		return err
	}
}

func (r *Redis) loadScripts(ctx context.Context, scripts []*redis.Script) error {
	for _, s := range scripts {
		r.mu.Lock()
		done := r.loaded[s.Hash()]
		r.mu.Unlock()
		if done {
			continue
		}
		if err := s.Load(ctx, r.rdb).Err(); err != nil {
			return fmt.Errorf("load script: %w", err)
		}
		r.mu.Lock()
		r.loaded[s.Hash()] = true
		r.mu.Unlock()
	}
	return nil
}

// The head of a mailbox, shared by claim and ack: {1, id, data, slow},
// or {0} after releasing the lease when the mailbox is empty.
const inboxHead = `
local ids = redis.call('ZRANGE', KEYS[2], 0, 0)
if #ids == 0 then
  redis.call('DEL', KEYS[1])
  return {0}
end
return {1, ids[1], redis.call('HGET', KEYS[3], ids[1]) or '', redis.call('HGET', KEYS[3], ids[1] .. ':s') or ''}
`

// claimChat takes the chat's lease (or renews it when the caller holds
// it) and returns the mailbox's first update; {-1} when another holds it.
var claimChat = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return {-1} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
` + inboxHead)

// ackUpdate removes a handled update from the mailbox and marks its
// journal sent, then renews the lease and returns the next update, or
// releases the lease when there is none; {-1} when another worker took
// the chat meanwhile.
var ackUpdate = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3], ARGV[3] .. ':s')
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('HSET', KEYS[4], 's', '1') end
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return {-1} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
` + inboxHead)

// ClaimChat takes the chat and returns its first update. ok is false with a
// nil error when the mailbox is empty (the lease is then released); it
// returns flows.ErrLeaseLost when another worker holds the chat. Either way the
// chat's place in the ready set moves to when this lease would end, so
// that other replicas look again only then.
func (r *Redis) ClaimChat(ctx context.Context, l *flows.ChatLease) (flows.InboxItem, bool, error) {
	due := time.Now().Add(l.TTL).UnixMilli()
	var c *redis.Cmd
	err := r.pipelined(ctx, []*redis.Script{claimChat}, func(pipe redis.Pipeliner) {
		// First the ready set, then the mailbox: an update stored after the
		// claim found the mailbox empty then moves the chat's score again.
		pipe.ZAddXX(ctx, r.readyKey(), redis.Z{Score: float64(due), Member: l.Chat})
		c = claimChat.EvalSha(ctx, pipe, []string{r.chatKey(l.Chat, "lease"), r.chatKey(l.Chat, "inbox"), r.chatKey(l.Chat, "inbox:u")},
			l.Holder, l.TTL.Milliseconds())
	})
	if err != nil {
		return flows.InboxItem{}, false, fmt.Errorf("claim chat %s: %w", l.Chat, err)
	}
	l.Due.Store(due)
	return head(l, c)
}

// AckUpdate records that update id was handled and its replies sent, and
// returns the next update of the chat (renewing the lease) or, with ok
// false, that the mailbox is empty and the lease released. After that,
// Done takes the chat out of the ready set.
func (r *Redis) AckUpdate(ctx context.Context, l *flows.ChatLease, id int64) (flows.InboxItem, bool, error) {
	sid := strconv.FormatInt(id, 10)
	c := ackUpdate.Run(ctx, r.rdb, []string{r.chatKey(l.Chat, "lease"), r.chatKey(l.Chat, "inbox"), r.chatKey(l.Chat, "inbox:u"),
		r.journalKey(flows.FounderID(l.Chat), sid)}, l.Holder, l.TTL.Milliseconds(), sid)
	if err := c.Err(); err != nil {
		return flows.InboxItem{}, false, fmt.Errorf("ack update %d of %s: %w", id, l.Chat, err)
	}
	return head(l, c)
}

func head(l *flows.ChatLease, c *redis.Cmd) (flows.InboxItem, bool, error) {
	vals, err := c.Slice()
	if err != nil {
		return flows.InboxItem{}, false, fmt.Errorf("chat %s: %w", l.Chat, err)
	}
	switch n, _ := vals[0].(int64); n {
	case -1:
		return flows.InboxItem{}, false, flows.ErrLeaseLost
	case 0:
		return flows.InboxItem{}, false, nil
	}
	return item(vals[1:]), true, nil
}

// item reads {id, data, slow} as the scripts return an update.
func item(vals []any) flows.InboxItem {
	s, _ := vals[0].(string)
	id, _ := strconv.ParseInt(s, 10, 64)
	data, _ := vals[1].(string)
	slow, _ := vals[2].(string)
	return flows.InboxItem{ID: id, Data: []byte(data), SlowDown: slow == "1"}
}

// dropReady takes a chat out of the ready set if its score is still the
// one the releasing worker gave it: a score moved by a newer update keeps
// it in.
var dropReady = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
`)

// ChatDone takes chats out of the ready set after ClaimChat or AckUpdate
// found their mailboxes empty, unless an update came in since, all in one
// round trip: a worker hands its empty chats over to be dropped together
// (bot/telegram), so that leaving the ready set costs no round trip per
// update. Until then the chat's score is its lease's end, when the sweep
// would only find the mailbox empty.
func (r *Redis) ChatDone(ctx context.Context, ls ...*flows.ChatLease) error {
	if len(ls) == 0 {
		return nil
	}
	err := r.pipelined(ctx, []*redis.Script{dropReady}, func(pipe redis.Pipeliner) {
		for _, l := range ls {
			dropReady.EvalSha(ctx, pipe, []string{r.readyKey()}, l.Chat, l.Due.Load())
		}
	})
	if err != nil {
		return fmt.Errorf("%d chats done: %w", len(ls), err)
	}
	return nil
}

var renewChat = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// RenewChatLeases extends the given leases and their places in the ready
// set in one round trip, and returns those another worker took.
func (r *Redis) RenewChatLeases(ctx context.Context, leases []*flows.ChatLease) ([]*flows.ChatLease, error) {
	if len(leases) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.Cmd, len(leases))
	err := r.pipelined(ctx, []*redis.Script{renewChat}, func(pipe redis.Pipeliner) {
		for i, l := range leases {
			due := time.Now().Add(l.TTL).UnixMilli()
			l.Due.Store(due)
			pipe.ZAddXX(ctx, r.readyKey(), redis.Z{Score: float64(due), Member: l.Chat})
			cmds[i] = renewChat.EvalSha(ctx, pipe, []string{r.chatKey(l.Chat, "lease")}, l.Holder, l.TTL.Milliseconds())
		}
	})
	if err != nil {
		return nil, fmt.Errorf("renew %d chat leases: %w", len(leases), err)
	}
	var lost []*flows.ChatLease
	for i, c := range cmds {
		if n, _ := c.Int(); n == 0 {
			lost = append(lost, leases[i])
		}
	}
	return lost, nil
}

var releaseLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`)

// ReleaseChat gives the chat up before its mailbox is empty (on shutdown),
// and marks it ready at once for another replica.
func (r *Redis) ReleaseChat(ctx context.Context, l *flows.ChatLease) error {
	if err := releaseLease.Run(ctx, r.rdb, []string{r.chatKey(l.Chat, "lease")}, l.Holder).Err(); err != nil {
		return fmt.Errorf("release chat %s: %w", l.Chat, err)
	}
	if err := r.rdb.ZAdd(ctx, r.readyKey(), redis.Z{Score: float64(time.Now().UnixMilli()), Member: l.Chat}).Err(); err != nil {
		return fmt.Errorf("release chat %s: %w", l.Chat, err)
	}
	return nil
}

func (r *Redis) wakeKey() string { return r.prefix + "{inbox}:wake" }

// maxWake bounds the wake list: past it, the oldest are dropped, and their
// chats found in the ready set instead.
const maxWake = 10_000

// WaitChat waits up to timeout for a chat stored without a claim, and
// returns it; "" when none came. The wait is bounded (a BLPOP with a
// timeout, never 0) so that it holds a pool connection only that long and
// shutdown is not held up: go-redis does not interrupt a blocking read
// when ctx ends. (Its BLPop rounds timeouts up to whole seconds, so the
// command is sent as it is.)
func (r *Redis) WaitChat(ctx context.Context, timeout time.Duration) (string, error) {
	secs := strconv.FormatFloat(max(timeout, 10*time.Millisecond).Seconds(), 'f', 3, 64)
	v, err := r.rdb.Do(ctx, "BLPOP", r.wakeKey(), secs).StringSlice()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("wait for a chat: %w", err)
	}
	if len(v) != 2 {
		return "", fmt.Errorf("wait for a chat: BLPOP answered %q", v)
	}
	return v[1], nil
}

// ReadyChats lists up to n chats whose work is due (new updates, or a
// lease that should have been renewed by now).
func (r *Redis) ReadyChats(ctx context.Context, n int) ([]string, error) {
	chats, err := r.rdb.ZRangeByScore(ctx, r.readyKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(time.Now().UnixMilli(), 10), Count: int64(n)}).Result()
	if err != nil {
		return nil, fmt.Errorf("ready chats: %w", err)
	}
	return chats, nil
}

// InboxLen is how many updates wait in the chat's mailbox.
func (r *Redis) InboxLen(ctx context.Context, chat string) (int64, error) {
	n, err := r.rdb.ZCard(ctx, r.chatKey(chat, "inbox")).Result()
	if err != nil {
		return 0, fmt.Errorf("inbox of %s: %w", chat, err)
	}
	return n, nil
}

// Leadership: one replica at a time does a job (polling Telegram).

func (r *Redis) leaseKey(name string) string { return r.prefix + "lease:" + name }

var takeLeadership = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// Lead takes or renews the lease name for holder, for ttl; false when
// another holds it.
func (r *Redis) Lead(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	n, err := takeLeadership.Run(ctx, r.rdb, []string{r.leaseKey(name)}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return n == 1, nil
}

// Resign gives up the lease name if holder has it.
func (r *Redis) Resign(ctx context.Context, name, holder string) error {
	if err := releaseLease.Run(ctx, r.rdb, []string{r.leaseKey(name)}, holder).Err(); err != nil {
		return fmt.Errorf("resign %s: %w", name, err)
	}
	return nil
}

// isNoScript reports a script missing from the server's cache.
func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }
