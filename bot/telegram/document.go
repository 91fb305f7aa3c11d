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
	if err := t.limited(ctx, chatID, func() error { return t.sendDocument(ctx, chatID, d) }); err != nil {
		return fmt.Errorf("send document to %d: %w", chatID, err)
	}
	return nil
}

// sendDocument makes one sendDocument call.
func (t *Telegram) sendDocument(ctx context.Context, chatID int64, d flows.Document) error {
	p := &tgbot.SendDocumentParams{ChatID: chatID, Caption: d.Caption,
		Document: &models.InputFileUpload{Filename: d.Name, Data: bytes.NewReader(d.Data)}}
	if d.Caption != "" {
		p.ParseMode = models.ParseModeHTML
	}
	_, err := t.api.SendDocument(ctx, p)
	return err
}
