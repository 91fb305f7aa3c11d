package flows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

var anyone = officehours.Config{OpenTo: officehours.OpenToAnyone, Contact: "@startgate_team"}

// Wednesday 25 November 2026, 10:00 in Casablanca (UTC+1).
var ohStart = time.Date(2026, 11, 25, 10, 0, 0, 0, casablanca)

func TestBookAndConfirm(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"fundraising", "fintech"}, 0, "2026-12-01 14:00-15:00 every 30 room Atlas")
	res := w.bookFirst("tg:1", "en", "Fundraising", "Karim")
	mustSay(t, res, "Your session is booked", "Karim Benali", "Tuesday 1 December", "14:00–14:30", "Casablanca time, GMT+1", "Room: Atlas",
		"Our pricing and the first hires.")
	if len(res.Documents()) != 1 || len(officehours.EventsIn(res)) != 1 {
		t.Fatalf("documents %d, events %d; want one of each", len(res.Documents()), len(officehours.EventsIn(res)))
	}
	ev := officehours.EventsIn(res)[0]
	if ev.Kind != officehours.EventBooked || ev.Mentor.SlackUser != "UKAR1" || ev.Booking.Agenda != "Our pricing and the first hires." ||
		ev.Booking.Topic != "fundraising" || ev.By != "tg:1" {
		t.Errorf("event = %+v", ev)
	}
	cal := parseICS(t, res.Documents()[0])
	e := cal.Events()[0]
	if got := prop(e, ics.ComponentPropertyDtStart); got != "20261201T130000Z" {
		t.Errorf("DTSTART = %s; want 20261201T130000Z (14:00 in Casablanca)", got)
	}
	if m := calProp(cal, ics.PropertyMethod); m != "REQUEST" {
		t.Errorf("METHOD = %s; want REQUEST", m)
	}
	// The slot is gone for the next founder.
	res = w.cmd("tg:2", "en", "book")
	res = w.press("tg:2", "en", res, "Fundraising")
	res = w.press("tg:2", "en", res, "Karim")
	res = w.press("tg:2", "en", res, "Tuesday 1 December")
	if _, ok := buttonWith(res, "14:00–14:30"); ok {
		t.Errorf("tg:2 is offered the booked time:\n%s", replyTexts(res))
	}
	mustSay(t, res, "14:30–15:00")
}

// TestConcurrentConfirmations: 100 founders confirm the same time at
// once through the engine; one is booked, 99 are told it was just taken
// and shown the times left.
func TestConcurrentConfirmations(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-15:00 every 30")
	confirm := make([]string, 100)
	for i := range confirm {
		f := flows.FounderID(fmt.Sprintf("tg:%d", i))
		res := w.cmd(f, "en", "book")
		res = w.press(f, "en", res, "Tech")
		res = w.press(f, "en", res, "Karim")
		res = w.press(f, "en", res, "Tuesday")
		w.press(f, "en", res, "14:00")
		res = w.text(f, "en", "A question about our stack.")
		confirm[i], _ = buttonWith(res, "✅")
	}
	results := make([]flows.Result, 100)
	var wg sync.WaitGroup
	for i := range confirm {
		wg.Go(func() {
			res, err := w.eng.Handle(context.Background(), flows.Event{Founder: flows.FounderID(fmt.Sprintf("tg:%d", i)),
				UpdateID: fmt.Sprint("c", i), Kind: flows.KindButton, Data: confirm[i], LangHint: "en"})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	booked, taken := 0, 0
	for _, res := range results {
		all := replyTexts(res)
		switch {
		case strings.Contains(all, "Your session is booked"):
			booked++
		case strings.Contains(all, "someone has just booked that time") && strings.Contains(all, "14:30–15:00"):
			taken++
		default:
			t.Errorf("unexpected reply:\n%s", all)
		}
	}
	if booked != 1 || taken != 99 {
		t.Errorf("booked %d, told taken %d; want 1 and 99", booked, taken)
	}
}

// TestRamadanClock: slots are made and shown on the hub's wall clock on
// both sides of Morocco's Ramadan change (UTC+1 → UTC+0 on 15 February
// 2026, back on 22 March), in every language, and the calendar file has
// the right instants.
func TestRamadanClock(t *testing.T) {
	for _, tc := range []struct {
		lang, before, after, gmt1, gmt0 string
	}{
		{"fr", "vendredi 13 février", "lundi 16 février", "heure de Casablanca, GMT+1", "heure de Casablanca, GMT)"},
		{"en", "Friday 13 February", "Monday 16 February", "Casablanca time, GMT+1", "Casablanca time, GMT)"},
		{"ar", "الجمعة 13 فبراير", "الاثنين 16 فبراير", "بتوقيت الدار البيضاء، \u2068GMT+1\u2069", "بتوقيت الدار البيضاء، \u2068GMT\u2069)"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			w := newOHWorld(t, anyone, time.Date(2026, 2, 10, 9, 0, 0, 0, casablanca))
			w.mentor("Karim Benali", []string{"tech"}, 0, "2026-02-13 14:00-14:30", "2026-02-16 14:00-14:30")
			want := []struct {
				day, gmt, dtstart string
			}{{tc.before, tc.gmt1, "20260213T130000Z"}, {tc.after, tc.gmt0, "20260216T140000Z"}}
			for i, f := range []flows.FounderID{"tg:1", "tg:2"} {
				res := w.cmd(f, tc.lang, "book")
				d, _ := firstButton(res, ".t:tech")
				res = w.data(f, tc.lang, d)
				d, _ = firstButton(res, ".m:")
				res = w.data(f, tc.lang, d)
				res = w.press(f, tc.lang, res, want[i].day)
				w.press(f, tc.lang, res, "14:00–14:30")
				res = w.text(f, tc.lang, "Scaling our infrastructure.")
				res = w.press(f, tc.lang, res, "✅")
				mustSay(t, res, want[i].day, "14:00–14:30", want[i].gmt)
				if got := prop(parseICS(t, res.Documents()[0]).Events()[0], ics.ComponentPropertyDtStart); got != want[i].dtstart {
					t.Errorf("DTSTART = %s; want %s", got, want[i].dtstart)
				}
			}
		})
	}
}

func TestCancelCutoff(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-15:00 every 30")
	w.bookFirst("tg:1", "en", "Tech", "Karim")
	start := time.Date(2026, 12, 1, 14, 0, 0, 0, casablanca)
	w.setNow(start.Add(-11 * time.Hour))
	res := w.cmd("tg:1", "en", "mybookings")
	res = w.press("tg:1", "en", res, "Cancel session")
	mustSay(t, res, "less than 12 hours", "@startgate_team")
	w.setNow(start.Add(-13 * time.Hour))
	res = w.cmd("tg:1", "en", "mybookings")
	res = w.press("tg:1", "en", res, "Cancel session")
	mustSay(t, res, "Cancel your session with <b>Karim Benali</b>?")
	// The confirmation, pressed after the cut-off passed, is refused by the store.
	w.setNow(start.Add(-11 * time.Hour))
	late := w.press("tg:1", "en", res, "Yes, cancel it")
	mustSay(t, late, "less than 12 hours")
	w.setNow(start.Add(-13 * time.Hour))
	res = w.press("tg:1", "en", res, "Yes, cancel it")
	mustSay(t, res, "is cancelled")
	if len(res.Documents()) != 1 || calProp(parseICS(t, res.Documents()[0]), ics.PropertyMethod) != "CANCEL" {
		t.Errorf("cancellation documents = %+v; want a METHOD:CANCEL file", res.Documents())
	}
	if len(officehours.EventsIn(res)) != 1 || officehours.EventsIn(res)[0].Kind != officehours.EventCancelled {
		t.Errorf("events = %+v; want one cancellation", officehours.EventsIn(res))
	}
	mustSay(t, w.press("tg:1", "en", res, "Book another time"), "What do you want to talk about?")
}

func TestRescheduleKeepsUIDAndLimit(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-16:00 every 30")
	res := w.bookFirst("tg:1", "fr", "Tech", "Karim")
	first := parseICS(t, res.Documents()[0]).Events()[0]
	uid := first.Id()
	seqs := []string{prop(first, ics.ComponentPropertySequence)}
	times := []string{"14:30", "15:00"}
	for _, at := range times {
		res = w.cmd("tg:1", "fr", "mybookings")
		res = w.press("tg:1", "fr", res, "Déplacer")
		mustSay(t, res, "reste réservé")
		res = w.press("tg:1", "fr", res, "mardi 1er décembre")
		if _, ok := buttonWith(res, "14:00–14:30"); ok && at == "14:30" {
			t.Errorf("the founder's own time is offered:\n%s", replyTexts(res))
		}
		res = w.press("tg:1", "fr", res, at+"–")
		mustSay(t, res, "Déplacer votre rendez-vous", "<b>De :</b>", "<b>À :</b>")
		res = w.press("tg:1", "fr", res, "✅")
		mustSay(t, res, "Votre rendez-vous est déplacé", at)
		ev := parseICS(t, res.Documents()[0]).Events()[0]
		if ev.Id() != uid {
			t.Errorf("UID after a move = %s; want %s", ev.Id(), uid)
		}
		seqs = append(seqs, prop(ev, ics.ComponentPropertySequence))
		if b := officehours.EventsIn(res)[0]; b.Kind != officehours.EventRescheduled || b.Previous == nil || b.Previous.Start.Equal(b.Booking.Start) {
			t.Errorf("event = %+v; want a reschedule with the time before", b)
		}
	}
	if strings.Join(seqs, ",") != "0,1,2" {
		t.Errorf("SEQUENCE = %v; want 0,1,2", seqs)
	}
	res = w.cmd("tg:1", "fr", "mybookings")
	if _, ok := buttonWith(res, "Déplacer"); ok {
		t.Errorf("Move offered after %d moves:\n%s", len(times), replyTexts(res))
	}
	b, _ := w.oh.Booking(context.Background(), flows.BookingID("B-0001"))
	if d, _ := firstButton(res, "oh:c:"); d != "oh:c:B-0001" || b.Reschedules != 2 {
		t.Fatalf("booking = %+v", b)
	}
	mustSay(t, w.data("tg:1", "fr", "oh:r:B-0001"), "déjà été déplacé 2 fois")
	// The two freed times can be booked again.
	res = w.cmd("tg:2", "fr", "book")
	res = w.press("tg:2", "fr", res, "Tech")
	res = w.press("tg:2", "fr", res, "Karim")
	res = w.press("tg:2", "fr", res, "mardi")
	mustSay(t, res, "14:00–14:30", "14:30–15:00")
}

// TestRescheduleHoldsOldSlot: when the new time is taken meanwhile, the
// founder keeps the session they had.
func TestRescheduleHoldsOldSlot(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-15:00 every 30")
	w.bookFirst("tg:1", "en", "Tech", "Karim")
	res := w.data("tg:1", "en", "oh:r:B-0001")
	res = w.press("tg:1", "en", res, "Tuesday")
	res = w.press("tg:1", "en", res, "14:30–")
	w.bookFirst("tg:2", "en", "Tech", "Karim") // takes 14:30
	res = w.press("tg:1", "en", res, "✅")
	mustSay(t, res, "someone has just booked that time")
	b, err := w.oh.Booking(context.Background(), "B-0001")
	if err != nil || !b.Active() || b.Reschedules != 0 || b.Start.In(casablanca).Hour() != 14 || b.Start.Minute() != 0 {
		t.Errorf("booking after the refused move = %+v, %v; want the 14:00 session untouched", b, err)
	}
}

func TestWaitlistOfferClaimExpiry(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Nadia El Amrani", []string{"product"}, 0, "2026-12-02 10:00-10:30")
	w.bookFirst("tg:1", "en", "Product", "Nadia")
	for i, f := range []flows.FounderID{"tg:2", "tg:3"} {
		res := w.cmd(f, "en", "book")
		res = w.press(f, "en", res, "Product")
		mustSay(t, res, "No free time for now")
		res = w.press(f, "en", res, "waitlist")
		mustSay(t, res, fmt.Sprintf("You are number %d on the waitlist", i+1))
	}
	w.tick()
	if n := len(w.out.sent()); n != 0 {
		t.Fatalf("%d messages before any slot is free", n)
	}
	res := w.cmd("tg:1", "en", "mybookings")
	res = w.press("tg:1", "en", res, "Cancel session")
	w.press("tg:1", "en", res, "Yes, cancel it")
	w.tick()
	sent := w.out.sent()
	if len(sent) != 1 || sent[0].Founder != "tg:2" || !strings.Contains(sent[0].Reply.Text, "within 30 minutes (until 10:30)") {
		t.Fatalf("after the cancellation the outbox has %+v; want an offer to tg:2", sent)
	}
	claim2 := sent[0].Reply.Buttons[0][0].Data
	// Nobody else may take the held slot.
	res = w.cmd("tg:4", "en", "book")
	res = w.press("tg:4", "en", res, "Product")
	mustSay(t, res, "No free time for now")
	// tg:2 lets the offer run out: it passes to tg:3.
	w.setNow(ohStart.Add(30 * time.Minute))
	w.tick()
	sent = w.out.sent()
	if len(sent) != 2 || sent[1].Founder != "tg:3" {
		t.Fatalf("after expiry the outbox has %+v; want the offer passed to tg:3", sent)
	}
	mustSay(t, w.data("tg:2", "en", claim2), "this offer has ended")
	res = w.data("tg:3", "en", sent[1].Reply.Buttons[0][0].Data)
	mustSay(t, res, "held for you until 11:00", "Nadia El Amrani", "Wednesday 2 December", "What do you want to discuss?")
	res = w.text("tg:3", "en", "Our onboarding funnel.")
	res = w.press("tg:3", "en", res, "✅")
	mustSay(t, res, "Your session is booked")
	w.setNow(ohStart.Add(90 * time.Minute))
	w.tick()
	if n := len(w.out.sent()); n != 2 {
		t.Errorf("%d messages after the claim; want no more offers", n)
	}
}

func TestRatingAfterSession(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30")
	w.bookFirst("tg:1", "ar", "التقنية", "Karim")
	w.setNow(time.Date(2026, 12, 1, 14, 30, 0, 0, casablanca))
	w.tick()
	sent := w.out.sent()
	if len(sent) != 1 || len(sent[0].Reply.Buttons[0]) != 5 || !strings.Contains(sent[0].Reply.Text, "الثلاثاء 1 دجنبر") {
		t.Fatalf("rating prompt = %+v", sent)
	}
	res := w.data("tg:1", "ar", sent[0].Reply.Buttons[0][3].Data)
	mustSay(t, res, "(4/5)", "بلا تعليق")
	mustSay(t, w.text("tg:1", "ar", "Very useful"), "أُرسل تعليقك")
	ctx := context.Background()
	if _, _, err := w.oh.RecordOutcome(ctx, "B-0001", flows.StatusHeld, flows.Actor{ID: "slack:UKAR1"}); err != nil {
		t.Fatal(err)
	}
	st, err := w.oh.Stats(ctx, ohStart, ohStart.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	ms := st.ByMentor["karim-benali"]
	if st.Sessions != 1 || st.Rated != 1 || st.AverageRating != 4 || ms.Held != 1 || ms.Name != "Karim Benali" {
		t.Errorf("stats = %+v", st)
	}
	if b, _ := w.oh.Booking(ctx, "B-0001"); b.Comment != "Very useful" || b.Rating != 4 {
		t.Errorf("booking = %+v", b)
	}
}

func TestWhoMayBook(t *testing.T) {
	for _, tc := range []struct {
		to     officehours.Audience
		decide flows.Status // "" = no application
		may    bool
	}{
		{officehours.OpenToApplicants, "", false},
		{officehours.OpenToApplicants, flows.StatusSubmitted, true},
		{officehours.OpenToAccepted, flows.StatusShortlisted, false},
		{officehours.OpenToAccepted, flows.StatusAccepted, true},
		{officehours.OpenToAnyone, "", true},
	} {
		w := newOHWorld(t, officehours.Config{OpenTo: tc.to}, ohStart)
		w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30")
		if tc.decide != "" {
			app := submitted(t, w.eng, "tg:1", "en")
			if tc.decide != flows.StatusSubmitted {
				rev := application.NewReview(w.env.Store, w.cat, application.ReviewConfig{})
				if _, _, err := rev.Decide(context.Background(), app.ID, tc.decide, flows.Actor{ID: "slack:U1", Name: "@k"}, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		res := w.cmd("tg:1", "en", "book")
		if _, ok := buttonWith(res, "Tech"); ok != tc.may {
			t.Errorf("%s with %q: may book = %v; want %v\n%s", tc.to, tc.decide, ok, tc.may, replyTexts(res))
		}
		if tc.may && tc.decide != "" {
			res = w.press("tg:1", "en", res, "Tech")
			res = w.press("tg:1", "en", res, "Karim")
			res = w.press("tg:1", "en", res, "Tuesday")
			w.press("tg:1", "en", res, "14:00")
			res = w.text("tg:1", "en", "Our go-to-market.")
			res = w.press("tg:1", "en", res, "✅")
			if who := officehours.EventsIn(res)[0].Booking.Who; who.Startup != "Acme & <Co>" || who.AppID == "" || who.Stage == "" {
				t.Errorf("founder info = %+v; want the application's startup and stage", who)
			}
		}
	}
}

func TestFinishApplicationFirst(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	w.mentor("Karim Benali", []string{"tech"}, 0, "2026-12-01 14:00-14:30")
	w.cmd("tg:1", "en", "apply")
	w.text("tg:1", "en", "Acme")
	mustSay(t, w.cmd("tg:1", "en", "book"), "unfinished application")
	res := w.cmd("tg:1", "en", "apply")
	mustSay(t, res, "1 of 10 answers")
}

func TestCommandsMenu(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	var names []string
	for _, c := range w.eng.Commands("ar") {
		names = append(names, c.Name)
		if c.Description == "" || c.Description == "cmd_"+c.Name {
			t.Errorf("/%s has no Arabic description", c.Name)
		}
	}
	if got := strings.Join(names, " "); !strings.HasSuffix(got, "book mybookings") {
		t.Errorf("commands = %s; want /book and /mybookings", got)
	}
	w.eng = w.newEngine(nil)
	mustSay(t, w.cmd("tg:1", "en", "book"), "I don't know the command /book")
	if res := w.data("tg:1", "en", "oh:my"); !res.Expired {
		t.Errorf("office-hours button without office hours: %+v; want expired", res)
	}
}

func TestRefusalsAreTyped(t *testing.T) {
	w := newOHWorld(t, anyone, ohStart)
	ctx := context.Background()
	if _, err := w.oh.FindMentor(ctx, "nobody"); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("FindMentor(nobody) = %v; want ErrNotFound", err)
	}
	req, _ := officehours.ParseSlotsAdd("x 2026-11-20 14:00-15:00", casablanca)
	w.mentor("X Y", []string{"tech"}, 0)
	req.Mentor = "x-y"
	if _, _, err := w.oh.AddSlots(ctx, req); !errors.Is(err, flows.ErrSlotPast) {
		t.Errorf("AddSlots in the past = %v; want ErrSlotPast", err)
	}
}
