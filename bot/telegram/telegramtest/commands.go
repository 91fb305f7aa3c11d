package telegramtest

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/go-telegram/bot/models"
)

// callbackState is what became of a callback query.
type callbackState struct {
	answered bool
	text     string
}

func (s *Server) answerCallbackQuery(_ context.Context, req *request) (any, *apiError) {
	id, text := req.str("callback_query_id"), req.str("text")
	if utf16Len(text) > maxAnswerLen {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cb, ok := s.callbacks[id]
	// Telegram accepts one answer per query; a second, or an unknown id, gets this.
	if !ok || cb.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cb.answered, cb.text = true, text
	s.notifyLocked()
	return true, nil
}

// commandName is what Telegram accepts as a bot command.
var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// scopeKey canonicalizes a BotCommandScope JSON object.
func scopeKey(raw string) (string, *apiError) {
	if raw == "" {
		return "default", nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil || sc.Type == "" {
		return "", badRequest("can't parse BotCommandScope JSON object")
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, nil
	case "chat", "chat_administrators":
		return sc.Type + ":" + string(sc.ChatID), nil
	case "chat_member":
		return sc.Type + ":" + string(sc.ChatID) + ":" + strconv.FormatInt(sc.UserID, 10), nil
	}
	return "", badRequest("wrong BotCommandScope type specified")
}

func commandsKey(req *request) (string, *apiError) {
	scope, aerr := scopeKey(req.str("scope"))
	if aerr != nil {
		return "", aerr
	}
	return scope + "|" + req.str("language_code"), nil
}

func (s *Server) setMyCommands(_ context.Context, req *request) (any, *apiError) {
	key, aerr := commandsKey(req)
	if aerr != nil {
		return nil, aerr
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(req.str("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf16Len(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.notifyLocked()
	return true, nil
}

func (s *Server) deleteMyCommands(_ context.Context, req *request) (any, *apiError) {
	key, aerr := commandsKey(req)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	s.notifyLocked()
	return true, nil
}

func (s *Server) getMyCommands(_ context.Context, req *request) (any, *apiError) {
	key, aerr := commandsKey(req)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return cmds, nil
}
