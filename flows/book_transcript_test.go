package flows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// TestBookTranscripts drives office hours with testdata/book/*.txt, the
// way TestTranscripts drives the application (same syntax, same -update
// flag), on a hub with three mentors:
//
//	Karim Benali     fundraising, fintech; slots Mon 30 Nov, Tue 1 and Thu 3 Dec
//	Nadia El Amrani  product, tech; weekly cap 1; slots Wed 2 and Fri 4 Dec
//	Youssef Alaoui   legal; no slots (his waitlist)
//
// The clock starts on Wednesday 25 November 2026, 11:00 in Casablanca.
// Beyond the founder's actions, a transcript may say:
//
//	> !tick                 run the due jobs; print what went to the outbox
//	> !staff cancel S3      staff cancel a slot; print the founder's notice
//	> !staff remove karim-benali
//	> !open applicants      only founders who applied may book from now on
//
// Kept in testdata/book/ so that TestTranscripts, whose engine has no
// office hours, does not run them.
func TestBookTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/book/*.txt")
	if len(files) == 0 {
		t.Fatal("no office-hours transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runBookTranscript(t, file)
		})
	}
}

type bookTranscript struct {
	w       *ohWorld
	founder flows.FounderID
	hint    string
	buttons map[flows.FounderID]map[string]string
	sent    int // outbox messages printed so far
}

func runBookTranscript(t *testing.T, file string) {
	w := newOHWorld(t, officehours.Config{OpenTo: officehours.OpenToAnyone}, time.Date(2026, 11, 25, 11, 0, 0, 0, casablanca))
	w.addMentor(flows.Mentor{Name: "Karim Benali", Tags: []string{"fundraising", "fintech"}, Languages: []string{"fr", "en"},
		Bio: "Ex-investisseur seed, 40 startups accompagnées au Maroc.", SlackUser: "UKARIM1"},
		"2026-11-30 14:00-15:00 every 30 room Atlas",
		"2026-12-01 09:00-10:00 every 30 online https://meet.example.com/karim",
		"2026-12-03 16:00-17:00 every 30")
	w.addMentor(flows.Mentor{Name: "Nadia El Amrani", Tags: []string{"product", "tech"}, Languages: []string{"ar", "fr", "en"},
		Bio: "CPO, a lancé deux apps de paiement.", WeeklyCap: 1},
		"2026-12-02 10:00-11:00 every 30", "2026-12-04 10:00-10:30")
	w.addMentor(flows.Mentor{Name: "Youssef Alaoui", Tags: []string{"legal"}, Languages: []string{"fr"}})
	tr := &bookTranscript{w: w, founder: "tg:1", buttons: map[flows.FounderID]map[string]string{}}
	runScript(t, file, "TestBookTranscripts", tr.step)
}

func (tr *bookTranscript) step(in string) string {
	w := tr.w
	w.t.Helper()
	ev := flows.Event{}
	switch {
	case strings.HasPrefix(in, "!wait "):
		arg := strings.TrimPrefix(in, "!wait ")
		d, err := time.ParseDuration(strings.Replace(arg, "d", "h", 1))
		if err != nil {
			w.t.Fatalf("bad wait %q", in)
		}
		if strings.HasSuffix(arg, "d") {
			d *= 24
		}
		w.setNow(w.clock().Add(d))
		return ""
	case strings.HasPrefix(in, "!lang "):
		tr.hint = strings.TrimPrefix(in, "!lang ")
		return ""
	case strings.HasPrefix(in, "!as "):
		tr.founder = flows.FounderID(strings.TrimPrefix(in, "!as "))
		return ""
	case in == "!tick":
		w.tick()
		return tr.outbox()
	case strings.HasPrefix(in, "!staff "):
		return tr.staff(strings.Fields(strings.TrimPrefix(in, "!staff ")))
	case in == "!open applicants":
		cfg := w.oh.Config()
		cfg.OpenTo = officehours.OpenToApplicants
		oh := officehours.New(w.env.Store, w.out, w.cat, cfg, nil)
		oh.Now, oh.NewID = w.oh.Now, w.oh.NewID
		w.oh, w.eng = oh, w.newEngine(oh)
		oh.Register(w.sched)
		return ""
	case strings.HasPrefix(in, "[") && strings.HasSuffix(in, "]"):
		d, ok := tr.buttons[tr.founder][in[1:len(in)-1]]
		if !ok {
			w.t.Fatalf("no button %s to press", in)
		}
		ev.Kind, ev.Data = flows.KindButton, d
	case strings.HasPrefix(in, "{") && strings.HasSuffix(in, "}"):
		ev.Kind, ev.Data = flows.KindButton, in[1:len(in)-1]
	case strings.HasPrefix(in, "/"):
		ev.Kind, ev.Command, ev.Arg = command(in)
	default:
		ev.Kind, ev.Text = flows.KindText, in
	}
	res := w.send(tr.founder, tr.hint, ev)
	rememberButtons(tr.buttons, tr.founder, res.Replies)
	return tr.render(res)
}

func (tr *bookTranscript) render(res flows.Result) string {
	var b strings.Builder
	if res.Notice != "" {
		b.WriteString("  ! " + res.Notice + "\n")
	}
	writeReplies(&b, res.Replies)
	for _, d := range res.Documents() {
		b.WriteString(documentLine(tr.w.t, d))
	}
	for _, e := range officehours.EventsIn(res) {
		b.WriteString(eventLine(e))
	}
	return b.String()
}

func writeReplies(b *strings.Builder, replies []flows.Reply) {
	for _, r := range replies {
		b.WriteString(r.Text + "\n")
		for _, row := range r.Buttons {
			b.WriteString(" ")
			for _, btn := range row {
				b.WriteString(" [" + btn.Label + "]")
			}
			b.WriteString("\n")
		}
	}
}

// documentLine sums up a calendar file: what a calendar does with it.
func documentLine(t *testing.T, d flows.Document) string {
	cal := parseICS(t, d)
	e := cal.Events()[0]
	return fmt.Sprintf("  (file %s: %s %s, SEQUENCE %s, %s–%s; caption %q)\n", d.Name, calProp(cal, ics.PropertyMethod),
		e.Id(), prop(e, ics.ComponentPropertySequence), prop(e, ics.ComponentPropertyDtStart),
		prop(e, ics.ComponentPropertyDtEnd), d.Caption)
}

func eventLine(e officehours.BookingEvent) string {
	s := fmt.Sprintf("  (event %s %s: %s with %s at %s by %s", e.Kind, e.Booking.ID, e.Booking.Founder, e.Mentor.ID,
		e.Booking.Start.In(casablanca).Format("2006-01-02 15:04"), e.By)
	if e.Previous != nil {
		s += ", was " + e.Previous.Start.In(casablanca).Format("2006-01-02 15:04")
	}
	return s + ")\n"
}

// outbox prints the messages queued since the last look, and lets their
// founders press their buttons.
func (tr *bookTranscript) outbox() string {
	sent := tr.w.out.sent()
	var b strings.Builder
	for _, o := range sent[tr.sent:] {
		fmt.Fprintf(&b, "  → %s:\n", o.Founder)
		writeReplies(&b, []flows.Reply{o.Reply})
		rememberButtons(tr.buttons, o.Founder, []flows.Reply{o.Reply})
	}
	tr.sent = len(sent)
	return b.String()
}

func (tr *bookTranscript) staff(args []string) string {
	w := tr.w
	ctx := context.Background()
	by := flows.Actor{ID: "slack:U0STAFF", Name: "@salma"}
	var res officehours.StaffResult
	var err error
	switch {
	case len(args) == 2 && args[0] == "cancel":
		_, res, err = w.oh.CancelSlot(ctx, flows.SlotID(args[1]), by)
	case len(args) == 2 && args[0] == "remove":
		_, res, err = w.oh.RemoveMentor(ctx, args[1], by)
	default:
		w.t.Fatalf("unknown staff action %v", args)
	}
	if err != nil {
		return fmt.Sprintf("  (refused: %v)\n", err)
	}
	var b strings.Builder
	for _, n := range res.Notices {
		fmt.Fprintf(&b, "  → %s (%s):\n", n.Outgoing.Founder, n.Key)
		writeReplies(&b, []flows.Reply{n.Outgoing.Reply})
		rememberButtons(tr.buttons, n.Outgoing.Founder, []flows.Reply{n.Outgoing.Reply})
		if n.Outgoing.Document != nil {
			b.WriteString(documentLine(w.t, *n.Outgoing.Document))
		}
	}
	for _, e := range res.Events {
		b.WriteString(eventLine(e))
	}
	return b.String()
}
