package store

import (
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
)

// Sessions read ahead. When StoreUpdates leases an idle chat to this
// process, its script also returns the founder's session and whether the
// update was applied; the worker's first LoadSession for that update takes
// them from here instead of making a round trip. It is safe because
// nothing is trusted that the save does not check again: the session's
// version fences a change made in between (the engine then loads again,
// from Redis), and the save refuses an update applied meanwhile.
//
// An entry is taken once, for its founder and update only; entries never
// taken (the update was not applied: unreadable, "slow down") are
// replaced by the founder's next one or dropped when the map is full.

type preloaded struct {
	update  string // the update it was read for
	version string // "" when the founder has no session
	data    string
	applied bool
}

// maxPreloaded bounds the sessions kept: about one per chat a replica
// works on at once; past it, all are dropped and read from Redis.
const maxPreloaded = 1024

func (r *Redis) preload(f flows.FounderID, update int64, version, data string, applied bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pre == nil || len(r.pre) >= maxPreloaded {
		r.pre = map[flows.FounderID]preloaded{}
	}
	r.pre[f] = preloaded{update: strconv.FormatInt(update, 10), version: version, data: data, applied: applied}
}

// takePreloaded returns the session read ahead for the founder's update,
// once.
func (r *Redis) takePreloaded(f flows.FounderID, update string) (preloaded, bool) {
	if update == "" {
		return preloaded{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pre[f]
	if !ok || p.update != update {
		return preloaded{}, false
	}
	delete(r.pre, f)
	return p, true
}

// privateChat reports a founder's own chat ("tg:<user id>", positive);
// a group's ID is negative and names no founder.
func privateChat(chat string) bool {
	return strings.HasPrefix(chat, "tg:") && !strings.HasPrefix(chat, "tg:-")
}
