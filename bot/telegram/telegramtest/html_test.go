package telegramtest_test

import (
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

func TestHTMLAccepted(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	tests := []struct {
		name, html, plain string
		entities          []models.MessageEntity
	}{
		{"escaped founder text", "&lt;b&gt;Acme&lt;/b&gt; &amp; Co", "<b>Acme</b> & Co", nil},
		{"bold", "<b>x</b>", "x", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{"upper case and empty end tag", "<B>x</> <strong>y</strong>", "x y", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 1}, {Type: "bold", Offset: 2, Length: 1}}},
		{"utf-16 offsets", "🏟 <i>é🏟</i>", "🏟 é🏟", []models.MessageEntity{{Type: "italic", Offset: 3, Length: 3}}},
		{"nested", "<b>a <i>b</i></b>", "a b", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 2, Length: 1}}},
		{"bare greater-than", "a > b", "a > b", nil},
		{"numeric references", "&#128512; &#x1F600;", "😀 😀", nil},
		{"quot without semicolon", "say &quot;hi&quot and &lt", "say \"hi\" and <", nil},
		{"link with escaped ampersand", `<a href="https://example.com/?a=1&amp;b=2">site</a>`, "site", []models.MessageEntity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://example.com/?a=1&b=2"}}},
		{"user mention", `<a href="tg://user?id=42">Bob</a>`, "Bob", []models.MessageEntity{{Type: "text_mention", Offset: 0, Length: 3, User: &models.User{ID: 42}}}},
		{"pre with language", `<pre><code class="language-go">x := 1</code></pre>`, "x := 1", []models.MessageEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{"spoilers", `<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>`, "s t", []models.MessageEntity{{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 2, Length: 1}}},
		{"expandable blockquote", "<blockquote expandable>q</blockquote>", "q", []models.MessageEntity{{Type: "expandable_blockquote", Offset: 0, Length: 1}}},
		{"custom emoji", `<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, "👍", []models.MessageEntity{{Type: "custom_emoji", Offset: 0, Length: 2, CustomEmojiID: "5368324170671202286"}}},
		{"underline strike code", "<u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del><code>c</code><em>e</em>", "uiskdce", []models.MessageEntity{
			{Type: "underline", Offset: 0, Length: 1}, {Type: "underline", Offset: 1, Length: 1},
			{Type: "strikethrough", Offset: 2, Length: 1}, {Type: "strikethrough", Offset: 3, Length: 1}, {Type: "strikethrough", Offset: 4, Length: 1},
			{Type: "code", Offset: 5, Length: 1}, {Type: "italic", Offset: 6, Length: 1},
		}},
		{"trimmed", "  <b> hi </b>\n", "hi", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: tt.html, ParseMode: models.ParseModeHTML})
			if err != nil {
				t.Fatalf("SendMessage(%q): %v", tt.html, err)
			}
			if msg.Text != tt.plain {
				t.Errorf("text = %q; want %q", msg.Text, tt.plain)
			}
			if diff := cmp.Diff(tt.entities, msg.Entities); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTMLRejected(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	tests := []struct{ html, want string }{
		{"<b>Acme</b & Co", "Unclosed end tag at byte offset 7"},
		{"a & b", `Unescaped "&" at byte offset 2`},
		{"Tom &nbsp; Jerry", `Unescaped "&" at byte offset 4`},
		{"<script>x</script>", `Unsupported start tag "script" at byte offset 0`},
		{"1 < 2", `Unsupported start tag "" at byte offset 2`},
		{"<b>x", `Can't find end tag corresponding to start tag "b"`},
		{"<b><i>x</b></i>", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"x</b>", "Unexpected end tag at byte offset 1"},
		{"<b", "Unclosed start tag at byte offset 0"},
		{"<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{"<a href>x</a>", `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 3`},
		{"&#0;", `Unescaped "&" at byte offset 0`},
	}
	for _, tt := range tests {
		t.Run(tt.html, func(t *testing.T) {
			_, err := b.SendMessage(ctxT(t), &tgbot.SendMessageParams{ChatID: alice().ID, Text: tt.html, ParseMode: models.ParseModeHTML})
			want := "Bad Request: can't parse entities: " + tt.want
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("SendMessage(%q): err = %v; want %q", tt.html, err, want)
			}
		})
	}
	if n := len(srv.Messages(alice().ID)); n != 0 {
		t.Errorf("%d messages stored; want none", n)
	}
}

func TestTextValidation(t *testing.T) {
	srv := telegramtest.New(t, token)
	b := newClient(t, srv)
	kb := func(data string) *models.InlineKeyboardMarkup {
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "b", CallbackData: data}}}}
	}
	tests := []struct {
		name   string
		params tgbot.SendMessageParams
		want   string // "" for success
	}{
		{"empty", tgbot.SendMessageParams{Text: ""}, "Bad Request: message text is empty"},
		{"only spaces", tgbot.SendMessageParams{Text: " \n "}, "Bad Request: message text is empty"},
		{"empty after HTML", tgbot.SendMessageParams{Text: "<b></b>", ParseMode: models.ParseModeHTML}, "Bad Request: message text is empty"},
		{"4096 characters", tgbot.SendMessageParams{Text: strings.Repeat("a", 4096)}, ""},
		{"4097 characters", tgbot.SendMessageParams{Text: strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"4096 UTF-16 units of emoji", tgbot.SendMessageParams{Text: strings.Repeat("😀", 2048)}, ""},
		{"4098 UTF-16 units of emoji", tgbot.SendMessageParams{Text: strings.Repeat("😀", 2049)}, "Bad Request: message is too long"},
		{"length counted after HTML", tgbot.SendMessageParams{Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"unsupported parse mode", tgbot.SendMessageParams{Text: "x", ParseMode: "XML"}, "Bad Request: unsupported parse_mode"},
		{"callback data 64 bytes", tgbot.SendMessageParams{Text: "x", ReplyMarkup: kb(strings.Repeat("d", 64))}, ""},
		{"callback data 65 bytes", tgbot.SendMessageParams{Text: "x", ReplyMarkup: kb(strings.Repeat("d", 65))}, "Bad Request: BUTTON_DATA_INVALID"},
		{"callback data 65 bytes of UTF-8", tgbot.SendMessageParams{Text: "x", ReplyMarkup: kb(strings.Repeat("ü", 32) + "x")}, "Bad Request: BUTTON_DATA_INVALID"},
		{"button without action", tgbot.SendMessageParams{Text: "x", ReplyMarkup: kb("")}, "Text buttons are unallowed in the inline keyboard"},
		{"chat missing", tgbot.SendMessageParams{ChatID: "", Text: "x"}, "Bad Request: chat_id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			if p.ChatID == nil {
				p.ChatID = alice().ID
			}
			_, err := b.SendMessage(ctxT(t), &p)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("err = %v; want success", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v; want %q", err, tt.want)
			}
		})
	}
}
