package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// settled waits until the chat's mailbox in the bot's Redis is empty:
// every update stored for it was applied and answered.
func settled(t *testing.T, m *miniredis.Miniredis, chatID int64) {
	t.Helper()
	key := "fb:{tg:" + strconv.FormatInt(chatID, 10) + "}:inbox"
	deadline := time.Now().Add(10 * time.Second)
	for m.Exists(key) {
		if time.Now().After(deadline) {
			t.Fatalf("chat %d: updates still waiting after 10s", chatID)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRunTelegramAndSlack runs the whole binary: a founder applies on
// Telegram, the application appears in the staff channel, a staff member
// accepts it with a signed button press, and the founder hears it on
// Telegram through the outbox.
func TestRunTelegramAndSlack(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	tg := telegramtest.New(t, "9:secret-token")
	sl := slacktest.New(t, slacktest.WithChannel("C0STAFF", "UALICE", slacktest.BotUserID))
	m := miniredis.RunT(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": tg.URL(), "TELEGRAM_RATE": "-1",
			"REDIS_URL": "redis://" + m.Addr() + "/0", "HTTP_ADDR": addr,
			"SLACK_BOT_TOKEN": slacktest.Token, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": sl.APIURL(),
			"SLACK_STAFF_CHANNEL": "C0STAFF", "SLACK_STAFF_USERS": "UALICE", "STAFF_LANGUAGE": "en",
		}), strings.NewReader(""), &bytes.Buffer{}, &logs)
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run = %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not stop")
		}
		if strings.Contains(logs.String(), "secret-token") || strings.Contains(logs.String(), secret) {
			t.Errorf("a secret is in the logs")
		}
	}()

	u := models.User{ID: 77, FirstName: "Salma", Username: "salma_b", LanguageCode: "en"}
	say := func(upd models.Update) telegramtest.SentMessage {
		t.Helper()
		tg.WaitConfirmed(t, tg.Push(upd), 10*time.Second)
		settled(t, m, u.ID)
		msgs := tg.Messages(u.ID)
		return msgs[len(msgs)-1]
	}
	q := say(tg.Text(u, u.ID, "/apply"))
	for _, a := range []string{"Acme", "Salma Benali", "salma@acme.ma"} {
		q = say(tg.Text(u, u.ID, a))
	}
	say(tg.PressButton(t, u, q, "⏭ Skip"))
	q = say(tg.Text(u, u.ID, "Rabat, Morocco"))
	q = say(tg.PressButton(t, u, q, "Smart Cities"))
	say(tg.PressButton(t, u, q, "Idea"))
	say(tg.Text(u, u.ID, "3"))
	q = say(tg.Text(u, u.ID, "Sensors that cut traffic jams in Rabat."))
	q = say(tg.PressButton(t, u, q, "⏭ Skip"))
	done1 := say(tg.PressButton(t, u, q, "✅ Submit"))
	id := regexp.MustCompile(`A-[0-9A-Z]{4}`).FindString(done1.Plain)
	if id == "" {
		t.Fatalf("no application ID in %q", done1.Plain)
	}

	posted := sl.WaitPosted(t, 1, 10*time.Second)
	if !strings.Contains(string(posted[0].Blocks), id) {
		t.Fatalf("staff message lacks %s: %s", id, posted[0].Blocks)
	}

	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "UALICE", "username": "alice"},
		"team": map[string]any{"id": slacktest.TeamID}, "channel": map[string]any{"id": "C0STAFF"},
		"container":  map[string]any{"type": "message", "message_ts": posted[0].TS, "channel_id": "C0STAFF"},
		"message":    map[string]any{"ts": posted[0].TS},
		"trigger_id": "t1",
		"actions":    []any{map[string]any{"action_id": "app_accept", "block_id": "app_actions", "value": id, "type": "button"}},
	})
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	ts, sig := slack.Sign(secret, time.Now(), body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sig)
	n := len(tg.Messages(u.ID)) // before the press: the acceptance may arrive before the answer
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("interaction answered %d", resp.StatusCode)
	}
	msgs := tg.WaitMessages(t, u.ID, n+1, 10*time.Second)
	if got := msgs[len(msgs)-1].Plain; !strings.Contains(got, "Congratulations") {
		t.Errorf("founder got %q; want the acceptance", got)
	}
	if r, err := http.Get("http://" + addr + "/healthz"); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("healthz = %v, %v", r, err)
	}
	waitStatus(t, addr, "/readyz", http.StatusOK, 5*time.Second)

	// The counters moved with the traffic, on both sides. The fake APIs
	// record a message before the bot has its answer and counts it: wait
	// for the last one to be counted, and for the staff post's update,
	// which may come after the founder's message.
	sent := float64(len(tg.Messages(u.ID)))
	var got map[string]float64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = scrape(t, addr)
		if got["founderbot_messages_sent_total,platform=telegram"] >= sent && got["founderbot_messages_sent_total,platform=slack"] >= 2 ||
			time.Now().After(deadline) {
			break
		}
	}
	for key, want := range map[string]float64{
		"founderbot_updates_received_total,kind=interaction,transport=slack": 1,
		"founderbot_updates_handled_total,kind=interaction,transport=slack":  1,
		"founderbot_updates_received_total,kind=command,transport=telegram":  1,
		"founderbot_updates_received_total,kind=button,transport=telegram":   5,
		"founderbot_messages_sent_total,platform=telegram":                   sent,
		"founderbot_applications,status=accepted":                            1,
		"founderbot_applications,status=submitted":                           0,
		"founderbot_state_up": 1,
	} {
		if got[key] != want {
			t.Errorf("%s = %v; want %v", key, got[key], want)
		}
	}
	// Introductions are counted by state, none yet.
	if n, ok := got["founderbot_introductions,outcome=requested"]; !ok || n != 0 {
		t.Errorf("founderbot_introductions{outcome=requested} = %v (reported: %v); want 0, reported", n, ok)
	}
	// The application's post, and the decision's update of it.
	if got["founderbot_messages_sent_total,platform=slack"] < 2 {
		t.Errorf("slack messages sent = %v; want at least 2", got["founderbot_messages_sent_total,platform=slack"])
	}
}
