package application

import "github.com/startgate/founderbot/flows"

// The application's keys in the founder's session. Their names are those
// of the Session fields they were before conversations became packages,
// so stored sessions keep their meaning.
const (
	// keyEditing: the founder answers a question from the summary's Edit.
	keyEditing = "editing"
	// keyOpenApp is the founder's submitted application, if any.
	keyOpenApp = "open_app"
	// keyAwaitingInfo is the application whose staff question the
	// founder's next text message answers.
	keyAwaitingInfo = "awaiting_info"
	// keyNudges counts reminders about the draft after silence;
	// keyDeadline notes those about the application deadline (bit i:
	// deadlineBefore[i]).
	keyNudges   = "nudges"
	keyDeadline = "deadline"
	// keyProgram and keyCall are what the draft applies to; a session
	// without them (from before programs) applies to the default program.
	keyProgram = "program"
	keyCall    = "call"
	// keyPicks are the options of "choices" questions picked so far.
	keyPicks = "picks"
	// keyOpenApps are the founder's submitted applications by program,
	// for programs other than the default (whose is keyOpenApp).
	keyOpenApps = "open_apps"
)

// draftKeys are the keys of a draft: the apply flow's, cleared with it.
var draftKeys = []string{keyEditing, keyNudges, keyDeadline, keyProgram, keyCall, keyPicks}

func editing(t *flows.Turn) bool {
	var b bool
	t.Get(keyEditing, &b)
	return b
}

func openApp(t *flows.Turn) string {
	var id string
	t.Get(keyOpenApp, &id)
	return id
}

func openApps(t *flows.Turn) map[string]string {
	var m map[string]string
	t.Get(keyOpenApps, &m)
	return m
}

// setOpenApp notes the founder's new application to a program.
func setOpenApp(t *flows.Turn, program, id string) {
	if program == flows.DefaultProgram {
		t.Set(keyOpenApp, id)
		return
	}
	m := openApps(t)
	if m == nil {
		m = map[string]string{}
	}
	m[program] = id
	t.Set(keyOpenApps, m)
}

// intKey reads a number the application keeps in a session; a value that
// does not decode reads as 0 and is reported.
func intKey(s *flows.Session, key string) (int, error) {
	var n int
	_, err := s.Get(key, &n)
	return n, err
}

// WithOpenApp is s noting id as the founder's submitted application, as
// the form leaves it after a submission (for imports and fixtures).
func WithOpenApp(s flows.Session, id string) flows.Session {
	if err := s.Set(keyOpenApp, id); err != nil {
		panic(err) // a string always encodes
	}
	return s
}
