package store

import (
	"context"
	"errors"
	"fmt"

	json "github.com/segmentio/encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
)

// journal is what an applied update must still tell the founder: saved
// with the update's applied mark (saveSession), marked sent once
// delivered (ackUpdate). Notifications for staff (a submitted
// application, an answer, a booking) are not kept: staff hear of them from the process that applied it,
// and find missed applications on their own (bot/slack).
type journal struct {
	Replies   []flows.Reply    `json:"r,omitempty"`
	Notice    string           `json:"n,omitempty"`
	Expired   bool             `json:"e,omitempty"`
	Documents []flows.Document `json:"f,omitempty"`
	Lang      string           `json:"l,omitempty"`
}

func encodeJournal(res *flows.Result) ([]byte, error) {
	return json.Marshal(journal{Replies: res.Replies, Notice: res.Notice, Expired: res.Expired, Documents: res.Documents(), Lang: res.Lang})
}

func (r *Redis) journalKey(f flows.FounderID, updateID string) string {
	if updateID == "" {
		updateID = "-" // never written: there is no update
	}
	return r.founderKey(f, "out:"+updateID)
}

// Journal returns the replies stored when updateID was applied for the
// founder, and whether they were sent; found is false when there are none
// (never applied, applied without replies kept, or older than 48 hours).
func (r *Redis) Journal(ctx context.Context, f flows.FounderID, updateID string) (res flows.Result, sent, found bool, err error) {
	vals, err := r.rdb.HMGet(ctx, r.journalKey(f, updateID), "d", "s").Result()
	if errors.Is(err, redis.Nil) || (err == nil && vals[0] == nil) {
		return res, false, false, nil
	}
	if err != nil {
		return res, false, false, fmt.Errorf("replies of update %s of %s: %w", updateID, f, err)
	}
	var j journal
	if err := json.Unmarshal([]byte(vals[0].(string)), &j); err != nil {
		return res, false, false, fmt.Errorf("decode replies of update %s of %s: %w", updateID, f, err)
	}
	res = flows.Result{Replies: j.Replies, Notice: j.Notice, Expired: j.Expired, Lang: j.Lang}
	for _, d := range j.Documents {
		res.Notifications = append(res.Notifications, d)
	}
	return res, vals[1] != nil, true, nil
}
