package telegram

import (
	"reflect"
	"testing"

	"github.com/go-telegram/bot/models"
	json "github.com/segmentio/encoding/json"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// updateView is what the bot reads of an update: update and models.Update
// must agree on it.
type updateView struct {
	ID            int64
	Message       *messageView
	EditedMessage *messageView
	Press         *pressView
}

type messageView struct {
	ID       int
	From     *models.User
	ChatID   int64
	ChatType models.ChatType
	Text     string
	Entities []models.MessageEntity
	Markup   *models.InlineKeyboardMarkup
}

type pressView struct {
	ID, Data string
	From     models.User
	ChatID   int64        // of the pressed message, seen or not
	Message  *messageView // nil when too old to see
}

func viewModels(u *models.Update) updateView {
	msg := func(m *models.Message) *messageView {
		if m == nil {
			return nil
		}
		return &messageView{m.ID, m.From, m.Chat.ID, m.Chat.Type, m.Text, m.Entities, m.ReplyMarkup}
	}
	v := updateView{ID: u.ID, Message: msg(u.Message), EditedMessage: msg(u.EditedMessage)}
	if cq := u.CallbackQuery; cq != nil {
		v.Press = &pressView{ID: cq.ID, Data: cq.Data, From: cq.From, Message: msg(cq.Message.Message)}
		switch {
		case cq.Message.Message != nil:
			v.Press.ChatID = cq.Message.Message.Chat.ID
		case cq.Message.InaccessibleMessage != nil:
			v.Press.ChatID = cq.Message.InaccessibleMessage.Chat.ID
		}
	}
	return v
}

func viewLean(u *update) updateView {
	msg := func(m *message) *messageView {
		if m == nil {
			return nil
		}
		return &messageView{m.ID, m.From, m.Chat.ID, m.Chat.Type, m.Text, m.Entities, m.ReplyMarkup}
	}
	v := updateView{ID: u.ID, Message: msg(u.Message), EditedMessage: msg(u.EditedMessage)}
	if cq := u.CallbackQuery; cq != nil {
		v.Press = &pressView{ID: cq.ID, Data: cq.Data, From: cq.From}
		if m := cq.Message; m != nil {
			v.Press.ChatID = m.Chat.ID
			if m.Date != 0 {
				v.Press.Message = msg(m)
			}
		}
	}
	return v
}

// sampleUpdates are updates as Telegram sends them, built by the fake.
func sampleUpdates(t testing.TB) [][]byte {
	srv := telegramtest.New(t, "1:t")
	f := models.User{ID: 42, FirstName: "Salma", LastName: "Benali", Username: "salma", LanguageCode: "fr"}
	ups := []models.Update{
		srv.Text(f, 42, "Acme <Mobilité> & co"),
		srv.Text(f, 42, "/start@FounderBot apply"),
		srv.Group(f, models.Chat{ID: -1001}, "/status"),
		srv.Photo(f, 42, "un pitch"),
		srv.PressID(f, 42, 999, "old"), // a message the server does not know: inaccessible
	}
	// A press on a message of the bot's with markup, entities and a keyboard.
	m := srv.NewMessage(models.User{ID: 7, IsBot: true, FirstName: "Bot"}, 42)
	m.Text = "Votre secteur ?"
	m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 14}}
	m.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Villes intelligentes", CallbackData: "n1:sector:smart"}}}}
	ups = append(ups,
		models.Update{CallbackQuery: &models.CallbackQuery{ID: "77", From: f, ChatInstance: "1", Data: "n1:sector:smart",
			Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: m}}},
		srv.Edited(srv.Text(f, 42, "Acme"), "Acme Mobilité"),
	)
	var raws [][]byte
	for i, u := range ups {
		u.ID = int64(700_000 + i)
		raw, err := json.Marshal(&u)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	return append(raws,
		[]byte(`{"update_id":9,"channel_post":{"message_id":1,"date":1,"chat":{"id":-100,"type":"channel"},"text":"hi"}}`),
		[]byte(`{"update_id":10,"callback_query":{"id":"7","from":{"id":5,"is_bot":false,"first_name":"A"},"chat_instance":"1","inline_message_id":"abc","data":"x"}}`),
	)
}

// TestUpdateMatchesModels holds the bot's lean update type to go-telegram's
// models.Update on what the bot reads, for every kind of update it acts on.
func TestUpdateMatchesModels(t *testing.T) {
	for _, raw := range sampleUpdates(t) {
		var full models.Update
		var lean update
		if err := json.Unmarshal(raw, &full); err != nil {
			t.Fatalf("models.Update of %s: %v", raw, err)
		}
		if err := json.Unmarshal(raw, &lean); err != nil {
			t.Fatalf("update of %s: %v", raw, err)
		}
		if got, want := viewLean(&lean), viewModels(&full); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", raw, got, want)
		}
	}
}

func FuzzUpdateMatchesModels(f *testing.F) {
	for _, raw := range sampleUpdates(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var full models.Update
		var lean update
		if json.Unmarshal(raw, &full) != nil || json.Unmarshal(raw, &lean) != nil {
			return // what Telegram sends decodes both ways (TestUpdateMatchesModels)
		}
		if got, want := viewLean(&lean), viewModels(&full); !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", raw, got, want)
		}
	})
}
