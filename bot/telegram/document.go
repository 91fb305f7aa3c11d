package telegram

import (
	"bytes"
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
)

// SendDocument sends a file (a booking's .ics) to a chat, through the
// same limiter as messages.
func (t *Telegram) SendDocument(ctx context.Context, chatID int64, d flows.Document) error {
	err := t.limited(ctx, chatID, func() error {
		p := &tgbot.SendDocumentParams{ChatID: chatID, Caption: d.Caption,
			Document: &models.InputFileUpload{Filename: d.Name, Data: bytes.NewReader(d.Data)}}
		if d.Caption != "" {
			p.ParseMode = models.ParseModeHTML
		}
		_, err := t.api.SendDocument(ctx, p)
		return err
	})
	if err != nil {
		return fmt.Errorf("send document to %d: %w", chatID, err)
	}
	return nil
}

// SendDocumentTo sends a file to a founder's private chat.
func (t *Telegram) SendDocumentTo(ctx context.Context, f flows.FounderID, d flows.Document) error {
	chat, ok := ChatID(f)
	if !ok {
		return fmt.Errorf("founder %s is not on Telegram", f)
	}
	return t.SendDocument(ctx, chat, d)
}
