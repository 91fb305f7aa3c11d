package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

const karim = "U0KARIM" // the mentor's Slack user, not staff

// ohEnv is env with office hours on: the service on the same store, the
// founders' messages and files sent to the fake Telegram, staff-caused
// notices through the real outbox and its sender, their keys recorded.
type ohEnv struct {
	*env
	oh *officehours.OfficeHours
	tg *telegram.Telegram

	mu     sync.Mutex
	queued []string // outbox keys, in order
}

func newOHEnv(t *testing.T) *ohEnv {
	e := &ohEnv{env: newEnv(t)}
	log := slog.New(slog.DiscardHandler)
	e.oh = officehours.New(e.store.Store, e.store.Store, e.cat, officehours.Config{Hub: "StartGate", TZ: time.UTC}, log)
	if err := e.eng.Register(e.oh.Conversation()); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.tg, err = telegram.New(telegram.Config{Token: tgToken, APIURL: e.env.tg.URL(), Rate: -1}, nil, nil, log); err != nil {
		t.Fatal(err)
	}
	enqueue := func(ctx context.Context, key string, o flows.Outgoing) error {
		e.mu.Lock()
		e.queued = append(e.queued, key)
		e.mu.Unlock()
		_, err := e.store.Store.Enqueue(ctx, key, o, "office_hours")
		return err
	}
	e.staff.SetOfficeHours(e.oh, enqueue)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.tg.RunOutbox(ctx, e.store.Store, telegram.OutboxConfig{Consumer: "oh"}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(wait):
			t.Errorf("outbox sender did not stop within %v", wait)
		}
	})
	return e
}

// waitOutbox waits until the outbox has sent everything queued.
func (e *ohEnv) waitOutbox() {
	e.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		n, err := e.store.Store.OutboxLen(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d messages still in the outbox after %v", n, wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noticeThenFile checks that msgs holds each notice exactly once, each
// followed at once by its calendar file, a cancelling .ics.
func noticeThenFile(t *testing.T, msgs []telegramtest.SentMessage, notices ...string) {
	t.Helper()
	for _, notice := range notices {
		var at []int
		for i, m := range msgs {
			if m.Document == nil && strings.Contains(m.Plain, notice) {
				at = append(at, i)
			}
		}
		if len(at) != 1 {
			t.Errorf("notice %q sent %d times; want once", notice, len(at))
			continue
		}
		if i := at[0] + 1; i >= len(msgs) || msgs[i].Document == nil || !strings.Contains(string(msgs[i].Document.Data), "METHOD:CANCEL") {
			next := "nothing"
			if i < len(msgs) {
				next = fmt.Sprintf("%q (file: %v)", msgs[i].Plain, msgs[i].Document != nil)
			}
			t.Errorf("after the notice %q came %s; want its cancelling .ics, right after it", notice, next)
		}
	}
}

// founder sends one event as the Telegram transport would and delivers
// what the engine answers: replies, then files, then staff's news.
func (e *ohEnv) founder(ev flows.Event) flows.Result {
	e.t.Helper()
	ctx := context.Background()
	ev.Founder, ev.LangHint, ev.Handle = telegram.FounderID(founderChat), "en", "youssef_ea"
	res, err := e.eng.Handle(ctx, ev)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Replies {
		if err := e.tg.Send(ctx, founderChat, r); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, d := range res.Documents() {
		if err := e.tg.SendDocument(ctx, founderChat, d); err != nil {
			e.t.Fatal(err)
		}
	}
	e.staff.Bookings(ctx, officehours.EventsIn(res))
	return res
}

// press presses the button labelled label, or the first one for "".
func (e *ohEnv) press(res flows.Result, label string) flows.Result {
	e.t.Helper()
	for i := len(res.Replies) - 1; i >= 0; i-- {
		for _, row := range res.Replies[i].Buttons {
			for _, b := range row {
				if label == "" || b.Label == label {
					return e.founder(flows.Event{Kind: flows.KindButton, Data: b.Data})
				}
			}
		}
	}
	e.t.Fatalf("no button %q in %+v", label, res.Replies)
	return flows.Result{}
}

// dmMessages are the messages in the mentor's DM.
func (e *ohEnv) dmMessages(user string) []slacktest.Message {
	dm, ok := e.slack.DM(user)
	if !ok {
		return nil
	}
	return e.slack.Messages(dm)
}

// pressOutcome presses an outcome button of a DM message as user.
func (e *ohEnv) pressOutcome(user, action string, m slacktest.Message, booking string) {
	e.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user},
		"team":       map[string]any{"id": slacktest.TeamID},
		"channel":    map[string]any{"id": m.Channel},
		"container":  map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel},
		"trigger_id": "trigger-" + user, "response_url": e.hooks.url(user),
		"actions": []any{map[string]any{"action_id": action, "block_id": outcomeBlockID, "value": booking, "type": "button"}},
	})
}

// mustContain checks that text (or, for a JSON answer, its texts) has every want.
func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	if strings.HasPrefix(text, "{") {
		text = texts([]byte(text))
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// TestOfficeHoursEndToEnd: staff add a mentor with the form and slots
// with the slash command; a founder books on Telegram and gets the
// confirmation and the calendar file; the staff channel and the mentor
// hear of it; the mentor's outcome button cancels the session and the
// founder is told; stats count it.
func TestOfficeHoursEndToEnd(t *testing.T) {
	e := newOHEnv(t)

	// The mentor, through the form.
	if _, body := e.command(alice, "mentor add"); !strings.Contains(body, "The mentor form is open.") {
		t.Fatalf("mentor add answered %s", body)
	}
	v := e.slack.WaitViews(t, 1, wait)[0]
	for _, want := range []string{`"callback_id":"oh_mentor"`, `"multi_static_select"`, `"users_select"`, `"value":"go_to_market"`} {
		if !strings.Contains(string(v.View), want) {
			t.Errorf("mentor form lacks %s: %s", want, v.View)
		}
	}
	mustContain(t, "mentor form", texts(v.View), "New mentor", "Expertise", "Most sessions a week")
	value := func(s string) map[string]any {
		return map[string]any{"v": map[string]any{"type": "plain_text_input", "value": s}}
	}
	options := func(vals ...string) map[string]any {
		var opts []any
		for _, v := range vals {
			opts = append(opts, map[string]any{"value": v})
		}
		return map[string]any{"v": map[string]any{"type": "multi_static_select", "selected_options": opts}}
	}
	submit := func(cap string) (int, string) {
		return e.interact(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": alice}, "team": map[string]any{"id": slacktest.TeamID},
			"view": map[string]any{"id": "V0MENTOR", "type": "modal", "callback_id": callbackMentor, "private_metadata": "",
				"state": map[string]any{"values": map[string]any{
					blockName: value("Karim Benali"), blockTags: options("fundraising", "fintech"), blockBio: value("Seed investor."),
					blockLangs: options("fr", "en"), blockTelegram: value("@karim_b"), blockCap: value(cap),
					blockSlack: map[string]any{"v": map[string]any{"type": "users_select", "selected_user": karim}},
				}}},
		})
	}
	if _, body := submit("lots"); !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, blockCap) {
		t.Fatalf("a bad weekly cap answered %s; want the form's error", body)
	}
	if code, body := submit("3"); code != 200 || body != "" {
		t.Fatalf("mentor form answered %d %q; want it closed", code, body)
	}
	e.staff.Wait()
	m, err := e.oh.FindMentor(context.Background(), "karim-benali")
	if err != nil || m.SlackUser != karim || m.WeeklyCap != 3 || m.Telegram != "karim_b" || !slices.Equal(m.Tags, []string{"fintech", "fundraising"}) {
		t.Fatalf("mentor saved as %+v, %v", m, err)
	}
	_, body := e.command(alice, "mentor list")
	mustContain(t, "mentor list", body, "`karim-benali` *Karim Benali*", "FinTech, Fundraising", "<@"+karim+">", "at most 3 a week")

	// Slots, in the hub's time zone; an overlapping run is refused whole.
	day := time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
	_, body = e.command(alice, "slots add karim-benali "+day+" 14:00-15:00 every 30 room Atlas")
	mustContain(t, "slots add", body, "Added 2 slot(s) for *Karim Benali*, room Atlas", "`S1`", "14:00–14:30", "`S2`", "14:30–15:00")
	_, body = e.command(bob, "slots add Karim Benali "+day+" 13:30-14:30")
	mustContain(t, "overlapping slots add", body, "No slot was added", "`S1`")
	_, body = e.command(bob, "slots add karim-benali 2026-13-01 14:00-15:00")
	mustContain(t, "bad slots add", body, "Usage:")

	// The founder applies, then books the first free time.
	e.apply(founderChat, "youssef_ea", answers("Acme <Mobility>"))
	res := e.founder(flows.Event{Kind: flows.KindCommand, Command: "book"})
	for range 4 { // topic, mentor, day, time
		res = e.press(res, "")
	}
	agenda := "Our seed round: valuation & <b>terms</b>."
	res = e.founder(flows.Event{Kind: flows.KindText, Text: agenda})
	res = e.press(res, e.cat.T("en", "book_btn_confirm"))
	if len(officehours.EventsIn(res)) != 1 || officehours.EventsIn(res)[0].Kind != officehours.EventBooked {
		t.Fatalf("booking events %+v; want one booked", officehours.EventsIn(res))
	}
	b := officehours.EventsIn(res)[0].Booking
	msgs := e.env.tg.WaitMessages(t, founderChat, 1, wait)
	var booked bool
	for _, m := range msgs {
		booked = booked || strings.Contains(m.Plain, "Your session is booked.")
	}
	if !booked {
		t.Errorf("the founder got no confirmation: %+v", msgs)
	}
	if docs := e.env.tg.Documents(founderChat); len(docs) != 1 || !strings.HasSuffix(docs[0].FileName, ".ics") ||
		!strings.Contains(string(docs[0].Data), "METHOD:REQUEST") {
		t.Errorf("founder's files: %+v; want the booking's .ics", docs)
	}
	e.staff.Wait()

	// The staff channel has a line, the mentor a DM with the outcome buttons.
	var lines []string
	for _, m := range e.slack.Messages(staffChannel) {
		lines = append(lines, texts(m.Blocks))
	}
	all := strings.Join(lines, "\n")
	mustContain(t, "staff channel", all, "<@"+alice+"> added the mentor *Karim Benali* (`karim-benali`)",
		"📅 *Acme &lt;Mobility&gt; (@youssef_ea)* booked *Karim Benali* · ", "14:00–14:30 · `"+string(b.ID)+"`")
	dms := e.dmMessages(karim)
	if len(dms) != 1 {
		t.Fatalf("mentor got %d DMs; want 1", len(dms))
	}
	dm := dms[0]
	mustContain(t, "mentor DM", texts(dm.Blocks), "New office-hours session with you", "room Atlas",
		"*Startup:* Acme &lt;Mobility&gt; (@youssef_ea) · Scaling", "*Topic:* FinTech",
		"> Our seed round: valuation &amp; &lt;b&gt;terms&lt;/b&gt;.")
	if got, want := actionIDs(dm.Blocks), []string{actionHeld, actionNoShow, actionMentorCancelled}; !slices.Equal(got, want) {
		t.Errorf("DM buttons %v; want %v", got, want)
	}
	_, body = e.command(bob, "slots list karim-benali "+day)
	mustContain(t, "slots list", body, "2, of which 1 free", "`S1`", "booked by *Acme &lt;Mobility&gt; (@youssef_ea)*", "`S2`", "_free_")

	// Someone who is neither the mentor nor staff cannot record an outcome.
	e.pressOutcome(mallory, actionHeld, dm, string(b.ID))
	e.staff.Wait()
	if eph := e.slack.WaitEphemeral(t, mallory, 1, wait); !strings.Contains(eph[0].Text, "only the hub's staff") {
		t.Errorf("mallory was told %+v", eph)
	}
	// Held before the session is refused; Cancelled by mentor frees the
	// founder with an apology and a calendar file that removes the session.
	e.pressOutcome(karim, actionHeld, dm, string(b.ID))
	e.staff.Wait()
	if eph := e.slack.WaitEphemeral(t, karim, 1, wait); !strings.Contains(eph[0].Text, "has not started yet") || eph[0].Channel != dm.Channel {
		t.Errorf("early Held answered %+v", eph)
	}
	e.pressOutcome(karim, actionMentorCancelled, dm, string(b.ID))
	e.staff.Wait()
	got, err := e.oh.Booking(context.Background(), b.ID)
	if err != nil || got.Status != flows.StatusMentorCancelled || got.OutcomeBy != "slack:"+karim {
		t.Fatalf("booking is %+v, %v; want cancelled by the mentor", got, err)
	}
	before := len(msgs)
	e.waitOutbox()
	msgs = e.env.tg.WaitMessages(t, founderChat, before+2, wait) // the notice and its file
	if len(msgs) != before+2 {
		t.Errorf("founder got %d messages after the cancellation; want 2, the notice and its file", len(msgs)-before)
	}
	noticeThenFile(t, msgs[before:], "We are sorry")
	var told []string
	for _, m := range msgs[before:] {
		told = append(told, m.Plain)
	}
	mustContain(t, "founder's notice", strings.Join(told, "\n"), "We are sorry", "cannot make it", "remove the session from your calendar")
	docs := e.env.tg.Documents(founderChat)
	if len(docs) != 2 || !strings.Contains(string(docs[1].Data), "METHOD:CANCEL") {
		t.Errorf("founder's files after the cancellation: %d; want a second, cancelling .ics", len(docs))
	}
	updated := e.dmMessages(karim)[0]
	if updated.Updates != 1 || len(actionIDs(updated.Blocks)) != 0 {
		t.Errorf("DM after the outcome: %d updates, buttons %v; want 1 and none", updated.Updates, actionIDs(updated.Blocks))
	}
	mustContain(t, "DM after the outcome", texts(updated.Blocks), "*Cancelled by mentor* · recorded by <@"+karim+">")
	msgsCh := e.slack.Messages(staffChannel)
	mustContain(t, "staff channel", texts(msgsCh[len(msgsCh)-1].Blocks), "Cancelled by mentor, per <@"+karim+">")

	// Stats count the session; the slot and the mentor can go.
	_, body = e.command(alice, "stats")
	mustContain(t, "stats", body, "*Office hours* (last 30 days and booked ahead): 1 sessions", "Cancelled by mentor: 1",
		"Karim Benali: 1 sessions · 0 held · 0 no-show · 1 cancelled by mentor")
	_, body = e.command(alice, "slots cancel s2")
	mustContain(t, "slots cancel", body, "Slot `S2`", "Nobody had booked it.")
	_, body = e.command(alice, "mentor remove Karim Benali")
	mustContain(t, "mentor remove", body, "*Karim Benali* (`karim-benali`) is removed. Sessions to come cancelled: 0")
	_, body = e.command(alice, "mentor list")
	mustContain(t, "mentor list", body, "No mentors yet.")
	_, body = e.command(alice, "help")
	mustContain(t, "help", body, "/founderbot mentor add", "mentors and experts", "/founderbot slots add")
}

// TestOfficeHoursOff: without SetOfficeHours the subcommands say so.
func TestOfficeHoursOff(t *testing.T) {
	e := newEnv(t)
	for _, text := range []string{"mentor list", "slots list"} {
		if _, body := e.command(alice, text); !strings.Contains(body, "Office hours are not set up") {
			t.Errorf("%s answered %s", text, body)
		}
	}
	_, body := e.command(alice, "stats")
	if strings.Contains(body, "Office hours") {
		t.Errorf("stats without office hours: %s", body)
	}
	// Usage errors come first, in the office-hours catalog.
	for text, want := range map[string]string{
		"slots cancel 12": "`12` is not a slot ID",
		"mentor frob":     "has no action `frob`",
		"mentor edit":     "needs the mentor",
		"slots cancel":    "cancel needs a slot ID",
	} {
		_, body := e.command(alice, text)
		mustContain(t, text, body, want, "Usage: ")
	}
}

var _ OfficeHours = (*officehours.OfficeHours)(nil)

// book has the founder book the first free time of the first mentor
// and returns the booking.
func (e *ohEnv) book(agenda string) flows.Booking {
	e.t.Helper()
	res := e.founder(flows.Event{Kind: flows.KindCommand, Command: "book"})
	for range 4 { // topic, mentor, day, time
		res = e.press(res, "")
	}
	res = e.founder(flows.Event{Kind: flows.KindText, Text: agenda})
	res = e.press(res, e.cat.T("en", "book_btn_confirm"))
	if len(officehours.EventsIn(res)) != 1 {
		e.t.Fatalf("booking events %+v; want one", officehours.EventsIn(res))
	}
	e.staff.Wait()
	return officehours.EventsIn(res)[0].Booking
}

// TestStaffCancellationsTellFounders: `slots cancel` on a booked slot and
// `mentor remove` tell the founder with an apology and a cancelling
// .ics, and the mentor by DM.
func TestStaffCancellationsTellFounders(t *testing.T) {
	e := newOHEnv(t)
	ctx := context.Background()
	if _, err := e.oh.AddMentor(ctx, flows.Mentor{Name: "Nadia El Amrani", Tags: []string{"product"}, SlackUser: karim}); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02")
	_, body := e.command(alice, "slots add nadia-el-amrani "+day+" 10:00-11:00 every 30 online https://meet.example.com/n")
	mustContain(t, "slots add", body, "Added 2 slot(s)", "online: https://meet.example.com/n")
	e.apply(founderChat, "youssef_ea", answers("Acme Mobility"))

	first := e.book("Pricing of our B2B offer.")
	if first.Slot != "S1" {
		t.Fatalf("booked %s; want S1", first.Slot)
	}
	_, body = e.command(bob, "slots cancel S1")
	mustContain(t, "slots cancel", body, "Slot `S1`", "The founder who booked it is told")
	e.staff.Wait()
	e.waitOutbox() // the founder books again once told, not while the notice goes
	_, body = e.command(bob, "slots cancel S1")
	mustContain(t, "second slots cancel", body, "already closed")

	second := e.book("Pricing of our B2B offer, again.")
	if second.Slot != "S2" {
		t.Fatalf("booked %s; want S2", second.Slot)
	}
	_, body = e.command(alice, "mentor remove nadia-el-amrani")
	mustContain(t, "mentor remove", body, "Sessions to come cancelled: 1")
	e.staff.Wait()
	e.waitOutbox()
	noticeThenFile(t, e.env.tg.Messages(founderChat), "had to be cancelled by the team", "is no longer available for office hours")

	var told []string
	for _, m := range e.env.tg.Messages(founderChat) {
		told = append(told, m.Plain)
	}
	mustContain(t, "founder", strings.Join(told, "\n"), "had to be cancelled by the team", "is no longer available for office hours")
	var cancels int
	for _, d := range e.env.tg.Documents(founderChat) {
		if strings.Contains(string(d.Data), "METHOD:CANCEL") {
			cancels++
		}
	}
	if cancels != 2 {
		t.Errorf("founder got %d cancelling files; want 2", cancels)
	}
	var dms []string
	for _, m := range e.dmMessages(karim) {
		dms = append(dms, texts(m.Blocks))
	}
	mustContain(t, "mentor DMs", strings.Join(dms, "\n"), "The team cancelled your session with *Acme Mobility (@youssef_ea)*",
		"You are no longer on the office-hours list")
	var lines []string
	for _, m := range e.slack.Messages(staffChannel) {
		lines = append(lines, texts(m.Blocks))
	}
	mustContain(t, "staff channel", strings.Join(lines, "\n"), "<@"+bob+"> cancelled slot `S1`", "*Nadia El Amrani* left office hours")
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queued) != 2 || !strings.HasPrefix(e.queued[0], "oh_cancel:"+string(first.ID)) {
		t.Errorf("outbox keys %v; want one cancellation notice per booking", e.queued)
	}
}

// TestSlotsForm: `slots add` alone opens the form, whose submission adds
// the slots under the same rules as the typed command.
func TestSlotsForm(t *testing.T) {
	e := newOHEnv(t)
	if _, err := e.oh.AddMentor(context.Background(), flows.Mentor{Name: "Nadia El Amrani", Tags: []string{"product"}}); err != nil {
		t.Fatal(err)
	}
	if _, body := e.command(alice, "slots add"); !strings.Contains(body, "The slots form is open.") {
		t.Fatalf("slots add answered %s", body)
	}
	v := e.slack.WaitViews(t, 1, wait)[0]
	for _, want := range []string{`"callback_id":"oh_slots"`, `"value":"nadia-el-amrani"`, `"datepicker"`, `"timepicker"`} {
		if !strings.Contains(string(v.View), want) {
			t.Errorf("slots form lacks %s: %s", want, v.View)
		}
	}
	day := time.Now().UTC().AddDate(0, 0, 4).Format("2006-01-02")
	submit := func(start, end, every, where string) (int, string) {
		pick := func(typ, key, val string) map[string]any {
			return map[string]any{"v": map[string]any{"type": typ, key: val}}
		}
		return e.interact(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": bob}, "team": map[string]any{"id": slacktest.TeamID},
			"view": map[string]any{"id": "V0SLOTS", "type": "modal", "callback_id": callbackSlots,
				"state": map[string]any{"values": map[string]any{
					blockMentor: map[string]any{"v": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "nadia-el-amrani"}}},
					blockDate:   pick("datepicker", "selected_date", day),
					blockStart:  pick("timepicker", "selected_time", start), blockEnd: pick("timepicker", "selected_time", end),
					blockEvery: pick("plain_text_input", "value", every), blockWhere: pick("plain_text_input", "value", where),
				}}},
		})
	}
	if code, body := submit("09:00", "10:30", "30", "Salle Atlas"); code != 200 || body != "" {
		t.Fatalf("slots form answered %d %q; want it closed", code, body)
	}
	e.staff.Wait()
	eph := e.slack.WaitEphemeral(t, bob, 1, wait)
	mustContain(t, "slots form notice", eph[0].Text, "Added 3 slot(s) for *Nadia El Amrani*, room Salle Atlas")
	for _, tc := range []struct{ start, end, every, block, want string }{
		{"10:00", "11:00", "", blockStart, "overlaps `S3`"},
		{"12:00", "13:00", "half", blockEvery, "number of minutes"},
		{"13:00", "12:00", "", blockStart, "must come after the start"},
	} {
		_, body := submit(tc.start, tc.end, tc.every, "")
		if !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"`+tc.block+`"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s-%s every %q answered %s; want the form's error on %s: %q", tc.start, tc.end, tc.every, body, tc.block, tc.want)
		}
	}
	list, err := e.oh.ListSlots(context.Background(), "nadia-el-amrani", time.Now(), time.Now().AddDate(0, 0, 10))
	if err != nil || len(list) != 3 {
		t.Errorf("slots after the form: %d, %v; want 3", len(list), err)
	}
}

// TestMentorFormKeepsContactsCap: a contact who changes their monthly cap
// of introductions while staff edit them in the form keeps it, unless
// staff changed the cap in the form.
func TestMentorFormKeepsContactsCap(t *testing.T) {
	e := newOHEnv(t)
	ctx := context.Background()
	if _, err := e.oh.AddMentor(ctx, flows.Mentor{Name: "Karim Benali", Tags: []string{"fintech"}, MonthlyCap: 2}); err != nil {
		t.Fatal(err)
	}
	edit := func(views int, monthly string) {
		t.Helper()
		if _, body := e.command(alice, "mentor edit karim-benali"); !strings.Contains(body, "form is open") {
			t.Fatalf("mentor edit answered %s", body)
		}
		var v struct {
			Metadata string `json:"private_metadata"`
		}
		if err := json.Unmarshal(e.slack.WaitViews(t, views, wait)[views-1].View, &v); err != nil {
			t.Fatal(err)
		}
		// Meanwhile the contact sets their cap (intro cap 5).
		if _, err := e.store.Store.UpdateMentor(ctx, "karim-benali", func(m *flows.Mentor) error {
			m.MonthlyCap = 5
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		value := func(s string) map[string]any {
			return map[string]any{"v": map[string]any{"type": "plain_text_input", "value": s}}
		}
		code, body := e.interact(map[string]any{
			"type": "view_submission", "user": map[string]any{"id": alice}, "team": map[string]any{"id": slacktest.TeamID},
			"view": map[string]any{"id": "V0MENTOR", "type": "modal", "callback_id": callbackMentor, "private_metadata": v.Metadata,
				"state": map[string]any{"values": map[string]any{
					blockName: value("Karim Benali"), blockBio: value("Seed investor."), blockMonthly: value(monthly),
					blockTags: map[string]any{"v": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "fintech"}}}},
				}}},
		})
		if code != 200 || body != "" {
			t.Fatalf("mentor form answered %d %q; want it closed", code, body)
		}
		e.staff.Wait()
	}
	edit(1, "2") // the cap as the form showed it
	m, err := e.oh.FindMentor(ctx, "karim-benali")
	if err != nil || m.MonthlyCap != 5 || m.Bio != "Seed investor." {
		t.Fatalf("after an edit leaving the cap: cap %d, bio %q, %v; want the contact's 5 and the form's bio", m.MonthlyCap, m.Bio, err)
	}
	edit(2, "3") // staff change it
	if m, err = e.oh.FindMentor(ctx, "karim-benali"); err != nil || m.MonthlyCap != 3 {
		t.Fatalf("after an edit changing the cap: cap %d, %v; want staff's 3", m.MonthlyCap, err)
	}
}

// TestMentorMetadata: the form's metadata gives back the mentor and the
// cap it showed; a form opened before it carried the cap gives none.
func TestMentorMetadata(t *testing.T) {
	if md := mentorMetadata(flows.Mentor{ID: "karim-benali", MonthlyCap: 2}); md != "karim-benali:2" {
		t.Errorf("metadata = %q", md)
	}
	for md, want := range map[string]struct {
		id  flows.MentorID
		cap int // -1: none
	}{"": {"", -1}, "karim-benali": {"karim-benali", -1}, "karim-benali:0": {"karim-benali", 0}, "m-7f3k:12": {"m-7f3k", 12}, "x:y": {"x:y", -1}} {
		id, c := parseMentorMetadata(md)
		got := -1
		if c != nil {
			got = *c
		}
		if id != want.id || got != want.cap {
			t.Errorf("parseMentorMetadata(%q) = %q, %d; want %q, %d", md, id, got, want.id, want.cap)
		}
	}
}
