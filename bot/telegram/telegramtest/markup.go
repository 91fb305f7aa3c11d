package telegramtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Telegram's limits, counted in UTF-16 code units after entity parsing.
const (
	maxTextLen     = 4096
	maxCaptionLen  = 1024
	maxCallbackLen = 64 // bytes
	maxAnswerLen   = 200
)

// formatted is message text after parse_mode, as the user sees it.
type formatted struct {
	plain    string
	entities []models.MessageEntity
}

// formatText applies parse_mode (or explicit entities) to text the way the real
// server does: parse, trim surrounding whitespace, then check emptiness and length.
// Captions may be empty.
func formatText(text, parseMode, entitiesJSON string, caption bool) (formatted, *apiError) {
	if !utf8.ValidString(text) {
		return formatted{}, badRequest("strings must be encoded in UTF-8")
	}
	var f formatted
	switch {
	case strings.EqualFold(parseMode, "HTML"):
		plain, ents, err := parseHTML(text)
		if err != nil {
			return formatted{}, badRequest("can't parse entities: %v", err)
		}
		f = formatted{plain, ents}
	case parseMode == "" && entitiesJSON != "":
		var ents []models.MessageEntity
		if err := json.Unmarshal([]byte(entitiesJSON), &ents); err != nil {
			return formatted{}, badRequest("can't parse entities JSON object")
		}
		f = formatted{text, ents}
	case parseMode == "" || strings.EqualFold(parseMode, "Markdown") || strings.EqualFold(parseMode, "MarkdownV2"):
		// Markdown is not parsed: the plain text keeps its markup characters.
		f = formatted{plain: text}
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	f = trimFormatted(f)
	n := utf16Len(f.plain)
	switch {
	case caption && n > maxCaptionLen:
		return formatted{}, badRequest("message caption is too long")
	case !caption && n == 0:
		return formatted{}, badRequest("message text is empty")
	case !caption && n > maxTextLen:
		return formatted{}, badRequest("message is too long")
	}
	return f, nil
}

// trimFormatted strips leading and trailing whitespace and shifts entities with it.
func trimFormatted(f formatted) formatted {
	left := strings.TrimLeftFunc(f.plain, unicode.IsSpace)
	lead := utf16Len(f.plain[:len(f.plain)-len(left)])
	plain := strings.TrimRightFunc(left, unicode.IsSpace)
	total := utf16Len(plain)
	var ents []models.MessageEntity
	for _, e := range f.entities {
		start, end := max(e.Offset-lead, 0), min(e.Offset-lead+e.Length, total)
		if end > start {
			e.Offset, e.Length = start, end-start
			ents = append(ents, e)
		}
	}
	return formatted{plain: plain, entities: ents}
}

// markup is a parsed reply_markup.
type markup struct {
	raw    string                          // compact JSON as sent; "" when absent
	inline [][]models.InlineKeyboardButton // nil unless a non-empty inline keyboard
}

// buttonActions are the fields of which an inline button must have one.
var buttonActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"callback_game", "pay",
}

// parseReplyMarkup decodes and validates reply_markup. Edits accept only inline
// keyboards.
func parseReplyMarkup(raw string, inlineOnly bool) (markup, *apiError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return markup{}, nil
	}
	var compact bytes.Buffer
	var obj map[string]json.RawMessage
	if err := json.Compact(&compact, []byte(raw)); err != nil || json.Unmarshal([]byte(raw), &obj) != nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	m := markup{raw: compact.String()}
	kb, ok := obj["inline_keyboard"]
	if !ok {
		if inlineOnly {
			return markup{}, badRequest("inline keyboard expected")
		}
		return m, nil
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(kb, &rows); err != nil {
		return markup{}, badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
	}
	for _, row := range rows {
		for _, b := range row {
			if aerr := checkButton(b); aerr != nil {
				return markup{}, aerr
			}
		}
	}
	if err := json.Unmarshal(kb, &m.inline); err != nil {
		return markup{}, badRequest("can't parse inline keyboard button: %v", err)
	}
	if len(m.inline) == 0 {
		m.inline = nil
	}
	return m, nil
}

func checkButton(b map[string]json.RawMessage) *apiError {
	var text string
	if json.Unmarshal(b["text"], &text) != nil {
		return badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	if raw, ok := b["callback_data"]; ok {
		var data string
		if json.Unmarshal(raw, &data) != nil || len(data) == 0 || len(data) > maxCallbackLen {
			return badRequest("BUTTON_DATA_INVALID")
		}
	}
	for _, f := range buttonActions {
		if _, ok := b[f]; ok {
			return nil
		}
	}
	// go-telegram always sends "copy_text":{"text":""}; only a non-empty one is an action.
	var ct models.CopyTextButton
	if raw, ok := b["copy_text"]; ok && json.Unmarshal(raw, &ct) == nil && ct.Text != "" {
		return nil
	}
	return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
}
