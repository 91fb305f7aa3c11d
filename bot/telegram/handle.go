package telegram

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
)

// handle applies one update and answers it. Failures stop here: they are
// logged once and the founder is told something useful, never the error.
func (t *Telegram) handle(ctx context.Context, in incoming) {
	defer t.handled(in, time.Now())
	defer func() {
		if p := recover(); p != nil {
			t.log.Error("telegram update panicked", "update", in.ev.UpdateID, "panic", p, "stack", string(debug.Stack()))
			t.fail(ctx, in)
		}
	}()
	if in.ev.Group && !t.answerGroup(in.chatID) {
		return
	}
	if in.ev.Kind == flows.KindCommand && in.ev.Command == "start" {
		// A founder who blocked the bot comes back with /start: reach them again.
		if c, ok := t.st.(interface {
			ClearUnreachable(context.Context, flows.FounderID) error
		}); ok {
			if err := c.ClearUnreachable(ctx, in.ev.Founder); err != nil {
				t.log.Warn("clear unreachable", "founder", in.ev.Founder, "err", err)
			}
		}
	}
	res, err := t.eng.Handle(ctx, in.ev)
	if err != nil {
		t.log.Error("handle telegram update", "update", in.ev.UpdateID, "founder", in.ev.Founder, "err", err)
		t.fail(ctx, in)
		return
	}
	if res.Duplicate {
		// Applied before, by this replica or another that died before
		// answering: send the replies saved with it, never recompute them.
		saved, sent, found, err := t.st.Journal(ctx, in.ev.Founder, in.ev.UpdateID)
		if err != nil {
			t.log.Error("telegram saved replies", "update", in.ev.UpdateID, "founder", in.ev.Founder, "err", err)
		}
		if !found || sent {
			t.duplicate()
			t.log.Debug("telegram update already handled", "update", in.ev.UpdateID)
			if in.callback != nil {
				t.answerCallback(ctx, in.callback.ID, "")
			}
			return
		}
		t.log.Info("telegram sending the saved replies of an applied update", "update", in.ev.UpdateID, "founder", in.ev.Founder)
		res = saved
	} else {
		faultPoint("applied") // tests: crash between the save and the replies
	}
	t.deliver(ctx, in, res)
}

// deliver answers an applied update: the button press, then the replies
// and files, in order.
func (t *Telegram) deliver(ctx context.Context, in incoming, res flows.Result) {
	if in.callback != nil {
		// Answer first: the founder's client shows a spinner until then.
		t.answerCallback(ctx, in.callback.ID, res.Notice)
		t.markPressed(ctx, in.callback, res.Expired)
	}
	for _, r := range res.Replies {
		if err := t.Send(ctx, in.chatID, r); err != nil {
			t.log.Error("telegram reply", "update", in.ev.UpdateID, "founder", in.ev.Founder, "err", t.redact(err))
			return
		}
	}
	for _, d := range res.Documents() {
		if err := t.SendDocument(ctx, in.chatID, d); err != nil {
			t.log.Error("telegram document", "update", in.ev.UpdateID, "founder", in.ev.Founder, "err", t.redact(err))
		}
	}
}

// slowDown answers the first update over a founder's limit; it is not applied.
func (t *Telegram) slowDown(ctx context.Context, in incoming) {
	if in.callback != nil {
		t.answerCallback(ctx, in.callback.ID, "")
	}
	if in.ev.Group {
		return
	}
	if err := t.Send(ctx, in.chatID, t.eng.SlowDownReply(in.ev.LangHint)); err != nil {
		t.log.Error("telegram slow-down reply", "update", in.ev.UpdateID, "err", t.redact(err))
	}
}

func (t *Telegram) fail(ctx context.Context, in incoming) {
	t.failed(in)
	if in.callback != nil {
		t.answerCallback(ctx, in.callback.ID, "")
	}
	if err := t.Send(ctx, in.chatID, t.eng.ErrorReply(in.ev.LangHint)); err != nil {
		t.log.Error("telegram error reply", "update", in.ev.UpdateID, "err", t.redact(err))
	}
}

func (t *Telegram) answerCallback(ctx context.Context, id, text string) {
	if err := t.call(ctx, "answerCallbackQuery", &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text}); err != nil {
		t.log.Warn("telegram answer callback", "err", t.redact(err))
	}
}

// markPressed takes the buttons off the message that was pressed, so old
// questions cannot be answered again, and notes the choice made under it.
func (t *Telegram) markPressed(ctx context.Context, cq *callbackQuery, expired bool) {
	m := cq.Message
	if m == nil || m.Date == 0 || m.ReplyMarkup == nil {
		return
	}
	var err error
	label := pressedLabel(m, cq.Data)
	if expired || label == "" || m.Text == "" {
		err = t.call(ctx, "editMessageReplyMarkup", &tgbot.EditMessageReplyMarkupParams{
			ChatID: m.Chat.ID, MessageID: m.ID, ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}})
	} else {
		// The text comes back without markup but with its entities; appending
		// leaves their UTF-16 offsets valid, and no parse mode means the
		// founder's own text cannot turn into markup.
		err = t.call(ctx, "editMessageText", &tgbot.EditMessageTextParams{
			ChatID: m.Chat.ID, MessageID: m.ID, Text: m.Text + "\n\n→ " + label, Entities: m.Entities,
			LinkPreviewOptions: noPreview})
	}
	if err != nil && !errors.Is(err, tgbot.ErrorBadRequest) { // "not modified" or too old: nothing to do
		t.log.Warn("telegram mark pressed", "err", t.redact(err))
	}
}

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

// maxSendAttempts bounds how often one reply is retried after Telegram
// said "too many requests".
const maxSendAttempts = 3

// Send sends a reply to a chat at once, bypassing the outbox but not the
// flood limits, and waits out Telegram's flood control.
func (t *Telegram) Send(ctx context.Context, chatID int64, r flows.Reply) error {
	if err := t.limited(ctx, chatID, func() error { return t.sendMessage(ctx, t.bot, chatID, r) }); err != nil {
		return fmt.Errorf("send message to %d: %w", chatID, err)
	}
	return nil
}

// limited makes one Bot API call to a chat through the limiter, waiting
// out flood control up to maxSendAttempts times.
func (t *Telegram) limited(ctx context.Context, chatID int64, call func() error) error {
	for attempt := 1; ; attempt++ {
		answered, err := t.lim.Wait(ctx, chatID)
		if err != nil {
			return err
		}
		err = call()
		answered()
		t.sendOutcome(err, attempt == maxSendAttempts)
		var flood *tgbot.TooManyRequestsError
		if !errors.As(err, &flood) || attempt == maxSendAttempts {
			return err
		}
		t.lim.Pause(retryAfter(flood))
	}
}

// sendMessage makes one sendMessage call.
func (t *Telegram) sendMessage(ctx context.Context, api *botAPI, chatID int64, r flows.Reply) error {
	return t.callOn(ctx, api, "sendMessage", &tgbot.SendMessageParams{ChatID: chatID, Text: r.Text, ParseMode: models.ParseModeHTML,
		ReplyMarkup: keyboard(r.Buttons), LinkPreviewOptions: noPreview})
}

// retryAfter is how long Telegram asked to wait; never less than a
// second, should the answer lack it.
func retryAfter(flood *tgbot.TooManyRequestsError) time.Duration {
	return time.Duration(max(flood.RetryAfter, 1)) * time.Second
}

// groupQuiet is how long the bot stays silent in a group after pointing
// it to a private chat: anyone can add the bot to a group and flood it
// with commands, and Telegram allows a group only 20 messages a minute.
const groupQuiet = time.Hour

// answerGroup reports whether a group chat may be answered now.
func (t *Telegram) answerGroup(chatID int64) bool {
	t.groupsMu.Lock()
	defer t.groupsMu.Unlock()
	now := time.Now()
	if last, ok := t.groups[chatID]; ok && now.Sub(last) < groupQuiet {
		return false
	}
	if t.groups == nil || len(t.groups) > 10_000 {
		t.groups = map[int64]time.Time{}
	}
	t.groups[chatID] = now
	return true
}
