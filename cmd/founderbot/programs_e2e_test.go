package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/slack"
	"github.com/startgate/founderbot/bot/slack/slacktest"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// e2eProgramsFile is two programs whose calls are open around now (the
// binary reads the real clock), in the hub's time zone.
func e2eProgramsFile(t *testing.T, now time.Time) string {
	t.Helper()
	tz, _ := time.LoadLocation("Africa/Casablanca")
	opens, closes := now.Add(-24*time.Hour).In(tz).Format("2006-01-02T15:04"), now.Add(10*24*time.Hour).In(tz).Format("2006-01-02T15:04")
	tr := func(fr, en, ar string) string { return fmt.Sprintf("{ fr = %q, en = %q, ar = %q }", fr, en, ar) }
	file := `
[[program]]
id = "incubation"
name = ` + tr("Incubation", "Incubation", "الاحتضان") + `
description = ` + tr("De l'idée au prototype.", "From idea to prototype.", "من الفكرة إلى النموذج.") + `
  [[program.call]]
  id = "spring"
  opens = "` + opens + `"
  closes = "` + closes + `"
    [[program.call.question]]
    id = "startup"
    kind = "text"
    text = ` + tr("Nom ?", "Startup name?", "الاسم؟") + `
    [[program.call.question]]
    id = "email"
    kind = "email"
    text = ` + tr("E-mail ?", "E-mail?", "البريد؟") + `

[[program]]
id = "acceleration"
name = ` + tr("Accélération", "Acceleration", "التسريع") + `
description = ` + tr("Pour grandir.", "To grow.", "للنمو.") + `
  [[program.call]]
  id = "q1"
  opens = "` + opens + `"
  closes = "` + closes + `"
    [[program.call.question]]
    id = "startup"
    kind = "text"
    text = ` + tr("Nom ?", "Startup name?", "الاسم؟") + `
    [[program.call.question]]
    id = "revenue"
    kind = "number"
    min = 0
    max = 1000000
    text = ` + tr("CA ?", "Revenue?", "رقم المعاملات؟") + `
    label = ` + tr("CA", "Revenue", "رقم المعاملات") + `
    [[program.call.question]]
    id = "site"
    kind = "choice"
    text = ` + tr("Campus ?", "Campus?", "الحرم؟") + `
    label = ` + tr("Campus", "Campus", "الحرم") + `
      [[program.call.question.option]]
      id = "benguerir"
      label = ` + tr("Benguérir", "Benguerir", "بنجرير") + `
      [[program.call.question.option]]
      id = "rabat"
      label = ` + tr("Rabat", "Rabat", "الرباط") + `
    [[program.call.question]]
    id = "incorporated"
    kind = "yesno"
    text = ` + tr("Immatriculée ?", "Incorporated?", "مسجلة؟") + `
    label = ` + tr("Immatriculée", "Incorporated", "مسجلة") + `
`
	path := filepath.Join(t.TempDir(), "programs.toml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunProgramsTelegramAndSlack runs the whole binary with a programs
// file: founders apply on Telegram to two programs, each application
// reaches the staff channel with its program and questions, and staff
// list, count and survey applications by program with the slash command.
func TestRunProgramsTelegramAndSlack(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	tg := telegramtest.New(t, "9:secret-token")
	sl := slacktest.New(t, slacktest.WithChannel("C0STAFF", "UALICE", slacktest.BotUserID))
	m := miniredis.RunT(t)
	addr := freeAddr(t)
	late := make(chan string, 8) // slash command answers that missed the ack
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		late <- string(b)
	}))
	defer hook.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			"TELEGRAM_TOKEN": "9:secret-token", "TELEGRAM_API_URL": tg.URL(), "TELEGRAM_RATE": "-1",
			"REDIS_URL": "redis://" + m.Addr() + "/0", "HTTP_ADDR": addr,
			"SLACK_BOT_TOKEN": slacktest.Token, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": sl.APIURL(),
			"SLACK_STAFF_CHANNEL": "C0STAFF", "SLACK_STAFF_USERS": "UALICE", "STAFF_LANGUAGE": "en",
			"PROGRAMS_FILE": e2eProgramsFile(t, time.Now()),
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
	}()

	salma := models.User{ID: 77, FirstName: "Salma", Username: "salma_b", LanguageCode: "en"}
	omar := models.User{ID: 78, FirstName: "Omar", Username: "omar_k", LanguageCode: "fr"}
	say := func(u models.User, upd models.Update) telegramtest.SentMessage {
		t.Helper()
		tg.WaitConfirmed(t, tg.Push(upd), 10*time.Second)
		settled(t, m, u.ID)
		msgs := tg.Messages(u.ID)
		return msgs[len(msgs)-1]
	}
	appID := regexp.MustCompile(`A-[0-9A-Z]{4}`)
	submitted := func(m telegramtest.SentMessage) string {
		t.Helper()
		id := appID.FindString(m.Plain)
		if id == "" {
			t.Fatalf("no application ID in %q", m.Plain)
		}
		return id
	}

	// Salma applies to incubation, then to acceleration.
	list := say(salma, tg.Text(salma, salma.ID, "/apply"))
	if !strings.Contains(list.Plain, "Programs open for applications") || !strings.Contains(list.Plain, "From idea to prototype.") {
		t.Fatalf("/apply answered %q; want the open programs", list.Plain)
	}
	say(salma, tg.PressButton(t, salma, list, "Incubation"))
	say(salma, tg.Text(salma, salma.ID, "Acme"))
	q := say(salma, tg.Text(salma, salma.ID, "salma@acme.ma"))
	incubationID := submitted(say(salma, tg.PressButton(t, salma, q, "✅ Submit")))

	list = say(salma, tg.Text(salma, salma.ID, "/apply"))
	say(salma, tg.PressButton(t, salma, list, "Acceleration"))
	say(salma, tg.Text(salma, salma.ID, "Acme"))
	q = say(salma, tg.Text(salma, salma.ID, "250000"))
	q = say(salma, tg.PressButton(t, salma, q, "Rabat"))
	q = say(salma, tg.PressButton(t, salma, q, "Yes"))
	accelerationID := submitted(say(salma, tg.PressButton(t, salma, q, "✅ Submit")))

	// Omar applies to acceleration, in French.
	list = say(omar, tg.Text(omar, omar.ID, "/apply"))
	say(omar, tg.PressButton(t, omar, list, "Accélération"))
	say(omar, tg.Text(omar, omar.ID, "Dune Solar"))
	q = say(omar, tg.Text(omar, omar.ID, "0"))
	q = say(omar, tg.PressButton(t, omar, q, "Benguérir"))
	q = say(omar, tg.PressButton(t, omar, q, "Non"))
	omarID := submitted(say(omar, tg.PressButton(t, omar, q, "✅ Envoyer")))

	// Each application reaches the channel with its program and answers.
	posted := sl.WaitPosted(t, 3, 10*time.Second)
	var accelerationMsg string
	for _, p := range posted {
		if strings.Contains(string(p.Blocks), accelerationID) {
			accelerationMsg = string(p.Blocks)
		}
	}
	for _, want := range []string{"Program: *Acceleration*", "call `q1`", "*Revenue*\\n250000", "*Campus*\\nRabat", "*Incorporated*\\nYes"} {
		if !strings.Contains(accelerationMsg, want) {
			t.Errorf("staff message of %s lacks %q:\n%s", accelerationID, want, accelerationMsg)
		}
	}

	command := func(text string) string {
		t.Helper()
		form := url.Values{"command": {"/founderbot"}, "text": {text}, "user_id": {"UALICE"}, "user_name": {"alice"},
			"channel_id": {"C0STAFF"}, "team_id": {slacktest.TeamID}, "response_url": {hook.URL}}
		body := []byte(form.Encode())
		ts, sig := slack.Sign(secret, time.Now(), body)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%q answered %d", text, resp.StatusCode)
		}
		if len(answer) > 0 {
			return string(answer)
		}
		select {
		case a := <-late:
			return a
		case <-time.After(10 * time.Second):
			t.Fatalf("%q: no answer", text)
			return ""
		}
	}
	apps := command("apps program=acceleration")
	if !strings.Contains(apps, accelerationID) || !strings.Contains(apps, omarID) || strings.Contains(apps, incubationID) {
		t.Errorf("apps program=acceleration: want %s and %s, not %s:\n%s", accelerationID, omarID, incubationID, apps)
	}
	apps = command("apps program=incubation")
	if !strings.Contains(apps, incubationID) || strings.Contains(apps, accelerationID) {
		t.Errorf("apps program=incubation: want only %s:\n%s", incubationID, apps)
	}
	if stats := command("stats program=acceleration"); !strings.Contains(stats, "*2 applications*") {
		t.Errorf("stats program=acceleration: want 2 applications:\n%s", stats)
	}
	programs := command("programs")
	for _, want := range []string{"*Incubation* (`incubation`): 1 application", "*Acceleration* (`acceleration`): 2 applications", "call `q1`: open"} {
		if !strings.Contains(programs, want) {
			t.Errorf("programs lacks %q:\n%s", want, programs)
		}
	}
	if bad := command("apps program=alumni"); !strings.Contains(bad, "There is no program `alumni`") {
		t.Errorf("apps program=alumni: want a refusal naming the programs:\n%s", bad)
	}
}
