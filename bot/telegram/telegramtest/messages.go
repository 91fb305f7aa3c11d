package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

// SentMessage is a message the bot sent, as it stands now.
type SentMessage struct {
	ChatID int64
	ID     int
	// Text is the text (or document caption) exactly as the bot sent it, markup
	// included; Plain is what the user sees after parse_mode, trimmed.
	Text      string
	Plain     string
	ParseMode string
	Entities  []models.MessageEntity
	// Keyboard is the inline keyboard, nil if none.
	Keyboard [][]models.InlineKeyboardButton
	// ReplyMarkup is the reply_markup JSON as sent, of any kind; "" if none.
	ReplyMarkup string
	Edited      bool
	Deleted     bool
	Document    *SentDocument
	// Message is the Bot API object last returned for it.
	Message models.Message
}

// SentDocument is a document the bot sent.
type SentDocument struct {
	ChatID    int64
	MessageID int
	FileName  string
	MimeType  string
	Data      []byte // nil when sent by file_id or URL
	FileID    string // the file_id or URL it was sent by, or the one assigned to the upload
	Caption   string // as sent
	ParseMode string
}

// chatIDParam reads chat_id. Only numeric IDs are known to the fake.
func chatIDParam(req *request) (int64, *apiError) {
	if strings.TrimSpace(req.str("chat_id")) == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, ok := req.int("chat_id")
	if !ok || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

func messageIDParam(req *request) (int, *apiError) {
	if !req.has("message_id") {
		if req.has("inline_message_id") {
			return 0, badRequest("MESSAGE_ID_INVALID")
		}
		return 0, badRequest("message identifier is not specified")
	}
	id, ok := req.int("message_id")
	if !ok {
		return 0, badRequest("message identifier is not specified")
	}
	return int(id), nil
}

// newMessageIDLocked allocates the next message_id in chatID; users' and the bot's
// messages share one sequence per chat, as in Telegram.
func (s *Server) newMessageIDLocked(chatID int64) int {
	s.nextMsg[chatID]++
	return s.nextMsg[chatID]
}

// chatLocked returns the chat as known from pushed updates, or a plausible one.
func (s *Server) chatLocked(id int64) models.Chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	switch {
	case id > 0:
		return models.Chat{ID: id, Type: models.ChatTypePrivate, FirstName: "User " + strconv.FormatInt(id, 10)}
	case id <= -1_000_000_000_000:
		return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: "Supergroup " + strconv.FormatInt(-id, 10)}
	default:
		return models.Chat{ID: id, Type: models.ChatTypeGroup, Title: "Group " + strconv.FormatInt(-id, 10)}
	}
}

// storeLocked records a new bot message and builds its Bot API object.
func (s *Server) storeLocked(chatID int64, f formatted, mk markup) *SentMessage {
	m := &SentMessage{ChatID: chatID, ID: s.newMessageIDLocked(chatID), Plain: f.plain, Entities: f.entities, Keyboard: mk.inline, ReplyMarkup: mk.raw}
	bot := s.bot
	m.Message = models.Message{ID: m.ID, From: &bot, Date: int(s.now().Unix()), Chat: s.chatLocked(chatID)}
	s.messages[chatID] = append(s.messages[chatID], m)
	return m
}

// findLocked returns a live bot message.
func (s *Server) findLocked(chatID int64, id int) *SentMessage {
	for _, m := range s.messages[chatID] {
		if m.ID == id && !m.Deleted {
			return m
		}
	}
	return nil
}

// messageJSON is the Bot API object for m, with reply_markup exactly as sent.
func messageJSON(m *SentMessage) json.RawMessage {
	msg := m.Message
	msg.ReplyMarkup = nil
	body, _ := json.Marshal(msg)
	if m.Keyboard == nil {
		return body
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	fields["reply_markup"] = json.RawMessage(m.ReplyMarkup)
	body, _ = json.Marshal(fields)
	return body
}

func (s *Server) sendMessage(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	f, aerr := formatText(req.str("text"), req.str("parse_mode"), req.str("entities"), false)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseReplyMarkup(req.str("reply_markup"), false)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if aerr := s.admitSendLocked(chatID, true); aerr != nil {
		return nil, aerr
	}
	m := s.storeLocked(chatID, f, mk)
	m.Text, m.ParseMode = req.str("text"), req.str("parse_mode")
	m.Message.Text, m.Message.Entities = f.plain, f.entities
	m.Message.ReplyMarkup = inlineMarkup(mk.inline)
	if s.sent != nil {
		s.sent(chatID)
	}
	s.notifyLocked()
	return messageJSON(m), nil
}

func inlineMarkup(kb [][]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	if kb == nil {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

func (s *Server) editMessageText(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	msgID, aerr := messageIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	f, aerr := formatText(req.str("text"), req.str("parse_mode"), req.str("entities"), false)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseReplyMarkup(req.str("reply_markup"), true)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(chatID, msgID)
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if m.Document != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	// Leaving out reply_markup removes the keyboard, as on Telegram.
	if m.Plain == f.plain && reflect.DeepEqual(m.Entities, f.entities) && reflect.DeepEqual(m.Keyboard, mk.inline) {
		return nil, notModified()
	}
	s.editLocked(m, mk)
	m.Text, m.Plain, m.ParseMode, m.Entities = req.str("text"), f.plain, req.str("parse_mode"), f.entities
	m.Message.Text, m.Message.Entities = f.plain, f.entities
	s.notifyLocked()
	return messageJSON(m), nil
}

func (s *Server) editMessageReplyMarkup(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	msgID, aerr := messageIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseReplyMarkup(req.str("reply_markup"), true)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(chatID, msgID)
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	if reflect.DeepEqual(m.Keyboard, mk.inline) {
		return nil, notModified()
	}
	s.editLocked(m, mk)
	s.notifyLocked()
	return messageJSON(m), nil
}

func notModified() *apiError {
	return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
}

// editLocked applies what every edit changes. Fields are replaced, never mutated in
// place, because SentMessage values handed to tests share them.
func (s *Server) editLocked(m *SentMessage, mk markup) {
	m.Keyboard, m.ReplyMarkup, m.Edited = mk.inline, mk.raw, true
	m.Message.ReplyMarkup = inlineMarkup(mk.inline)
	m.Message.EditDate = int(s.now().Unix())
}

func (s *Server) deleteMessage(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	msgID, aerr := messageIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := msgKey{chatID, msgID}
	if m := s.findLocked(chatID, msgID); m != nil {
		m.Deleted = true
	} else if deleted, ok := s.incoming[key]; ok && !deleted {
		s.incoming[key] = true
	} else {
		return nil, badRequest("message to delete not found")
	}
	s.notifyLocked()
	return true, nil
}

// chatActions are the actions sendChatAction accepts.
var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func (s *Server) sendChatAction(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	if !chatActions[req.str("action")] {
		return nil, badRequest("wrong type of action")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if aerr := s.admitSendLocked(chatID, false); aerr != nil {
		return nil, aerr
	}
	return true, nil
}

func (s *Server) sendDocument(_ context.Context, req *request) (any, *apiError) {
	chatID, aerr := chatIDParam(req)
	if aerr != nil {
		return nil, aerr
	}
	doc := SentDocument{ChatID: chatID, Caption: req.str("caption"), ParseMode: req.str("parse_mode")}
	file, upload := req.files["document"]
	if name, ok := strings.CutPrefix(req.str("document"), "attach://"); ok {
		file, upload = req.files[name]
	}
	switch {
	case upload && len(file.Data) == 0:
		return nil, badRequest("file must be non-empty")
	case upload:
		doc.FileName, doc.Data, doc.MimeType = file.Name, file.Data, mimeType(file)
	case req.str("document") != "":
		doc.FileID = req.str("document")
	default:
		return nil, badRequest("there is no document in the request")
	}
	f, aerr := formatText(doc.Caption, doc.ParseMode, req.str("caption_entities"), true)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseReplyMarkup(req.str("reply_markup"), false)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if aerr := s.admitSendLocked(chatID, true); aerr != nil {
		return nil, aerr
	}
	m := s.storeLocked(chatID, f, mk)
	if upload {
		doc.FileID = fmt.Sprintf("BQACAgIAAxkB%x_%d", uint64(chatID), m.ID)
	}
	doc.MessageID = m.ID
	m.Text, m.ParseMode, m.Document = doc.Caption, doc.ParseMode, &doc
	m.Message.Caption, m.Message.CaptionEntities = f.plain, f.entities
	m.Message.ReplyMarkup = inlineMarkup(mk.inline)
	m.Message.Document = &models.Document{
		FileID: doc.FileID, FileUniqueID: fmt.Sprintf("AgAD%d", m.ID), FileName: doc.FileName,
		MimeType: doc.MimeType, FileSize: int64(len(doc.Data)),
	}
	s.notifyLocked()
	return messageJSON(m), nil
}

// mimeType guesses like Telegram does, from the extension, with a fixed table so
// results do not depend on the machine's mime database.
func mimeType(f File) string {
	switch strings.ToLower(path.Ext(f.Name)) {
	case ".csv":
		return "text/csv"
	case ".txt":
		return "text/plain"
	case ".pdf":
		return "application/pdf"
	case ".json":
		return "application/json"
	case ".ics":
		return "text/calendar"
	case ".zip":
		return "application/zip"
	}
	if f.ContentType != "" {
		return f.ContentType
	}
	return "application/octet-stream"
}
