package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// seed stores n submitted applications straight into the store, the
// newest last, an hour apart; IDs are A-0001, A-0002...
func (e *env) seed(n int, edit func(i int, a *flows.Application)) []flows.Application {
	e.t.Helper()
	ctx := context.Background()
	var out []flows.Application
	for i := 1; i <= n; i++ {
		at := time.Now().Add(-time.Duration(n-i+1) * time.Hour).Truncate(time.Second)
		f := telegram.FounderID(int64(2000 + i))
		ans := answers(fmt.Sprintf("Startup %02d", i))
		ans["sector"], ans["stage"] = flows.Sectors[i%len(flows.Sectors)], flows.Stages[i%len(flows.Stages)]
		a := flows.Application{ID: fmt.Sprintf("A-%04d", i), Founder: f, Handle: fmt.Sprintf("founder_%02d", i), Lang: "en",
			Status: flows.StatusSubmitted, Answers: ans, Submitted: at, Updated: at}
		if edit != nil {
			edit(i, &a)
		}
		if err := e.store.Store.ReserveApplicationID(ctx, a.ID, f, at); err != nil {
			e.t.Fatal(err)
		}
		if err := e.store.Store.SaveSession(ctx, f, "", 0, application.WithOpenApp(flows.Session{Lang: "en"}, a.ID), &a, nil); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// answer is the slash command's ephemeral answer: all its texts.
func (e *env) answer(user, text string) string {
	e.t.Helper()
	code, body := e.command(user, text)
	if code != http.StatusOK {
		e.t.Fatalf("%q answered %d %s", text, code, body)
	}
	var r struct {
		ResponseType string          `json:"response_type"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ResponseType != "ephemeral" || len(r.Blocks) == 0 {
		e.t.Fatalf("%q answered %s; want an ephemeral Block Kit message", text, body)
	}
	return texts(r.Blocks)
}

func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestCommandHelp(t *testing.T) {
	e := newEnv(t)
	for _, text := range []string{"", "help", " HELP "} {
		got := e.answer(alice, text)
		contains(t, "help", got, "*/founderbot* — review applications",
			"`/founderbot apps [program=&lt;id&gt;] [status] [page]` — list applications", "`/founderbot ask &lt;id&gt; &lt;question...&gt;` — ask the founder",
			"`/founderbot export [program=&lt;id&gt;] [status]` — CSV file", "`info_requested`")
	}
}

func TestCommandApps(t *testing.T) {
	e := newEnv(t)
	apps := e.seed(12, nil)

	got := e.answer(alice, "apps")
	contains(t, "apps", got, "*Applications — All*: 12 · page 1 of 2",
		"`A-0012` *Startup 12* · FinTech · Idea · _Submitted_ · 1 hour\n",
		"`A-0003` *Startup 03* · AgriTech · Scaling · _Submitted_ · 10 hours",
		"Next page: `/founderbot apps 2`")
	if strings.Contains(got, "A-0002") {
		t.Errorf("page 1 shows the 11th application:\n%s", got)
	}
	got = e.answer(alice, "apps 2")
	contains(t, "apps 2", got, "page 2 of 2", "`A-0002` *Startup 02* · Energy &amp; CleanTech · Early revenue · _Submitted_ · 11 hours", "`A-0001` *Startup 01* · Mobility · Prototype / MVP · _Submitted_ · 12 hours")
	if strings.Contains(got, "Next page") {
		t.Errorf("last page offers a next page:\n%s", got)
	}
	contains(t, "apps 3", e.answer(alice, "apps all 3"), "There is no page 3: the list has 2.")

	if _, _, err := e.review.Decide(context.Background(), apps[4].ID, flows.StatusAccepted, actor(bob), ""); err != nil {
		t.Fatal(err)
	}
	got = e.answer(alice, "apps accepted")
	contains(t, "apps accepted", got, "*Applications — Accepted*: 1 · page 1 of 1", "`A-0005`")
	contains(t, "apps rejected", e.answer(alice, "apps rejected"), "No applications (Rejected).")
	contains(t, "apps draft", e.answer(alice, "apps draft"), "Unfinished applications stay with their founders")
}

func TestCommandApp(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")
	contains(t, "app before", e.answer(alice, "app "+strings.ToLower(a.ID)), "*Acme Mobility* · application `"+a.ID+"`",
		"*History*\n_No decision yet._")
	if _, _, err := e.review.Decide(context.Background(), a.ID, flows.StatusShortlisted, actor(bob), "Strong team <3"); err != nil {
		t.Fatal(err)
	}
	got := e.answer(alice, "app "+a.ID)
	contains(t, "app after", got, "*Shortlisted* · by <@"+bob+"> on ", "> Strong team &lt;3",
		" · <@"+bob+">: Submitted → Shortlisted\n> Strong team &lt;3")
	if strings.Contains(got, "app_accept") {
		t.Errorf("app detail has buttons")
	}
	contains(t, "app unknown", e.answer(alice, "app A-ZZZZ"), "There is no application *A-ZZZZ*.")
}

func TestCommandDecisions(t *testing.T) {
	e := newEnv(t)
	a, _ := e.submitted(founderChat, "Acme Mobility")

	contains(t, "shortlist", e.answer(alice, "shortlist "+a.ID+" Great traction"), "*"+a.ID+"* (Acme Mobility) is now *Shortlisted*.")
	contains(t, "ask", e.answer(bob, "ask "+a.ID+" What is your CAC?\nAnd churn?"), "is now *Info requested*")
	contains(t, "ask again", e.answer(alice, "ask "+a.ID+" Another one"), "<@"+bob+"> already asked the founder of *"+a.ID+"* a question")
	contains(t, "reject", e.answer(alice, "reject "+a.ID+" Too early"), "is now *Rejected*")
	contains(t, "accept", e.answer(bob, "accept "+a.ID), "*"+a.ID+"* was already rejected by <@"+alice+">.")
	contains(t, "unknown", e.answer(bob, "accept A-ZZZZ"), "There is no application *A-ZZZZ*.")
	contains(t, "long", e.answer(bob, "ask "+a.ID+" "+strings.Repeat("why ", 300)), "at most 1000 characters")
	e.staff.Wait()

	tg := e.tg.WaitMessages(t, founderChat, 3, wait)
	var told []string
	for _, m := range tg {
		told = append(told, m.Plain)
	}
	all := strings.Join(told, "\n---\n")
	contains(t, "founder's messages", all, "shortlisted", "What is your CAC?\nAnd churn?", "Too early")
	if len(tg) != 3 {
		t.Errorf("founder got %d messages; want 3:\n%s", len(tg), all)
	}
	got := e.app(a.ID)
	if got.Status != flows.StatusRejected || len(got.Audit) != 3 {
		t.Errorf("application %s with %d audit entries; want rejected after 3", got.Status, len(got.Audit))
	}
	m := e.message(got.StaffTS)
	contains(t, "staff message", texts(m.Blocks), "*Rejected* · by <@"+alice+"> on ", "> Too early")
	if m.Updates != 3 {
		t.Errorf("staff message updated %d times; want 3", m.Updates)
	}
}

func TestCommandStats(t *testing.T) {
	e := newEnv(t)
	apps := e.seed(5, func(i int, a *flows.Application) {
		if i == 1 {
			a.Submitted = time.Now().AddDate(0, 0, -14)
			a.Answers["sector"] = "spaceships"
		}
	})
	ctx := context.Background()
	for _, d := range []struct {
		i  int
		to flows.Status
	}{{1, flows.StatusAccepted}, {2, flows.StatusRejected}, {3, flows.StatusShortlisted}} {
		if _, _, err := e.review.Decide(ctx, apps[d.i].ID, d.to, actor(alice), ""); err != nil {
			t.Fatal(err)
		}
	}
	got := e.answer(alice, "stats")
	contains(t, "stats", got, "*5 applications*", "*By status*\n• Submitted: 2\n• Shortlisted: 1\n• Info requested: 0\n• Accepted: 1\n• Rejected: 1",
		"*By sector*\n", "• Energy &amp; CleanTech: 1", "• spaceships: 1", "*By stage*\n", "• Prototype / MVP: 2")
	// Whether the two-week-old one and the seeded ones fall in "this week"
	// depends on today's weekday; the count is the review's.
	st, _ := e.review.Stats(ctx)
	contains(t, "stats", got, fmt.Sprintf("· %d submitted this week", st.ThisWeek))
}

func TestCommandMalformed(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ text, err, usage string }{
		{"frobnicate", "Unknown command `frobnicate`.", "`/founderbot help|apps|app|accept|reject|shortlist|ask|stats|export|broadcast|programs|digest|mentor|slots|founders|forget|intro …`"},
		{"app", "`/founderbot app` needs an application ID", "`/founderbot app &lt;id&gt;`"},
		{"app 42", "`42` is not an application ID", "`/founderbot app &lt;id&gt;`"},
		{"accept X-1 fine", "`X-1` is not an application ID", "`/founderbot accept &lt;id&gt; [note...]`"},
		{"reject", "`/founderbot reject` needs an application ID", "`/founderbot reject &lt;id&gt; [note...]`"},
		{"shortlist A-OOPS", "`A-OOPS` is not an application ID", "`/founderbot shortlist &lt;id&gt; [note...]`"},
		{"ask A-7F3K", "`/founderbot ask` needs the question after the ID.", "`/founderbot ask &lt;id&gt; &lt;question...&gt;`"},
		{"apps bogus", "`bogus` is not a status.", "`/founderbot apps [program=&lt;id&gt;] [status] [page]`"},
		{"apps 0", "`0` is not a page number.", "`/founderbot apps [program=&lt;id&gt;] [status] [page]`"},
		{"apps all -1", "`-1` is not a page number.", "`/founderbot apps [program=&lt;id&gt;] [status] [page]`"},
		{"stats now", "Unexpected `now` at the end.", "`/founderbot stats [program=&lt;id&gt;]`"},
		{"help me", "Unexpected `me` at the end.", "`/founderbot help`"},
		{"export nope", "`nope` is not a status.", "`/founderbot export [program=&lt;id&gt;] [status]`"},
		{"apps program=Bad!", "`program=Bad!` is not a program ID", "`/founderbot apps [program=&lt;id&gt;] [status] [page]`"},
		{"app A-7F3K extra", "Unexpected `extra` at the end.", "`/founderbot app &lt;id&gt;`"},
		{"app `rm`", "`'rm'` is not an application ID", "`/founderbot app &lt;id&gt;`"},
		{"app <!channel>", "`&lt;!channel&gt;` is not an application ID", "`/founderbot app &lt;id&gt;`"},
	}
	for _, tt := range tests {
		got := e.answer(alice, tt.text)
		lines := strings.Split(got, "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], tt.err) || lines[1] != "Usage: "+tt.usage {
			t.Errorf("%q answered\n%s\nwant the error %q and the usage %q", tt.text, got, tt.err, tt.usage)
		}
	}
}

// slowReview makes StatsIn wait, as a slow Redis would.
type slowReview struct {
	Review
	release chan struct{}
}

func (r *slowReview) StatsIn(ctx context.Context, program string) (application.Stats, error) {
	<-r.release
	return r.Review.StatsIn(ctx, program)
}

func TestSlowCommandAnswersThroughResponseURL(t *testing.T) {
	e := newEnv(t)
	e.seed(2, nil)
	slow := &slowReview{Review: e.review, release: make(chan struct{})}
	e.staff.review, e.staff.ackWithin = slow, 20*time.Millisecond

	code, body := e.command(alice, "stats")
	if code != http.StatusOK || body != "" {
		t.Fatalf("slow command answered %d %q; want an empty 200 within the ack budget", code, body)
	}
	close(slow.release)
	p := e.hooks.wait(t, alice, 1)[0]
	if p.ResponseType != "ephemeral" || p.ReplaceOriginal || !strings.Contains(p.Text, "*2 applications*") {
		t.Errorf("late answer %+v; want the stats, ephemeral", p)
	}
}
