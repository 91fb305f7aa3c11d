package flows

// Question is a question of an application form as it was asked. An
// Application keeps its questions, so a later edit of the programs file
// never changes how an older application reads.
type Question struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // text, email, phone, number, link, choice, choices, yesno
	// Text is the question in each language, in Telegram HTML.
	Text map[string]string `json:"text"`
	// Label is the question's short name in summaries, in each language, plain text.
	Label    map[string]string `json:"label,omitempty"`
	Optional bool              `json:"optional,omitempty"`
	Min      int               `json:"min,omitempty"`
	Max      int               `json:"max,omitempty"`
	Options  []Option          `json:"options,omitempty"`
}

// Option is one answer of a choice question; the answer stores its ID
// (several, comma-separated, for a question of kind "choices").
type Option struct {
	ID    string            `json:"id"`
	Label map[string]string `json:"label"` // plain text, by language
}

// DefaultProgram is the program of applications stored before programs
// existed, and of the form when the hub defines none.
const DefaultProgram = "startgate"

// ProgramOf is the program an application belongs to.
func (a *Application) ProgramOf() string {
	if a.Program == "" {
		return DefaultProgram
	}
	return a.Program
}
