package input

import (
	"net/mail"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Email checks a bare e-mail address such as "ali@acme.ma".
//
// It returns the address normalized (cleaned, domain lower-cased, local part
// kept as typed) when p is OK or EmailTypo, and "" otherwise. For EmailTypo,
// suggestion is the address with the provider spelled right
// ("ali@gmial.com" → "ali@gmail.com"). For EmailNoTLD, suggestion is set only
// when the provider has a single domain ("ali@gmail" → "ali@gmail.com").
//
// Refused as BadEmail: a display name ("Ali <ali@x.ma>"), spaces, zero or
// several "@", quoted local parts, leading, trailing or doubled dots, a local
// part over 64 bytes, a domain with other characters than letters, digits and
// hyphens, IP-address domains.
func Email(s string) (addr, suggestion string, p Problem) {
	s = clean(s)
	if s == "" {
		return "", "", Empty
	}
	if len(s) > 254 || strings.Count(s, "@") != 1 || strings.ContainsRune(s, ' ') {
		return "", "", BadEmail
	}
	local, domain, _ := strings.Cut(s, "@")
	if !validLocal(local) {
		return "", "", BadEmail
	}
	// Re-normalizing after lower-casing keeps the result a fixed point of Email.
	domain = norm.NFC.String(strings.ToLower(domain))
	switch checkHost(domain) {
	case hostBad:
		return "", "", BadEmail
	case hostNoTLD:
		if fix := missingTLDFix(domain); fix != "" {
			return "", local + "@" + fix, EmailNoTLD
		}
		return "", "", EmailNoTLD
	}
	addr = local + "@" + domain
	if len(addr) > 254 { // lower-casing can lengthen: "Ⱥ" takes 2 bytes, "ⱥ" 3
		return "", "", BadEmail
	}
	// net/mail is a second opinion: anything it does not read back as the
	// same bare address is not something we want to store.
	if a, err := mail.ParseAddress(addr); err != nil || a.Name != "" || a.Address != addr {
		return "", "", BadEmail
	}
	if fix := providerTypoFix(domain); fix != "" {
		return addr, local + "@" + fix, EmailTypo
	}
	return addr, "", OK
}

// validLocal accepts an RFC 5322 dot-atom of at most 64 bytes, widened to
// non-ASCII letters and digits as RFC 6531 allows, and narrowed to exclude
// other non-ASCII symbols (emoji there are junk, not mailboxes).
func validLocal(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for _, r := range l {
		if r >= 0x80 {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return false
			}
			continue
		}
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			continue
		}
		if !strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r) {
			return false
		}
	}
	return true
}

// providerTypoFix returns the domain a misspelled well-known provider domain
// was meant to be, or "".
//
// The table is deliberately small: each entry is an exact domain that hosts
// no real mailboxes and is an unambiguous slip for exactly one provider
// domain. Left out: real provider domains (hotmail.fr, yahoo.fr, outlook.fr,
// live.fr, hotmail.co.uk, yahoo.co.uk, menara.ma) and slips whose intended
// domain is uncertain, such as gmail.fr (not Gmail's, but gmail.com is only
// a guess). Entries ending in ".co" are included because nobody has a
// mailbox at gmail.co or hotmail.co, while ".com" truncated to ".co" is a
// frequent slip.
func providerTypoFix(domain string) string {
	switch domain {
	case "gmial.com", "gmai.com", "gmal.com", "gmil.com", "gamil.com", "gmaill.com",
		"gnail.com", "gmaul.com", "gmali.com", "gmeil.com", "gmsil.com", "gmail.co",
		"gmail.con", "gmail.cm", "gmail.cmo", "gmail.om", "gmail.comm", "gmail.vom",
		"gmail.xom", "gmail.ocm", "gmail.cpm", "gmail.coom":
		return "gmail.com"
	case "hotmial.com", "hotmal.com", "hotmai.com", "hotmil.com", "hotamil.com",
		"homail.com", "hotmaill.com", "hotmail.con", "hotmail.co", "hotmail.cm",
		"hotmail.om", "hotmail.cmo":
		return "hotmail.com"
	case "hotmial.fr", "hotmal.fr", "hotmai.fr", "hotmil.fr", "hotamil.fr", "homail.fr":
		return "hotmail.fr"
	case "yaho.com", "yahooo.com", "yhaoo.com", "yahoo.con", "yahoo.cm", "yahoo.cmo":
		return "yahoo.com"
	case "yaho.fr", "yahooo.fr", "yhaoo.fr":
		return "yahoo.fr"
	case "outlok.com", "outllok.com", "otlook.com", "outook.com", "oulook.com",
		"outlook.con", "outlook.co", "outlook.cm":
		return "outlook.com"
	case "outlok.fr", "outllok.fr", "otlook.fr", "outook.fr", "oulook.fr":
		return "outlook.fr"
	case "iclod.com", "icoud.com", "icloud.con", "icloud.co":
		return "icloud.com"
	}
	return ""
}

// missingTLDFix completes a provider domain typed without a valid TLD, only
// for providers that have a single domain: "hotmail" could be .com or .fr.
func missingTLDFix(domain string) string {
	domain = strings.TrimSuffix(domain, ".")
	if strings.Count(domain, ".") > 1 {
		return ""
	}
	name, _, _ := strings.Cut(domain, ".")
	switch name {
	case "gmail":
		return "gmail.com"
	case "icloud":
		return "icloud.com"
	}
	return ""
}
