package slacktest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// defaultMembersLimit is conversations.members' page size when the caller
// gives none, as in Slack.
const defaultMembersLimit = 100

func (s *Server) authTest(params) (map[string]any, string) {
	return map[string]any{
		"url": "https://" + TeamName + ".slack.com/", "team": TeamName, "user": BotName,
		"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID,
	}, ""
}

func (s *Server) conversationMembers(p params) (map[string]any, string) {
	members, ok := s.members[p.get("channel")]
	if !ok {
		return nil, "channel_not_found"
	}
	limit, err := strconv.Atoi(p.get("limit"))
	if err != nil || limit <= 0 {
		limit = defaultMembersLimit
	}
	from := 0
	if c := p.get("cursor"); c != "" {
		if from, ok = decodeCursor(c); !ok || from > len(members) {
			return nil, "invalid_cursor"
		}
	}
	to := min(from+limit, len(members))
	next := ""
	if to < len(members) {
		next = encodeCursor(to)
	}
	return map[string]any{
		"members":           slices.Clone(members[from:to]),
		"response_metadata": map[string]any{"next_cursor": next},
	}, ""
}

// Cursors are opaque to clients, as Slack's are; base64 keeps tests from
// treating them as numbers.
func encodeCursor(offset int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "offset:%d", offset))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "offset:") {
		return 0, false
	}
	return n, true
}

// openConversation opens (or finds) the DM with one user, or the group DM
// with several; any user ID is accepted.
func (s *Server) openConversation(p params) (map[string]any, string) {
	if ch := p.get("channel"); ch != "" {
		return map[string]any{"channel": map[string]any{"id": ch}, "no_op": true, "already_open": true}, ""
	}
	var users []string
	for u := range strings.SplitSeq(p.get("users"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return nil, "users_list_not_supplied"
	}
	slices.Sort(users)
	users = slices.Compact(users)
	key := strings.Join(users, ",")
	id, open := s.dms[key]
	if !open {
		prefix := "D"
		if len(users) > 1 {
			prefix = "G"
		}
		id = fmt.Sprintf("%s%08d", prefix, s.next())
		s.dms[key] = id
		s.notify()
	}
	channel := map[string]any{"id": id, "is_im": len(users) == 1, "is_mpim": len(users) > 1}
	if len(users) == 1 {
		channel["user"] = users[0]
	}
	return map[string]any{"channel": channel, "no_op": open, "already_open": open}, ""
}

// DM returns the ID of the direct-message channel conversations.open made
// for user, and whether there is one.
func (s *Server) DM(user string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dms[user]
	return id, ok
}

func (s *Server) userInfo(p params) (map[string]any, string) {
	u, ok := s.users[p.get("user")]
	if !ok {
		return nil, "user_not_found"
	}
	return map[string]any{"user": u}, ""
}

// conversationInfo answers conversations.info for a channel made with
// WithChannel: private unless WithPublicChannel, shared with another
// organisation only with WithSharedChannel.
func (s *Server) conversationInfo(p params) (map[string]any, string) {
	id := p.get("channel")
	if _, ok := s.members[id]; !ok {
		return nil, "channel_not_found"
	}
	return map[string]any{"channel": map[string]any{
		"id": id, "is_channel": s.public[id], "is_group": !s.public[id], "is_private": !s.public[id],
		"is_shared": s.shared[id], "is_ext_shared": s.shared[id], "is_org_shared": false,
	}}, ""
}
