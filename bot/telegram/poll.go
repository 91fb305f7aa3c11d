package telegram

import (
	"context"
	"fmt"
	"time"

	// encoding/json's drop-in replacement, here and in the files that
	// decode every update (inbox.go, apicall.go): std's scans each update
	// several times over, about a quarter of an update's CPU (README,
	// Performance).
	json "github.com/segmentio/encoding/json"
)

// pollLease names the lease of the replica that polls: two getUpdates
// callers on one token end each other with 409 Conflict.
const pollLease = "telegram-poller"

// pollWhileLeading polls Telegram whenever this replica holds the polling
// lease, and otherwise waits to take it over, until ctx ends.
func (t *Telegram) pollWhileLeading(ctx context.Context) {
	retry := time.NewTicker(t.cfg.Lease / 3)
	defer retry.Stop()
	for ctx.Err() == nil {
		lead, err := t.st.Lead(ctx, pollLease, t.id, t.cfg.Lease)
		if err != nil && ctx.Err() == nil {
			t.log.Warn("telegram poller lease", "err", err)
		}
		if lead {
			t.lead(ctx)
			continue
		}
		select {
		case <-ctx.Done():
		case <-retry.C:
		}
	}
}

// lead polls while the lease is renewed, a third of the way into it; a
// renewal refused or failing until the lease would end stops the polling.
func (t *Telegram) lead(ctx context.Context) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(t.cfg.Lease / 3)
		defer tick.Stop()
		held := time.Now()
		for {
			select {
			case <-pctx.Done():
				return
			case <-tick.C:
			}
			ok, err := t.st.Lead(pctx, pollLease, t.id, t.cfg.Lease)
			switch {
			case ok:
				held = time.Now()
			case err == nil, time.Since(held) > t.cfg.Lease*2/3:
				if pctx.Err() == nil {
					t.log.Warn("telegram polling handed over", "err", err)
				}
				cancel()
				return
			}
		}
	}()
	t.log.Info("telegram polling", "api", t.cfg.APIURL, "replica", t.id)
	t.poll(pctx)
	cancel()
	<-done
	if ctx.Err() != nil {
		// Hand over at once rather than when the lease runs out.
		if err := t.st.Resign(context.WithoutCancel(ctx), pollLease, t.id); err != nil {
			t.log.Warn("telegram poller resign", "err", err)
		}
	}
}

// poll fetches updates and stores them until ctx ends. Each batch is
// confirmed to Telegram by the next getUpdates, after it was stored: it
// does not wait for the updates to be applied, so one founder's slow
// replies hold up nobody.
//
// It starts from offset 0, which Telegram takes as "from the first update
// not confirmed yet": a new poller fetches again at most the last batch of
// the one before, which the inbox stores once. Telegram's update IDs may
// jump backwards after a quiet week, so no offset of ours could be trusted
// more than that.
func (t *Telegram) poll(ctx context.Context) {
	// The long poll ends with ctx: cut its connection.
	defer context.AfterFunc(ctx, t.poller.closeConns)()
	offset := int64(0)
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		raws, next, err := t.getUpdates(ctx, offset)
		if err == nil && len(raws) > 0 {
			err = t.store(context.WithoutCancel(ctx), raws)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			t.log.Error("telegram getUpdates", "err", t.redact(err), "retry_in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		offset = next
	}
}

// getUpdates long-polls for updates from offset on and returns them as
// received, with the offset that confirms them. It is written here rather
// than taken from go-telegram, whose poller confirms updates to Telegram
// before they are handled and loses them on shutdown.
func (t *Telegram) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, int64, error) {
	body := fmt.Appendf(nil, `{"offset":%d,"timeout":%d,"allowed_updates":["message","edited_message","callback_query"]}`,
		offset, int(t.cfg.Poll.Seconds()))
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
	}
	err := t.poller.post(ctx, "getUpdates", body, t.cfg.Poll+15*time.Second, func(status int, answer []byte) error {
		if err := json.Unmarshal(answer, &r); err != nil {
			return fmt.Errorf("HTTP %d: %w", status, err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("getUpdates: %w", err)
	}
	if !r.OK {
		return nil, 0, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	next := offset
	if n := len(r.Result); n > 0 {
		var h struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(r.Result[n-1], &h); err != nil {
			return nil, 0, fmt.Errorf("getUpdates: update without an ID: %w", err)
		}
		next = h.ID + 1
	}
	return r.Result, next, nil
}
