package slacktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// View is a modal opened with views.open, as it stands after any
// views.update.
type View struct {
	ID         string
	TriggerID  string
	ExternalID string
	Hash       string
	View       json.RawMessage // the view JSON last sent for it
	Updates    int             // how many views.update calls changed it
}

func (s *Server) openView(p params) (map[string]any, string) {
	if p.get("trigger_id") == "" {
		return nil, "invalid_arguments"
	}
	view, ok := viewObject(p.get("view"))
	if !ok {
		return nil, "invalid_arguments"
	}
	v := &View{
		ID:         fmt.Sprintf("V%08d", s.next()),
		TriggerID:  p.get("trigger_id"),
		ExternalID: stringField(view, "external_id"),
		View:       json.RawMessage(p.get("view")),
	}
	v.Hash = s.hash()
	s.views = append(s.views, v)
	s.notify()
	return map[string]any{"view": viewJSON(v, view)}, ""
}

func (s *Server) updateView(p params) (map[string]any, string) {
	view, ok := viewObject(p.get("view"))
	if !ok {
		return nil, "invalid_arguments"
	}
	id, ext := p.get("view_id"), p.get("external_id")
	if id == "" && ext == "" {
		return nil, "invalid_arguments"
	}
	i := slices.IndexFunc(s.views, func(v *View) bool {
		return (id != "" && v.ID == id) || (id == "" && v.ExternalID == ext)
	})
	if i < 0 {
		return nil, "not_found"
	}
	v := s.views[i]
	// Slack refuses an update based on a stale hash, so that concurrent
	// updates cannot silently overwrite each other.
	if h := p.get("hash"); h != "" && h != v.Hash {
		return nil, "hash_conflict"
	}
	v.View = json.RawMessage(p.get("view"))
	if e := stringField(view, "external_id"); e != "" {
		v.ExternalID = e
	}
	v.Hash = s.hash()
	v.Updates++
	s.notify()
	return map[string]any{"view": viewJSON(v, view)}, ""
}

// hash returns a fresh view hash; s.mu is held.
func (s *Server) hash() string {
	return fmt.Sprintf("%d.slacktest%06d", 1_700_000_000, s.next())
}

func viewObject(raw string) (map[string]any, bool) {
	var view map[string]any
	if err := json.Unmarshal([]byte(raw), &view); err != nil || view == nil {
		return nil, false
	}
	return view, true
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// viewJSON is the view object Slack returns: what was sent plus the
// fields Slack fills in.
func viewJSON(v *View, sent map[string]any) map[string]any {
	out := maps.Clone(sent)
	out["id"] = v.ID
	out["hash"] = v.Hash
	out["team_id"] = TeamID
	out["bot_id"] = BotID
	out["root_view_id"] = v.ID
	out["state"] = map[string]any{"values": map[string]any{}}
	return out
}

// Views returns the modals opened so far, in order, as they stand now.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		c := *v
		c.View = slices.Clone(v.View)
		out = append(out, c)
	}
	return out
}

// WaitViews waits until at least n modals have been opened and returns
// them; it fails tb after timeout.
func (s *Server) WaitViews(tb testing.TB, n int, timeout time.Duration) []View {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d opened views", n), func() bool { return len(s.views) >= n })
	return s.Views()
}
