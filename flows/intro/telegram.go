package intro

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
)

// Contacts on Telegram. A contact known only by a Telegram username is
// reached in their own chat with the bot, once they opened it (/intro,
// or the t.me/<bot>?start=intro link staff send them): the bot then
// knows their chat. Requests, introductions and follow-ups go there
// through the outbox, each key once, with "in:c…" buttons only that
// chat may press.

// reachable reports whether a contact can be asked at all.
func reachable(m flows.Mentor) bool { return m.SlackUser != "" || m.TelegramChat != "" }

// reach is the way to the contact: Slack when they have a user there,
// else their Telegram chat; nil when neither.
func (s *Intros) reach(m flows.Mentor) Contacts {
	switch {
	case m.SlackUser != "":
		return s.contacts
	case m.TelegramChat != "":
		return telegramContacts{s}
	}
	return nil
}

// errNotThem stops linking a contact edited meanwhile.
var errNotThem = errors.New("no longer this contact")

// linkContact links the founder's chat to the contact whose Telegram
// username they have, when one does and is not linked yet; linked is
// true when the turn was that.
func (s *Intros) linkContact(t *flows.Turn) (linked bool, err error) {
	handle := strings.ToLower(t.Event().Handle)
	if handle == "" {
		return false, nil
	}
	ms, err := s.store.Mentors(t.Context())
	if err != nil {
		return false, fmt.Errorf("list contacts: %w", err)
	}
	for _, m := range ms {
		if m.Removed || m.SlackUser != "" || strings.ToLower(m.Telegram) != handle || m.TelegramChat == t.Event().Founder {
			continue
		}
		m, err = s.store.UpdateMentor(t.Context(), m.ID, func(cur *flows.Mentor) error {
			if cur.SlackUser != "" || strings.ToLower(cur.Telegram) != handle {
				return errNotThem // staff changed the contact meanwhile
			}
			cur.TelegramChat = t.Event().Founder
			return nil
		})
		if errors.Is(err, flows.ErrNotFound) || errors.Is(err, errNotThem) {
			continue // removed or changed meanwhile
		}
		if err != nil {
			return false, fmt.Errorf("link contact %s: %w", m.ID, err)
		}
		t.Say(t.T("intro_c_linked", "Contact", t.V(m.Name), "Hub", t.V(s.cfg.Hub)))
		return true, nil
	}
	return false, nil
}

// contactLang is the language of messages to a contact on Telegram.
func (s *Intros) contactLang(m flows.Mentor) string {
	for _, l := range m.Languages {
		if flows.Supported(l) {
			return l
		}
	}
	return s.cat.Resolve("", "")
}

type telegramContacts struct{ s *Intros }

func (c telegramContacts) send(ctx context.Context, key string, m flows.Mentor, r flows.Reply) error {
	_, err := c.s.out.Enqueue(ctx, key, flows.Outgoing{Founder: m.TelegramChat, Reply: r}, "intro")
	return err
}

// Ask implements Contacts: the blurb with Accept / Not now / Decline.
func (c telegramContacts) Ask(ctx context.Context, in Intro, m flows.Mentor, reminder bool) error {
	s, lang := c.s, c.s.contactLang(m)
	head, key := "intro_c_ask", "ask"
	if reminder {
		head, key = "intro_c_remind", "remind"
	}
	text := s.tr(lang, head, "Contact", s.cat.Value(lang, m.Name), "Hub", s.cat.Value(lang, s.cfg.Hub)) + "\n\n" + s.Blurb(lang, in)
	row := []flows.Button{
		{Label: s.tr(lang, "intro_c_btn_accept"), Data: "in:ca:" + in.ID + ":" + string(AnswerAccept)},
		{Label: s.tr(lang, "intro_c_btn_not_now"), Data: "in:ca:" + in.ID + ":" + string(AnswerNotNow)},
		{Label: s.tr(lang, "intro_c_btn_decline"), Data: "in:ca:" + in.ID + ":" + string(AnswerDecline)},
	}
	return c.send(ctx, "intro:"+in.ID+":contact:"+key, m, flows.Reply{Text: text, Buttons: [][]flows.Button{row}})
}

// Introduce implements Contacts: the founder's name and Telegram username.
func (c telegramContacts) Introduce(ctx context.Context, in Intro, m flows.Mentor) error {
	s, lang := c.s, c.s.contactLang(m)
	handle := "—"
	if in.FounderHandle != "" {
		handle = "@" + in.FounderHandle
	}
	text := s.tr(lang, "intro_c_introduce", "Founder", s.cat.Value(lang, in.FounderName), "Telegram", s.cat.Value(lang, handle)) +
		"\n\n" + s.Blurb(lang, in)
	return c.send(ctx, "intro:"+in.ID+":contact:introduced", m, flows.Reply{Text: text})
}

// FollowUp implements Contacts: did you meet?
func (c telegramContacts) FollowUp(ctx context.Context, in Intro, m flows.Mentor) error {
	s, lang := c.s, c.s.contactLang(m)
	var row []flows.Button
	for _, met := range []Met{MetYes, MetNotYet, MetNo} {
		row = append(row, flows.Button{Label: s.tr(lang, "intro_btn_met_"+string(met)), Data: "in:cm:" + in.ID + ":" + string(met)})
	}
	text := s.tr(lang, "intro_c_followup", "Founder", s.cat.Value(lang, in.FounderName))
	return c.send(ctx, "intro:"+in.ID+":contact:followup:"+strconv.Itoa(in.Followups+1), m, flows.Reply{Text: text, Buttons: [][]flows.Button{row}})
}

// Record implements Contacts: the staff's thread is Slack's.
func (c telegramContacts) Record(ctx context.Context, in Intro, step string) {
	c.s.record(ctx, in, step)
}

// contactButton handles a contact's buttons on Telegram:
// "in:ca:<id>:<answer>", "in:cm:<id>:<met>", "in:cr:<id>:<1-5>".
func (s *Intros) contactButton(t *flows.Turn, parts []string) error {
	if len(parts) != 3 {
		t.Expire()
		return nil
	}
	ctx, id := t.Context(), parts[1]
	in, err := s.store.Intro(ctx, id)
	if errors.Is(err, flows.ErrNotFound) {
		t.Expire()
		return nil
	}
	if err != nil {
		return err
	}
	m, err := s.store.Mentor(ctx, in.Contact)
	if err != nil || m.TelegramChat == "" || m.TelegramChat != t.Event().Founder {
		t.Expire() // only the contact's own chat answers
		return nil
	}
	switch parts[0] {
	case "ca":
		if a := Answer(parts[2]); a != AnswerAccept && a != AnswerNotNow && a != AnswerDecline {
			t.Expire()
			return nil
		}
		_, err = s.respond(ctx, id, m, Answer(parts[2]), "", false)
		if err == nil {
			t.Say(t.T("intro_c_answered_" + parts[2]))
		}
	case "cm":
		met := Met(parts[2])
		if met != MetYes && met != MetNotYet && met != MetNo {
			t.Expire()
			return nil
		}
		_, err = s.contactFollowup(ctx, id, met, 0)
		if err == nil && met == MetYes {
			var row []flows.Button
			for n := 1; n <= 5; n++ {
				row = append(row, flows.Button{Label: strconv.Itoa(n), Data: "in:cr:" + id + ":" + strconv.Itoa(n)})
			}
			t.Say(t.T("intro_ask_rating"), row)
		} else if err == nil {
			t.Say(t.T("intro_thanks"))
		}
	case "cr":
		n, _ := strconv.Atoi(parts[2])
		if _, err = s.contactFollowup(ctx, id, "", n); err == nil {
			t.Say(t.T("intro_thanks"))
		}
	default:
		t.Expire()
		return nil
	}
	if errors.Is(err, ErrStale) {
		t.Expire()
		return nil
	}
	return err
}
