package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

func TestSendMessageInlineKeyboardRoundTrip(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	kb := [][]models.InlineKeyboardButton{
		{{Text: "Smart Cities", CallbackData: "track:smart"}, {Text: "Fintech", CallbackData: "track:fin"}},
		{{Text: "Website", URL: "https://example.com"}},
	}
	msg, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{
		ChatID:      alice().ID,
		Text:        "<b>Pick</b> a track",
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: kb},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if msg.ID != 1 || msg.Chat.ID != alice().ID || msg.Chat.Type != models.ChatTypePrivate || msg.Date == 0 {
		t.Errorf("message = id %d chat %+v date %d; want id 1 in private chat %d with a date", msg.ID, msg.Chat, msg.Date, alice().ID)
	}
	if msg.From == nil || !msg.From.IsBot || msg.From.ID != 123456 {
		t.Errorf("from = %+v; want the bot 123456", msg.From)
	}
	if msg.Text != "Pick a track" {
		t.Errorf("text = %q; want %q", msg.Text, "Pick a track")
	}
	wantEnts := []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 4}}
	if diff := cmp.Diff(wantEnts, msg.Entities); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if msg.ReplyMarkup == nil {
		t.Fatal("reply_markup missing from result")
	}
	if diff := cmp.Diff(kb, msg.ReplyMarkup.InlineKeyboard); diff != "" {
		t.Errorf("returned keyboard (-want +got):\n%s", diff)
	}

	sent := srv.WaitMessages(t, alice().ID, 1, wait)
	if diff := cmp.Diff(kb, sent[0].Keyboard); diff != "" {
		t.Errorf("recorded keyboard (-want +got):\n%s", diff)
	}
	if sent[0].Text != "<b>Pick</b> a track" || sent[0].Plain != "Pick a track" || sent[0].ParseMode != "HTML" {
		t.Errorf("recorded = text %q plain %q mode %q", sent[0].Text, sent[0].Plain, sent[0].ParseMode)
	}
	call := srv.Calls("sendMessage")[0]
	if call.Int("chat_id") != alice().ID || !call.OK() {
		t.Errorf("call chat_id = %d ok %v; want %d true", call.Int("chat_id"), call.OK(), alice().ID)
	}

	msg2, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: "again"})
	if err != nil || msg2.ID != 2 {
		t.Errorf("second message id = %d, %v; want 2", msg2.ID, err)
	}
}

func TestStartReceivesPushedUpdate(t *testing.T) {
	srv := telegramtest.New(t, token)
	got := make(chan *models.Update, 1)
	b := newClient(t, srv)
	b.RegisterHandler(tgbot.HandlerTypeMessageText, "start", tgbot.MatchTypeCommand, func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		got <- u
		_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Welcome!"})
	})
	start(t, b)
	srv.WaitPolling(t, wait)

	id := srv.Push(srv.Text(alice(), alice().ID, "/start ref_42"))
	select {
	case u := <-got:
		if u.ID != id || u.Message.Text != "/start ref_42" || u.Message.From.ID != alice().ID {
			t.Errorf("update = id %d text %q; want id %d /start ref_42 from alice", u.ID, u.Message.Text, id)
		}
	case <-ctxT(t).Done():
		t.Fatal("handler did not see the pushed update")
	}
	if msgs := srv.WaitMessages(t, alice().ID, 1, wait); msgs[0].Text != "Welcome!" {
		t.Errorf("reply = %q; want Welcome!", msgs[0].Text)
	}
	// The bot's reply follows the user's message in the chat's message_id sequence.
	if msgs := srv.Messages(alice().ID); msgs[0].ID != 2 {
		t.Errorf("reply message_id = %d; want 2", msgs[0].ID)
	}
	srv.WaitConfirmed(t, id, wait)
}

func TestEditMessageText(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	ctx := ctxT(t)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Yes", CallbackData: "yes"}}}}
	msg, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: alice().ID, Text: "Confirm?", ReplyMarkup: kb})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}

	edited, err := b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: alice().ID, MessageID: msg.ID, Text: "Confirmed ✅"})
	if err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	if edited.Text != "Confirmed ✅" || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Errorf("edited = %q edit_date %d markup %v; want new text, an edit date, no keyboard", edited.Text, edited.EditDate, edited.ReplyMarkup)
	}
	cur, _ := srv.Find(alice().ID, msg.ID)
	if !cur.Edited || cur.Text != "Confirmed ✅" || cur.Keyboard != nil {
		t.Errorf("recorded = %+v; want edited text without keyboard", cur)
	}

	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: alice().ID, MessageID: msg.ID, Text: "Confirmed ✅"})
	if !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified: specified new message content and reply markup are exactly the same") {
		t.Errorf("identical edit: err = %v; want message is not modified", err)
	}
	_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: alice().ID, MessageID: 99, Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "Bad Request: message to edit not found") {
		t.Errorf("unknown message: err = %v; want message to edit not found", err)
	}

	m2, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: alice().ID, MessageID: msg.ID, ReplyMarkup: kb})
	if err != nil || m2.ReplyMarkup == nil || m2.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "yes" {
		t.Errorf("EditMessageReplyMarkup = %+v, %v; want the keyboard back", m2, err)
	}
	if _, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: alice().ID, MessageID: msg.ID}); err != nil {
		t.Errorf("DeleteMessage: %v", err)
	}
	if cur, _ := srv.Find(alice().ID, msg.ID); !cur.Deleted {
		t.Error("message not flagged deleted")
	}
	if _, err := b.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: alice().ID, MessageID: msg.ID}); err == nil || !strings.Contains(err.Error(), "message to delete not found") {
		t.Errorf("second delete: err = %v; want message to delete not found", err)
	}
}

func TestAnswerCallbackQuery(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv, tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}), tgbot.WithCallbackQueryDataHandler("track:", tgbot.MatchTypePrefix, func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		_, _ = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID, Text: "Saved: " + u.CallbackQuery.Data})
	}))
	msg, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: "Track?", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Smart Cities", CallbackData: "track:smart"}}},
	}})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	start(t, b)

	press := srv.PressButton(t, alice(), srv.Messages(alice().ID)[0], "Smart Cities")
	if press.CallbackQuery.Message.Message == nil || press.CallbackQuery.Message.Message.ID != msg.ID || press.CallbackQuery.ChatInstance == "" {
		t.Fatalf("press = %+v; want the pressed message and a chat_instance", press.CallbackQuery)
	}
	srv.Push(press)
	if text := srv.WaitAnswered(t, press.CallbackQuery.ID, wait); text != "Saved: track:smart" {
		t.Errorf("answer = %q; want Saved: track:smart", text)
	}
	if text, ok := srv.Answered(press.CallbackQuery.ID); !ok || text != "Saved: track:smart" {
		t.Errorf("Answered = %q, %v", text, ok)
	}

	// A second answer, a long text, and an unknown id are refused like on Telegram.
	ctx := ctxT(t)
	_, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: press.CallbackQuery.ID})
	if err == nil || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer: err = %v; want query is too old", err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: "nope"})
	if err == nil || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("unknown id: err = %v; want query is too old", err)
	}
	p2 := srv.Press(alice(), srv.Messages(alice().ID)[0], "other")
	srv.Push(p2)
	_, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: p2.CallbackQuery.ID, Text: strings.Repeat("x", 201)})
	if err == nil || !strings.Contains(err.Error(), "Bad Request: MESSAGE_TOO_LONG") {
		t.Errorf("long answer: err = %v; want MESSAGE_TOO_LONG", err)
	}
	if _, err = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: p2.CallbackQuery.ID, Text: strings.Repeat("x", 200)}); err != nil {
		t.Errorf("200-character answer: %v", err)
	}
}

func TestSetMyCommandsPerLanguageAndScope(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	ctx := ctxT(t)
	en := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "apply", Description: "Apply to the programme"}}
	de := []models.BotCommand{{Command: "start", Description: "Starten"}}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: en}); err != nil {
		t.Fatalf("SetMyCommands: %v", err)
	}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: de, LanguageCode: "de"}); err != nil {
		t.Fatalf("SetMyCommands de: %v", err)
	}
	scope := &models.BotCommandScopeChat{ChatID: alice().ID}
	if _, err := b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: de[:1], Scope: scope, LanguageCode: "de"}); err != nil {
		t.Fatalf("SetMyCommands scoped: %v", err)
	}
	if diff := cmp.Diff(en, srv.Commands("")); diff != "" {
		t.Errorf("default commands (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(de, srv.Commands("de")); diff != "" {
		t.Errorf("de commands (-want +got):\n%s", diff)
	}
	if got := srv.ScopedCommands(scope, "de"); len(got) != 1 {
		t.Errorf("scoped commands = %v; want 1", got)
	}
	if got := srv.ScopedCommands(scope, ""); got != nil {
		t.Errorf("scoped commands without language = %v; want none", got)
	}
	got, err := b.GetMyCommands(ctx, &tgbot.GetMyCommandsParams{LanguageCode: "de"})
	if err != nil || len(got) != 1 || got[0].Description != "Starten" {
		t.Errorf("GetMyCommands = %v, %v", got, err)
	}
	if _, err := b.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{LanguageCode: "de"}); err != nil {
		t.Fatalf("DeleteMyCommands: %v", err)
	}
	if got := srv.Commands("de"); got != nil {
		t.Errorf("after delete = %v; want none", got)
	}
	_, err = b.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Bad-Name", Description: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "BOT_COMMAND_INVALID") {
		t.Errorf("bad command: err = %v; want BOT_COMMAND_INVALID", err)
	}
}

func TestSendDocumentUpload(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	data := []byte("name,track\nAcme,Fintech\n")
	msg, err := b.SendDocument(ctxT(t), &tgbot.SendDocumentParams{
		ChatID:    alice().ID,
		Document:  &models.InputFileUpload{Filename: "applications.csv", Data: bytes.NewReader(data)},
		Caption:   "<i>Export</i> &amp; summary",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if msg.Document == nil || msg.Document.FileName != "applications.csv" || msg.Document.FileSize != int64(len(data)) || msg.Document.FileID == "" {
		t.Errorf("document = %+v; want applications.csv of %d bytes with a file_id", msg.Document, len(data))
	}
	if msg.Caption != "Export & summary" {
		t.Errorf("caption = %q; want %q", msg.Caption, "Export & summary")
	}
	docs := srv.Documents(alice().ID)
	if len(docs) != 1 {
		t.Fatalf("documents = %d; want 1", len(docs))
	}
	if docs[0].FileName != "applications.csv" || !bytes.Equal(docs[0].Data, data) || docs[0].Caption != "<i>Export</i> &amp; summary" || docs[0].MimeType != "text/csv" {
		t.Errorf("recorded = %+v", docs[0])
	}
	if c := srv.Calls("sendDocument")[0]; string(c.Files["document"].Data) != string(data) {
		t.Errorf("call file = %q", c.Files["document"].Data)
	}
}

func TestTooManyRequestsIsTyped(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	srv.FailNext("sendMessage", 429, "", 7)
	_, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: "hi"})
	var tooMany *tgbot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Fatalf("err = %v; want *TooManyRequestsError with RetryAfter 7", err)
	}
	if !strings.Contains(tooMany.Message, "Too Many Requests: retry after 7") {
		t.Errorf("message = %q", tooMany.Message)
	}
	// The failure is used up: the next send goes through.
	if _, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: "hi"}); err != nil {
		t.Errorf("after the failure: %v", err)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || !calls[1].OK() {
		t.Errorf("calls = %+v; want a 429 then a success", calls)
	}
}

func TestForbiddenWhenBlocked(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	ctx := ctxT(t)
	srv.Block(alice().ID)
	_, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: alice().ID, Text: "hi"})
	if !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("err = %v; want ErrorForbidden, bot was blocked by the user", err)
	}
	if _, err := b.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: alice().ID, Action: models.ChatActionTyping}); !errors.Is(err, tgbot.ErrorForbidden) {
		t.Errorf("chat action: err = %v; want ErrorForbidden", err)
	}
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: bob().ID, Text: "hi"}); err != nil {
		t.Errorf("other chat: %v", err)
	}
	srv.Unblock(alice().ID)
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: alice().ID, Text: "hi"}); err != nil {
		t.Errorf("after unblock: %v", err)
	}
	srv.FailNext("sendMessage", 403, "Forbidden: user is deactivated", 0)
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: alice().ID, Text: "hi"}); !errors.Is(err, tgbot.ErrorForbidden) || !strings.Contains(err.Error(), "user is deactivated") {
		t.Errorf("injected 403: err = %v", err)
	}
	if n := len(srv.Messages(alice().ID)); n != 1 {
		t.Errorf("messages to alice = %d; want 1", n)
	}
}
