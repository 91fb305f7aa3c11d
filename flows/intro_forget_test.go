package flows_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/privacy"
)

// TestIntroForgottenFounder: a founder who erases their data withdraws
// their pending requests through the store's privacy parts: the contact
// already asked can no longer accept, staff can no longer approve, and
// no reminder, expiry or message goes out for them afterwards.
func TestIntroForgottenFounder(t *testing.T) {
	w := newIntroWorld(t)
	w.cfg.OpenTo = intro.OpenToAnyone
	w.build()
	ctx := context.Background()
	request := func(f flows.FounderID) intro.Intro {
		t.Helper()
		w.founder = f
		for _, in := range []string{"!lang en", "/intro", "[A mentor or expert]", "[Fundraising]", "[Karim Benali]",
			"Advice on our seed round and its terms, please."} {
			w.step(in)
		}
		out := w.step("[✅ Send the request]")
		l, err := w.env.Store.FounderIntros(ctx, f)
		if err != nil || len(l) != 1 {
			t.Fatalf("requests of %s = %d, %v after %q", f, len(l), err, out)
		}
		return l[0]
	}
	asked := request("tg:1")
	w.step("!staff approve")
	if lines := strings.Join(w.side.take(), "\n") + w.step("!tick"); !strings.Contains(lines, "asked about") {
		t.Fatalf("contact not asked: %q", lines)
	}
	waiting := request("tg:3") // waits on staff
	w.out.take()
	w.side.take()

	p := privacy.New(dataParts(w), nil, w.env.Store, nil)
	p.Now = func() time.Time { return w.now }
	for _, f := range []flows.FounderID{"tg:1", "tg:3"} {
		if _, err := p.Forget(ctx, f, ""); err != nil {
			t.Fatal(err)
		}
	}
	karim, err := w.env.Store.Mentor(ctx, "karim-benali")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Respond(ctx, asked.ID, karim.SlackUser, intro.AnswerAccept, "", false); !errors.Is(err, intro.ErrStale) {
		t.Errorf("contact accepting a withdrawn request: %v; want ErrStale", err)
	}
	if _, err := w.svc.Approve(ctx, waiting.ID, flows.Actor{ID: "slack:USTAFF", Name: "@staff"}); !errors.Is(err, intro.ErrStale) {
		t.Errorf("staff approving a withdrawn request: %v; want ErrStale", err)
	}
	for range 3 {
		w.now = w.now.Add(5 * 24 * time.Hour)
		w.sched.Tick(ctx)
	}
	if lines, out := w.side.take(), w.out.take(); len(lines) != 0 || len(out) != 0 {
		t.Errorf("after forgetting, the contact's side got %q and the outbox %v; want nothing", lines, out)
	}
	for _, id := range []string{asked.ID, waiting.ID} {
		in, err := w.env.Store.Intro(ctx, id)
		if err != nil || in.State != intro.StateWithdrawn || in.Reason != "" {
			t.Errorf("request %s = %+v, %v; want withdrawn and anonymised", id, in, err)
		}
	}
}

// dataParts are the store's privacy parts, as cmd/founderbot wires them.
func dataParts(w *introWorld) []privacy.Part {
	var parts []privacy.Part
	for _, p := range w.env.Store.DataParts() {
		parts = append(parts, p)
	}
	return parts
}
