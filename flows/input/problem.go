// Package input sanitizes and validates what founders type.
//
// Functions here never produce user-facing text: a refused value comes back
// as a Problem code, and the flows package maps each code to a translated
// message (Problem.String gives the catalog key suffix). The package imports
// no transport or storage library, so any adapter can reuse it.
package input

import "strconv"

// Problem says why a value was refused; OK (zero) means accepted.
type Problem int

// The codes are append-only: their String names are catalog keys.
const (
	OK             Problem = iota
	Empty                  // nothing left after cleaning
	TooShort               // fewer runes than the minimum
	TooLong                // more runes than the maximum
	BadEmail               // not an e-mail address at all
	EmailNoTLD             // domain lacks a valid top-level domain ("ali@gmail", "ali@gmail.c0m")
	EmailTypo              // a well-known provider misspelled; a suggestion is returned
	BadPhone               // not a phone number
	PhoneNoCountry         // looks like a national number ("0612345678"): needs +country code
	NotNumber              // not a whole number
	OutOfRange             // a whole number outside the allowed range
	BadURL                 // not a web address
	URLScheme              // a scheme other than http/https (ftp:, javascript:, mailto: ...)
)

// String returns a stable lowercase name such as "too_short", used as the
// suffix of message catalog keys; renaming one breaks translations.
func (p Problem) String() string {
	switch p {
	case OK:
		return "ok"
	case Empty:
		return "empty"
	case TooShort:
		return "too_short"
	case TooLong:
		return "too_long"
	case BadEmail:
		return "bad_email"
	case EmailNoTLD:
		return "email_no_tld"
	case EmailTypo:
		return "email_typo"
	case BadPhone:
		return "bad_phone"
	case PhoneNoCountry:
		return "phone_no_country"
	case NotNumber:
		return "not_number"
	case OutOfRange:
		return "out_of_range"
	case BadURL:
		return "bad_url"
	case URLScheme:
		return "url_scheme"
	}
	return "problem_" + strconv.Itoa(int(p))
}
