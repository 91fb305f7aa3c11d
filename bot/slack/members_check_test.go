package slack

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/flows/officehours"
)

// TestCheckChannel checks the review's finding: with SLACK_STAFF_USERS
// set, a public or shared staff channel was accepted, yet every
// application (e-mail, phone, pitch) is posted there. The channel must be
// private and unshared in every mode.
func TestCheckChannel(t *testing.T) {
	cat, err := flows.NewCatalog("en", application.Messages(), officehours.Messages(), Messages())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		public  bool
		shared  bool
		users   []string
		wantErr bool
	}{
		{public: false},
		{public: false, users: []string{"UALICE"}},
		{public: true, wantErr: true},
		{shared: true, wantErr: true},
		// Staff listed: the channel does not decide who acts, but it
		// still receives every application.
		{public: true, users: []string{"UALICE"}, wantErr: true},
		{shared: true, users: []string{"UALICE"}, wantErr: true},
	}
	for _, tt := range tests {
		opts := []slacktest.Option{slacktest.WithChannel("C0STAFF", "UALICE")}
		if tt.public {
			opts = append(opts, slacktest.WithPublicChannel("C0STAFF"))
		}
		if tt.shared {
			opts = append(opts, slacktest.WithSharedChannel("C0STAFF"))
		}
		sl := slacktest.New(t, opts...)
		s, err := New(Config{BotToken: slacktest.Token, SigningSecret: "x", APIURL: sl.APIURL(), Channel: "C0STAFF",
			StaffUsers: tt.users, Lang: "en", TZ: time.UTC}, application.NewReview(nil, cat, application.ReviewConfig{}), cat,
			func(context.Context, flows.Outgoing) error { return nil }, log)
		if err != nil {
			t.Fatal(err)
		}
		err = s.CheckChannel(context.Background())
		if (err != nil) != tt.wantErr || (err != nil && !strings.Contains(err.Error(), "private channel")) {
			t.Errorf("public=%v shared=%v users=%v: CheckChannel = %v; want error %v", tt.public, tt.shared, tt.users, err, tt.wantErr)
		}
	}
}
