package slack

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"golang.org/x/sync/singleflight"
)

// membersTTL is how long the staff channel's member list is trusted.
// Membership events refresh it sooner when the app subscribes to them.
const membersTTL = 5 * time.Minute

// memberCache holds the staff channel's members.
type memberCache struct {
	ttl    time.Duration
	flight singleflight.Group

	mu    sync.Mutex
	set   map[string]bool
	until time.Time
}

// isStaff reports whether a Slack user may act on applications: one of
// Config.StaffUsers, or when that is empty a member of the staff channel.
func (s *Staff) isStaff(ctx context.Context, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	if len(s.cfg.StaffUsers) > 0 {
		return slices.Contains(s.cfg.StaffUsers, user), nil
	}
	m := &s.members
	now := s.cfg.Now()
	m.mu.Lock()
	set, fresh := m.set, now.Before(m.until)
	m.mu.Unlock()
	if fresh {
		return set[user], nil
	}
	// One fetch serves every request that arrives while it runs.
	v, err, _ := m.flight.Do("members", func() (any, error) {
		fetched, err := s.fetchMembers(ctx)
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		m.set, m.until = fetched, s.cfg.Now().Add(m.ttl)
		m.mu.Unlock()
		return fetched, nil
	})
	if err != nil {
		if set != nil && now.Before(m.until.Add(staleMembers)) {
			// Slack is unreachable: a recent list beats locking staff out,
			// but not for long, or removed staff would keep their rights.
			s.log.WarnContext(ctx, "slack staff channel members: using the stale list", "err", err)
			return set[user], nil
		}
		return false, err
	}
	return v.(map[string]bool)[user], nil
}

func (s *Staff) fetchMembers(ctx context.Context) (map[string]bool, error) {
	set := map[string]bool{}
	p := &slackapi.GetUsersInConversationParameters{ChannelID: s.cfg.Channel, Limit: 1000}
	for {
		var (
			ids  []string
			next string
		)
		err := s.retry(ctx, "members of "+s.cfg.Channel, func() (err error) {
			ids, next, err = s.api.GetUsersInConversationContext(ctx, p)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("staff channel members: %w", err)
		}
		for _, id := range ids {
			set[id] = true
		}
		if next == "" {
			return set, nil
		}
		p.Cursor = next
	}
}

// forgetMembers makes the next check fetch the member list again, keeping
// the old one in case Slack does not answer.
func (s *Staff) forgetMembers() {
	s.members.mu.Lock()
	s.members.until = time.Time{}
	s.members.mu.Unlock()
}

// event handles an Events API event. Only membership changes of the staff
// channel matter; handling them twice is harmless, so Slack's retries
// need no deduplication.
func (s *Staff) event(ctx context.Context, ev slackevents.EventsAPIEvent) {
	if ev.Type != slackevents.CallbackEvent {
		return
	}
	var channel string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MemberJoinedChannelEvent:
		channel = e.Channel
	case *slackevents.MemberLeftChannelEvent:
		channel = e.Channel
	default:
		return
	}
	if channel == s.cfg.Channel {
		s.log.InfoContext(ctx, "slack staff channel membership changed", "type", ev.InnerEvent.Type)
		s.forgetMembers()
	}
}

// staleMembers is how long past its expiry the staff channel's member
// list still counts while Slack cannot be reached.
const staleMembers = 30 * time.Minute

// CheckChannel refuses a staff channel that strangers could read or join:
// every application (e-mail, phone, pitch) is posted there, so it must be
// private and not shared with another organisation in every mode. With
// SLACK_STAFF_USERS empty its members are also the staff.
func (s *Staff) CheckChannel(ctx context.Context) error {
	ch, err := s.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: s.cfg.Channel})
	if err != nil {
		return fmt.Errorf("staff channel %s: %w", s.cfg.Channel, err)
	}
	if !ch.IsPrivate || ch.IsExtShared || ch.IsShared || ch.IsOrgShared {
		return fmt.Errorf("staff channel %s is public or shared: every application (e-mail, phone, pitch) is posted there, and when SLACK_STAFF_USERS is empty its members decide on applications; make it a private channel not shared with another organisation", s.cfg.Channel)
	}
	return nil
}
