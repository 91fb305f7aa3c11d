package input

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxLinkRunes bounds a link, "https://" included.
const maxLinkRunes = 500

// Link checks a web address and returns it with a lower-case scheme and host.
//
// Only http and https are accepted; any other scheme ("ftp:", "mailto:",
// "javascript:") is URLScheme. Text without a scheme that starts with a
// domain ("acme.ma/deck", "www.acme.ma") gets "https://". The host must be a
// domain name with a top-level domain (IDNs in their own script included);
// IP addresses, user info ("user@host") and characters that browsers or chat
// clients treat specially (spaces, <, >, ", \, `) are BadURL. Links longer
// than 500 runes are TooLong.
func Link(s string) (link string, p Problem) {
	s = clean(s)
	if s == "" {
		return "", Empty
	}
	if utf8.RuneCountInString(s) > maxLinkRunes {
		return "", TooLong
	}
	if strings.ContainsAny(s, " <>\"\\`") {
		return "", BadURL
	}
	scheme, rest, p := splitScheme(s)
	if p != OK {
		return "", p
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, port, ok := splitPort(rest[:end])
	if !ok {
		return "", BadURL
	}
	// Re-normalizing after lower-casing keeps the result a fixed point of Link.
	host = norm.NFC.String(strings.ToLower(host))
	if checkHost(host) != hostOK {
		return "", BadURL
	}
	link = scheme + "://" + host + port + rest[end:]
	if utf8.RuneCountInString(link) > maxLinkRunes {
		return "", TooLong
	}
	// net/url has the last word on escapes and structure.
	u, err := url.Parse(link)
	if err != nil || u.Scheme != scheme || u.Host != host+port || u.User != nil || u.Opaque != "" {
		return "", BadURL
	}
	return link, OK
}

// splitScheme returns the lower-case scheme and what follows "//". Text
// without a scheme gets https; "acme.ma:8080/x" is a host and port, not a
// scheme named "acme.ma".
func splitScheme(s string) (scheme, rest string, p Problem) {
	if rest, ok := strings.CutPrefix(s, "//"); ok {
		return "https", rest, OK
	}
	i := strings.IndexByte(s, ':')
	if i < 0 || !isScheme(s[:i]) || strings.Contains(s[:i], ".") ||
		(i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9') {
		return "https", s, OK
	}
	scheme = strings.ToLower(s[:i])
	if scheme != "http" && scheme != "https" {
		return "", "", URLScheme
	}
	rest, ok := strings.CutPrefix(s[i+1:], "//")
	if !ok {
		return "", "", BadURL
	}
	return scheme, rest, OK
}

// isScheme reports whether s has the RFC 3986 form of a scheme.
func isScheme(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// splitPort splits "host:port", returning port with its colon, and false
// for a port that is not a number from 1 to 65535.
func splitPort(hostport string) (host, port string, ok bool) {
	i := strings.LastIndexByte(hostport, ':')
	if i < 0 {
		return hostport, "", true
	}
	digits := hostport[i+1:]
	if digits == "" || len(digits) > 5 || digits[0] == '0' || strings.Trim(digits, "0123456789") != "" {
		return "", "", false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > 65535 {
		return "", "", false
	}
	return hostport[:i], hostport[i:], true
}
