package flows

import (
	"html"
	"strings"
)

// PlainText turns a reply's text into plain text for transports without
// markup (the console): tags dropped, entities decoded. Reply texts are
// well-formed because founders' text is always escaped in them.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		s = s[i+j+1:]
	}
	return html.UnescapeString(b.String())
}
