package ops

import "sync"

// other stands for every label value outside a family's set.
const other = "other"

// labelSet keeps a label's values to a small set: a fixed one, or the
// first max values seen (for names that come from code, such as job kinds).
type labelSet struct {
	mu     sync.Mutex
	values map[string]bool
	open   bool // new values are admitted until max
	max    int
}

func newLabelSet(values ...string) *labelSet {
	s := &labelSet{values: map[string]bool{}}
	for _, v := range values {
		s.values[v] = true
	}
	return s
}

func newOpenLabelSet(max int) *labelSet {
	return &labelSet{values: map[string]bool{}, open: true, max: max}
}

// of returns v when it belongs to the set, else "other".
func (s *labelSet) of(v string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values[v] {
		return v
	}
	if s.open && len(s.values) < s.max && len(v) <= 64 && v != "" {
		s.values[v] = true
		return v
	}
	return other
}
