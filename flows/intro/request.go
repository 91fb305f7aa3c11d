package intro

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// The request flow: kind → topic → contact → reason → confirm.
const (
	flowIntro   = "intro"
	stepKind    = "kind"
	stepTopic   = "topic"
	stepContact = "contact"
	stepReason  = "reason"
	stepConfirm = "confirm"

	ansKind    = "kind"
	ansTopic   = "topic"
	ansContact = "contact"
	ansReason  = "reason"

	minReason = 20
	maxReason = 500
	// maxNewID bounds the tries for a free request ID.
	maxNewID = 5
)

// steps are the flow's steps in order, for Back.
var steps = []string{stepKind, stepTopic, stepContact, stepReason, stepConfirm}

// start is /intro: who may ask, and how many requests are open, are
// checked before the first question, so nobody fills in a request that
// would be refused; the store checks the limits again, atomically.
func (s *Intros) start(t *flows.Turn, _ string) error {
	if resume, held := t.Held(); held && t.Session().Flow != flowIntro {
		t.Say(t.T("intro_finish_other"), []flows.Button{{Label: t.T("btn_continue"), Data: resume}})
		return nil
	}
	if linked, err := s.linkContact(t); linked || err != nil {
		return err
	}
	ok, err := s.allowed(t.Context(), t.Event().Founder)
	if err != nil {
		return err
	}
	if !ok {
		s.notAllowed(t)
		return nil
	}
	mine, err := s.store.FounderIntros(t.Context(), t.Event().Founder)
	if err != nil {
		return fmt.Errorf("list introductions: %w", err)
	}
	if open := countOpen(mine); open >= s.cfg.MaxPending {
		t.Say(t.T("intro_too_many", "Max", s.cfg.MaxPending))
		return nil
	}
	t.Start(flowIntro, stepKind, nil)
	s.ask(t)
	return nil
}

func countOpen(l []Intro) int {
	n := 0
	for _, in := range l {
		if in.State.Open() {
			n++
		}
	}
	return n
}

// allowed applies INTRO_OPEN_TO.
func (s *Intros) allowed(ctx context.Context, f flows.FounderID) (bool, error) {
	if s.cfg.OpenTo == OpenToAnyone {
		return true, nil
	}
	apps, err := s.store.Applications(ctx, f)
	if err != nil {
		return false, fmt.Errorf("list applications: %w", err)
	}
	for _, a := range apps {
		if s.cfg.OpenTo == OpenToApplicants || a.Status == flows.StatusAccepted {
			return true, nil
		}
	}
	return false, nil
}

func (s *Intros) notAllowed(t *flows.Turn) {
	if s.cfg.OpenTo == OpenToAccepted {
		t.Say(t.T("intro_only_accepted", "Hub", t.V(s.cfg.Hub)))
		return
	}
	var rows [][]flows.Button
	if b, ok := t.MenuButton("apply"); ok {
		rows = append(rows, []flows.Button{b})
	}
	t.Say(t.T("intro_only_applicants", "Hub", t.V(s.cfg.Hub)), rows...)
}

// available lists the contacts a founder may be offered: of the kind
// (and topic, when given), reachable on Slack, not paused and under their
// monthly cap, by name. except is left out (the contact who just said no).
func (s *Intros) available(ctx context.Context, kind, topic string, except flows.MentorID) ([]flows.Mentor, error) {
	return s.offered(ctx, func(m flows.Mentor) bool {
		return m.ID != except && m.ContactKind() == kind && (topic == "" || slices.Contains(m.Tags, topic))
	})
}

// offered lists, by name, the contacts keep takes that are reachable, not
// paused and under their monthly cap: one read of the directory, and a
// count only for the capped contacts kept.
func (s *Intros) offered(ctx context.Context, keep func(flows.Mentor) bool) ([]flows.Mentor, error) {
	ms, err := s.store.Mentors(ctx)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	month := s.month(s.Now())
	var out []flows.Mentor
	for _, m := range ms {
		if m.Removed || m.IntroPaused || !reachable(m) || !keep(m) {
			continue
		}
		if m.MonthlyCap > 0 {
			n, err := s.store.MonthlyIntros(ctx, m.ID, month)
			if err != nil {
				return nil, err
			}
			if n >= m.MonthlyCap {
				continue
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b flows.Mentor) int { return strings.Compare(input.Fold(a.Name), input.Fold(b.Name)) })
	return out, nil
}

// tagLabel names a topic in the founder's language.
func tagLabel(tr func(id string, data ...any) string, tag string) string {
	if slices.Contains(flows.Sectors, tag) {
		return tr("sector_" + tag)
	}
	return tr("intro_tag_" + tag)
}

// nav is the Back and Cancel row of a step.
func nav(t *flows.Turn, back bool) []flows.Button {
	row := []flows.Button{{Label: t.T("btn_cancel"), Data: t.Data("cancel")}}
	if back {
		row = append([]flows.Button{{Label: t.T("btn_back"), Data: t.Data("back")}}, row...)
	}
	return row
}

// pairs lays buttons out two a row.
func pairs(bs []flows.Button) [][]flows.Button {
	var rows [][]flows.Button
	for i, b := range bs {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], b)
	}
	return rows
}

// ask asks the current step's question.
func (s *Intros) ask(t *flows.Turn) {
	a := t.Answers()
	ctx := t.Context()
	switch t.Session().Step {
	case stepKind:
		all, err := s.offered(ctx, func(flows.Mentor) bool { return true })
		if err != nil {
			t.Fail(err)
			return
		}
		var bs []flows.Button
		for _, k := range flows.ContactKinds {
			if slices.ContainsFunc(all, func(m flows.Mentor) bool { return m.ContactKind() == k }) {
				bs = append(bs, flows.Button{Label: t.T("intro_kind_" + k), Data: t.Data("k:" + k)})
			}
		}
		if len(bs) == 0 {
			t.Clear()
			t.Say(t.T("intro_nobody"))
			return
		}
		rows := [][]flows.Button{}
		for _, b := range bs {
			rows = append(rows, []flows.Button{b})
		}
		t.Say(t.T("intro_ask_kind", "Hub", t.V(s.cfg.Hub), "Max", s.cfg.MaxPending), append(rows, nav(t, false))...)
	case stepTopic:
		ms, err := s.available(ctx, a[ansKind], "", "")
		if err != nil {
			t.Fail(err)
			return
		}
		var bs []flows.Button
		for _, tag := range flows.ExpertiseTags {
			for _, m := range ms {
				if slices.Contains(m.Tags, tag) {
					bs = append(bs, flows.Button{Label: tagLabel(t.T, tag), Data: t.Data("t:" + tag)})
					break
				}
			}
		}
		t.Say(t.T("intro_ask_topic", "Kind", t.T("intro_kind_"+a[ansKind])), append(pairs(bs), nav(t, true))...)
	case stepContact:
		ms, err := s.available(ctx, a[ansKind], a[ansTopic], "")
		if err != nil {
			t.Fail(err)
			return
		}
		var b strings.Builder
		b.WriteString(t.T("intro_ask_contact", "Topic", t.V(tagLabel(t.T, a[ansTopic]))))
		var rows [][]flows.Button
		for _, m := range ms {
			b.WriteString("\n\n")
			b.WriteString(s.profile(t, m))
			rows = append(rows, []flows.Button{{Label: clip(m.Name, 60), Data: t.Data("c:" + string(m.ID))}})
		}
		if len(ms) == 0 {
			b.WriteString("\n\n" + t.T("intro_topic_empty"))
		}
		t.Say(b.String(), append(rows, nav(t, true))...)
	case stepReason:
		m, _ := s.store.Mentor(ctx, flows.MentorID(a[ansContact]))
		t.Reply(flows.Reply{Text: t.T("intro_ask_reason", "Contact", t.V(m.Name), "Min", minReason, "Max", maxReason),
			Buttons: [][]flows.Button{nav(t, true)}, FreeText: true})
	case stepConfirm:
		m, _ := s.store.Mentor(ctx, flows.MentorID(a[ansContact]))
		in := s.draft(t, m)
		t.Say(t.T("intro_preview", "Contact", t.V(m.Name), "Blurb", s.Blurb(t.Lang(), in)),
			[]flows.Button{{Label: t.T("intro_btn_send"), Data: t.Data("ok")}}, nav(t, true))
	}
}

// profile shows a contact to founders: name, bio, languages; never how
// to reach them.
func (s *Intros) profile(t *flows.Turn, m flows.Mentor) string {
	langs := make([]string, len(m.Languages))
	for i, l := range m.Languages {
		langs[i] = s.cat.T(l, "language_name")
	}
	return t.T("intro_profile", "Contact", t.V(m.Name), "Bio", t.V(m.Bio), "Languages", t.V(strings.Join(langs, ", ")))
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// press handles the flow's buttons.
func (s *Intros) press(t *flows.Turn, action string) bool {
	a := t.Answers()
	step := t.Session().Step
	switch {
	case action == "cancel":
		s.cancel(t)
	case action == "back":
		i := slices.Index(steps, step)
		if i <= 0 {
			return false
		}
		t.Goto(steps[i-1])
		s.ask(t)
	case strings.HasPrefix(action, "k:") && step == stepKind:
		kind := strings.TrimPrefix(action, "k:")
		if !slices.Contains(flows.ContactKinds, kind) {
			return false
		}
		a[ansKind] = kind
		t.Goto(stepTopic)
		s.ask(t)
	case strings.HasPrefix(action, "t:") && step == stepTopic:
		tag := strings.TrimPrefix(action, "t:")
		if !slices.Contains(flows.ExpertiseTags, tag) {
			return false
		}
		a[ansTopic] = tag
		t.Goto(stepContact)
		s.ask(t)
	case strings.HasPrefix(action, "c:") && step == stepContact:
		id := flows.MentorID(strings.TrimPrefix(action, "c:"))
		ms, err := s.available(t.Context(), a[ansKind], a[ansTopic], "")
		if err != nil {
			t.Fail(err)
			return true
		}
		if !slices.ContainsFunc(ms, func(m flows.Mentor) bool { return m.ID == id }) {
			t.Say(t.T("intro_contact_gone"))
			s.ask(t)
			return true
		}
		a[ansContact] = string(id)
		t.Goto(stepReason)
		s.ask(t)
	case action == "ok" && step == stepConfirm:
		t.Fail(s.confirm(t))
	default:
		return false
	}
	return true
}

// text takes the reason; elsewhere buttons are expected.
func (s *Intros) text(t *flows.Turn, typed string) error {
	if t.Session().Step != stepReason {
		t.Say(t.T("pick_button"))
		s.ask(t)
		return nil
	}
	reason := input.Clean(typed, maxReason+1)
	if n := utf8.RuneCountInString(reason); n < minReason || n > maxReason {
		t.Reply(flows.Reply{Text: t.T("intro_reason_length", "Min", minReason, "Max", maxReason, "Count", n),
			Buttons: [][]flows.Button{nav(t, true)}, FreeText: true})
		return nil
	}
	t.Answers()[ansReason] = reason
	t.Goto(stepConfirm)
	s.ask(t)
	return nil
}

func (s *Intros) cancel(t *flows.Turn) {
	t.Clear()
	t.Say(t.T("intro_cancelled"), t.Menu()...)
}

// draft is the request as the founder's answers and application make it.
func (s *Intros) draft(t *flows.Turn, m flows.Mentor) Intro {
	a := t.Answers()
	ev := t.Event()
	in := Intro{Founder: ev.Founder, FounderName: ev.Name, FounderHandle: ev.Handle, Lang: t.Lang(),
		Contact: m.ID, Kind: a[ansKind], Topic: a[ansTopic], Reason: a[ansReason],
		State: StateRequested, Version: 1, Created: t.Now(), Updated: t.Now()}
	apps, err := s.store.Applications(t.Context(), ev.Founder)
	t.Fail(err)
	if i := slices.IndexFunc(apps, func(a flows.Application) bool { return a.Status == flows.StatusAccepted }); i >= 0 {
		apps = apps[i:] // the accepted one, else the newest
	}
	if len(apps) > 0 {
		app := apps[0]
		in.AppID, in.Startup, in.Sector, in.Stage, in.Summary = app.ID, app.Answers["startup"], app.Answers["sector"], app.Answers["stage"], app.Answers["pitch"]
		if n := app.Answers["founder"]; n != "" {
			in.FounderName = n // as the founder gave it, rather than their Telegram display name
		}
		if in.FounderHandle == "" {
			in.FounderHandle = app.Handle
		}
	}
	return in
}

// Blurb is the forwardable text about the request, in lang, in Telegram
// HTML: the startup and the founder's reason, nothing that tells how to
// reach the founder. The founder sees it before sending; staff and the
// contact see the same facts in Slack.
func (s *Intros) Blurb(lang string, in Intro) string {
	v := func(x string) string { return s.cat.Value(lang, x) }
	startup := in.Startup
	if startup == "" {
		startup = s.tr(lang, "intro_no_startup")
	}
	sector := ""
	if in.Sector != "" {
		sector = s.tr(lang, "sector_"+in.Sector)
	}
	return s.tr(lang, "intro_blurb", "Startup", v(startup), "Sector", v(sector), "Pitch", v(in.Summary),
		"Topic", v(tagLabel(func(id string, d ...any) string { return s.tr(lang, id, d...) }, in.Topic)), "Reason", v(in.Reason))
}

// confirm makes the request, the store checking the limits at once.
func (s *Intros) confirm(t *flows.Turn) error {
	ctx := t.Context()
	a := t.Answers()
	m, err := s.store.Mentor(ctx, flows.MentorID(a[ansContact]))
	if err != nil && !errors.Is(err, flows.ErrNotFound) {
		return err
	}
	if err != nil || m.Removed || m.IntroPaused || !reachable(m) {
		t.Say(t.T("intro_contact_gone"))
		t.Goto(stepContact)
		s.ask(t)
		return nil
	}
	in := s.draft(t, m)
	l := Limits{MaxPending: s.cfg.MaxPending, Cooldown: s.cfg.Cooldown, MonthlyCap: m.MonthlyCap,
		Month: s.month(t.Now()), Now: t.Now()}
	if id := t.Event().UpdateID; id != "" {
		l.Op = string(t.Event().Founder) + ":" + id
	}
	for range maxNewID {
		in.ID = s.NewID()
		in, err = s.store.CreateIntro(ctx, in, l)
		if !errors.Is(err, ErrIntroIDTaken) {
			break
		}
	}
	switch {
	case errors.Is(err, ErrTooManyPending):
		t.Clear()
		t.Say(t.T("intro_too_many", "Max", s.cfg.MaxPending))
	case errors.Is(err, ErrAlreadyPending):
		t.Clear()
		t.Say(t.T("intro_already_pending", "Contact", t.V(m.Name)))
	case errors.Is(err, ErrRecentlyDeclined):
		t.Clear()
		t.Say(t.T("intro_recently_declined", "Contact", t.V(m.Name)))
	case errors.Is(err, ErrCapReached):
		t.Say(t.T("intro_cap_reached", "Contact", t.V(m.Name)))
		t.Goto(stepContact)
		s.ask(t)
	case err != nil:
		return fmt.Errorf("request introduction: %w", err)
	default:
		t.Clear()
		t.Notify(Requested{Intro: in})
		t.Say(t.T("intro_sent", "Contact", t.V(m.Name), "Hub", t.V(s.cfg.Hub)), t.Menu()...)
	}
	return nil
}
