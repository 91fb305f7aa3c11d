package privacy

import (
	"context"
	"embed"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
)

//go:embed locales/*.toml
var locales embed.FS

// Messages are the privacy messages, for flows.NewCatalog.
func Messages() flows.Messages { return flows.Messages{Name: "privacy", Files: locales} }

// Conversation is /mydata and /forgetme. /forgetme's confirmation is a
// button tied to the session's current question: pressed after anything
// else happened, it has expired, and nothing is erased.
func (p *Privacy) Conversation() flows.Conversation {
	return flows.Conversation{
		Name: "privacy",
		Commands: []flows.CommandSpec{
			{Name: "mydata", Run: func(t *flows.Turn, _ string) error { return p.myData(t) }},
			{Name: "forgetme", Run: func(t *flows.Turn, _ string) error { p.askForget(t); return nil }},
		},
		Buttons:  []flows.ButtonPrefix{{Prefix: "pv:", Press: p.press}},
		Messages: Messages(),
	}
}

func (p *Privacy) myData(t *flows.Turn) error {
	b, err := p.Export(t.Context(), t.Event().Founder)
	if err != nil {
		return err
	}
	t.Say(t.T("privacy_mydata"))
	t.Notify(flows.Document{Name: "mydata.json", MIME: "application/json", Data: b, Caption: t.T("privacy_mydata_caption")})
	return nil
}

// askForget explains what goes and what becomes of pending things, and
// asks to confirm.
func (p *Privacy) askForget(t *flows.Turn) {
	nonce := strconv.FormatInt(t.Session().Nonce, 36)
	t.Say(t.T("privacy_forget_explain"), []flows.Button{
		{Label: t.T("privacy_btn_forget"), Data: "pv:y:" + nonce},
		{Label: t.T("privacy_btn_keep"), Data: "pv:n"},
	})
}

func (p *Privacy) press(t *flows.Turn, rest string) error {
	nonce, ok := strings.CutPrefix(rest, "y:")
	switch {
	case rest == "n":
		t.Say(t.T("privacy_kept"))
		return nil
	case !ok || nonce != strconv.FormatInt(t.Session().Nonce, 36):
		t.Expire() // the founder did something else since: ask again
		return nil
	}
	f := t.Event().Founder
	notes, err := p.erase(t.Context(), f, "")
	if err != nil {
		return err
	}
	for _, n := range notes {
		t.Notify(n)
	}
	t.Clear()
	t.Say(t.T("privacy_forgotten"))
	// The Engine saves the session after this turn: drop it again.
	t.AfterSave("drop session of a forgotten founder", func(ctx context.Context, _ flows.Session) error {
		return p.drop.DropSession(ctx, f)
	})
	return nil
}
