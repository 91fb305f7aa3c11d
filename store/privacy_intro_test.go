package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

// introContacts are the contacts of the seeded requests; both test
// founders ask the same ones. Their Contact fields are private: no
// founder's /mydata may hold them.
var introContacts = []flows.Mentor{
	{ID: "c-yasmine", Name: "Yasmine Alaoui", Kind: flows.KindInvestor, Contact: "yasmine@vc.example"},
	{ID: "c-omar", Name: "Omar Tazi", Kind: flows.KindInvestor, Contact: "https://omar.example/meet"},
	{ID: "c-leila", Name: "Leila Fassi", Kind: flows.KindInvestor, Contact: "leila@corp.example"},
	{ID: "c-nadia", Name: "Nadia Berrada", Kind: flows.KindInvestor, Contact: "nadia@corp.example"},
}

func addContacts(t *testing.T, st *store.Redis) {
	t.Helper()
	for _, m := range introContacts {
		if _, err := st.Mentor(context.Background(), m.ID); err == nil {
			continue
		}
		if err := st.PutMentor(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// seedIntros stores four requests of p, one per contact: requested
// (waiting on staff), approved (waiting on the contact: ask and remind
// jobs, the ask queued to the contact), introduced with both follow-ups
// rated and commented, and declined by the contact after staff
// approved, the contact's reason not shared. It returns their IDs in
// that order.
func seedIntros(t *testing.T, st *store.Redis, p person, n int) []string {
	t.Helper()
	ctx := context.Background()
	l := intro.Limits{MaxPending: 5, Cooldown: 90 * 24 * time.Hour, Month: "2026-12", Now: ohNow}
	var ids []string
	for i, c := range introContacts {
		id := fmt.Sprintf("I-%02d%02d", n, i)
		in := intro.Intro{ID: id, Founder: p.id, FounderName: p.name, FounderHandle: p.handle, Lang: "fr",
			AppID: fmt.Sprintf("A-%04d", n), Startup: p.startup, Sector: "fintech", Stage: "mvp", Summary: p.pitch,
			Contact: c.ID, Kind: c.Kind, Topic: "fintech", Reason: p.reason, State: intro.StateRequested,
			Created: ohNow, Updated: ohNow}
		l.Op = string(p.id) + ":" + fmt.Sprint(500+i)
		if _, err := st.CreateIntro(ctx, in, l); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	later := ohNow.Add(time.Hour)
	update := func(id string, fn func(*intro.Intro)) {
		t.Helper()
		if _, err := st.UpdateIntro(ctx, id, func(in *intro.Intro) error { fn(in); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	approve := func(in *intro.Intro) {
		in.State, in.DecidedBy, in.Decided, in.Updated = intro.StateApproved, "slack:USTAFF", later, later
		in.StaffReason = p.staffNote
		in.StaffChannel, in.StaffTS = "C-INTROS", fmt.Sprintf("1700000000.%04d", n)
	}
	update(ids[1], approve)
	update(ids[2], func(in *intro.Intro) {
		approve(in)
		in.State, in.Answered, in.FounderTold, in.ContactTold = intro.StateIntroduced, later, true, true
		in.Followups = 1
		in.FounderFollowup = intro.Side{Met: intro.MetYes, Rating: 4, Comment: p.introComment}
		in.ContactFollowup = intro.Side{Met: intro.MetYes, Rating: 3, Comment: p.contactComment}
	})
	update(ids[3], func(in *intro.Intro) {
		approve(in)
		in.State, in.Answered, in.ContactReason = intro.StateDeclined, later, p.contactReason
	})
	for _, j := range []flows.Job{
		{ID: intro.KindAsk + ":" + ids[1], Kind: intro.KindAsk, Subject: ids[1], Due: later},
		{ID: intro.KindRemind + ":" + ids[1], Kind: intro.KindRemind, Subject: ids[1], Due: later.Add(72 * time.Hour)},
		{ID: intro.KindFollowup + ":" + ids[2], Kind: intro.KindFollowup, Subject: ids[2], Due: later.Add(7 * 24 * time.Hour)},
	} {
		if err := st.ScheduleJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	// The ask waiting in the outbox for the contact's chat carries the pitch.
	ask := flows.Outgoing{Founder: flows.FounderID(fmt.Sprintf("tg:99%02d", n)), Reply: flows.Reply{Text: "Ask: " + p.pitch + " " + p.reason}}
	if _, err := st.Enqueue(ctx, "intro:"+ids[1]+":contact:ask", ask, "intro"); err != nil {
		t.Fatal(err)
	}
	return ids
}

// contactDetails are the contacts' private contact fields.
func contactDetails() []string {
	var out []string
	for _, m := range introContacts {
		out = append(out, m.Contact)
	}
	return out
}

// TestForgetIntros: after /forgetme the founder's open requests are
// withdrawn with their jobs gone, the closed ones kept anonymised, and
// the staff's per-contact figures unchanged; the other founder's requests
// and jobs are untouched.
func TestForgetIntros(t *testing.T) {
	env := storetest.New(t)
	st, ctx := env.Store, context.Background()
	a, b := newPerson(0), newPerson(1)
	addContacts(t, st)
	idsA := seedIntros(t, st, a, 0)
	idsB := seedIntros(t, st, b, 1)
	if _, err := st.UpdateIntro(ctx, idsA[3], func(in *intro.Intro) error { in.ShareReason = true; return nil }); err != nil {
		t.Fatal(err)
	}
	svc := intro.New(st, st, nil, intro.Config{}, nil)
	before, err := svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	export := func(f flows.FounderID) string {
		for _, p := range st.DataParts() {
			if p.Section() == "introductions" {
				v, err := p.Export(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				j, _ := json.Marshal(v)
				return string(j)
			}
		}
		t.Fatal("no introductions part")
		return ""
	}
	if got := export(a.id); !strings.Contains(got, a.contactReason) || !strings.Contains(got, a.introComment) {
		t.Errorf("export %s: want the shared contact's reason and the founder's own follow-up comment", got)
	}

	forget(t, st, a.id, ohNow.Add(2*time.Hour))

	want := map[string]intro.State{idsA[0]: intro.StateWithdrawn, idsA[1]: intro.StateWithdrawn,
		idsA[2]: intro.StateIntroduced, idsA[3]: intro.StateDeclined}
	for id, st0 := range want {
		in, err := st.Intro(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if in.State != st0 || in.Founder != store.AnonymousOwner || in.FounderName != "" || in.Reason != "" ||
			in.StaffReason != "" || in.ContactReason != "" || in.FounderFollowup.Comment != "" || in.ContactFollowup.Comment != "" {
			t.Errorf("intro %s after forgetting = %+v; want %s, anonymised", id, in, st0)
		}
	}
	if in, _ := st.Intro(ctx, idsA[2]); in.FounderFollowup.Rating != 4 || in.ContactFollowup.Rating != 3 || in.Contact != "c-leila" {
		t.Errorf("introduced request = %+v; want contact and ratings kept for stats", in)
	}
	if l, err := st.FounderIntros(ctx, a.id); err != nil || len(l) != 0 {
		t.Errorf("FounderIntros(forgotten) = %d, %v; want none", len(l), err)
	}
	if l, err := st.FounderIntros(ctx, b.id); err != nil || len(l) != 4 {
		t.Errorf("FounderIntros(other) = %d, %v; want 4", len(l), err)
	}
	if got := export(a.id); got != "null" {
		t.Errorf("export after forgetting = %s; want nothing", got)
	}
	after, err := svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("stats after forgetting:\n%+v\nwant as before:\n%+v", after, before)
	}
	if len(after) != 4 || after[0].Requests != 2 {
		t.Errorf("stats = %+v; want 4 contacts with 2 requests each", after)
	}
	// The other founder's open request to the same contact still blocks
	// a second one of theirs.
	l := intro.Limits{MaxPending: 5, Cooldown: time.Hour, Month: "2026-12", Now: ohNow}
	if _, err := st.CreateIntro(ctx, intro.Intro{ID: "I-9999", Founder: b.id, Contact: introContacts[0].ID}, l); !errors.Is(err, intro.ErrAlreadyPending) {
		t.Errorf("other founder's new request to a contact pending = %v; want ErrAlreadyPending", err)
	}
	d := dump(t, env.Client, env.Prefix)
	for _, k := range []string{intro.KindAsk + ":" + idsA[1], intro.KindRemind + ":" + idsA[1], intro.KindFollowup + ":" + idsA[2]} {
		if _, ok := d[env.Prefix+"{jobs}:job:"+k]; ok {
			t.Errorf("job %s of the forgotten founder left", k)
		}
	}
	for _, k := range []string{intro.KindAsk + ":" + idsB[1], intro.KindRemind + ":" + idsB[1], intro.KindFollowup + ":" + idsB[2]} {
		if _, ok := d[env.Prefix+"{jobs}:job:"+k]; !ok {
			t.Errorf("job %s of the other founder gone", k)
		}
	}
	if n, err := env.Client.ZCard(ctx, env.Prefix+"{intro}:all").Result(); err != nil || n != 8 {
		t.Errorf("{intro}:all holds %d, %v; want the 8 requests, 4 anonymised", n, err)
	}
}
