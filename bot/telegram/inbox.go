package telegram

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/segmentio/encoding/json" // hot path: see poll.go

	"github.com/startgate/founderbot/flows"
)

// pool is this replica's workers: one goroutine per chat it holds, which
// applies the chat's stored updates one at a time, in order, and lets the
// chat go when its mailbox is empty. A chat waiting on Telegram's per-chat
// limit holds only its own goroutine, so no founder waits for another.
type pool struct {
	t   *Telegram
	ctx context.Context // Run's: ends the workers
	sem chan struct{}   // one per chat held

	idle    chan *chatWork // to the workers' goroutines waiting for a chat
	resting atomic.Int32   // how many wait
	room    chan struct{}  // a chat was let go: a full pool has room (listen)

	mu     sync.Mutex
	active map[string]*chatWork
	done   []*flows.ChatLease // chats left empty, to drop from the ready set (flushDone)
	wg     sync.WaitGroup
}

// chatWork is a chat this replica works on.
type chatWork struct {
	lease *flows.ChatLease
	first *flows.InboxItem // the update to start with, when the store leased the chat
	again bool             // an update was stored while the worker was letting the chat go
	slot  bool             // holds one of the pool's Workers slots
}

// startPool starts the workers' housekeeping: renewing the leases held,
// and looking for chats that nobody works on.
func (t *Telegram) startPool(ctx context.Context) *pool {
	p := &pool{t: t, ctx: ctx, sem: make(chan struct{}, t.cfg.Workers), idle: make(chan *chatWork), room: make(chan struct{}, 1),
		active: map[string]*chatWork{}}
	t.pool.Store(p) // the webhook handler may already be storing updates
	// Past the drain, calls still waiting on Telegram are cut with the
	// workers' contexts (work).
	context.AfterFunc(ctx, func() { time.AfterFunc(t.cfg.Drain, t.bot.closeConns) })
	p.wg.Go(p.renew)
	p.wg.Go(p.sweep)
	p.wg.Go(p.listen)
	return p
}

func (p *pool) wait() { p.wg.Wait() }

// start runs a worker on a chat the store just leased to this replica,
// from its first update. It goes beyond Workers if need be: the lease is
// held already, and the chat would otherwise wait for it to run out.
func (p *pool) start(chat string, due int64, first flows.InboxItem) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := p.active[chat]; w != nil {
		w.again = true // the worker letting it go takes it back
		return
	}
	w := p.newWork(chat)
	w.first = &first
	w.lease.Due.Store(due)
	p.active[chat] = w
	p.goWork(w)
}

// nudge tells this replica's worker on chat, if any, that an update came
// while it may be letting the chat go. A chat held by another replica is
// that replica's to drain.
func (p *pool) nudge(chat string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := p.active[chat]; w != nil {
		w.again = true
	}
}

// kick has a worker of this replica take the chat now, unless one already
// does (it will find the new update) or all are busy (the sweep will).
func (p *pool) kick(chat string) {
	select {
	case p.sem <- struct{}{}:
		p.startSlot(chat)
	default:
		p.nudge(chat)
	}
}

// startSlot has a worker take the chat with the Workers slot the caller
// took, or gives the slot back when a worker of this replica has the chat
// already (it will find the new update) or the pool is stopping.
func (p *pool) startSlot(chat string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := p.active[chat]; w != nil || p.ctx.Err() != nil {
		if w != nil {
			w.again = true
		}
		<-p.sem
		return
	}
	w := p.newWork(chat)
	w.slot = true
	p.active[chat] = w
	p.goWork(w)
}

// newWork is chat to be leased to this replica.
func (p *pool) newWork(chat string) *chatWork {
	return &chatWork{lease: &flows.ChatLease{Chat: chat, Holder: p.t.id, TTL: p.t.cfg.Lease}}
}

// goWork has a goroutine work on w: one that finished its chat and waits,
// else a new one. Up to restingWorkers of them stay until shutdown: a new
// goroutine's stack grew to what an update needs by being copied three or
// four times, about 5 % of the CPU at a steady trickle of updates (README,
// Performance). More would keep a burst's stacks: with all of Workers
// kept, 200 founders at once peaked 1-2 MB higher.
func (p *pool) goWork(w *chatWork) {
	select {
	case p.idle <- w:
		return
	default:
	}
	p.wg.Go(func() {
		for {
			p.work(w)
			if p.resting.Add(1) > restingWorkers {
				p.resting.Add(-1)
				return
			}
			select {
			case w = <-p.idle:
				p.resting.Add(-1)
			case <-p.ctx.Done():
				p.resting.Add(-1)
				return
			}
		}
	})
}

// restingWorkers is how many workers' goroutines wait for a chat: a
// steady trickle of updates keeps a handful busy at once.
const restingWorkers = 16

// work drains one chat: claim, apply the first update, acknowledge it
// (which returns the next), until the mailbox is empty or shutdown.
func (p *pool) work(w *chatWork) {
	t, l := p.t, w.lease
	defer func() {
		p.mu.Lock()
		if p.active[l.Chat] == w {
			delete(p.active, l.Chat)
		}
		p.mu.Unlock()
		if w.slot {
			<-p.sem
		}
		select {
		case p.room <- struct{}{}:
		default:
		}
	}()
	// Shutdown lets the update in progress finish, within Drain.
	ctx, cancel := context.WithCancel(context.WithoutCancel(p.ctx))
	defer cancel()
	stop := context.AfterFunc(p.ctx, func() { time.AfterFunc(t.cfg.Drain, cancel) })
	defer stop()

	var item flows.InboxItem
	ok, err := true, error(nil)
	if w.first != nil {
		item = *w.first
	} else {
		item, ok, err = t.st.ClaimChat(ctx, l)
	}
	for {
		switch {
		case errors.Is(err, flows.ErrLeaseLost):
			return // another worker has the chat
		case err != nil:
			t.log.Error("telegram inbox", "chat", l.Chat, "err", err)
			return // the chat stays ready: the sweep comes back to it once the lease ran out
		case !ok:
			// Leave, unless an update came meanwhile: checked and left
			// under one lock, so that no nudge falls in between. The
			// chat leaves the ready set with others at the next sweep:
			// its score is its lease's end until then, and an update
			// stored meanwhile moves it, which keeps it there.
			done := &flows.ChatLease{Chat: l.Chat, Holder: l.Holder}
			done.Due.Store(l.Due.Load())
			p.mu.Lock()
			p.done = append(p.done, done)
			again := w.again && p.ctx.Err() == nil
			w.again = false
			if !again {
				delete(p.active, l.Chat)
			}
			p.mu.Unlock()
			if !again {
				return
			}
			item, ok, err = t.st.ClaimChat(ctx, l)
			continue
		case p.ctx.Err() != nil:
			if err := t.st.ReleaseChat(ctx, l); err != nil {
				t.log.Warn("telegram inbox release", "chat", l.Chat, "err", err)
			}
			return
		}
		t.process(ctx, l.Chat, item)
		item, ok, err = t.st.AckUpdate(ctx, l, item.ID)
	}
}

// renew extends the leases of the chats held, a third of the way into
// them, all in one round trip.
func (p *pool) renew() {
	tick := time.NewTicker(p.t.cfg.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
		}
		p.mu.Lock()
		leases := make([]*flows.ChatLease, 0, len(p.active))
		for _, w := range p.active {
			leases = append(leases, w.lease)
		}
		p.mu.Unlock()
		lost, err := p.t.st.RenewChatLeases(context.WithoutCancel(p.ctx), leases)
		if err != nil {
			p.t.log.Warn("telegram renew chat leases", "err", err)
		}
		for _, l := range lost {
			// Let go just before the renewal, or taken over: then the
			// session's version check fences this worker's update, if any,
			// and its acknowledgement finds the lease gone and stops.
			p.t.log.Debug("telegram chat lease not renewed", "chat", l.Chat)
		}
	}
}

// handoff is how many chats the poller works on itself; past it, it
// stores updates without claiming their chats, for the other replicas.
func (p *pool) handoff() int { return min(p.t.cfg.Workers, max(4, p.t.cfg.Workers/2)) }

// claims reports whether this replica should take the chats it stores,
// while it has room: with a webhook up to Workers (the load balancer
// spreads the posts), when polling up to handoff, so that the others
// share a busy bot. It is asked once per batch, so a batch of new chats
// may take a replica past it (up to Telegram's 100 updates a batch).
func (p *pool) claims() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.t.cfg.WebhookURL != "" {
		return len(p.active) < p.t.cfg.Workers
	}
	return len(p.active) < p.handoff()
}

// listen takes the chats handed over (by the poller past handoff, or a
// replica's webhook past Workers) while this replica has room. The poller
// listens too, for when it is alone: Redis hands each chat to the replica
// that has waited longest, which is seldom the busy poller.
func (p *pool) listen() {
	for p.ctx.Err() == nil {
		p.mu.Lock()
		full := len(p.active) >= p.t.cfg.Workers
		p.mu.Unlock()
		if full {
			// Until a worker lets its chat go: chats handed over
			// meanwhile wait in the list for a free worker, not for the
			// sweep, which comes back to them too.
			select {
			case <-p.ctx.Done():
			case <-p.room:
			case <-time.After(p.t.cfg.Sweep):
			}
			continue
		}
		// A slot first, then a chat for it: a chat taken off the list
		// always has a worker (the sweep finds a dropped one only once a
		// slot is free at its tick).
		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		chat, err := p.t.st.WaitChat(p.ctx, 250*time.Millisecond)
		if chat != "" {
			p.startSlot(chat)
		} else {
			<-p.sem
		}
		if err != nil && p.ctx.Err() == nil {
			p.t.log.Warn("telegram wait for chats", "err", err)
			select {
			case <-p.ctx.Done():
			case <-time.After(p.t.cfg.Sweep):
			}
		}
	}
}

// sweep looks for chats with work nobody does: updates stored by another
// replica that could not start on them, or a dead replica's chats once
// their lease ran out.
func (p *pool) sweep() {
	tick := time.NewTicker(p.t.cfg.Sweep)
	defer tick.Stop()
	defer p.flushDone(context.WithoutCancel(p.ctx))
	for {
		p.flushDone(p.ctx)
		chats, err := p.t.st.ReadyChats(p.ctx, p.t.cfg.Workers)
		if err != nil && p.ctx.Err() == nil {
			p.t.log.Warn("telegram ready chats", "err", err)
		}
		for _, c := range chats {
			p.mu.Lock()
			busy := p.active[c] != nil
			p.mu.Unlock()
			if !busy {
				p.kick(c)
			}
		}
		select {
		case <-p.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// flushDone takes the chats the workers left empty out of the ready set,
// in one round trip.
func (p *pool) flushDone(ctx context.Context) {
	p.mu.Lock()
	done := p.done
	p.done = nil
	p.mu.Unlock()
	if err := p.t.st.ChatDone(ctx, done...); err != nil && ctx.Err() == nil {
		// They stay until their lease's end, when the sweep finds them empty.
		p.t.log.Warn("telegram inbox done", "chats", len(done), "err", err)
	}
}

// store puts updates into the inbox and hands their chats to this
// replica's workers at once. Only when it returns nil may the updates be
// confirmed to Telegram.
func (t *Telegram) store(ctx context.Context, raws []json.RawMessage) error {
	ups := make([]flows.InboxUpdate, 0, len(raws))
	for _, raw := range raws {
		id, chat, ok := updateHead(raw)
		if !ok {
			continue // nothing the bot answers: no chat
		}
		ups = append(ups, flows.InboxUpdate{Chat: chatName(chat), ID: id, Data: raw})
	}
	lim := flows.InboxLimit{Max: max(t.cfg.ChatLimit, 0), Window: t.cfg.ChatWindow}
	pool := t.pool.Load()
	var claim *flows.ChatLease
	if pool != nil && pool.claims() {
		claim = &flows.ChatLease{Holder: t.id, TTL: t.cfg.Lease}
	}
	res, err := t.st.StoreUpdates(ctx, ups, lim, claim)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Claimed {
			pool.start(ups[i].Chat, r.Due, r.First)
		}
		switch r.Admission {
		case flows.Stored, flows.SlowDown:
			if !r.Claimed && pool != nil {
				pool.nudge(ups[i].Chat)
			}
		case flows.Dropped:
			t.metrics().UpdateLimited(transport, "dropped")
			if n := t.dropped.Add(1); n&(n-1) == 0 { // 1, 2, 4, 8...: a trace, not a flood
				t.log.Warn("telegram update dropped: founder over the limit", "chat", ups[i].Chat, "dropped_total", n)
			}
		}
	}
	return nil
}

// chatName is a chat's mailbox: for a private chat, the founder's ID, so
// that the mailbox shares the founder's hash tag.
func chatName(chat int64) string { return string(FounderID(chat)) }

// updateHead reads an update's ID and the chat it belongs to, without
// decoding the rest.
func updateHead(raw []byte) (id, chat int64, ok bool) {
	type chatOnly struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	}
	var h struct {
		ID      int64     `json:"update_id"`
		Message *chatOnly `json:"message"`
		Edited  *chatOnly `json:"edited_message"`
		Press   *struct {
			From struct {
				ID int64 `json:"id"`
			} `json:"from"`
			Message *chatOnly `json:"message"`
		} `json:"callback_query"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return 0, 0, false
	}
	switch {
	case h.Message != nil:
		return h.ID, h.Message.Chat.ID, true
	case h.Edited != nil:
		return h.ID, h.Edited.Chat.ID, true
	case h.Press != nil && h.Press.Message != nil && h.Press.Message.Chat.ID != 0:
		return h.ID, h.Press.Message.Chat.ID, true
	case h.Press != nil:
		return h.ID, h.Press.From.ID, true
	}
	return h.ID, 0, false
}

// process applies one stored update of chat and sends its replies.
func (t *Telegram) process(ctx context.Context, chat string, item flows.InboxItem) {
	var u update
	if err := json.Unmarshal(item.Data, &u); err != nil {
		t.log.Error("telegram stored update unreadable", "chat", chat, "update", item.ID, "err", err)
		return
	}
	in, ok := toEvent(&u)
	if !ok {
		return
	}
	t.received(in)
	if item.SlowDown {
		t.metrics().UpdateLimited(transport, "slowed")
		t.slowDown(ctx, in)
		return
	}
	t.handle(ctx, in)
}
