package officehours

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// Limits of a mentor's record.
const (
	maxMentorName = 80
	maxMentorBio  = 300
	maxMentorID   = 24
	maxWeeklyCap  = 100
	maxMonthlyCap = 100
	maxContact    = 200
)

var (
	mentorIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	telegramPattern = regexp.MustCompile(`^[A-Za-z0-9_]{5,32}$`)
	slackUserRef    = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)
	slackUserID     = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
)

// AddMentor adds a mentor. Without an ID one is made from the name
// ("karim-benali"); ErrMentorExists when it is taken.
func (o *OfficeHours) AddMentor(ctx context.Context, m flows.Mentor) (flows.Mentor, error) {
	m, err := o.normalizeMentor(m)
	if err != nil {
		return m, err
	}
	if m.ID == "" {
		if m.ID = slugID(m.Name); m.ID == "" {
			m.ID = flows.MentorID("m-" + strings.ToLower(flows.RandomAppID()[2:]))
		}
	}
	if err := o.store.PutMentor(ctx, m); err != nil {
		return m, err
	}
	return m, nil
}

// EditMentor replaces the mentor with m.ID by m, except for what staff's
// form does not carry and others change meanwhile: whether the contact
// paused their introductions, and the Telegram chat linked to them. The
// contact may set their monthly cap too: shownCap is the one the form
// showed when opened (nil: not known), and when m's is the same, staff
// left it alone and the stored one stays. A lower weekly cap does not
// cancel sessions already booked; it stops new ones.
func (o *OfficeHours) EditMentor(ctx context.Context, m flows.Mentor, shownCap *int) (flows.Mentor, error) {
	if m.ID == "" {
		return m, fmt.Errorf("%w: which mentor? the ID is missing", flows.ErrInvalidMentor)
	}
	m, err := o.normalizeMentor(m)
	if err != nil {
		return m, err
	}
	return o.store.UpdateMentor(ctx, m.ID, func(cur *flows.Mentor) error {
		edited := m
		edited.IntroPaused, edited.TelegramChat = cur.IntroPaused, cur.TelegramChat
		if shownCap != nil && *shownCap == m.MonthlyCap {
			edited.MonthlyCap = cur.MonthlyCap
		}
		*cur = edited
		return nil
	})
}

// Mentors lists the mentors, by name.
func (o *OfficeHours) Mentors(ctx context.Context) ([]flows.Mentor, error) {
	ms, err := o.store.Mentors(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ms, func(a, b flows.Mentor) int { return strings.Compare(input.Fold(a.Name), input.Fold(b.Name)) })
	return ms, nil
}

// FindMentor finds a mentor by what staff typed: an ID, a Slack mention
// (<@U123>), a Slack user ID or the name, case and accents aside.
// ErrNotFound, or ErrAmbiguousMentor when several share the name.
func (o *OfficeHours) FindMentor(ctx context.Context, ref string) (flows.Mentor, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return flows.Mentor{}, fmt.Errorf("mentor: %w", flows.ErrNotFound)
	}
	if m, err := o.store.Mentor(ctx, flows.MentorID(strings.ToLower(ref))); err == nil && !m.Removed {
		return m, nil
	} else if err != nil && !errors.Is(err, flows.ErrNotFound) {
		return flows.Mentor{}, fmt.Errorf("mentor %s: %w", ref, err)
	}
	ms, err := o.store.Mentors(ctx)
	if err != nil {
		return flows.Mentor{}, fmt.Errorf("list mentors: %w", err)
	}
	slack := ""
	if sm := slackUserRef.FindStringSubmatch(ref); sm != nil {
		slack = sm[1]
	} else if slackUserID.MatchString(ref) {
		slack = ref
	}
	found := matchMentors(ms, ref, slack)
	switch len(found) {
	case 0:
		return flows.Mentor{}, fmt.Errorf("mentor %q: %w", ref, flows.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return flows.Mentor{}, &AmbiguousError{Ref: ref, Matches: found}
}

// AmbiguousError is FindMentor's answer when what staff typed names
// several mentors; errors.Is(err, flows.ErrAmbiguousMentor) holds.
type AmbiguousError struct {
	Ref     string
	Matches []flows.Mentor
}

func (e *AmbiguousError) Error() string {
	names := make([]string, len(e.Matches))
	for i, m := range e.Matches {
		names[i] = m.Name + " (" + string(m.ID) + ")"
	}
	return fmt.Sprintf("mentor %q: several match: %s", e.Ref, strings.Join(names, ", "))
}

// Is makes errors.Is(err, flows.ErrAmbiguousMentor) true.
func (e *AmbiguousError) Is(target error) bool { return target == flows.ErrAmbiguousMentor }

// matchMentors finds the mentors ref names, best kind of match first: the
// Slack user, the whole name, the first name, a prefix of the name. The
// first kind that matches anyone decides, so "Karim" finds Karim Benali
// even when Karima Idrissi exists, and "Kar" finds both.
func matchMentors(ms []flows.Mentor, ref, slack string) []flows.Mentor {
	key := input.Fold(ref)
	rules := []func(m flows.Mentor) bool{
		func(m flows.Mentor) bool { return slack != "" && m.SlackUser == slack },
		func(m flows.Mentor) bool { return input.Fold(m.Name) == key },
		func(m flows.Mentor) bool {
			f := strings.Fields(input.Fold(m.Name))
			return len(f) > 0 && f[0] == key
		},
		func(m flows.Mentor) bool { return len(key) >= 2 && strings.HasPrefix(input.Fold(m.Name), key) },
	}
	for _, rule := range rules {
		var found []flows.Mentor
		for _, m := range ms {
			if rule(m) {
				found = append(found, m)
			}
		}
		if len(found) > 0 {
			slices.SortFunc(found, func(a, b flows.Mentor) int { return strings.Compare(string(a.ID), string(b.ID)) })
			return found
		}
	}
	return nil
}

// normalizeMentor checks a mentor's fields and puts them in their stored
// form: tags and languages as keys, names trimmed.
func (o *OfficeHours) normalizeMentor(m flows.Mentor) (flows.Mentor, error) {
	bad := func(format string, a ...any) (flows.Mentor, error) {
		return m, fmt.Errorf("%w: %s", flows.ErrInvalidMentor, fmt.Sprintf(format, a...))
	}
	m.ID = flows.MentorID(strings.ToLower(strings.TrimSpace(string(m.ID))))
	if m.ID != "" && (len(m.ID) > maxMentorID || !mentorIDPattern.MatchString(string(m.ID))) {
		return bad("the ID %q must be 1 to %d of a-z, 0-9 and -", m.ID, maxMentorID)
	}
	m.Name = input.Clean(m.Name, maxMentorName+1)
	if n := utf8.RuneCountInString(m.Name); n < 2 || n > maxMentorName {
		return bad("the name must be 2 to %d characters", maxMentorName)
	}
	m.Bio = input.Clean(m.Bio, maxMentorBio+1)
	if utf8.RuneCountInString(m.Bio) > maxMentorBio {
		return bad("the bio must be at most %d characters", maxMentorBio)
	}
	tags, wrong, ok := keysOf(m.Tags, o.tagKey)
	if !ok {
		return bad("%q is not an expertise tag; use one of %s", wrong, strings.Join(flows.ExpertiseTags, ", "))
	}
	if len(tags) == 0 {
		return bad("give at least one expertise tag: %s", strings.Join(flows.ExpertiseTags, ", "))
	}
	slices.SortFunc(tags, func(a, b string) int {
		return slices.Index(flows.ExpertiseTags, a) - slices.Index(flows.ExpertiseTags, b)
	})
	m.Tags = tags
	langs, wrong, ok := keysOf(m.Languages, o.languageKey)
	if !ok {
		return bad("%q is not a language the bot knows (%s)", wrong, strings.Join(flows.Languages, ", "))
	}
	m.Languages = langs
	if m.SlackUser = strings.TrimSpace(m.SlackUser); m.SlackUser != "" {
		if sm := slackUserRef.FindStringSubmatch(m.SlackUser); sm != nil {
			m.SlackUser = sm[1]
		}
		if !slackUserID.MatchString(m.SlackUser) {
			return bad("%q is not a Slack user", m.SlackUser)
		}
	}
	if m.Telegram = strings.TrimPrefix(strings.TrimSpace(m.Telegram), "@"); m.Telegram != "" && !telegramPattern.MatchString(m.Telegram) {
		return bad("%q is not a Telegram username", m.Telegram)
	}
	if m.WeeklyCap < 0 || m.WeeklyCap > maxWeeklyCap {
		return bad("the weekly cap must be 0 (none) to %d", maxWeeklyCap)
	}
	if m.Kind = strings.ToLower(strings.TrimSpace(m.Kind)); m.Kind == flows.KindMentor {
		m.Kind = "" // the zero kind, as records older than the network have it
	} else if m.Kind != "" && !slices.Contains(flows.ContactKinds, m.Kind) {
		return bad("%q is not a kind of contact (%s)", m.Kind, strings.Join(flows.ContactKinds, ", "))
	}
	if m.Contact = strings.TrimSpace(m.Contact); m.Contact != "" {
		c, err := contactAddress(m.Contact)
		if err != nil {
			return bad("%s", err)
		}
		m.Contact = c
	}
	if m.MonthlyCap < 0 || m.MonthlyCap > maxMonthlyCap {
		return bad("the monthly cap of introductions must be 0 (none) to %d", maxMonthlyCap)
	}
	m.Removed = false
	return m, nil
}

// contactAddress checks a contact for introductions: an e-mail address
// or a link (https is added when missing), as flows/input reads them.
func contactAddress(s string) (string, error) {
	if len(s) > maxContact {
		return "", fmt.Errorf("the contact for introductions must be at most %d characters", maxContact)
	}
	if strings.Contains(s, "@") && !strings.Contains(s, "/") {
		addr, _, p := input.Email(s)
		if p != input.OK {
			return "", fmt.Errorf("%q is not an e-mail address (%s)", s, p)
		}
		return addr, nil
	}
	link, p := input.Link(s)
	if p != input.OK {
		return "", fmt.Errorf("%q is neither an e-mail address nor a link (%s)", s, p)
	}
	return link, nil
}

// tagKey matches a tag as staff may type it ("Go-to-market", "fintech",
// "Énergie") with its key.
func (o *OfficeHours) tagKey(s string) (string, bool) {
	key := input.Fold(s)
	for _, t := range flows.ExpertiseTags {
		if input.Fold(t) == key {
			return t, true
		}
		for _, l := range flows.Languages {
			if input.Fold(o.tagLabel(l, t)) == key {
				return t, true
			}
		}
	}
	return "", false
}

func (o *OfficeHours) languageKey(s string) (string, bool) {
	key := input.Fold(s)
	for _, l := range flows.Languages {
		if key == l || key == input.Fold(o.cat.T(l, "language_name")) {
			return l, true
		}
	}
	return "", false
}

// tagLabel names an expertise tag: sectors by the application form's labels.
func (o *OfficeHours) tagLabel(lang, tag string) string {
	if slices.Contains(flows.Sectors, tag) {
		return o.cat.T(lang, "sector_"+tag)
	}
	return o.tr(lang, "book_tag_"+tag)
}

// slugID makes a mentor ID from a name: "Karim Benali" → "karim-benali".
func slugID(name string) flows.MentorID {
	var b strings.Builder
	for _, word := range strings.Fields(input.Fold(name)) {
		var w strings.Builder
		for _, r := range word {
			if r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				w.WriteRune(r)
			}
		}
		if w.Len() == 0 {
			continue
		}
		if b.Len() > 0 {
			if b.Len()+1+w.Len() > maxMentorID {
				break
			}
			b.WriteByte('-')
		}
		if w.Len() > maxMentorID {
			return flows.MentorID(w.String()[:maxMentorID])
		}
		b.WriteString(w.String())
	}
	return flows.MentorID(b.String())
}

// keysOf maps what staff typed to keys, without repeats; when an entry
// maps to none, ok is false and wrong is that entry.
func keysOf(typed []string, key func(string) (string, bool)) (keys []string, wrong string, ok bool) {
	for _, t := range typed {
		k, found := key(t)
		if !found {
			return nil, t, false
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys, "", true
}
