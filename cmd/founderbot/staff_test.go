package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/intro"
	"github.com/startgate/founderbot/flows/officehours"
	"github.com/startgate/founderbot/store/storetest"
)

// TestRepostMissing: an application whose Slack post was lost (the
// process died after the founder's reply) reaches the staff channel at
// the next five-minute check, once.
func TestRepostMissing(t *testing.T) {
	ctx := context.Background()
	env := storetest.New(t)
	sl := slacktest.New(t, slacktest.WithChannel("C0STAFF", "UALICE", slacktest.BotUserID))
	cat, err := flows.NewCatalog("en", application.Messages(), officehours.Messages(), slack.Messages())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	now := time.Date(2026, 11, 25, 10, 2, 0, 0, time.UTC)
	eng := flows.NewEngine(env.Store, cat, flows.Config{}, log)
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	eng.Now = func() time.Time { return now }
	review := application.NewReview(env.Store, cat, application.ReviewConfig{})
	staff, err := slack.New(slack.Config{BotToken: slacktest.Token, SigningSecret: "s", APIURL: sl.APIURL(),
		Channel: "C0STAFF", Lang: "en", TZ: time.UTC}, review, cat, func(context.Context, flows.Outgoing) error { return nil }, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(staff.Wait)

	// A founder applies; nothing tells Slack (as after a crash).
	f := flows.FounderID("tg:9")
	send := func(ev flows.Event) flows.Result {
		ev.Founder = f
		res, err := eng.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	send(flows.Event{Kind: flows.KindCommand, Command: "apply"})
	var res flows.Result
	for _, a := range []string{"Acme", "Salma", "s@acme.ma", "+212612345678", "Rabat", "mobility", "idea", "2", "Shared scooters for campuses.", "https://acme.ma"} {
		res = send(flows.Event{Kind: flows.KindText, Text: a})
	}
	res = send(flows.Event{Kind: flows.KindButton, Data: res.Replies[len(res.Replies)-1].Buttons[0][0].Data})
	if application.SubmittedIn(res) == nil {
		t.Fatalf("not submitted: %+v", res.Replies)
	}

	// An introduction request, also never posted.
	intros := intro.New(env.Store, env.Store, cat, intro.Config{}, log)
	staff.SetIntros(intros)
	if err := env.Store.PutMentor(ctx, flows.Mentor{ID: "karim", Name: "Karim", Tags: []string{"fintech"}, SlackUser: "UKARIM"}); err != nil {
		t.Fatal(err)
	}
	req := intro.Intro{ID: "I-0001", Founder: f, Contact: "karim", Kind: flows.KindMentor, Topic: "fintech", Startup: "Acme",
		Reason: "Advice on our seed round, please.", State: intro.StateRequested, Version: 1, Created: now, Updated: now}
	if _, err := env.Store.CreateIntro(ctx, req, intro.Limits{MaxPending: 2, Month: "2026-11", Now: now}); err != nil {
		t.Fatal(err)
	}

	sched := flows.NewScheduler(env.Store, flows.SchedulerConfig{}, log)
	sched.Now = func() time.Time { return now }
	if err := schedulePosts(sched, &config{digestCron: "off", weeklyCron: "off"}, review, nil, intros, staff); err != nil {
		t.Fatal(err)
	}
	sched.Tick(ctx) // the first tick only records where the schedule starts
	now = now.Add(3 * time.Minute)
	sched.Tick(ctx) // 10:05
	staff.Wait()
	now = now.Add(5 * time.Minute)
	sched.Tick(ctx) // 10:10: the application has its staff message now
	staff.Wait()
	msgs := sl.Messages("C0STAFF")
	all := ""
	for _, m := range msgs {
		all += string(m.Blocks)
	}
	if len(msgs) != 2 || !strings.Contains(all, application.SubmittedIn(res).ID) || !strings.Contains(all, "I-0001") {
		t.Fatalf("staff channel = %d messages; want the application and the introduction request once each", len(msgs))
	}
}
