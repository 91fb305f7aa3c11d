package telegramtest_test

import (
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

func TestTextCommandEntities(t *testing.T) {
	srv := telegramtest.New(t, token)
	cmd := func(offset, length int) []models.MessageEntity {
		return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: offset, Length: length}}
	}
	tests := []struct {
		text string
		want []models.MessageEntity
	}{
		{"/start", cmd(0, 6)},
		{"/start ref_42", cmd(0, 6)},
		{"/start@test_bot payload", cmd(0, 15)},
		{"привет /help", cmd(7, 5)},
		{"😀 /help", cmd(3, 5)},
		{"/apply\n/help", append(cmd(0, 6), cmd(7, 5)...)},
		{"/", nil},
		{"/старт", nil},
		{"see https://x.com/path", nil},
		{"a/b", nil},
		{"hello", nil},
	}
	for _, tt := range tests {
		u := srv.Text(alice(), alice().ID, tt.text)
		if diff := cmp.Diff(tt.want, u.Message.Entities); diff != "" {
			t.Errorf("Text(%q) entities (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestBuildersMakeRealUpdates(t *testing.T) {
	srv := telegramtest.New(t, token)
	private := srv.Text(alice(), alice().ID, "hi")
	if c := private.Message.Chat; c.Type != models.ChatTypePrivate || c.FirstName != "Alice" || c.Username != "alice" {
		t.Errorf("private chat = %+v", c)
	}
	group := srv.Group(bob(), models.Chat{ID: -100, Title: "Founders"}, "/help@test_bot")
	if c := group.Message.Chat; c.Type != models.ChatTypeGroup || c.Title != "Founders" || group.Message.From.ID != bob().ID {
		t.Errorf("group message = %+v from %+v", c, group.Message.From)
	}
	super := srv.Group(bob(), models.Chat{ID: -1001234567890}, "x")
	if super.Message.Chat.Type != models.ChatTypeSupergroup {
		t.Errorf("supergroup type = %q", super.Message.Chat.Type)
	}
	// A message to a registered group carries its title.
	if u := srv.Text(alice(), -100, "again"); u.Message.Chat.Title != "Founders" {
		t.Errorf("registered group title = %q", u.Message.Chat.Title)
	}
	photo := srv.Photo(alice(), alice().ID, "my pitch deck")
	sticker := srv.Sticker(alice(), alice().ID, "👍")
	edited := srv.Edited(private, "hi there")
	if private.Message.ID != 1 || photo.Message.ID != 2 || sticker.Message.ID != 3 {
		t.Errorf("message ids = %d %d %d; want 1 2 3 in alice's chat", private.Message.ID, photo.Message.ID, sticker.Message.ID)
	}

	for _, u := range []models.Update{private, group, photo, sticker, edited} {
		srv.Push(u)
	}
	status, r := post(t, ctxT(t), srv, "getUpdates", "application/json", `{"timeout":0}`)
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(r.Result, &raw); err != nil || status != 200 || len(raw) != 5 {
		t.Fatalf("getUpdates = %d %s", status, r.Result)
	}
	kinds := []string{}
	for _, u := range raw {
		for k := range u {
			if k != "update_id" {
				kinds = append(kinds, k)
			}
		}
	}
	if diff := cmp.Diff([]string{"message", "message", "message", "message", "edited_message"}, kinds); diff != "" {
		t.Errorf("update kinds (-want +got):\n%s", diff)
	}
	var ups []models.Update
	_ = json.Unmarshal(r.Result, &ups)
	if len(ups[2].Message.Photo) == 0 || ups[2].Message.Caption != "my pitch deck" {
		t.Errorf("photo = %+v", ups[2].Message)
	}
	if ups[3].Message.Sticker == nil || ups[3].Message.Sticker.Emoji != "👍" {
		t.Errorf("sticker = %+v", ups[3].Message.Sticker)
	}
	if e := ups[4].EditedMessage; e == nil || e.ID != private.Message.ID || e.Text != "hi there" || e.EditDate == 0 {
		t.Errorf("edited = %+v", e)
	}
}

func TestPressCarriesCurrentMessage(t *testing.T) {
	srv := telegramtest.New(t, token)
	_, r := post(t, ctxT(t), srv, "sendMessage", "application/json",
		`{"chat_id":1001,"text":"Pick","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`)
	if !r.OK {
		t.Fatalf("sendMessage: %s", r.Description)
	}
	msg := srv.Messages(alice().ID)[0]
	u := srv.Press(alice(), msg, "a")
	cq := u.CallbackQuery
	if cq.ID == "" || cq.From.ID != alice().ID || cq.Data != "a" || cq.ChatInstance == "" {
		t.Errorf("callback = %+v", cq)
	}
	if m := cq.Message.Message; m == nil || m.Text != "Pick" || m.ReplyMarkup == nil || m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "a" {
		t.Errorf("callback message = %+v", cq.Message.Message)
	}
	if other := srv.Press(alice(), msg, "a"); other.CallbackQuery.ID == cq.ID {
		t.Error("two presses share a callback query id")
	}
}
