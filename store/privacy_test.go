package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/privacy"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

// person is what a test founder typed: every value must be gone after
// they are forgotten.
type person struct {
	id                                         flows.FounderID
	name, handle, email, phone, pitch, startup string
	agenda, comment, answer, draft, message    string
	reason, introComment                       string // the founder's introduction requests
	// What others wrote about the founder's requests: gone after
	// /forgetme, never in the founder's /mydata.
	staffNote, contactComment, contactReason string
}

func newPerson(n int) person {
	return person{id: flows.FounderID(fmt.Sprintf("tg:%d", 700+n)),
		name: fmt.Sprintf("Salma%dBennani", n), handle: fmt.Sprintf("salma%dhandle", n),
		email: fmt.Sprintf("salma%d@acme.example", n), phone: fmt.Sprintf("+2126000000%02d", n),
		pitch: fmt.Sprintf("Pitch%dWaterSensors", n), startup: fmt.Sprintf("Acme%dLabs", n),
		agenda: fmt.Sprintf("Agenda%dPricing", n), comment: fmt.Sprintf("Comment%dHelpful", n),
		answer: fmt.Sprintf("Answer%dRevenue", n), draft: fmt.Sprintf("Draft%dStartup", n),
		message: fmt.Sprintf("Message%dQueued", n),
		reason:  fmt.Sprintf("Reason%dSeedRound", n), introComment: fmt.Sprintf("IntroComment%dGreatTalk", n),
		staffNote: fmt.Sprintf("StaffNote%dStrongTeam", n), contactComment: fmt.Sprintf("ContactComment%dSharpFounder", n),
		contactReason: fmt.Sprintf("ContactReason%dTooEarly", n)}
}

func (p person) values() []string {
	return []string{p.name, p.handle, p.email, p.phone, p.pitch, p.startup, p.agenda, p.comment, p.answer, p.draft, p.message,
		p.reason, p.introComment}
}

// hidden are what others wrote about the founder, not for their /mydata.
func (p person) hidden() []string { return []string{p.staffNote, p.contactComment, p.contactReason} }

// seed stores everything a founder can leave: the directory entry, a
// draft in the session, an application with an answered staff question,
// a session held and rated, one to come, a waitlist place, jobs, a
// queued message, and introduction requests in several states
// (seedIntros).
func seed(t *testing.T, st *store.Redis, p person, m flows.MentorID, slots []flows.Slot, n int) (appID string) {
	t.Helper()
	ctx := context.Background()
	if err := st.SeenFounder(ctx, p.id, flows.Founder{Name: p.name, Handle: p.handle, Lang: "fr"}, ohNow); err != nil {
		t.Fatal(err)
	}
	appID = fmt.Sprintf("A-%04d", n)
	if err := st.ReserveApplicationID(ctx, appID, p.id, ohNow); err != nil {
		t.Fatal(err)
	}
	app := &flows.Application{ID: appID, Founder: p.id, Name: p.name, Handle: p.handle, Lang: "fr",
		Status: flows.StatusSubmitted, Submitted: ohNow, Updated: ohNow,
		Answers: map[string]string{"startup": p.startup, "email": p.email, "phone": p.phone, "pitch": p.pitch,
			"sector": "fintech", "stage": "mvp"},
		Audit: []flows.AuditEntry{{At: ohNow, By: string(p.id), ByName: p.name, To: flows.StatusSubmitted, Note: p.answer}},
		Info:  []flows.InfoRequest{{Question: "Revenue?", AskedBy: "slack:U1", Answer: p.answer}}}
	var s flows.Session
	s.Answers = map[string]string{"startup": p.draft}
	s.Flow, s.Step = "apply", "pitch"
	if err := st.SaveSession(ctx, p.id, fmt.Sprint(9000+n), 0, s, app, nil); err != nil {
		t.Fatal(err)
	}
	who := flows.FounderInfo{Name: p.name, Handle: p.handle, Startup: p.startup, AppID: appID}
	held := flows.Booking{ID: flows.BookingID(fmt.Sprintf("B-H%03d", n)), Founder: p.id, Topic: "fintech", Agenda: p.agenda, Who: who}
	if _, err := st.BookSlot(ctx, slots[2*n].ID, held, ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	after := slots[2*n].End.Add(time.Hour)
	if _, err := st.SetOutcome(ctx, held.ID, flows.StatusHeld, "slack:UMENTOR", after); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RateBooking(ctx, held.ID, p.id, 5, p.comment, after); err != nil {
		t.Fatal(err)
	}
	next := flows.Booking{ID: flows.BookingID(fmt.Sprintf("B-N%03d", n)), Founder: p.id, Topic: "tech", Agenda: p.agenda, Who: who}
	if _, err := st.BookSlot(ctx, slots[2*n+1].ID, next, ohNow, ohRules); err != nil {
		t.Fatal(err)
	}
	if _, err := st.JoinWaitlist(ctx, m, p.id, ohNow); err != nil {
		t.Fatal(err)
	}
	for _, j := range []flows.Job{
		{ID: "draft:" + string(p.id), Kind: "draft_nudge", Subject: string(p.id), Due: ohNow.Add(time.Hour)},
		{ID: "info:" + appID, Kind: "info_reminder", Subject: appID, Due: ohNow.Add(time.Hour)},
		{ID: "oh_remind:" + string(next.ID), Kind: "oh_remind", Subject: string(next.ID), Due: ohNow.Add(time.Hour)},
	} {
		if err := st.ScheduleJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	o := flows.Outgoing{Founder: p.id, Reply: flows.Reply{Text: p.message}}
	if _, err := st.Enqueue(ctx, "staff:"+string(p.id)+":ab12", o, "staff"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUnreachable(ctx, p.id); err != nil {
		t.Fatal(err)
	}
	addContacts(t, st)
	seedIntros(t, st, p, n)
	return appID
}

// dump reads every key under prefix with all its values, as text.
func dump(t *testing.T, c redis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	var mu sync.Mutex // ForEachMaster reads the nodes at once
	read := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			var v any
			var err error
			switch typ := c.Type(ctx, k).Val(); typ {
			case "string":
				v, err = c.Get(ctx, k).Result()
			case "hash":
				v, err = c.HGetAll(ctx, k).Result()
			case "zset":
				v, err = c.ZRangeWithScores(ctx, k, 0, -1).Result()
			case "set":
				v, err = c.SMembers(ctx, k).Result()
			case "list":
				v, err = c.LRange(ctx, k, 0, -1).Result()
			case "stream":
				v, err = c.XRange(ctx, k, "-", "+").Result()
			default:
				err = fmt.Errorf("key %s of type %q", k, typ)
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out[k] = fmt.Sprint(v)
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return read(ctx, n) })
	} else {
		err = read(ctx, c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// holds reports where the dump has the founder ID as a whole word or one
// of their values.
func holds(d map[string]string, p person, allowKey func(string) bool) []string {
	var found []string
	for k, v := range d {
		if allowKey(k) {
			continue
		}
		text := k + " " + v
		if wordIn(text, string(p.id)) {
			found = append(found, k+": the ID")
		}
		for _, s := range append(p.values(), p.hidden()...) {
			if strings.Contains(text, s) {
				found = append(found, k+": "+s)
			}
		}
	}
	return found
}

func wordIn(s, id string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], id)
		if j < 0 {
			return false
		}
		end := i + j + len(id)
		if end == len(s) || s[end] < '0' || s[end] > '9' {
			return true
		}
		i += j + 1
	}
}

func forget(t *testing.T, st *store.Redis, f flows.FounderID, now time.Time) {
	t.Helper()
	for _, p := range st.DataParts() {
		if err := p.Erase(context.Background(), f, now); err != nil {
			t.Fatalf("erase %s: %v", p.Section(), err)
		}
	}
	if err := st.DropSession(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func TestForgetLeavesNothing(t *testing.T) {
	env := storetest.New(t)
	forgetLeavesNothing(t, env.Store, env.Client, env.Prefix)
}

func forgetLeavesNothing(t *testing.T, st *store.Redis, c redis.UniversalClient, prefix string) {
	ctx := context.Background()
	m := addMentor(t, st, "m-amina", 0)
	slots := addRun(t, st, m, ohNow.Add(48*time.Hour), 4, time.Hour)
	a, b := newPerson(0), newPerson(1)
	seed(t, st, a, m, slots, 0)
	seed(t, st, b, m, slots, 1)
	if before := holds(dump(t, c, prefix), a, func(string) bool { return false }); len(before) < len(a.values())+len(a.hidden()) {
		t.Fatalf("seeded data found in %d places; want every value stored", len(before))
	}
	forget(t, st, a.id, ohNow)

	d := dump(t, c, prefix)
	upd := prefix + "{" + string(a.id) + "}:upd:"
	if left := holds(d, a, func(k string) bool { return strings.HasPrefix(k, upd) }); len(left) > 0 {
		t.Errorf("after forgetting %s, Redis still holds:\n%s", a.id, strings.Join(left, "\n"))
	}
	all := ""
	for k, v := range d {
		all += k + " " + v + "\n"
	}
	for _, v := range append(append(b.values(), b.hidden()...), string(b.id)) {
		if v != b.message && !strings.Contains(all, v) { // b's message is queued, untouched
			t.Errorf("another founder's %q is gone", v)
		}
	}
	if !strings.Contains(all, b.message) {
		t.Errorf("another founder's queued message is gone")
	}
	apps, total, err := st.ListApplications(ctx, "", 0, 10)
	if err != nil || total != 2 {
		t.Fatalf("ListApplications = %d, %v; want both applications counted", total, err)
	}
	for _, app := range apps {
		if app.Answers["sector"] != "fintech" || app.Status != flows.StatusSubmitted {
			t.Errorf("application %s = %+v; want its sector and status kept for stats", app.ID, app)
		}
	}
	s, err := st.Slot(ctx, slots[1].ID)
	if err != nil || s.Booking != "" {
		t.Errorf("slot of the forgotten founder's next session: booking %q, %v; want it free", s.Booking, err)
	}
	if _, ok, _ := st.Founder(ctx, a.id); ok {
		t.Errorf("%s still in the directory", a.id)
	}
	if _, ok, _ := st.Founder(ctx, b.id); !ok {
		t.Errorf("%s gone from the directory", b.id)
	}
	// Forgetting twice does no harm.
	forget(t, st, a.id, ohNow)
}

func TestExportHoldsExactlyTheFounder(t *testing.T) {
	env := storetest.New(t)
	st := env.Store
	m := addMentor(t, st, "m-amina", 0)
	slots := addRun(t, st, m, ohNow.Add(48*time.Hour), 4, time.Hour)
	a, b := newPerson(0), newPerson(1)
	seed(t, st, a, m, slots, 0)
	seed(t, st, b, m, slots, 1)
	out := map[string]any{}
	for _, p := range st.DataParts() {
		v, err := p.Export(context.Background(), a.id)
		if err != nil {
			t.Fatalf("export %s: %v", p.Section(), err)
		}
		if v != nil {
			out[p.Section()] = v
		}
	}
	j, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(j)
	for _, v := range a.values() {
		if !strings.Contains(text, v) {
			t.Errorf("export lacks %q", v)
		}
	}
	for _, v := range []string{"B-H000", "B-N000", "A-0000", "draft_nudge", "info_reminder", "oh_remind", `"m-amina"`,
		"I-0000", "I-0001", "I-0002", "I-0003", intro.KindAsk, intro.KindRemind, intro.KindFollowup, "Yasmine Alaoui", "Nadia Berrada"} {
		if !strings.Contains(text, v) {
			t.Errorf("export lacks %q", v)
		}
	}
	if wordIn(text, string(b.id)) {
		t.Errorf("export names another founder, %s", b.id)
	}
	for _, v := range append(append(append(b.values(), a.hidden()...), "UMENTOR", "A-0001", "B-H001", "I-0100", "USTAFF"), contactDetails()...) {
		if strings.Contains(text, v) {
			t.Errorf("export holds %q, not the founder's", v)
		}
	}
}

func TestRetention(t *testing.T) {
	env := storetest.New(t)
	st := env.Store
	ctx := context.Background()
	m := addMentor(t, st, "m-amina", 0)
	slots := addRun(t, st, m, ohNow.Add(48*time.Hour), 4, time.Hour)
	a, b := newPerson(0), newPerson(1)
	idA := seed(t, st, a, m, slots, 0)
	seed(t, st, b, m, slots, 1)
	decidedAt := ohNow.Add(24 * time.Hour)
	if _, err := st.UpdateApplication(ctx, idA, func(x *flows.Application) error {
		x.Status, x.Updated = flows.StatusAccepted, decidedAt
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Before anything closed, nothing goes.
	n, err := st.AnonymiseBefore(ctx, ohNow, ohNow)
	if err != nil || n != (store.Anonymised{}) {
		t.Fatalf("AnonymiseBefore(start) = %+v, %v; want nothing", n, err)
	}
	// Up to the decision: the introduction requests declined an hour after
	// the start go; the open ones, the introduced ones (their follow-up is
	// still scheduled) and the application decided at the cutoff stay.
	n, err = st.AnonymiseBefore(ctx, decidedAt, decidedAt)
	if err != nil || n != (store.Anonymised{Intros: 2}) {
		t.Fatalf("AnonymiseBefore(decision) = %+v, %v; want the 2 declined introduction requests", n, err)
	}
	ins, err := st.FounderIntros(ctx, a.id)
	if err != nil || len(ins) != 3 || ins[0].State == intro.StateDeclined || ins[1].State == intro.StateDeclined || ins[2].State == intro.StateDeclined {
		t.Errorf("%s's requests after retention = %+v, %v; want the 3 not declined", a.id, ins, err)
	}
	// Once the follow-ups are over, the introduced ones go too.
	for _, id := range []string{"I-0002", "I-0102"} {
		if err := st.CancelJob(ctx, intro.KindFollowup+":"+id); err != nil {
			t.Fatal(err)
		}
	}
	n, err = st.AnonymiseBefore(ctx, decidedAt, decidedAt)
	if err != nil || n != (store.Anonymised{Intros: 2}) {
		t.Fatalf("AnonymiseBefore after the follow-ups = %+v, %v; want the 2 introduced requests", n, err)
	}
	if ins, _ := st.FounderIntros(ctx, a.id); len(ins) != 2 || !ins[0].State.Open() || !ins[1].State.Open() {
		t.Errorf("%s's requests after retention = %+v; want the 2 open ones", a.id, ins)
	}
	for _, id := range []string{"I-0002", "I-0003", "I-0102", "I-0103"} {
		in, err := st.Intro(ctx, id)
		if err != nil || in.Founder != store.AnonymousOwner || in.FounderName != "" || in.Summary != "" || in.ContactReason != "" ||
			in.FounderFollowup.Comment != "" || in.Contact == "" {
			t.Errorf("closed request %s after retention = %+v, %v; want it anonymised, its contact kept", id, in, err)
		}
	}
	if in, _ := st.Intro(ctx, "I-0002"); in.FounderFollowup.Rating != 4 {
		t.Errorf("introduced request's rating = %d after retention; want it kept (4)", in.FounderFollowup.Rating)
	}
	// Two years later: A's decided application and both founders' past
	// sessions go; B's application, still undecided, stays.
	later := slots[3].End.Add(time.Hour)
	n, err = st.AnonymiseBefore(ctx, later, later)
	if err != nil || n != (store.Anonymised{Applications: 1, Bookings: 4}) {
		t.Fatalf("AnonymiseBefore = %+v, %v; want 1 application and 4 bookings", n, err)
	}
	got, err := st.Application(ctx, idA)
	if err != nil || got.Founder != store.AnonymousOwner || got.Answers["email"] != "" || got.Answers["sector"] != "fintech" {
		t.Errorf("anonymised application = %+v, %v", got, err)
	}
	if apps, _ := st.Applications(ctx, b.id); len(apps) != 1 || apps[0].Answers["email"] != b.email {
		t.Errorf("undecided application of %s = %+v; want it kept", b.id, apps)
	}
	bk, err := st.Booking(ctx, "B-H001")
	if err != nil || bk.Founder != "" || bk.Comment != "" || bk.Agenda != "" || bk.Rating != 5 {
		t.Errorf("old booking = %+v, %v; want it without its founder, rating kept", bk, err)
	}
	if again, _ := st.AnonymiseBefore(ctx, later, later); again != (store.Anonymised{}) {
		t.Errorf("second run anonymised %+v; want nothing", again)
	}
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	env := storetest.New(t)
	if env.Mini == nil {
		t.Skip("moves Redis' clock: miniredis only")
	}
	ctx := context.Background()
	var s flows.Session
	s.Answers = map[string]string{"startup": "Acme"}
	s.Flow = "apply"
	if err := env.Store.SaveSession(ctx, "tg:5", "1", 0, s, nil, nil); err != nil {
		t.Fatal(err)
	}
	env.Mini.FastForward(store.SessionTTL - time.Minute)
	if _, ver, _, _ := env.Store.LoadSession(ctx, "tg:5", ""); ver != 1 {
		t.Fatalf("session gone before its TTL (version %d)", ver)
	}
	// Writing again restarts the clock.
	if err := env.Store.SaveSession(ctx, "tg:5", "2", 1, s, nil, nil); err != nil {
		t.Fatal(err)
	}
	env.Mini.FastForward(store.SessionTTL - time.Minute)
	if _, ver, _, _ := env.Store.LoadSession(ctx, "tg:5", ""); ver != 2 {
		t.Fatalf("session gone though the founder wrote (version %d)", ver)
	}
	env.Mini.FastForward(2 * time.Minute)
	if _, ver, _, _ := env.Store.LoadSession(ctx, "tg:5", ""); ver != 0 {
		t.Errorf("idle session still there (version %d)", ver)
	}
}

// TestSeenCostsNoRoundTripMostly: a founder's updates write the directory
// on the first one, when their name changes, and when last seen lags by
// ten minutes; the others cost no round trip.
func TestSeenCostsNoRoundTripMostly(t *testing.T) {
	env := storetest.New(t)
	ctx := context.Background()
	who := flows.Founder{Name: "Salma", Handle: "salma", Lang: "fr"}
	// A first write opens the connection, whose handshake is not counted below.
	if err := env.Store.SeenFounder(ctx, "tg:0", flows.Founder{}, ohNow); err != nil {
		t.Fatal(err)
	}
	calls := func(n int, at time.Time, w flows.Founder) int64 {
		before := env.Calls.Load()
		for range n {
			if err := env.Store.Seen(ctx, "tg:1", w, at); err != nil {
				t.Fatal(err)
			}
		}
		return env.Calls.Load() - before
	}
	if got := calls(100, ohNow, who); got != 1 {
		t.Errorf("100 updates at once: %d round trips; want 1", got)
	}
	if got := calls(100, ohNow.Add(9*time.Minute), who); got != 0 {
		t.Errorf("100 updates 9 minutes later: %d round trips; want 0", got)
	}
	renamed := who
	renamed.Name = "Salma B."
	if got := calls(1, ohNow.Add(9*time.Minute), renamed); got != 1 {
		t.Errorf("a new name: %d round trips; want 1", got)
	}
	if got := calls(1, ohNow.Add(20*time.Minute), renamed); got != 1 {
		t.Errorf("20 minutes later: %d round trips; want 1", got)
	}
	f, ok, err := env.Store.Founder(ctx, "tg:1")
	if err != nil || !ok || f.Name != "Salma B." || !f.First.Equal(ohNow) || !f.Last.Equal(ohNow.Add(20*time.Minute)) {
		t.Errorf("Founder = %+v, %v, %v", f, ok, err)
	}
	if err := env.Store.SetUnreachable(ctx, "tg:1"); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.SeenFounder(ctx, "tg:2", flows.Founder{Name: "Omar"}, ohNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, err := env.Store.Founders(ctx)
	if err != nil || len(all) != 3 || all[0].ID != "tg:2" || all[0].Unreachable || !all[1].Unreachable || all[1].Name != "Salma B." {
		t.Errorf("Founders = %+v, %v; want Omar, then Salma unreachable, then tg:0", all, err)
	}
}

// TestRetentionJob runs the daily job on a scheduler with an injected
// clock: the first tick only records the start, the next day's 03:30
// anonymises what is older than the retention, once across two replicas.
func TestRetentionJob(t *testing.T) {
	env := storetest.New(t)
	ctx := context.Background()
	m := addMentor(t, env.Store, "m-amina", 0)
	slots := addRun(t, env.Store, m, ohNow.Add(48*time.Hour), 2, time.Hour)
	p := newPerson(0)
	seed(t, env.Store, p, m, slots, 0)
	runs := 0
	job := privacy.Retention(30, func(ctx context.Context, cutoff time.Time) error {
		runs++
		_, err := env.Store.AnonymiseBefore(ctx, cutoff, cutoff)
		return err
	})
	clock := slots[1].End.AddDate(0, 0, 29) // the sessions are 29 days old
	var replicas []*flows.Scheduler
	for range 2 {
		s := flows.NewScheduler(env.Store, flows.SchedulerConfig{}, slog.New(slog.DiscardHandler))
		s.Now = func() time.Time { return clock }
		if err := s.Every(job); err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, s)
	}
	tick := func() {
		for _, s := range replicas {
			s.Tick(ctx)
		}
	}
	tick()
	clock = clock.Add(24 * time.Hour)
	tick()
	if b, _ := env.Store.Booking(ctx, "B-H000"); runs != 1 || b.Founder != p.id {
		t.Fatalf("after a day: %d runs, booking of %q; want one run that kept the 30-day-old-or-less session", runs, b.Founder)
	}
	clock = clock.Add(48 * time.Hour)
	tick()
	if b, _ := env.Store.Booking(ctx, "B-H000"); runs != 2 || b.Founder != "" || b.Agenda != "" {
		t.Errorf("after 31 days: %d runs, booking %+v; want it anonymised by one run", runs, b)
	}
}

// TestAnonymisedSeenByAnotherReplica: a replica that cached an
// application's owner still finds it once another anonymised it.
func TestAnonymisedSeenByAnotherReplica(t *testing.T) {
	env := storetest.New(t)
	other := store.New(env.Client, env.Prefix)
	ctx := context.Background()
	m := addMentor(t, env.Store, "m-amina", 0)
	slots := addRun(t, env.Store, m, ohNow.Add(48*time.Hour), 2, time.Hour)
	p := newPerson(0)
	id := seed(t, env.Store, p, m, slots, 0)
	if a, err := other.Application(ctx, id); err != nil || a.Founder != p.id {
		t.Fatalf("other replica reads %+v, %v", a, err)
	}
	forget(t, env.Store, p.id, ohNow)
	a, err := other.Application(ctx, id)
	if err != nil || a.Founder != store.AnonymousOwner || a.Answers["email"] != "" {
		t.Errorf("other replica after anonymising: %+v, %v; want the anonymous application", a, err)
	}
	if _, err := other.UpdateApplication(ctx, id, func(x *flows.Application) error { x.Status = flows.StatusRejected; return nil }); err != nil {
		t.Errorf("other replica updating it: %v", err)
	}
}

// BenchmarkSeen is the directory's cost on an update that changes
// nothing: no round trip, a map lookup.
func BenchmarkSeen(b *testing.B) {
	env := storetest.New(b)
	ctx := context.Background()
	who := flows.Founder{Name: "Salma", Handle: "salma", Lang: "fr"}
	if err := env.Store.Seen(ctx, "tg:1", who, ohNow); err != nil {
		b.Fatal(err)
	}
	before := env.Calls.Load()
	for b.Loop() {
		if err := env.Store.Seen(ctx, "tg:1", who, ohNow.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(env.Calls.Load()-before)/float64(b.N), "rt/op")
}
