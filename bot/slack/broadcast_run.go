package slack

import (
	"context"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// refreshEvery is how many messages are queued between refreshes of the
// broadcast lock, so that a long queueing cannot outlast it.
const refreshEvery = 200

// runBroadcast queues the broadcast for every recipient, then follows the
// outbox's counts on the progress message until every message is dealt
// with, and then releases the lock. It runs in the background.
func (s *Staff) runBroadcast(ctx context.Context, p *progress, to []recipient) {
	st, tag := s.bc.store, "bc:"+p.id
	for i, r := range to {
		o := flows.Outgoing{Founder: r.founder, Reply: flows.Reply{Text: s.founderText(r.lang, p.text)}}
		if _, err := st.Enqueue(ctx, tag+":"+string(r.founder), o, tag); err != nil {
			s.log.ErrorContext(ctx, "slack broadcast: message not queued", "broadcast", p.id, "founder", r.founder, "err", err)
			p.notQueued++
			if ctx.Err() != nil {
				p.notQueued += len(to) - i - 1
				break
			}
		}
		if i%refreshEvery == refreshEvery-1 {
			s.refreshBroadcast(ctx, p.id)
		}
	}
	ticker := time.NewTicker(s.bc.every)
	defer ticker.Stop()
	var last flows.OutboxCounts
	for first := true; ; first = false {
		c, err := st.OutboxCounts(ctx, tag)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "slack broadcast: counts", "broadcast", p.id, "err", err)
		case c.Sent+c.Failed+c.Unreachable >= int64(p.total-p.notQueued):
			s.finishBroadcast(ctx, p, c)
			return
		case first || c != last:
			last = c
			s.showProgress(ctx, p, c, s.t("staff_bc_sending"))
		}
		s.refreshBroadcast(ctx, p.id)
		select {
		case <-ticker.C:
		case <-s.bc.quit:
			// Shutdown: the lock lapses on its own, which keeps other
			// broadcasts out while this one's messages still go out.
			s.showProgress(ctx, p, last, s.t("staff_bc_stopped"))
			return
		case <-ctx.Done():
			s.log.WarnContext(ctx, "slack broadcast: gave up following", "broadcast", p.id)
			ctx := context.WithoutCancel(ctx)
			s.showProgress(ctx, p, last, s.t("staff_bc_stopped"))
			s.unlockBroadcast(ctx, p.id)
			return
		}
	}
}

// finishBroadcast shows the end result on the progress message and in its
// thread, where the channel hears of it, and releases the lock.
func (s *Staff) finishBroadcast(ctx context.Context, p *progress, c flows.OutboxCounts) {
	s.showProgress(ctx, p, c, s.t("staff_bc_done", "Date", s.date(s.cfg.Now())))
	s.unlockBroadcast(ctx, p.id)
	s.log.InfoContext(ctx, "slack broadcast finished", "broadcast", p.id, "sent", c.Sent, "failed", c.Failed,
		"unreachable", c.Unreachable, "not_queued", p.notQueued)
	text := s.t("staff_bc_result", "ID", p.id, "Sent", c.Sent, "Failed", c.Failed+int64(p.notQueued),
		"Unreachable", c.Unreachable, "Total", p.total)
	if _, _, err := s.post(ctx, p.channel, slackapi.MsgOptionText(text, false), slackapi.MsgOptionTS(p.ts)); err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: result not posted", "broadcast", p.id, "err", err)
	}
}

func (s *Staff) refreshBroadcast(ctx context.Context, id string) {
	ok, err := s.bc.store.RefreshBroadcast(ctx, id, bcLockTTL)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "slack broadcast: lock not refreshed", "broadcast", id, "err", err)
	case !ok:
		s.log.WarnContext(ctx, "slack broadcast: lock lost", "broadcast", id)
	}
}

func (s *Staff) showProgress(ctx context.Context, p *progress, c flows.OutboxCounts, state string) {
	text, blocks := s.progressMessage(p, c, state)
	if err := s.update(ctx, p.channel, p.ts, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...)); err != nil {
		s.log.WarnContext(ctx, "slack broadcast: progress not shown", "broadcast", p.id, "err", err)
	}
}

// progressMessage renders a broadcast's message in the staff channel:
// who sent what to whom, and what became of it so far.
func (s *Staff) progressMessage(p *progress, c flows.OutboxCounts, state string) (string, []slackapi.Block) {
	title := s.t("staff_bc_title", "ID", p.id, "Name", mention(p.by), "Total", p.total, "Label", p.label)
	lines := []string{s.t("staff_bc_counts", "Sent", c.Sent, "Failed", c.Failed, "Unreachable", c.Unreachable, "Total", p.total)}
	if p.notQueued > 0 {
		lines = append(lines, s.t("staff_bc_not_queued", "N", p.notQueued))
	}
	lines = append(lines, state)
	status := strings.Join(lines, "\n")
	return clip(title+"\n"+status, maxFallback),
		[]slackapi.Block{section(title), section(quote(escAngle(clip(p.text, maxSectionText-500)))), section(status)}
}
