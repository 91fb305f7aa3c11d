package officehours

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// The founders' side of office hours: /book asks, in turn,
//
//	topic → mentor → day → time → agenda → confirm
//
// Rescheduling (from /mybookings) starts at day and skips the agenda;
// claiming a waitlist offer starts at the agenda. Each step has an ask
// (the question, with fresh availability) and a press (its buttons).
const (
	flowBook = "book"
	flowRate = "rate" // waiting for a comment after a rating
)

var bookOrder = []string{"topic", "mentor", "day", "time", "agenda", "confirm"}

// What the booking flow keeps in Session.Answers.
const (
	ansTopic  = "topic"
	ansMentor = "mentor"
	ansDay    = "day" // YYYY-MM-DD in the hub's time zone
	ansSlot   = "slot"
	ansAgenda = "agenda"
	// ansID is the booking's ID, chosen when the flow starts, so that a
	// confirmation applied twice (a retried event) books once.
	ansID    = "bid"
	ansMove  = "move"  // rescheduling: the booking being moved
	ansClaim = "claim" // claiming a waitlist offer: the slot
	ansRated = "rated" // flowRate: the booking the comment is about
)

// Bounds of the agenda, shown to the mentor.
const minAgenda, maxAgenda = 10, 500

// maxTyped caps typed text before validation, as the application form does.
const maxTyped = 1000

// startBooking is /book.
func (o *OfficeHours) startBooking(t *flows.Turn) error {
	if o.draftInTheWay(t) {
		return nil
	}
	ok, _, err := o.allowed(t.Context(), t.Event().Founder)
	if err != nil {
		return err
	}
	if !ok {
		o.notAllowed(t)
		return nil
	}
	o.startBook(t, map[string]string{}, "topic")
	t.Say(t.T("book_intro", "Max", o.cfg.Rules.MaxUpcoming, "Hours", int(o.cfg.Rules.CancelCutoff.Hours())))
	t.Ask()
	return nil
}

// draftInTheWay stops the booking flow from discarding an unfinished
// application (a flow that holds work), the session holding one flow at
// a time.
func (o *OfficeHours) draftInTheWay(t *flows.Turn) bool {
	if resume, held := t.Held(); held {
		t.Say(t.T("book_finish_application"), []flows.Button{{Label: t.T("btn_continue"), Data: resume}})
		return true
	}
	return false
}

func (o *OfficeHours) notAllowed(t *flows.Turn) {
	if o.cfg.OpenTo == OpenToAccepted {
		t.Say(t.T("book_only_accepted", "Hub", t.V(o.cfg.Hub)))
		return
	}
	var rows [][]flows.Button
	if b, ok := t.MenuButton("apply"); ok { // the application conversation's, when it runs
		rows = append(rows, []flows.Button{b})
	}
	t.Say(t.T("book_only_applicants", "Hub", t.V(o.cfg.Hub)), rows...)
}

func (o *OfficeHours) startBook(t *flows.Turn, answers map[string]string, first string) {
	if answers[ansID] == "" {
		answers[ansID] = string(o.NewID())
	}
	t.Start(flowBook, first, answers)
}

// bookPath is the steps of the current booking flow.
func (o *OfficeHours) bookPath(t *flows.Turn) []string {
	switch {
	case t.Answers()[ansMove] != "":
		return []string{"day", "time", "confirm"}
	case t.Answers()[ansClaim] != "":
		return []string{"agenda", "confirm"}
	}
	return bookOrder
}

func (o *OfficeHours) bookNext(t *flows.Turn) {
	p := o.bookPath(t)
	if i := slices.Index(p, t.Session().Step); i >= 0 && i+1 < len(p) {
		t.Goto(p[i+1])
	}
}

// navRow is Back (when there is a step before) and Cancel.
func (o *OfficeHours) navRow(t *flows.Turn) []flows.Button {
	row := []flows.Button{{Label: t.T("btn_cancel"), Data: t.Data("cancel")}}
	if slices.Index(o.bookPath(t), t.Session().Step) > 0 {
		row = append([]flows.Button{{Label: t.T("btn_back"), Data: t.Data("back")}}, row...)
	}
	return row
}

// askBook asks the current question of the booking or rating flow. It
// reads availability afresh, so an error is kept for Handle to return.
func (o *OfficeHours) askBook(t *flows.Turn) {
	t.Fail(o.askBookStep(t))
}

func (o *OfficeHours) askBookStep(t *flows.Turn) error {
	if t.Session().Flow == flowRate {
		t.Say(t.T("book_rate_ask_comment"), []flows.Button{{Label: t.T("book_btn_no_comment"), Data: t.Data("skip")}})
		return nil
	}
	switch t.Session().Step {
	case "topic":
		return o.askTopic(t)
	case "mentor":
		return o.askMentor(t)
	case "day", "time":
		return o.askWhen(t)
	case "agenda":
		return o.askAgenda(t)
	case "confirm":
		return o.askConfirm(t)
	}
	return nil
}

// pressBook handles a button of the booking or rating flow's question.
func (o *OfficeHours) pressBook(t *flows.Turn, action string) bool {
	ok, err := o.pressBookStep(t, action)
	t.Fail(err)
	return ok || err != nil
}

func (o *OfficeHours) pressBookStep(t *flows.Turn, action string) (bool, error) {
	if action == "cancel" {
		o.stopBook(t)
		return true, nil
	}
	if t.Session().Flow == flowRate {
		if action != "skip" {
			return false, nil
		}
		t.Clear()
		t.Say(t.T("book_rate_done"))
		return true, nil
	}
	if action == "back" {
		p := o.bookPath(t)
		i := slices.Index(p, t.Session().Step)
		if i <= 0 {
			return false, nil
		}
		t.Goto(p[i-1])
		t.Ask()
		return true, nil
	}
	verb, arg, _ := strings.Cut(action, ":")
	switch {
	case t.Session().Step == "topic" && verb == "t":
		return o.pickTopic(t, arg)
	case t.Session().Step == "mentor" && (verb == "m" || verb == "w"):
		return o.pickMentor(t, arg, verb == "w")
	case t.Session().Step == "day" && verb == "d":
		if _, ok := parseDate(arg); !ok {
			return false, nil
		}
		t.Answers()[ansDay] = arg
		o.bookNext(t)
		t.Ask()
		return true, nil
	case t.Session().Step == "time" && verb == "s":
		return o.pickTime(t, flows.SlotID(arg))
	case t.Session().Step == "confirm" && action == "ok":
		return true, o.confirmBook(t)
	}
	return false, nil
}

// stopBook is Cancel or /cancel in the booking or rating flow.
func (o *OfficeHours) stopBook(t *flows.Turn) {
	switch {
	case t.Session().Flow == flowRate:
		t.Say(t.T("book_rate_done"))
	case t.Answers()[ansMove] != "":
		t.Say(t.T("book_move_stopped"))
	default:
		t.Say(t.T("book_stopped"))
	}
	t.Clear()
}

// bookText handles typed text in the booking or rating flow: the agenda,
// or the comment after a rating.
func (o *OfficeHours) bookText(t *flows.Turn, typed string) error {
	if t.Session().Flow == flowRate {
		return o.comment(t, typed)
	}
	if t.Session().Step != "agenda" {
		t.Say(t.T("pick_button"))
		t.Ask()
		return nil
	}
	s := input.Clean(typed, maxTyped)
	if p := input.Length(s, minAgenda, maxAgenda); p != input.OK {
		t.Say(t.T("err_"+p.String(), "Min", minAgenda, "Max", maxAgenda))
		t.Ask()
		return nil
	}
	t.Answers()[ansAgenda] = s
	o.bookNext(t)
	t.Ask()
	return nil
}

func (o *OfficeHours) askTopic(t *flows.Turn) error {
	ms, err := o.store.Mentors(t.Context())
	if err != nil {
		return err
	}
	var rows [][]flows.Button
	n := 0
	for _, tag := range flows.ExpertiseTags {
		if !slices.ContainsFunc(ms, func(m flows.Mentor) bool { return slices.Contains(m.Tags, tag) }) {
			continue
		}
		if n%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: o.tagLabel(t.Lang(), tag), Data: t.Data("t:" + tag)})
		n++
	}
	if n == 0 {
		t.Clear()
		t.Say(t.T("book_no_mentors"))
		return nil
	}
	t.Say(t.T("book_ask_topic"), append(rows, o.navRow(t))...)
	return nil
}

func (o *OfficeHours) pickTopic(t *flows.Turn, tag string) (bool, error) {
	if !slices.Contains(flows.ExpertiseTags, tag) {
		return false, nil
	}
	t.Answers()[ansTopic] = tag
	o.bookNext(t)
	t.Ask()
	return true, nil
}

// topicMentors lists the mentors of the chosen topic, by name.
func (o *OfficeHours) topicMentors(t *flows.Turn) ([]flows.Mentor, error) {
	ms, err := o.Mentors(t.Context())
	if err != nil {
		return nil, err
	}
	topic := t.Answers()[ansTopic]
	return slices.DeleteFunc(ms, func(m flows.Mentor) bool { return !slices.Contains(m.Tags, topic) }), nil
}

func (o *OfficeHours) askMentor(t *flows.Turn) error {
	ms, err := o.topicMentors(t)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		t.Say(t.T("book_no_mentors_topic"))
		t.Goto("topic")
		return o.askTopic(t)
	}
	var b strings.Builder
	b.WriteString(t.T("book_ask_mentor", "Topic", t.V(o.tagLabel(t.Lang(), t.Answers()[ansTopic]))))
	var rows [][]flows.Button
	for _, m := range ms {
		slots, err := o.bookable(t.Context(), m, t.Event().Founder, t.Now())
		if err != nil {
			return err
		}
		b.WriteString("\n\n")
		b.WriteString(t.T("book_mentor_line", "Mentor", t.V(m.Name), "Bio", t.V(m.Bio),
			"Languages", t.V(o.languageNames(m.Languages))))
		if len(slots) == 0 {
			b.WriteString("\n")
			b.WriteString(t.T("book_mentor_full"))
			rows = append(rows, []flows.Button{{Label: t.T("book_btn_waitlist", "Mentor", m.Name), Data: t.Data("w:" + string(m.ID))}})
			continue
		}
		rows = append(rows, []flows.Button{{Label: m.Name, Data: t.Data("m:" + string(m.ID))}})
	}
	t.Say(b.String(), append(rows, o.navRow(t))...)
	return nil
}

func (o *OfficeHours) pickMentor(t *flows.Turn, id string, waitlist bool) (bool, error) {
	ms, err := o.topicMentors(t)
	if err != nil {
		return true, err
	}
	i := slices.IndexFunc(ms, func(m flows.Mentor) bool { return string(m.ID) == id })
	if i < 0 {
		return false, nil
	}
	if !waitlist {
		t.Answers()[ansMentor] = id
		o.bookNext(t)
		t.Ask()
		return true, nil
	}
	pos, err := o.store.JoinWaitlist(t.Context(), ms[i].ID, t.Event().Founder, t.Now())
	if err != nil {
		return true, err
	}
	t.Clear()
	t.Say(t.T("book_waitlist_joined", "Mentor", t.V(ms[i].Name), "Position", pos, "Minutes", minutes(o.cfg.OfferTTL)))
	return true, nil
}

// askWhen asks for the day, then the time, among the slots the founder
// could book now.
func (o *OfficeHours) askWhen(t *flows.Turn) error {
	m, err := o.mentor(t.Context(), flows.MentorID(t.Answers()[ansMentor]))
	if err != nil {
		return err
	}
	move := t.Answers()[ansMove] != ""
	if m.Removed || m.Name == "" {
		t.Say(t.T("book_mentor_gone"))
		if move {
			t.Clear()
			return nil
		}
		t.Goto("mentor")
		return o.askMentor(t)
	}
	slots, err := o.bookable(t.Context(), m, t.Event().Founder, t.Now())
	if err != nil {
		return err
	}
	if len(slots) == 0 {
		t.Say(t.T("book_no_slots", "Mentor", t.V(m.Name)))
		if move {
			t.Clear()
			return nil
		}
		t.Goto("mentor")
		return o.askMentor(t)
	}
	if t.Session().Step == "day" {
		return o.askDay(t, m, slots)
	}
	day := t.Answers()[ansDay]
	slots = slices.DeleteFunc(slots, func(s flows.Slot) bool { return s.Start.In(o.cfg.TZ).Format(time.DateOnly) != day })
	if len(slots) == 0 {
		t.Say(t.T("book_day_full"))
		t.Goto("day")
		return o.askWhen(t)
	}
	var rows [][]flows.Button
	for i, s := range slots {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		label := o.clock(s.Start) + "–" + o.clock(s.End)
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: label, Data: t.Data("s:" + string(s.ID))})
	}
	t.Say(t.T("book_ask_time", "Mentor", t.V(m.Name), "Date", o.dayName(t.Lang(), slots[0].Start),
		"Zone", o.zoneLabel(t.Lang(), slots[0].Start)), append(rows, o.navRow(t))...)
	return nil
}

func (o *OfficeHours) askDay(t *flows.Turn, m flows.Mentor, slots []flows.Slot) error {
	var rows [][]flows.Button
	var days []string
	for _, s := range slots {
		day := s.Start.In(o.cfg.TZ).Format(time.DateOnly)
		if slices.Contains(days, day) {
			continue
		}
		if len(days)%2 == 0 {
			rows = append(rows, nil)
		}
		days = append(days, day)
		rows[len(rows)-1] = append(rows[len(rows)-1], flows.Button{Label: o.dayName(t.Lang(), s.Start), Data: t.Data("d:" + day)})
	}
	t.Say(t.T("book_ask_day", "Mentor", t.V(m.Name), "Days", int(o.cfg.Rules.Window.Hours()/24)), append(rows, o.navRow(t))...)
	return nil
}

func (o *OfficeHours) pickTime(t *flows.Turn, id flows.SlotID) (bool, error) {
	s, err := o.store.Slot(t.Context(), id)
	if errors.Is(err, flows.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if string(s.Mentor) != t.Answers()[ansMentor] {
		return false, nil
	}
	t.Answers()[ansSlot] = string(id)
	o.bookNext(t)
	t.Ask()
	return true, nil
}

func (o *OfficeHours) askAgenda(t *flows.Turn) error {
	m, err := o.mentor(t.Context(), flows.MentorID(t.Answers()[ansMentor]))
	if err != nil {
		return err
	}
	t.Reply(flows.Reply{
		Text:     t.T("book_ask_agenda", "Mentor", o.mentorName(t.Lang(), m, m.ID), "Min", minAgenda, "Max", maxAgenda),
		Buttons:  [][]flows.Button{o.navRow(t)},
		FreeText: true,
	})
	return nil
}

func (o *OfficeHours) askConfirm(t *flows.Turn) error {
	s, err := o.store.Slot(t.Context(), flows.SlotID(t.Answers()[ansSlot]))
	if err != nil {
		return err
	}
	m, err := o.mentor(t.Context(), s.Mentor)
	if err != nil {
		return err
	}
	name := o.mentorName(t.Lang(), m, s.Mentor)
	details := o.sessionDetails(t.Lang(), s.Start, s.End, s.Place)
	var text string
	if id := t.Answers()[ansMove]; id != "" {
		old, err := o.store.Booking(t.Context(), flows.BookingID(id))
		if err != nil {
			return err
		}
		text = t.T("book_confirm_move", "Mentor", name, "Old", o.sessionDetails(t.Lang(), old.Start, old.End, old.Place), "New", details)
	} else {
		topic := ""
		if tag := t.Answers()[ansTopic]; tag != "" {
			topic = t.V(o.tagLabel(t.Lang(), tag))
		}
		text = t.T("book_confirm", "Mentor", name, "Topic", topic, "Details", details, "Agenda", t.V(t.Answers()[ansAgenda]))
	}
	t.Say(text, []flows.Button{{Label: t.T("book_btn_confirm"), Data: t.Data("ok")}}, o.navRow(t))
	return nil
}
