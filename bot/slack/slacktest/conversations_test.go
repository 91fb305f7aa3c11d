package slacktest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"
)

func TestConversationMembersPaginates(t *testing.T) {
	members := []string{"U1", "U2", "U3", "U4", "U5"}
	s := New(t, WithChannel("C0STAFF", members...), WithChannel("C0EMPTY"))
	api := client(s)
	var got []string
	params := &slackapi.GetUsersInConversationParameters{ChannelID: "C0STAFF", Limit: 2}
	for pages := 1; ; pages++ {
		page, cursor, err := api.GetUsersInConversationContext(t.Context(), params)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		if len(page) > 2 {
			t.Fatalf("page %d has %d members; limit 2", pages, len(page))
		}
		got = append(got, page...)
		if cursor == "" {
			if pages != 3 {
				t.Errorf("%d pages; want 3", pages)
			}
			break
		}
		params.Cursor = cursor
	}
	if diff := cmp.Diff(members, got); diff != "" {
		t.Errorf("members mismatch (-want +got):\n%s", diff)
	}

	all, cursor, err := api.GetUsersInConversationContext(t.Context(), &slackapi.GetUsersInConversationParameters{ChannelID: "C0STAFF"})
	if err != nil || cursor != "" || len(all) != 5 {
		t.Errorf("without limit: %v, cursor %q, %v; want all 5 and no cursor", all, cursor, err)
	}
	empty, _, err := api.GetUsersInConversationContext(t.Context(), &slackapi.GetUsersInConversationParameters{ChannelID: "C0EMPTY"})
	if err != nil || len(empty) != 0 {
		t.Errorf("empty channel: %v, %v", empty, err)
	}
	_, _, err = api.GetUsersInConversationContext(t.Context(), &slackapi.GetUsersInConversationParameters{ChannelID: "C404"})
	if got := slackError(t, err); got != "channel_not_found" {
		t.Errorf("unknown channel: %q; want channel_not_found", got)
	}
	_, _, err = api.GetUsersInConversationContext(t.Context(), &slackapi.GetUsersInConversationParameters{ChannelID: "C0STAFF", Cursor: "bogus"})
	if got := slackError(t, err); got != "invalid_cursor" {
		t.Errorf("bad cursor: %q; want invalid_cursor", got)
	}
}

func TestOpenConversationAndDM(t *testing.T) {
	s := New(t)
	api := client(s)
	ctx := t.Context()
	ch, noOp, already, err := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil {
		t.Fatalf("OpenConversation: %v", err)
	}
	if !strings.HasPrefix(ch.ID, "D") || !ch.IsIM || noOp || already {
		t.Errorf("OpenConversation = %+v, no_op %v, already_open %v; want a new D… IM", ch.Conversation, noOp, already)
	}
	again, _, already, err := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || again.ID != ch.ID || !already {
		t.Errorf("second open = %v, already_open %v, %v; want %s again", again.ID, already, err, ch.ID)
	}
	if dm, ok := s.DM("U1"); !ok || dm != ch.ID {
		t.Errorf("DM(U1) = %q, %v; want %q", dm, ok, ch.ID)
	}
	if other, _, _, _ := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{"U2"}}); other.ID == ch.ID {
		t.Errorf("U2 got U1's DM %s", other.ID)
	}
	if _, ok := s.DM("U3"); ok {
		t.Error("DM(U3) exists without conversations.open")
	}
	if _, _, err := api.PostMessageContext(ctx, ch.ID, slackapi.MsgOptionText("Your application was received", false)); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(ch.ID); len(got) != 1 || got[0].Text != "Your application was received" {
		t.Errorf("Messages(DM) = %+v", got)
	}
	_, _, _, err = api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{})
	if got := slackError(t, err); got != "users_list_not_supplied" {
		t.Errorf("no users: %q; want users_list_not_supplied", got)
	}
}

func TestUsersInfo(t *testing.T) {
	s := New(t, WithUser(slackapi.User{ID: "U1", Name: "ada", RealName: "Ada Lovelace", TZ: "Europe/London", Locale: "en-GB",
		Profile: slackapi.UserProfile{Email: "ada@example.com", DisplayName: "Ada"}}))
	api := client(s)
	u, err := api.GetUserInfoContext(t.Context(), "U1")
	if err != nil {
		t.Fatalf("GetUserInfo: %v", err)
	}
	if u.RealName != "Ada Lovelace" || u.TZ != "Europe/London" || u.Locale != "en-GB" || u.Profile.Email != "ada@example.com" {
		t.Errorf("GetUserInfo = %+v", u)
	}
	_, err = api.GetUserInfoContext(t.Context(), "U404")
	if got := slackError(t, err); got != "user_not_found" {
		t.Errorf("unknown user: %q; want user_not_found", got)
	}
}
