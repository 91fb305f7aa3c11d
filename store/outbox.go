package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// The outbox is a durable queue of messages for founders, drained by one
// sender per replica (a consumer of the group "send"). Its keys share the
// hash tag {outbox}, so every script below stays valid on Redis Cluster:
//
//	fb:{outbox}:stream        stream  k (key), t (tag), f (founder), r (JSON reply), d (JSON document, if any)
//	fb:{outbox}:msg:<key>     string, outboxKeyTTL: queued, sending, sent, failed or unreachable;
//	                          queued:1 and sending:1 for a document whose text was sent
//	fb:{outbox}:count:<tag>   hash    queued, sent, failed, unreachable; outboxCountTTL
//	fb:{<founder>}:unreachable string: the founder blocked the bot or left Telegram
//	fb:{unreachable}:all       set of those founders, for UnreachableCount (stats.go)
//
// A message's key is both its idempotency key (Enqueue of a known key does
// nothing) and the record that it was sent, which makes delivery at most
// once even when another replica takes over a message (see MarkSending).
// A message with a document is one entry sent in two parts, its text
// then its document, under its one key: the key records which part is
// next, so that the document never goes before the text nor either twice,
// whichever sender finishes the message.

const (
	outboxGroup = "send"
	// outboxKeyTTL is how long a key is remembered: enqueueing the same key
	// again within it does nothing. It outlives any sane backlog.
	outboxKeyTTL = 7 * 24 * time.Hour
	// outboxCountTTL keeps a tag's counters for a while after its last message.
	outboxCountTTL = 30 * 24 * time.Hour
	// claimScans bounds the XAUTOCLAIM calls of one ClaimOutgoing; each
	// scans up to ten times its COUNT of pending entries.
	claimScans = 10
)

// The outcomes FinishOutgoing records, also the fields of OutboxCounts.
const (
	OutcomeSent        = flows.OutcomeSent
	OutcomeFailed      = flows.OutcomeFailed
	OutcomeUnreachable = flows.OutcomeUnreachable
)

// OutboxMessage is a message taken from the outbox by ClaimOutgoing.
type OutboxMessage = flows.QueuedMessage

// OutboxCounts is what became of a tag's messages so far.
type OutboxCounts = flows.OutboxCounts

// wireReply is how a reply is stored: tagged, so that renaming a field of
// flows.Reply cannot empty the messages already queued.
type wireReply struct {
	Text     string         `json:"text"`
	Buttons  [][]wireButton `json:"buttons,omitempty"`
	FreeText bool           `json:"free_text,omitempty"`
}

type wireButton struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// wireDocument is how a document is stored; Data is base64 in JSON.
type wireDocument struct {
	Name    string `json:"name"`
	MIME    string `json:"mime,omitempty"`
	Data    []byte `json:"data"`
	Caption string `json:"caption,omitempty"`
}

func (r *Redis) outboxKey(rest string) string { return r.prefix + "{outbox}:" + rest }

func (r *Redis) streamKey() string { return r.outboxKey("stream") }

var enqueue = redis.NewScript(`
if not redis.call('SET', KEYS[1], 'queued', 'NX', 'EX', ARGV[1]) then return 0 end
if ARGV[7] == '' then
  redis.call('XADD', KEYS[2], '*', 'k', ARGV[2], 't', ARGV[3], 'f', ARGV[4], 'r', ARGV[5])
else
  redis.call('XADD', KEYS[2], '*', 'k', ARGV[2], 't', ARGV[3], 'f', ARGV[4], 'r', ARGV[5], 'd', ARGV[7])
end
redis.call('HINCRBY', KEYS[3], 'queued', 1)
redis.call('EXPIRE', KEYS[3], ARGV[6])
return 1
`)

// Enqueue queues a message unless a message with the same key was queued
// within the last week, and reports whether it did. key names the message
// ("remind:A-7F3K:nudge1"); an empty key queues it without that check. tag
// groups messages (a broadcast) for OutboxCounts; "" is a tag too. A
// document in o goes with the message, right after its text.
func (r *Redis) Enqueue(ctx context.Context, key string, o flows.Outgoing, tag string) (bool, error) {
	if key == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		key = "anon:" + hex.EncodeToString(b[:])
	}
	w := wireReply{Text: o.Reply.Text, FreeText: o.Reply.FreeText}
	for _, row := range o.Reply.Buttons {
		wr := make([]wireButton, len(row))
		for i, b := range row {
			wr[i] = wireButton{Label: b.Label, Data: b.Data}
		}
		w.Buttons = append(w.Buttons, wr)
	}
	reply, err := json.Marshal(w)
	if err != nil {
		return false, fmt.Errorf("encode outgoing %s: %w", key, err)
	}
	var doc []byte
	if d := o.Document; d != nil {
		if doc, err = json.Marshal(wireDocument{Name: d.Name, MIME: d.MIME, Data: d.Data, Caption: d.Caption}); err != nil {
			return false, fmt.Errorf("encode document of %s: %w", key, err)
		}
	}
	keys := []string{r.outboxKey("msg:" + key), r.streamKey(), r.outboxKey("count:" + tag)}
	n, err := enqueue.Run(ctx, r.rdb, keys, int(outboxKeyTTL.Seconds()), key, tag, string(o.Founder), reply,
		int(outboxCountTTL.Seconds()), doc).Int()
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", key, err)
	}
	return n == 1, nil
}

// ClaimOutgoing takes up to limit messages for consumer: first those another
// consumer was given more than minIdle ago and never acknowledged (it
// crashed, or gave up on them), then new ones, waiting up to block for
// some when there are none. A block of zero or less does not wait; a
// minIdle of zero or less takes over nothing.
func (r *Redis) ClaimOutgoing(ctx context.Context, consumer string, limit int, block, minIdle time.Duration) ([]OutboxMessage, error) {
	msgs, err := r.claimIdle(ctx, consumer, limit, minIdle)
	if isNoGroup(err) {
		if err = r.createGroup(ctx); err == nil {
			msgs, err = r.claimIdle(ctx, consumer, limit, minIdle)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(msgs) >= limit {
		return msgs, nil
	}
	if len(msgs) > 0 || block <= 0 {
		block = -1 // go-redis: no BLOCK at all; BLOCK 0 would wait forever
	}
	args := &redis.XReadGroupArgs{Group: outboxGroup, Consumer: consumer,
		Streams: []string{r.streamKey(), ">"}, Count: int64(limit - len(msgs)), Block: block}
	streams, err := r.rdb.XReadGroup(ctx, args).Result()
	if isNoGroup(err) {
		if err = r.createGroup(ctx); err == nil {
			streams, err = r.rdb.XReadGroup(ctx, args).Result()
		}
	}
	if err != nil && !errors.Is(err, redis.Nil) { // Nil: nothing came within block
		return msgs, fmt.Errorf("read outbox: %w", err)
	}
	for _, s := range streams {
		for _, x := range s.Messages {
			msgs = append(msgs, decodeOutgoing(x, 1))
		}
	}
	return msgs, nil
}

// claimIdle takes over the messages pending longer than minIdle, and
// reads how often each was delivered.
func (r *Redis) claimIdle(ctx context.Context, consumer string, limit int, minIdle time.Duration) ([]OutboxMessage, error) {
	if minIdle <= 0 {
		return nil, nil
	}
	var claimed []redis.XMessage
	start := "0-0"
	for range claimScans {
		xs, next, err := r.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: r.streamKey(), Group: outboxGroup,
			Consumer: consumer, MinIdle: minIdle, Start: start, Count: int64(limit - len(claimed))}).Result()
		if err != nil {
			return nil, fmt.Errorf("claim idle outbox messages: %w", err)
		}
		claimed = append(claimed, xs...)
		if next == "0-0" || len(claimed) >= limit {
			break
		}
		start = next
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	pipe := r.rdb.Pipeline()
	pending := make([]*redis.XPendingExtCmd, len(claimed))
	for i, x := range claimed {
		pending[i] = pipe.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: r.streamKey(), Group: outboxGroup,
			Start: x.ID, End: x.ID, Count: 1})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("delivery counts of claimed outbox messages: %w", err)
	}
	msgs := make([]OutboxMessage, len(claimed))
	for i, x := range claimed {
		n := int64(2) // at least: it was delivered before it was claimed
		if p := pending[i].Val(); len(p) == 1 {
			n = p[0].RetryCount
		}
		msgs[i] = decodeOutgoing(x, n)
	}
	return msgs, nil
}

func (r *Redis) createGroup(ctx context.Context) error {
	// From the start of the stream, so that messages queued before the
	// first sender ever ran are sent too.
	err := r.rdb.XGroupCreateMkStream(ctx, r.streamKey(), outboxGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create outbox group: %w", err)
	}
	return nil
}

func isNoGroup(err error) bool { return err != nil && strings.Contains(err.Error(), "NOGROUP") }

// decodeOutgoing reads a stream entry. A malformed one comes back with an
// empty text, which Telegram refuses, so it is counted as failed rather
// than stuck in the stream.
func decodeOutgoing(x redis.XMessage, deliveries int64) OutboxMessage {
	str := func(k string) string { s, _ := x.Values[k].(string); return s }
	m := OutboxMessage{ID: x.ID, Key: str("k"), Tag: str("t"), Deliveries: deliveries,
		Outgoing: flows.Outgoing{Founder: flows.FounderID(str("f"))}}
	if d := str("d"); d != "" {
		var w wireDocument
		if json.Unmarshal([]byte(d), &w) != nil {
			return m // no text: failed, rather than the text without its file
		}
		m.Outgoing.Document = &flows.Document{Name: w.Name, MIME: w.MIME, Data: w.Data, Caption: w.Caption}
	}
	var w wireReply
	if json.Unmarshal([]byte(str("r")), &w) != nil {
		return m
	}
	m.Outgoing.Reply = flows.Reply{Text: w.Text, FreeText: w.FreeText}
	for _, row := range w.Buttons {
		br := make([]flows.Button, len(row))
		for i, b := range row {
			br[i] = flows.Button{Label: b.Label, Data: b.Data}
		}
		m.Outgoing.Reply.Buttons = append(m.Outgoing.Reply.Buttons, br)
	}
	return m
}

var markSending = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
local part = 0
if v == 'queued:1' and ARGV[2] == '1' then
  part = 1
elseif v and v ~= 'queued' then
  return -1
end
redis.call('SET', KEYS[1], part == 0 and 'sending' or 'sending:1', 'EX', ARGV[1])
return part
`)

// MarkSending records that the message key is about to be sent, and
// reports false when it is being sent or was already dealt with (another
// sender took it over): the caller then acknowledges it without sending.
// A sender that crashes between MarkSending and Telegram's answer loses
// that message rather than risk sending it twice.
func (r *Redis) MarkSending(ctx context.Context, key string) (bool, error) {
	n, err := markSending.Run(ctx, r.rdb, []string{r.outboxKey("msg:" + key)}, int(outboxKeyTTL.Seconds()), 0).Int()
	if err != nil {
		return false, fmt.Errorf("mark %s sending: %w", key, err)
	}
	return n == 0, nil
}

// MarkSendingPart is MarkSending for an outbox message that may have a
// document: it marks the next part of the message as being sent and
// returns it, 0 for its text, 1 for its document (the text went already,
// MarkTextSent). A crash during a part loses that part and the rest.
func (r *Redis) MarkSendingPart(ctx context.Context, key string) (part int, ok bool, err error) {
	n, err := markSending.Run(ctx, r.rdb, []string{r.outboxKey("msg:" + key)}, int(outboxKeyTTL.Seconds()), 1).Int()
	if err != nil {
		return 0, false, fmt.Errorf("mark %s sending: %w", key, err)
	}
	return max(n, 0), n >= 0, nil
}

var textSent = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'sending' then
  redis.call('SET', KEYS[1], 'queued:1', 'EX', ARGV[1])
  return 1
end
return 0
`)

// MarkTextSent records that the text of message key went and its document
// is next, for whoever sends it. It reports false when the key was not
// being sent (it expired): the document is then not sent.
func (r *Redis) MarkTextSent(ctx context.Context, key string) (bool, error) {
	n, err := textSent.Run(ctx, r.rdb, []string{r.outboxKey("msg:" + key)}, int(outboxKeyTTL.Seconds())).Int()
	if err != nil {
		return false, fmt.Errorf("mark text of %s sent: %w", key, err)
	}
	return n == 1, nil
}

var unmarkSending = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'sending' then
  redis.call('SET', KEYS[1], 'queued', 'EX', ARGV[1])
elseif v == 'sending:1' then
  redis.call('SET', KEYS[1], 'queued:1', 'EX', ARGV[1])
end
return 1
`)

// UnmarkSending undoes MarkSending after Telegram certainly did not take
// the part (429, 5xx, no connection), so that whoever tries next sends it.
func (r *Redis) UnmarkSending(ctx context.Context, key string) error {
	if err := unmarkSending.Run(ctx, r.rdb, []string{r.outboxKey("msg:" + key)}, int(outboxKeyTTL.Seconds())).Err(); err != nil {
		return fmt.Errorf("unmark %s sending: %w", key, err)
	}
	return nil
}

var finish = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('EXPIRE', KEYS[3], ARGV[5])
return 1
`)

// FinishOutgoing removes a message from the outbox and records its
// outcome (OutcomeSent, OutcomeFailed or OutcomeUnreachable) in its key
// and its tag's counts, in one step.
func (r *Redis) FinishOutgoing(ctx context.Context, m OutboxMessage, outcome string) error {
	keys := []string{r.streamKey(), r.outboxKey("msg:" + m.Key), r.outboxKey("count:" + m.Tag)}
	err := finish.Run(ctx, r.rdb, keys, outboxGroup, m.ID, outcome,
		int(outboxKeyTTL.Seconds()), int(outboxCountTTL.Seconds())).Err()
	if err != nil {
		return fmt.Errorf("finish outgoing %s: %w", m.Key, err)
	}
	return nil
}

// touch resets the idle time of the messages consumer still holds, and
// only of those: one another consumer took over stays with it.
var touch = redis.NewScript(`
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', p[1][4], 'JUSTID')
  end
end
return 1
`)

// TouchOutgoing tells the outbox that consumer is still working on the
// messages ids, so that ClaimOutgoing elsewhere does not take them over
// however long they wait for their turn. A sender calls it more often
// than its minIdle.
func (r *Redis) TouchOutgoing(ctx context.Context, consumer string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, outboxGroup, consumer)
	for _, id := range ids {
		args = append(args, id)
	}
	if err := touch.Run(ctx, r.rdb, []string{r.streamKey()}, args...).Err(); err != nil {
		return fmt.Errorf("touch outgoing: %w", err)
	}
	return nil
}

// AckOutgoing removes messages from the outbox without counting them:
// for those MarkSending refused, which whoever took them counts.
func (r *Redis) AckOutgoing(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, r.streamKey(), outboxGroup, ids...)
		p.XDel(ctx, r.streamKey(), ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack outgoing: %w", err)
	}
	return nil
}

// OutboxCounts returns what became of tag's messages so far.
func (r *Redis) OutboxCounts(ctx context.Context, tag string) (OutboxCounts, error) {
	var c OutboxCounts
	vals, err := r.rdb.HMGet(ctx, r.outboxKey("count:"+tag), "queued", OutcomeSent, OutcomeFailed, OutcomeUnreachable).Result()
	if err != nil {
		return c, fmt.Errorf("outbox counts of %q: %w", tag, err)
	}
	fields := []*int64{&c.Queued, &c.Sent, &c.Failed, &c.Unreachable}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			*fields[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return c, nil
}

// OutboxLen returns how many messages wait in the outbox or are being sent.
func (r *Redis) OutboxLen(ctx context.Context) (int64, error) {
	n, err := r.rdb.XLen(ctx, r.streamKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}

// SetUnreachable records that messages cannot reach f (Telegram said
// 403: the founder blocked the bot or deleted their account).
func (r *Redis) SetUnreachable(ctx context.Context, f flows.FounderID) error {
	// The index (for UnreachableCount) is another slot on Cluster, so not
	// in one transaction; both writes are idempotent and a retry mends it.
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.founderKey(f, "unreachable"), "1", 0)
		p.SAdd(ctx, r.unreachableIndex(), string(f))
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %s unreachable: %w", f, err)
	}
	return nil
}

// ClearUnreachable undoes SetUnreachable, for when the founder writes to
// the bot again.
func (r *Redis) ClearUnreachable(ctx context.Context, f flows.FounderID) error {
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.founderKey(f, "unreachable"))
		p.SRem(ctx, r.unreachableIndex(), string(f))
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %s reachable: %w", f, err)
	}
	return nil
}

// Unreachable reports whether f was marked unreachable.
func (r *Redis) Unreachable(ctx context.Context, f flows.FounderID) (bool, error) {
	n, err := r.rdb.Exists(ctx, r.founderKey(f, "unreachable")).Result()
	if err != nil {
		return false, fmt.Errorf("is %s unreachable: %w", f, err)
	}
	return n > 0, nil
}
