package store

import (
	"context"
	"fmt"
	"time"

	"github.com/startgate/founderbot/flows"
)

// pastScan bounds how many of a mentor's slots one PastSessions call
// reads: years of weekly sessions, and a script that stays short.
const pastScan = 1000

// pastSessions: KEYS the mentor's slots; ARGV prefix, before (ms),
// founder, max, scan. A slot names its booking only while the booking
// holds it, so cancelled and moved bookings are not found: what is left
// are sessions that took place or were due to.
var pastSessions = ohScript(`
local out = {}
local max = num(ARGV[4])
for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '-inf', 'LIMIT', 0, num(ARGV[5]))) do
  if #out >= max then break end
  local bid = redis.call('HGET', P .. 'slot:' .. id, 'booking')
  if bid and bid ~= '' then
    local bk = P .. 'booking:' .. bid
    if redis.call('HGET', bk, 'founder') == ARGV[3] then
      table.insert(out, redis.call('HGETALL', bk))
    end
  end
end
return {'ok', out}
`)

// PastSessions implements officehours.Store.
func (r *Redis) PastSessions(ctx context.Context, mentor flows.MentorID, f flows.FounderID, before time.Time, max int) ([]flows.Booking, error) {
	if max <= 0 {
		return nil, nil
	}
	v, err := r.runOH(ctx, pastSessions, []string{r.ohKey("mslots:" + string(mentor))}, ms(before), string(f), max, pastScan)
	if err != nil {
		return nil, fmt.Errorf("sessions of %s with %s: %w", f, mentor, err)
	}
	l, _ := v[0].([]any)
	return bookingsOf(l)
}
