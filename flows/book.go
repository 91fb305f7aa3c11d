package flows

import (
	"errors"
	"slices"
	"strings"
	"time"

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

// tb renders a message of the office-hours catalogs (book.<lang>.toml)
// in the founder's language. It is t under another name so that the
// checks of the main catalogs do not look for these messages there;
// book_catalog_test.go checks them.
func (c *conv) tb(id string, data ...any) string { return c.e.cat.T(c.lang, id, data...) }

// book is /book.
func (c *conv) book() error {
	o := c.e.OfficeHours
	if o == nil {
		c.say(c.t("unknown_command", "Command", "book"))
		c.ask()
		return nil
	}
	if c.draftInTheWay() {
		return nil
	}
	ok, _, err := o.allowed(c.ctx, c.ev.Founder)
	if err != nil {
		return err
	}
	if !ok {
		c.notAllowed()
		return nil
	}
	c.startBook(map[string]string{}, "topic")
	c.say(c.tb("book_intro", "Max", o.cfg.Rules.MaxUpcoming, "Hours", int(o.cfg.Rules.CancelCutoff.Hours())))
	c.ask()
	return nil
}

// draftInTheWay stops the booking flow from discarding an unfinished
// application, the session holding one flow at a time.
func (c *conv) draftInTheWay() bool {
	if c.s.Flow == flowApply && len(c.s.Answers) > 0 {
		c.say(c.tb("book_finish_application"), []Button{{Label: c.t("btn_continue"), Data: "m:apply"}})
		return true
	}
	return false
}

func (c *conv) notAllowed() {
	if c.e.OfficeHours.cfg.OpenTo == OpenToAccepted {
		c.say(c.tb("book_only_accepted", "Hub", c.v(c.e.cfg.Hub)))
		return
	}
	c.say(c.tb("book_only_applicants", "Hub", c.v(c.e.cfg.Hub)), []Button{{Label: c.t("btn_apply"), Data: "m:apply"}})
}

func (c *conv) startBook(answers map[string]string, first string) {
	c.clearFlow()
	c.s.Flow, c.s.Answers, c.s.Started = flowBook, answers, c.now
	if answers[ansID] == "" {
		answers[ansID] = string(c.e.OfficeHours.NewID())
	}
	c.goTo(first)
}

// bookPath is the steps of the current booking flow.
func (c *conv) bookPath() []string {
	switch {
	case c.s.Answers[ansMove] != "":
		return []string{"day", "time", "confirm"}
	case c.s.Answers[ansClaim] != "":
		return []string{"agenda", "confirm"}
	}
	return bookOrder
}

func (c *conv) bookNext() {
	p := c.bookPath()
	if i := slices.Index(p, c.s.Step); i >= 0 && i+1 < len(p) {
		c.goTo(p[i+1])
	}
}

// navRow is Back (when there is a step before) and Cancel.
func (c *conv) navRow() []Button {
	row := []Button{{Label: c.t("btn_cancel"), Data: c.data("cancel")}}
	if slices.Index(c.bookPath(), c.s.Step) > 0 {
		row = append([]Button{{Label: c.t("btn_back"), Data: c.data("back")}}, row...)
	}
	return row
}

// askBook asks the current question of the booking or rating flow. It
// reads availability afresh, so an error is kept for Handle to return.
func (c *conv) askBook() {
	if err := c.askBookStep(); err != nil && c.err == nil {
		c.err = err
	}
}

func (c *conv) askBookStep() error {
	if c.s.Flow == flowRate {
		c.say(c.tb("book_rate_ask_comment"), []Button{{Label: c.tb("book_btn_no_comment"), Data: c.data("skip")}})
		return nil
	}
	switch c.s.Step {
	case "topic":
		return c.askTopic()
	case "mentor":
		return c.askMentor()
	case "day", "time":
		return c.askWhen()
	case "agenda":
		return c.askAgenda()
	case "confirm":
		return c.askConfirm()
	}
	return nil
}

// pressBook handles a button of the booking or rating flow's question.
func (c *conv) pressBook(action string) bool {
	ok, err := c.pressBookStep(action)
	if err != nil && c.err == nil {
		c.err = err
	}
	return ok || err != nil
}

func (c *conv) pressBookStep(action string) (bool, error) {
	if action == "cancel" {
		c.stopBook()
		return true, nil
	}
	if c.s.Flow == flowRate {
		if action != "skip" {
			return false, nil
		}
		c.clearFlow()
		c.say(c.tb("book_rate_done"))
		return true, nil
	}
	if action == "back" {
		p := c.bookPath()
		i := slices.Index(p, c.s.Step)
		if i <= 0 {
			return false, nil
		}
		c.goTo(p[i-1])
		c.ask()
		return true, nil
	}
	verb, arg, _ := strings.Cut(action, ":")
	switch {
	case c.s.Step == "topic" && verb == "t":
		return c.pickTopic(arg)
	case c.s.Step == "mentor" && (verb == "m" || verb == "w"):
		return c.pickMentor(arg, verb == "w")
	case c.s.Step == "day" && verb == "d":
		if _, ok := parseDate(arg); !ok {
			return false, nil
		}
		c.s.Answers[ansDay] = arg
		c.bookNext()
		c.ask()
		return true, nil
	case c.s.Step == "time" && verb == "s":
		return c.pickTime(SlotID(arg))
	case c.s.Step == "confirm" && action == "ok":
		return true, c.confirmBook()
	}
	return false, nil
}

// stopBook is Cancel or /cancel in the booking or rating flow.
func (c *conv) stopBook() {
	switch {
	case c.s.Flow == flowRate:
		c.say(c.tb("book_rate_done"))
	case c.s.Answers[ansMove] != "":
		c.say(c.tb("book_move_stopped"))
	default:
		c.say(c.tb("book_stopped"))
	}
	c.clearFlow()
}

// bookText handles typed text in the booking or rating flow: the agenda,
// or the comment after a rating.
func (c *conv) bookText(typed string) error {
	if c.s.Flow == flowRate {
		return c.comment(typed)
	}
	if c.s.Step != "agenda" {
		c.say(c.t("pick_button"))
		c.ask()
		return nil
	}
	s := input.Clean(typed, maxTyped)
	if p := input.Length(s, minAgenda, maxAgenda); p != input.OK {
		c.say(c.t("err_"+p.String(), "Min", minAgenda, "Max", maxAgenda))
		c.ask()
		return nil
	}
	c.s.Answers[ansAgenda] = s
	c.bookNext()
	c.ask()
	return nil
}

func (c *conv) askTopic() error {
	o := c.e.OfficeHours
	ms, err := o.store.Mentors(c.ctx)
	if err != nil {
		return err
	}
	var rows [][]Button
	n := 0
	for _, t := range ExpertiseTags {
		if !slices.ContainsFunc(ms, func(m Mentor) bool { return slices.Contains(m.Tags, t) }) {
			continue
		}
		if n%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: o.tagLabel(c.lang, t), Data: c.data("t:" + t)})
		n++
	}
	if n == 0 {
		c.clearFlow()
		c.say(c.tb("book_no_mentors"))
		return nil
	}
	c.say(c.tb("book_ask_topic"), append(rows, c.navRow())...)
	return nil
}

func (c *conv) pickTopic(tag string) (bool, error) {
	if !slices.Contains(ExpertiseTags, tag) {
		return false, nil
	}
	c.s.Answers[ansTopic] = tag
	c.bookNext()
	c.ask()
	return true, nil
}

// topicMentors lists the mentors of the chosen topic, by name.
func (c *conv) topicMentors() ([]Mentor, error) {
	ms, err := c.e.OfficeHours.Mentors(c.ctx)
	if err != nil {
		return nil, err
	}
	topic := c.s.Answers[ansTopic]
	return slices.DeleteFunc(ms, func(m Mentor) bool { return !slices.Contains(m.Tags, topic) }), nil
}

func (c *conv) askMentor() error {
	o := c.e.OfficeHours
	ms, err := c.topicMentors()
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		c.say(c.tb("book_no_mentors_topic"))
		c.goTo("topic")
		return c.askTopic()
	}
	var b strings.Builder
	b.WriteString(c.tb("book_ask_mentor", "Topic", c.v(o.tagLabel(c.lang, c.s.Answers[ansTopic]))))
	var rows [][]Button
	for _, m := range ms {
		slots, err := o.bookable(c.ctx, m, c.ev.Founder, c.now)
		if err != nil {
			return err
		}
		b.WriteString("\n\n")
		b.WriteString(c.tb("book_mentor_line", "Mentor", c.v(m.Name), "Bio", c.v(m.Bio),
			"Languages", c.v(o.languageNames(m.Languages))))
		if len(slots) == 0 {
			b.WriteString("\n")
			b.WriteString(c.tb("book_mentor_full"))
			rows = append(rows, []Button{{Label: c.tb("book_btn_waitlist", "Mentor", m.Name), Data: c.data("w:" + string(m.ID))}})
			continue
		}
		rows = append(rows, []Button{{Label: m.Name, Data: c.data("m:" + string(m.ID))}})
	}
	c.say(b.String(), append(rows, c.navRow())...)
	return nil
}

func (c *conv) pickMentor(id string, waitlist bool) (bool, error) {
	ms, err := c.topicMentors()
	if err != nil {
		return true, err
	}
	i := slices.IndexFunc(ms, func(m Mentor) bool { return string(m.ID) == id })
	if i < 0 {
		return false, nil
	}
	if !waitlist {
		c.s.Answers[ansMentor] = id
		c.bookNext()
		c.ask()
		return true, nil
	}
	o := c.e.OfficeHours
	pos, err := o.store.JoinWaitlist(c.ctx, ms[i].ID, c.ev.Founder, c.now)
	if err != nil {
		return true, err
	}
	c.clearFlow()
	c.say(c.tb("book_waitlist_joined", "Mentor", c.v(ms[i].Name), "Position", pos, "Minutes", minutes(o.cfg.OfferTTL)))
	return true, nil
}

// askWhen asks for the day, then the time, among the slots the founder
// could book now.
func (c *conv) askWhen() error {
	o := c.e.OfficeHours
	m, err := o.mentor(c.ctx, MentorID(c.s.Answers[ansMentor]))
	if err != nil {
		return err
	}
	move := c.s.Answers[ansMove] != ""
	if m.Removed || m.Name == "" {
		c.say(c.tb("book_mentor_gone"))
		if move {
			c.clearFlow()
			return nil
		}
		c.goTo("mentor")
		return c.askMentor()
	}
	slots, err := o.bookable(c.ctx, m, c.ev.Founder, c.now)
	if err != nil {
		return err
	}
	if len(slots) == 0 {
		c.say(c.tb("book_no_slots", "Mentor", c.v(m.Name)))
		if move {
			c.clearFlow()
			return nil
		}
		c.goTo("mentor")
		return c.askMentor()
	}
	if c.s.Step == "day" {
		return c.askDay(m, slots)
	}
	day := c.s.Answers[ansDay]
	slots = slices.DeleteFunc(slots, func(s Slot) bool { return s.Start.In(o.cfg.TZ).Format(time.DateOnly) != day })
	if len(slots) == 0 {
		c.say(c.tb("book_day_full"))
		c.goTo("day")
		return c.askWhen()
	}
	var rows [][]Button
	for i, s := range slots {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		label := o.clock(s.Start) + "–" + o.clock(s.End)
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: label, Data: c.data("s:" + string(s.ID))})
	}
	c.say(c.tb("book_ask_time", "Mentor", c.v(m.Name), "Date", o.dayName(c.lang, slots[0].Start),
		"Zone", o.zoneLabel(c.lang, slots[0].Start)), append(rows, c.navRow())...)
	return nil
}

func (c *conv) askDay(m Mentor, slots []Slot) error {
	o := c.e.OfficeHours
	var rows [][]Button
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
		rows[len(rows)-1] = append(rows[len(rows)-1], Button{Label: o.dayName(c.lang, s.Start), Data: c.data("d:" + day)})
	}
	c.say(c.tb("book_ask_day", "Mentor", c.v(m.Name), "Days", int(o.cfg.Rules.Window.Hours()/24)), append(rows, c.navRow())...)
	return nil
}

func (c *conv) pickTime(id SlotID) (bool, error) {
	o := c.e.OfficeHours
	s, err := o.store.Slot(c.ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if string(s.Mentor) != c.s.Answers[ansMentor] {
		return false, nil
	}
	c.s.Answers[ansSlot] = string(id)
	c.bookNext()
	c.ask()
	return true, nil
}

func (c *conv) askAgenda() error {
	o := c.e.OfficeHours
	m, err := o.mentor(c.ctx, MentorID(c.s.Answers[ansMentor]))
	if err != nil {
		return err
	}
	c.replies = append(c.replies, Reply{
		Text:     c.tb("book_ask_agenda", "Mentor", o.mentorName(c.lang, m, m.ID), "Min", minAgenda, "Max", maxAgenda),
		Buttons:  [][]Button{c.navRow()},
		FreeText: true,
	})
	return nil
}

func (c *conv) askConfirm() error {
	o := c.e.OfficeHours
	s, err := o.store.Slot(c.ctx, SlotID(c.s.Answers[ansSlot]))
	if err != nil {
		return err
	}
	m, err := o.mentor(c.ctx, s.Mentor)
	if err != nil {
		return err
	}
	name := o.mentorName(c.lang, m, s.Mentor)
	details := o.sessionDetails(c.lang, s.Start, s.End, s.Place)
	var text string
	if id := c.s.Answers[ansMove]; id != "" {
		old, err := o.store.Booking(c.ctx, BookingID(id))
		if err != nil {
			return err
		}
		text = c.tb("book_confirm_move", "Mentor", name, "Old", o.sessionDetails(c.lang, old.Start, old.End, old.Place), "New", details)
	} else {
		topic := ""
		if t := c.s.Answers[ansTopic]; t != "" {
			topic = c.v(o.tagLabel(c.lang, t))
		}
		text = c.tb("book_confirm", "Mentor", name, "Topic", topic, "Details", details, "Agenda", c.v(c.s.Answers[ansAgenda]))
	}
	c.say(text, []Button{{Label: c.tb("book_btn_confirm"), Data: c.data("ok")}}, c.navRow())
	return nil
}
