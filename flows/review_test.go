package flows_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

var (
	karim = flows.Actor{ID: "slack:UKARIM", Name: "<@UKARIM>"}
	nadia = flows.Actor{ID: "slack:UNADIA", Name: "<@UNADIA>"}
)

// submitted makes founder f submit a complete application through the engine.
func submitted(t *testing.T, eng *flows.Engine, f flows.FounderID, lang string) flows.Application {
	t.Helper()
	ctx := context.Background()
	send := func(ev flows.Event) flows.Result {
		ev.Founder, ev.LangHint, ev.Handle = f, lang, "founder_"+strings.TrimPrefix(string(f), "tg:")
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	cmd := func(c string) flows.Result { return send(flows.Event{Kind: flows.KindCommand, Command: c}) }
	text := func(s string) flows.Result { return send(flows.Event{Kind: flows.KindText, Text: s}) }
	press := func(res flows.Result, i int) flows.Result {
		r := res.Replies[len(res.Replies)-1]
		return send(flows.Event{Kind: flows.KindButton, Data: r.Buttons[0][i].Data})
	}
	cmd("apply")
	text("Acme & <Co>")
	text("Salma Benali")
	text("salma@acme.ma")
	text("+212612345678")
	res := text("Casablanca")
	res = press(res, 0) // first sector
	press(res, 1)       // second stage
	text("4")
	res = text("Des capteurs pour fluidifier le trafic.")
	res = press(res, 0) // Skip the link
	res = press(res, 0) // Submit
	if application.SubmittedIn(res) == nil {
		t.Fatalf("not submitted: %+v", res.Replies)
	}
	return *application.SubmittedIn(res)
}

func newReview(t *testing.T) (*flows.Engine, *application.Review, *storetest.Env) {
	t.Helper()
	env := storetest.New(t)
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		t.Fatal(err)
	}
	eng := flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{Hub: "StartGate"}).Conversation()); err != nil {
		t.Fatal(err)
	}
	rev := application.NewReview(env.Store, cat, application.ReviewConfig{Hub: "StartGate", NextSteps: "Kick-off on Monday <9:00>"})
	return eng, rev, env
}

func TestDecide(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:1", "en")

	got, out, err := rev.Decide(ctx, a.ID, flows.StatusShortlisted, karim, "strong team")
	if err != nil || got.Status != flows.StatusShortlisted {
		t.Fatalf("shortlist = %v, %v", got.Status, err)
	}
	if out.Founder != "tg:1" || !strings.Contains(out.Reply.Text, "shortlisted") || !strings.Contains(out.Reply.Text, "Acme &amp; &lt;Co&gt;") {
		t.Errorf("founder told %q", out.Reply.Text)
	}
	got, out, err = rev.Decide(ctx, a.ID, flows.StatusAccepted, nadia, "")
	if err != nil || got.Status != flows.StatusAccepted {
		t.Fatalf("accept = %v, %v", got.Status, err)
	}
	if !strings.Contains(out.Reply.Text, "Congratulations") || !strings.Contains(out.Reply.Text, "Kick-off on Monday &lt;9:00&gt;") {
		t.Errorf("acceptance = %q", out.Reply.Text)
	}
	if len(got.Audit) != 2 || got.Audit[0].By != karim.ID || got.Audit[0].Note != "strong team" ||
		got.Audit[1].From != flows.StatusShortlisted || got.Audit[1].To != flows.StatusAccepted {
		t.Errorf("audit = %+v", got.Audit)
	}
	// Final: nothing moves an accepted application.
	_, _, err = rev.Decide(ctx, a.ID, flows.StatusRejected, karim, "changed my mind")
	var te *application.TransitionError
	if !errors.As(err, &te) || te.From != flows.StatusAccepted || te.Last == nil || te.Last.ByName != nadia.Name {
		t.Errorf("reject after accept = %v; want a TransitionError naming %s", err, nadia.Name)
	}
	if _, _, err := rev.Decide(ctx, "A-ZZZZ", flows.StatusAccepted, karim, ""); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("unknown id = %v; want ErrNotFound", err)
	}
	if _, _, err := rev.Decide(ctx, a.ID, flows.StatusInfoRequested, karim, "  "); !errors.Is(err, application.ErrNoteRequired) {
		t.Errorf("question without text = %v; want ErrNoteRequired", err)
	}
}

func TestRejectionInFoundersLanguage(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:2", "ar")
	_, out, err := rev.Decide(ctx, a.ID, flows.StatusRejected, karim, "Le marché est trop petit")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Reply.Text, "ملاحظات الفريق") || !strings.Contains(out.Reply.Text, "\u2068Le marché est trop petit\u2069") {
		t.Errorf("Arabic rejection = %q", out.Reply.Text)
	}
}

// TestConcurrentDecisions: staff click Accept and Reject at the same
// moment, many times over; exactly one decision applies.
func TestConcurrentDecisions(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:3", "fr")
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, refused := 0, 0
	for i := range n {
		to, by := flows.StatusAccepted, karim
		if i%2 == 1 {
			to, by = flows.StatusRejected, nadia
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := rev.Decide(ctx, a.ID, to, by, "")
			var te *application.TransitionError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				applied++
			case errors.As(err, &te):
				refused++
			default:
				t.Errorf("Decide: %v", err)
			}
		}()
	}
	wg.Wait()
	got, _ := rev.Application(ctx, a.ID)
	if applied != 1 || refused != n-1 || len(got.Audit) != 1 {
		t.Errorf("%d applied, %d refused, %d audit entries; want 1, %d, 1", applied, refused, len(got.Audit), n-1)
	}
}

// TestInfoRequest: staff ask, the founder's next text is the answer, and
// the application returns to where it was.
func TestInfoRequest(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:4", "fr")
	if _, _, err := rev.Decide(ctx, a.ID, flows.StatusShortlisted, karim, ""); err != nil {
		t.Fatal(err)
	}
	_, out, err := rev.Decide(ctx, a.ID, flows.StatusInfoRequested, karim, "Quel est votre chiffre d'affaires ?")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Reply.Text, "Quel est votre chiffre d&#39;affaires ?") {
		t.Errorf("question to founder = %q", out.Reply.Text)
	}
	res, err := eng.Handle(ctx, flows.Event{Founder: "tg:4", UpdateID: "x1", Kind: flows.KindText, Text: "Environ 20 000 MAD par mois."})
	if err != nil {
		t.Fatal(err)
	}
	if application.AnsweredIn(res) == nil || !strings.Contains(res.Replies[0].Text, "Merci") {
		t.Fatalf("answer not captured: %+v", res)
	}
	got, _ := rev.Application(ctx, a.ID)
	last := got.Info[len(got.Info)-1]
	if got.Status != flows.StatusShortlisted || last.Answer != "Environ 20 000 MAD par mois." || last.AskedBy != karim.Name {
		t.Errorf("after the answer: status %s, info %+v", got.Status, got.Info)
	}
	if n := len(got.Audit); got.Audit[n-1].To != flows.StatusShortlisted || got.Audit[n-1].ByName != "@founder_4" {
		t.Errorf("answer audit = %+v", got.Audit[n-1])
	}
	// The next text is an ordinary message again.
	res, _ = eng.Handle(ctx, flows.Event{Founder: "tg:4", UpdateID: "x2", Kind: flows.KindText, Text: "Merci !"})
	if application.AnsweredIn(res) != nil {
		t.Errorf("a second text was taken as an answer")
	}
	if g, _ := rev.Application(ctx, a.ID); len(g.Info) != 1 || g.Info[0].Answer != last.Answer {
		t.Errorf("info after a second text = %+v", g.Info)
	}
}

// TestInfoRequestOverruled: staff decide before the founder answers; the
// founder's text is then an ordinary message.
func TestInfoRequestOverruled(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:5", "en")
	if _, _, err := rev.Decide(ctx, a.ID, flows.StatusInfoRequested, karim, "Revenue?"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rev.Decide(ctx, a.ID, flows.StatusRejected, nadia, "Too early"); err != nil {
		t.Fatal(err)
	}
	res, err := eng.Handle(ctx, flows.Event{Founder: "tg:5", Kind: flows.KindText, Text: "About 1000 a month"})
	if err != nil || application.AnsweredIn(res) != nil {
		t.Errorf("answer after rejection: %+v, %v", res, err)
	}
	if g, _ := rev.Application(ctx, a.ID); g.Status != flows.StatusRejected || g.Info[0].Answer != "" {
		t.Errorf("application = %s %+v", g.Status, g.Info)
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	eng.Now = func() time.Time { return monday.Add(-48 * time.Hour) } // the Saturday before
	a := submitted(t, eng, "tg:6", "fr")
	eng.Now = func() time.Time { return monday.Add(24 * time.Hour) }
	submitted(t, eng, "tg:7", "fr")
	rev.Now = func() time.Time { return monday.Add(48 * time.Hour) }
	if _, _, err := rev.Decide(ctx, a.ID, flows.StatusAccepted, karim, ""); err != nil {
		t.Fatal(err)
	}
	st, err := rev.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 2 || st.ThisWeek != 1 || st.ByStatus[flows.StatusAccepted] != 1 || st.ByStatus[flows.StatusSubmitted] != 1 ||
		st.BySector["smart_cities"] != 2 || st.ByStage["mvp"] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestDigest(t *testing.T) {
	ctx := context.Background()
	eng, rev, _ := newReview(t)
	day := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	eng.Now = func() time.Time { return day.Add(-time.Hour) } // before the period
	old := submitted(t, eng, "tg:8", "fr")
	eng.Now = func() time.Time { return day.Add(3 * time.Hour) }
	fresh := submitted(t, eng, "tg:9", "fr")
	rev.Now = eng.Now
	if _, _, err := rev.Decide(ctx, old.ID, flows.StatusInfoRequested, karim, "Team?"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Handle(ctx, flows.Event{Founder: "tg:8", Kind: flows.KindText, Text: "Three engineers."}); err != nil {
		t.Fatal(err)
	}
	d, err := rev.Digest(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.New) != 1 || d.New[0].ID != fresh.ID || len(d.Answered) != 1 || d.Answered[0].ID != old.ID || d.Waiting != 2 || d.OnFounders != 0 {
		t.Errorf("digest = %+v", d)
	}
}

// TestAnswerRoundTrips: a founder's answer to a staff question costs at
// most 4 Redis round trips (session, application read, compare-and-set,
// session save) once the scripts are loaded.
func TestAnswerRoundTrips(t *testing.T) {
	ctx := context.Background()
	eng, rev, env := newReview(t)
	for i, f := range []flows.FounderID{"tg:21", "tg:22"} {
		a := submitted(t, eng, f, "en")
		if _, _, err := rev.Decide(ctx, a.ID, flows.StatusInfoRequested, karim, "Revenue?"); err != nil {
			t.Fatal(err)
		}
		if _, err := rev.Application(ctx, a.ID); err != nil { // as Slack does: the owner is known
			t.Fatal(err)
		}
		before := env.Calls.Load()
		res, err := eng.Handle(ctx, flows.Event{Founder: f, Kind: flows.KindText, Text: "About 1000 a month"})
		if err != nil || application.AnsweredIn(res) == nil {
			t.Fatalf("answer: %+v, %v", res, err)
		}
		if n := env.Calls.Load() - before; i == 1 && n > 4 {
			t.Errorf("answering took %d round trips; want at most 4", n)
		}
	}
}

// TestNoEmptySections: without a reason, an Arabic rejection has no empty
// "team's feedback" heading (FSI/PDI around nothing is not nothing).
func TestNoEmptySections(t *testing.T) {
	eng, rev, _ := newReview(t)
	a := submitted(t, eng, "tg:31", "ar")
	_, out, err := rev.Decide(context.Background(), a.ID, flows.StatusRejected, karim, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.Reply.Text, "ملاحظات الفريق") {
		t.Errorf("empty feedback section: %q", out.Reply.Text)
	}
}
