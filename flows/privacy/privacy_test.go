package privacy_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/flows/privacy"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

type world struct {
	t   *testing.T
	st  *store.Redis
	eng *flows.Engine
	oh  *officehours.OfficeHours
	n   int
}

func newWorld(t *testing.T) *world {
	env := storetest.New(t)
	cat, err := flows.NewCatalog("en", application.Messages(), officehours.Messages())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng := flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, log)
	eng.Now = func() time.Time { return now }
	oh := officehours.New(env.Store, env.Store, cat, officehours.Config{TZ: time.UTC, OpenTo: officehours.OpenToAnyone}, log)
	oh.Now = eng.Now
	var parts []privacy.Part
	for _, p := range env.Store.DataParts() {
		parts = append(parts, p)
	}
	pv := privacy.New(parts, oh, env.Store, log)
	pv.Now = eng.Now
	for _, c := range []flows.Conversation{application.NewForm(env.Store, application.FormConfig{}).Conversation(), oh.Conversation(), pv.Conversation()} {
		if err := eng.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	return &world{t: t, st: env.Store, eng: eng, oh: oh}
}

func (w *world) send(f flows.FounderID, ev flows.Event) flows.Result {
	w.t.Helper()
	w.n++
	ev.Founder, ev.UpdateID, ev.Name = f, string(rune('a'+w.n%26))+time.Duration(w.n).String(), "Salma"
	res, err := w.eng.Handle(context.Background(), ev)
	if err != nil {
		w.t.Fatalf("%+v: %v", ev, err)
	}
	return res
}

func (w *world) command(f flows.FounderID, name string) flows.Result {
	return w.send(f, flows.Event{Kind: flows.KindCommand, Command: name})
}

// button finds the data of the button labelled label in res.
func button(t *testing.T, res flows.Result, label string) string {
	t.Helper()
	for _, r := range res.Replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == label {
					return b.Data
				}
			}
		}
	}
	t.Fatalf("no button %q in %+v", label, res.Replies)
	return ""
}

// seed gives f an application with an e-mail and a session to come with
// mentor m.
func (w *world) seed(f flows.FounderID, id, email string, m flows.MentorID, slot flows.SlotID) {
	w.t.Helper()
	ctx := context.Background()
	if err := w.st.ReserveApplicationID(ctx, id, f, now); err != nil {
		w.t.Fatal(err)
	}
	app := &flows.Application{ID: id, Founder: f, Status: flows.StatusSubmitted, Submitted: now, Updated: now,
		Answers: map[string]string{"email": email, "sector": "fintech"}}
	if err := w.st.SaveSession(ctx, f, "", 0, flows.Session{}, app, nil); err != nil {
		w.t.Fatal(err)
	}
	b := flows.Booking{ID: flows.BookingID("B-" + id[2:]), Founder: f, Topic: "tech", Agenda: "agenda of " + email}
	if _, err := w.st.BookSlot(ctx, slot, b, now, w.oh.Config().Rules); err != nil {
		w.t.Fatal(err)
	}
}

func TestMyDataAndForgetMe(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := flows.Mentor{ID: "m-amina", Name: "Amina", Tags: []string{"tech"}}
	if err := w.st.PutMentor(ctx, m); err != nil {
		t.Fatal(err)
	}
	start := now.Add(72 * time.Hour)
	slots, err := w.st.AddSlots(ctx, m.ID, []flows.Slot{
		{Start: start, End: start.Add(time.Hour), Week: w.oh.Week(start)},
		{Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Week: w.oh.Week(start)}})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := flows.FounderID("tg:1"), flows.FounderID("tg:2"), flows.FounderID("tg:3")
	w.seed(a, "A-0001", "a@acme.example", m.ID, slots[0].ID)
	w.seed(b, "A-0002", "b@other.example", m.ID, slots[1].ID)
	if _, err := w.st.JoinWaitlist(ctx, m.ID, c, now); err != nil {
		t.Fatal(err)
	}

	res := w.command(a, "mydata")
	docs := res.Documents()
	if len(docs) != 1 || docs[0].MIME != "application/json" {
		t.Fatalf("/mydata documents = %+v; want one JSON file", docs)
	}
	var file struct {
		Founder flows.FounderID
		Data    map[string]json.RawMessage
	}
	if err := json.Unmarshal(docs[0].Data, &file); err != nil {
		t.Fatal(err)
	}
	text := string(docs[0].Data)
	if file.Founder != a || !strings.Contains(text, "a@acme.example") || !strings.Contains(text, "agenda of a@acme.example") {
		t.Errorf("/mydata file lacks the founder's data:\n%s", text)
	}
	if strings.Contains(text, "b@other.example") || strings.Contains(text, `"tg:2"`) || strings.Contains(text, `"tg:3"`) {
		t.Errorf("/mydata file holds another founder's data:\n%s", text)
	}

	// The confirmation expires once the founder did something else.
	ask := w.command(a, "forgetme")
	stale := button(t, ask, "Erase my data")
	w.command(a, "book")
	if res := w.send(a, flows.Event{Kind: flows.KindButton, Data: stale}); !res.Expired || privacy.ForgottenIn(res) {
		t.Fatalf("stale confirmation: expired %v, forgotten %v; want expired, nothing erased", res.Expired, privacy.ForgottenIn(res))
	}
	w.command(a, "cancel")
	ask = w.command(a, "forgetme")
	if !strings.Contains(ask.Replies[0].Text, "cannot be undone") {
		t.Errorf("/forgetme does not explain: %q", ask.Replies[0].Text)
	}
	if res := w.send(a, flows.Event{Kind: flows.KindButton, Data: button(t, ask, "Keep my data")}); privacy.ForgottenIn(res) {
		t.Fatal("Keep my data erased it")
	}
	ask = w.command(a, "forgetme")
	res = w.send(a, flows.Event{Kind: flows.KindButton, Data: button(t, ask, "Erase my data")})
	if !privacy.ForgottenIn(res) {
		t.Fatalf("confirmed /forgetme: %+v; want the founder forgotten", res)
	}
	events := officehours.EventsIn(res)
	if len(events) != 1 || events[0].Kind != officehours.EventCancelled || events[0].Booking.Slot != slots[0].ID {
		t.Errorf("events = %+v; want the session to come cancelled, for staff and the mentor", events)
	}

	// Nothing of a remains, b is intact, the slot is free and offered.
	if _, ver, _, _ := w.st.LoadSession(ctx, a, ""); ver != 0 {
		t.Errorf("session of the forgotten founder still stored (version %d)", ver)
	}
	for _, p := range w.st.DataParts() {
		v, err := p.Export(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if j, _ := json.Marshal(v); v != nil && strings.Contains(string(j), "acme") {
			t.Errorf("%s still holds %s", p.Section(), j)
		}
	}
	if apps, _ := w.st.Applications(ctx, b); len(apps) != 1 || apps[0].Answers["email"] != "b@other.example" {
		t.Errorf("other founder's applications = %+v", apps)
	}
	if s, _ := w.st.Slot(ctx, slots[0].ID); s.Booking != "" {
		t.Errorf("slot still booked by %s", s.Booking)
	}
	jobs, err := w.st.ClaimDueJobs(ctx, now, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	offered := false
	for _, j := range jobs {
		offered = offered || (j.Kind == officehours.KindSlotOffer && j.Subject == string(slots[0].ID))
	}
	if !offered {
		t.Errorf("jobs = %+v; want the freed slot offered to the waitlist", jobs)
	}
}
