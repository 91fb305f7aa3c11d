package telegramtest

import (
	"fmt"
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// NewMessage builds the common part of a message from a user to chatID: the next
// message_id of that chat, the date, the sender and the chat. chatID == from.ID is
// the private chat with from; a negative id is a group (a supergroup from -10^12
// down) unless SetChat or Group registered it. Fill in the content and Push it as
// models.Update{Message: m}.
func (s *Server) NewMessage(from models.User, chatID int64) *models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat := s.chatLocked(chatID)
	if chatID == from.ID {
		chat = models.Chat{ID: from.ID, Type: models.ChatTypePrivate, FirstName: from.FirstName, LastName: from.LastName, Username: from.Username}
	}
	return &models.Message{ID: s.newMessageIDLocked(chatID), From: &from, Date: int(s.now().Unix()), Chat: chat}
}

// SetChat registers a chat's title and type, used in messages to and from it.
func (s *Server) SetChat(c models.Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats[c.ID] = c
}

// Text builds a text message from a user. A leading /command (and any command after
// whitespace) gets a bot_command entity, with UTF-16 offsets, as Telegram sets it.
func (s *Server) Text(from models.User, chatID int64, text string) models.Update {
	m := s.NewMessage(from, chatID)
	m.Text, m.Entities = text, commandEntities(text)
	return models.Update{Message: m}
}

// Group builds a text message from a user in a group chat, registering the group.
// A group without a Type is a "group", or a "supergroup" if its id is -10^12 or less.
func (s *Server) Group(from models.User, group models.Chat, text string) models.Update {
	if group.Type == "" {
		group.Type = models.ChatTypeGroup
		if group.ID <= -1_000_000_000_000 {
			group.Type = models.ChatTypeSupergroup
		}
	}
	s.SetChat(group)
	return s.Text(from, group.ID, text)
}

// Photo builds a photo message with an optional caption.
func (s *Server) Photo(from models.User, chatID int64, caption string) models.Update {
	m := s.NewMessage(from, chatID)
	id := fmt.Sprintf("AgACAgIAAxkBAAI%d", m.ID)
	m.Photo = []models.PhotoSize{
		{FileID: id + "_s", FileUniqueID: "AQAD" + strconv.Itoa(m.ID) + "s", Width: 90, Height: 67, FileSize: 1203},
		{FileID: id + "_m", FileUniqueID: "AQAD" + strconv.Itoa(m.ID) + "m", Width: 1280, Height: 960, FileSize: 98765},
	}
	m.Caption = caption
	return models.Update{Message: m}
}

// Sticker builds a sticker message.
func (s *Server) Sticker(from models.User, chatID int64, emoji string) models.Update {
	m := s.NewMessage(from, chatID)
	m.Sticker = &models.Sticker{
		FileID: fmt.Sprintf("CAACAgIAAxkBAAI%d", m.ID), FileUniqueID: "AgAD" + strconv.Itoa(m.ID),
		Type: "regular", Width: 512, Height: 512, Emoji: emoji, SetName: "TestStickers",
	}
	return models.Update{Message: m}
}

// Edited builds the edited_message update for a message update built earlier, with
// new text.
func (s *Server) Edited(orig models.Update, text string) models.Update {
	if orig.Message == nil {
		panic("telegramtest: Edited needs an update with a message")
	}
	m := *orig.Message
	m.Text, m.Entities = text, commandEntities(text)
	m.EditDate = int(s.now().Unix())
	return models.Update{EditedMessage: &m}
}

// Press builds the callback_query of a user pressing an inline button with data on a
// message the bot sent; the message is included as it stands now.
func (s *Server) Press(from models.User, msg SentMessage, data string) models.Update {
	return s.PressID(from, msg.ChatID, msg.ID, data)
}

// PressID is Press by chat and message id. A message the server does not know (or
// that was deleted) is sent as an inaccessible message, as Telegram does.
func (s *Server) PressID(from models.User, chatID int64, messageID int, data string) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackSerial++
	cq := &models.CallbackQuery{
		ID:           strconv.FormatInt(4_000_000_000_000_000_000+s.callbackSerial, 10),
		From:         from,
		ChatInstance: strconv.FormatUint(uint64(chatID)^0x5bd1e9955bd1e995, 10),
		Data:         data,
	}
	if m := s.findLocked(chatID, messageID); m != nil {
		msg := m.Message
		cq.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg}
	} else {
		cq.Message = models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: s.chatLocked(chatID), MessageID: messageID},
		}
	}
	return models.Update{CallbackQuery: cq}
}

// PressButton presses the inline button labelled label on msg as it stands now, and
// fails the test if there is no such callback button. Call it from the test goroutine.
func (s *Server) PressButton(tb testing.TB, from models.User, msg SentMessage, label string) models.Update {
	tb.Helper()
	cur, ok := s.Find(msg.ChatID, msg.ID)
	if !ok {
		tb.Fatalf("telegramtest: message %d in chat %d not found", msg.ID, msg.ChatID)
	}
	var labels []string
	for _, row := range cur.Keyboard {
		for _, b := range row {
			if b.Text == label && b.CallbackData != "" {
				return s.Press(from, cur, b.CallbackData)
			}
			labels = append(labels, b.Text)
		}
	}
	tb.Fatalf("telegramtest: no callback button %q on message %d; buttons: %q", label, msg.ID, labels)
	return models.Update{}
}

// commandEntities finds bot commands: "/" at the start or after whitespace, then
// 1-64 of [A-Za-z0-9_], optionally "@botusername", ending at a non-word character.
func commandEntities(text string) []models.MessageEntity {
	var ents []models.MessageEntity
	u16, prev := 0, ' '
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '/' && unicode.IsSpace(prev) {
			if end := commandEnd(text, i); end > 0 {
				ents = append(ents, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: u16, Length: end - i})
			}
		}
		u16 += utf16Len(text[i : i+size])
		prev = r
		i += size
	}
	return ents
}

// commandEnd returns the end of the command starting at text[i] ('/'), or 0.
func commandEnd(text string, i int) int {
	j := i + 1
	for j < len(text) && j-i-1 < 64 && isCommandByte(text[j]) {
		j++
	}
	if j == i+1 {
		return 0
	}
	if j < len(text) && text[j] == '@' {
		k := j + 1
		for k < len(text) && isCommandByte(text[k]) {
			k++
		}
		if k-j-1 >= 3 {
			j = k
		}
	}
	if j < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[j:]); r == '_' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0
		}
	}
	return j
}

func isCommandByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
