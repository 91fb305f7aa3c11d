//lint:file-ignore ST1005 the error texts are the Bot API's own, word for word.

package telegramtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// htmlTags is Telegram's HTML subset.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"span": true, "tg-spoiler": true, "blockquote": true, "tg-emoji": true,
}

// openTag is a start tag waiting for its end tag.
type openTag struct {
	name   string
	arg    string // href, code language, span class, emoji-id
	flag   bool   // blockquote expandable
	offset int    // UTF-16 offset of the tag's content in the output
	pos    int    // byte offset of the tag's content in the output
}

// parseHTML turns Telegram HTML into plain text and entities (UTF-16 offsets), with
// the error texts of Telegram's parser (tdlib's parse_html). It is stricter than
// Telegram in one way, on purpose: an "&" that does not start &lt; &gt; &amp; &quot;
// or a numeric reference is an error, where Telegram would show it literally, so that
// tests catch text that was never escaped.
func parseHTML(src string) (string, []models.MessageEntity, error) {
	var (
		out      strings.Builder
		u16      int
		stack    []openTag
		entities []models.MessageEntity
	)
	at := func(i int) byte {
		if i < len(src) {
			return src[i]
		}
		return 0
	}
	for i := 0; i < len(src); {
		c := src[i]
		if c == '&' {
			r, n, err := decodeEntity(src, i)
			if err != nil {
				return "", nil, err
			}
			out.WriteRune(r)
			u16 += utf16Len(string(r))
			i += n
			continue
		}
		if c != '<' {
			_, size := utf8.DecodeRuneInString(src[i:])
			out.WriteString(src[i : i+size])
			u16 += utf16Len(src[i : i+size])
			i += size
			continue
		}
		begin := i
		i++
		if at(i) == '/' {
			if len(stack) == 0 {
				return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
			}
			i++
			for at(i) != 0 && !isSpace(at(i)) && at(i) != '>' {
				i++
			}
			name := strings.ToLower(src[begin+2 : i])
			for isSpace(at(i)) {
				i++
			}
			if at(i) != '>' {
				return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
			}
			top := stack[len(stack)-1]
			if name != "" && name != top.name {
				return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, name)
			}
			stack = stack[:len(stack)-1]
			entities = appendEntity(entities, top, u16-top.offset, out.String()[top.pos:])
			i++
			continue
		}
		tag, next, err := parseStartTag(src, begin)
		if err != nil {
			return "", nil, err
		}
		tag.offset, tag.pos = u16, out.Len()
		stack = append(stack, tag)
		i = next
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	slices.SortStableFunc(entities, func(a, b models.MessageEntity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		return b.Length - a.Length
	})
	return out.String(), entities, nil
}

// parseStartTag parses the start tag at src[begin] ('<') and returns the index after
// its '>'.
func parseStartTag(src string, begin int) (openTag, int, error) {
	at := func(i int) byte {
		if i < len(src) {
			return src[i]
		}
		return 0
	}
	i := begin + 1
	for at(i) != 0 && !isSpace(at(i)) && at(i) != '>' {
		i++
	}
	if at(i) == 0 {
		return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
	}
	tag := openTag{name: strings.ToLower(src[begin+1 : i])}
	if !htmlTags[tag.name] {
		return openTag{}, 0, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", tag.name, begin)
	}
	hasEmojiID := false
	for at(i) != '>' {
		for isSpace(at(i)) {
			i++
		}
		if at(i) == 0 {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		if at(i) == '>' {
			break
		}
		attrBegin := i
		for at(i) != 0 && !isSpace(at(i)) && at(i) != '=' && at(i) != '>' {
			i++
		}
		attr := strings.ToLower(src[attrBegin:i])
		if attr == "" {
			return openTag{}, 0, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag.name, attrBegin)
		}
		for isSpace(at(i)) {
			i++
		}
		if at(i) != '=' {
			if tag.name == "blockquote" && attr == "expandable" {
				tag.flag = true
				continue
			}
			return openTag{}, 0, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", tag.name, attrBegin)
		}
		i++
		for isSpace(at(i)) {
			i++
		}
		if at(i) == 0 {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", tag.name, begin)
		}
		var value strings.Builder
		if q := at(i); q == '"' || q == '\'' {
			i++
			for at(i) != 0 && at(i) != q {
				if at(i) == '&' {
					r, n, err := decodeEntity(src, i)
					if err != nil {
						return openTag{}, 0, err
					}
					value.WriteRune(r)
					i += n
					continue
				}
				value.WriteByte(src[i])
				i++
			}
			if at(i) == q {
				i++
			}
		} else {
			tokBegin := i
			for isNameTokenByte(at(i)) {
				i++
			}
			value.WriteString(strings.ToLower(src[tokBegin:i]))
			if at(i) != 0 && !isSpace(at(i)) && at(i) != '>' {
				return openTag{}, 0, fmt.Errorf("Unexpected end of name token at byte offset %d", tokBegin)
			}
		}
		if at(i) == 0 {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		v := value.String()
		switch {
		case tag.name == "a" && attr == "href":
			tag.arg = v
		case tag.name == "code" && attr == "class" && strings.HasPrefix(v, "language-"):
			tag.arg = strings.TrimPrefix(v, "language-")
		case tag.name == "span" && attr == "class":
			tag.arg = v
		case tag.name == "tg-emoji" && attr == "emoji-id":
			tag.arg, hasEmojiID = v, true
		}
	}
	if tag.name == "span" && tag.arg != "tg-spoiler" {
		return openTag{}, 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
	}
	if tag.name == "tg-emoji" && !hasEmojiID {
		return openTag{}, 0, fmt.Errorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", begin)
	}
	return tag, i + 1, nil
}

// appendEntity adds the entity for a closed tag; empty ones vanish, as in Telegram.
func appendEntity(entities []models.MessageEntity, t openTag, length int, content string) []models.MessageEntity {
	if length <= 0 {
		return entities
	}
	e := models.MessageEntity{Offset: t.offset, Length: length}
	switch t.name {
	case "b", "strong":
		e.Type = models.MessageEntityTypeBold
	case "i", "em":
		e.Type = models.MessageEntityTypeItalic
	case "u", "ins":
		e.Type = models.MessageEntityTypeUnderline
	case "s", "strike", "del":
		e.Type = models.MessageEntityTypeStrikethrough
	case "span", "tg-spoiler":
		e.Type = models.MessageEntityTypeSpoiler
	case "tg-emoji":
		e.Type, e.CustomEmojiID = models.MessageEntityTypeCustomEmoji, t.arg
	case "blockquote":
		e.Type = models.MessageEntityTypeBlockquote
		if t.flag {
			e.Type = models.MessageEntityTypeExpandableBlockquote
		}
	case "a":
		href := t.arg
		if href == "" {
			href = content
		}
		if id, ok := strings.CutPrefix(href, "tg://user?id="); ok {
			uid, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return entities
			}
			e.Type, e.User = models.MessageEntityTypeTextMention, &models.User{ID: uid}
		} else if strings.Contains(href, ".") || strings.Contains(href, "://") {
			e.Type, e.URL = models.MessageEntityTypeTextLink, href
		} else {
			return entities
		}
	case "code":
		// <pre><code class="language-go"> is one pre entity with a language.
		e.Type, e.Language = models.MessageEntityTypeCode, t.arg
	case "pre":
		e.Type = models.MessageEntityTypePre
		if n := len(entities); n > 0 {
			last := entities[n-1]
			if last.Type == models.MessageEntityTypeCode && last.Offset == e.Offset && last.Length == e.Length && last.Language != "" {
				e.Language = last.Language
				entities = entities[:n-1]
			}
		}
	}
	return append(entities, e)
}

// decodeEntity decodes the character reference at src[i] ('&') and returns the rune
// and the bytes consumed. The semicolon is optional, as in Telegram.
func decodeEntity(src string, i int) (rune, int, error) {
	j := i + 1
	var r rune
	if j < len(src) && src[j] == '#' {
		j++
		base := 10
		if j < len(src) && (src[j] == 'x' || src[j] == 'X') {
			base, j = 16, j+1
		}
		digitsBegin := j
		for j < len(src) && isDigit(src[j], base) {
			j++
		}
		n, err := strconv.ParseInt(src[digitsBegin:j], base, 32)
		if err != nil || n == 0 || n > unicode.MaxRune {
			return 0, 0, fmt.Errorf("Unescaped \"&\" at byte offset %d (not a valid character reference)", i)
		}
		if n >= 0xD800 && n <= 0xDFFF {
			return 0, 0, fmt.Errorf("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
		}
		r = rune(n)
	} else {
		for j < len(src) && (src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z') {
			j++
		}
		switch src[i+1 : j] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, 0, fmt.Errorf("Unescaped \"&\" at byte offset %d: use &amp;", i)
		}
	}
	if j < len(src) && src[j] == ';' {
		j++
	}
	return r, j - i, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isNameTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

func isDigit(c byte, base int) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
}

// utf16Len is the length of s in UTF-16 code units, the unit of Telegram's limits
// and entity offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
