package slack

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
)

// introCommand answers `intro pause|resume|cap N [contact]`. Without a
// contact it acts for the contact linked to the user's own Slack account
// (contacts need not be staff); naming a contact is for staff. ok is
// false when the command is not `intro`.
func (s *Staff) introCommand(ctx context.Context, sc slackapi.SlashCommand) (r *reply, ok bool) {
	tok, rest := next(sc.Text)
	if asciiLower(tok) != CmdIntro {
		return nil, false
	}
	if s.intros == nil || s.oh.svc == nil {
		return ephemeral(s.t("staff_intro_disabled")), true
	}
	act, rest := next(rest)
	act = asciiLower(act)
	var paused *bool
	var monthlyCap *int
	switch act {
	case "pause", "resume":
		p := act == "pause"
		paused = &p
	case "cap":
		var n string
		n, rest = next(rest)
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 100 {
			return s.introUsage(), true
		}
		monthlyCap = &v
	default:
		return s.introUsage(), true
	}
	var refusal string
	say := func(text string) { refusal = text }
	var m flows.Mentor
	var err error
	if ref := trim(rest); ref != "" {
		if !s.allowed(ctx, sc.UserID, say) {
			return ephemeral(refusal), true
		}
		m, err = s.oh.svc.FindMentor(ctx, ref)
	} else {
		m, err = s.intros.ContactByUser(ctx, sc.UserID)
		if errors.Is(err, flows.ErrNotFound) {
			return ephemeral(s.t("staff_intro_not_a_contact", "Command", code(s.cfg.Command+" intro "+act+" <contact>"))), true
		}
	}
	if err != nil {
		return ephemeral(s.ohError(ctx, err)), true
	}
	m, err = s.intros.SetIntroSettings(ctx, m.ID, paused, monthlyCap)
	if err != nil {
		return ephemeral(s.introError(ctx, err)), true
	}
	s.log.InfoContext(ctx, "slack introduction settings", "contact", m.ID, "by", sc.UserID, "paused", m.IntroPaused, "cap", m.MonthlyCap)
	capText := s.t("staff_intro_no_cap")
	if m.MonthlyCap > 0 {
		capText = s.t("staff_intro_cap", "N", m.MonthlyCap)
	}
	id := "staff_intro_resumed"
	if m.IntroPaused {
		id = "staff_intro_paused"
	}
	return ephemeral(s.t(id, "Mentor", s.v(m.Name), "Note", capText)), true
}

func (s *Staff) introUsage() *reply {
	return ephemeral(s.t("staff_usage", "Value", code(s.cfg.Command+" "+Usage(CmdIntro))))
}

// introStats are the introductions' figures per contact, for `stats`.
func (s *Staff) introStats(ctx context.Context) []slackapi.Block {
	if s.intros == nil {
		return nil
	}
	st, err := s.intros.Stats(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "slack introduction stats", "err", err)
		return nil
	}
	if len(st) == 0 {
		return []slackapi.Block{section(s.t("staff_intro_stats_none"))}
	}
	lines := []string{s.t("staff_intro_stats_title")}
	for _, c := range st {
		rating := s.t("staff_none")
		if c.Ratings > 0 {
			rating = strconv.FormatFloat(float64(c.RatingSum)/float64(c.Ratings), 'f', 1, 64)
		}
		lines = append(lines, s.t("staff_intro_stats_line", "Mentor", s.v(c.Contact.Name), "Requests", c.Requests,
			"Approved", c.Approved, "Accepted", c.Accepted, "Met", c.Met, "Rating", rating))
	}
	return s.listBlocks(lines[0], lines[1:])
}

// introDigest lists the requests waiting on staff and on contacts.
func (s *Staff) introDigest(ctx context.Context) []slackapi.Block {
	if s.intros == nil {
		return nil
	}
	onStaff, onContacts, err := s.intros.Waiting(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "slack introduction digest", "err", err)
		return nil
	}
	names := s.oh.contactNames(ctx)
	var blocks []slackapi.Block
	for _, g := range []struct {
		head string
		l    []string
	}{{"staff_intro_digest_staff", s.introLines(names, onStaff)}, {"staff_intro_digest_contacts", s.introLines(names, onContacts)}} {
		if len(g.l) == 0 {
			continue
		}
		lines := append([]string{s.t(g.head, "N", len(g.l))}, lastN(g.l, maxDigestItems)...)
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	return blocks
}

func (s *Staff) introLines(names map[flows.MentorID]string, l []intro.Intro) []string {
	out := make([]string, 0, len(l))
	for _, in := range l {
		contact := cmp.Or(names[in.Contact], string(in.Contact))
		out = append(out, s.t("staff_intro_digest_item", "ID", in.ID, "Startup", s.v(cmp.Or(in.Startup, "—")),
			"Mentor", s.v(contact), "Date", s.date(in.Created)))
	}
	return out
}

// contactNames are the names of the contacts in the directory, by ID, in
// one read; none when office hours are not wired or the read fails (the
// digest shows IDs then).
func (o officeHours) contactNames(ctx context.Context) map[flows.MentorID]string {
	names := map[flows.MentorID]string{}
	if o.svc == nil {
		return names
	}
	ms, err := o.svc.Mentors(ctx)
	if err != nil {
		return names
	}
	for _, m := range ms {
		if !m.Removed {
			names[m.ID] = m.Name
		}
	}
	return names
}

// introLine is what `mentor list` adds about a contact's introductions:
// kind, contact for introductions, pause and monthly cap.
func (s *Staff) introLine(m flows.Mentor) string {
	contact := s.t("staff_none")
	if m.Contact != "" {
		contact = s.v(m.Contact)
	}
	state := s.t("staff_intro_no_cap")
	if m.MonthlyCap > 0 {
		state = s.t("staff_intro_cap", "N", m.MonthlyCap)
	}
	if m.IntroPaused {
		state = s.t("staff_intro_paused_short")
	}
	return "\n" + s.t("staff_intro_mentor_line", "Kind", s.t("staff_intro_kind_"+m.ContactKind()), "Value", contact, "Note", state)
}
