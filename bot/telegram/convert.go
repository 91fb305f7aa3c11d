package telegram

import (
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/flows"
)

// FounderID is the founder behind a Telegram user.
func FounderID(userID int64) flows.FounderID {
	return flows.FounderID("tg:" + strconv.FormatInt(userID, 10))
}

// ChatID is the private chat of a founder created by FounderID; false for
// founders of other transports.
func ChatID(f flows.FounderID) (int64, bool) {
	s, ok := strings.CutPrefix(string(f), "tg:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

// update is the part of a Telegram update the bot reads. It is decoded
// for every update: go-telegram's models.Update allocates its whole
// Message type (a few hundred fields) and decodes a pressed message twice,
// once with encoding/json, which was a tenth of the CPU an update cost
// (README, Performance). TestUpdateMatchesModels holds it to models.Update.
type update struct {
	ID            int64          `json:"update_id"`
	Message       *message       `json:"message"`
	EditedMessage *message       `json:"edited_message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type message struct {
	ID          int                          `json:"message_id"`
	Date        int                          `json:"date"` // 0: a pressed message too old to see
	From        *models.User                 `json:"from"`
	Chat        chat                         `json:"chat"`
	Text        string                       `json:"text"`
	Entities    []models.MessageEntity       `json:"entities"`
	ReplyMarkup *models.InlineKeyboardMarkup `json:"reply_markup"`
}

type chat struct {
	ID   int64           `json:"id"`
	Type models.ChatType `json:"type"`
}

type callbackQuery struct {
	ID      string      `json:"id"`
	From    models.User `json:"from"`
	Message *message    `json:"message"`
	Data    string      `json:"data"`
}

// incoming is an update turned into an Event, with what is needed to answer it.
type incoming struct {
	id       int64 // the update's ID
	ev       flows.Event
	chatID   int64
	callback *callbackQuery // set for button presses
}

// toEvent turns a Telegram update into an Event. ok is false for updates
// the bot does not act on (channel posts, member changes, presses on
// messages too old to see, group chatter).
func toEvent(u *update) (in incoming, ok bool) {
	in.id, in.ev.UpdateID = u.ID, strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.From.IsBot {
			return in, false
		}
		in.chatID = m.Chat.ID
		in.ev.Group = m.Chat.Type != models.ChatTypePrivate
		who(&in.ev, m.From)
		switch {
		case strings.HasPrefix(m.Text, "/"):
			in.ev.Kind = flows.KindCommand
			in.ev.Command, in.ev.Arg = parseCommand(m.Text)
		case m.Text != "":
			if in.ev.Group {
				return in, false // only commands get an answer in a group
			}
			in.ev.Kind, in.ev.Text = flows.KindText, m.Text
		default:
			if in.ev.Group {
				return in, false
			}
			in.ev.Kind = flows.KindUnsupported
		}
		return in, true
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if m.From == nil || m.Chat.Type != models.ChatTypePrivate {
			return in, false
		}
		in.chatID = m.Chat.ID
		who(&in.ev, m.From)
		in.ev.Kind = flows.KindEdited
		return in, true
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		in.callback = cq
		who(&in.ev, &cq.From)
		in.ev.Kind, in.ev.Data = flows.KindButton, cq.Data
		in.chatID = cq.From.ID
		if m := cq.Message; m != nil {
			in.chatID = m.Chat.ID
			in.ev.Group = m.Chat.Type != models.ChatTypePrivate
		}
		return in, true
	}
	return in, false
}

func who(ev *flows.Event, u *models.User) {
	ev.Founder = FounderID(u.ID)
	ev.LangHint = u.LanguageCode
	ev.Handle = u.Username
	ev.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// parseCommand splits "/Start@FounderBot apply" into "start" and "apply".
// It does not rely on entities: their offsets are UTF-16 and the library
// slices bytes.
func parseCommand(text string) (name, arg string) {
	head, arg, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	if i := strings.IndexAny(head, "@\n"); i >= 0 {
		if head[i] == '\n' {
			arg = head[i+1:] + " " + arg
		}
		head = head[:i]
	}
	return strings.ToLower(head), strings.TrimSpace(arg)
}

// keyboard renders buttons as an inline keyboard.
func keyboard(rows [][]flows.Button) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := make([][]models.InlineKeyboardButton, len(rows))
	for i, row := range rows {
		kb[i] = make([]models.InlineKeyboardButton, len(row))
		for j, b := range row {
			kb[i][j] = models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Data}
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

// pressedLabel finds the label of the pressed button on its message.
func pressedLabel(m *message, data string) string {
	if m == nil || m.ReplyMarkup == nil {
		return ""
	}
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return b.Text
			}
		}
	}
	return ""
}
