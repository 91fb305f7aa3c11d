package telegram_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

const token = "123456:TEST-token-secret"

const wait = 10 * time.Second

var salma = models.User{ID: 1001, FirstName: "Salma", Username: "salma_b", LanguageCode: "fr"}

// bot is one running process of the Telegram side.
type bot struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startBot(t *testing.T, srv *telegramtest.Server, env *storetest.Env, log *slog.Logger) *bot {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL(), Poll: 2 * time.Second, Rate: -1}, applicationEngine(t, env, log), env.Store, log)
	if err != nil {
		t.Fatal(err)
	}
	stores.Store(srv, env)
	return runBot(t, tg)
}

// applicationEngine is an engine with the application form on env's store.
func applicationEngine(t *testing.T, env *storetest.Env, log *slog.Logger) *flows.Engine {
	t.Helper()
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		t.Fatal(err)
	}
	eng := flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, log)
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	return eng
}

// runBot runs tg until stopped or the test ends.
func runBot(t *testing.T, tg *telegram.Telegram) *bot {
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- tg.Run(ctx) }()
	t.Cleanup(b.stop)
	return b
}

func (b *bot) stop() {
	b.once.Do(func() {
		b.cancel()
		select {
		case <-b.done:
		case <-time.After(wait):
			panic("telegram bot did not stop")
		}
	})
}

// stores maps each fake server to the store its bots use.
var stores sync.Map

// chat pushes one update and returns the messages the bot sent in answer:
// it waits until the bot confirmed the update, which it does once the
// update is in the inbox, and then until the chat's mailbox is empty,
// which it is once the update was answered.
func chat(t *testing.T, srv *telegramtest.Server, chatID int64, u models.Update) []telegramtest.SentMessage {
	t.Helper()
	before := len(srv.Messages(chatID))
	id := srv.Push(u)
	srv.WaitConfirmed(t, id, wait)
	env, ok := stores.Load(srv)
	if !ok {
		t.Fatal("no bot started on this server")
	}
	settled(t, env.(*storetest.Env), chatID)
	return srv.Messages(chatID)[before:]
}

// settled waits until the chat's mailbox is empty: every update stored
// for it was applied and answered.
func settled(tb testing.TB, env *storetest.Env, chatID int64) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for {
		n, err := env.Store.InboxLen(context.Background(), "tg:"+strconv.FormatInt(chatID, 10))
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("chat %d still has %d updates waiting after %v", chatID, n, wait)
		}
		time.Sleep(time.Millisecond)
	}
}

func last(t *testing.T, msgs []telegramtest.SentMessage) telegramtest.SentMessage {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("the bot sent nothing")
	}
	return msgs[len(msgs)-1]
}

func TestApplicationEndToEnd(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	startBot(t, srv, env, nil)
	me := salma.ID

	welcome := last(t, chat(t, srv, me, srv.Text(salma, me, "/start")))
	if !strings.Contains(welcome.Plain, "Bienvenue chez StartGate") {
		t.Fatalf("welcome = %q", welcome.Plain)
	}
	q := last(t, chat(t, srv, me, srv.PressButton(t, salma, welcome, "📝 Candidater")))
	if !strings.Contains(q.Plain, "nom de votre startup") {
		t.Fatalf("first question = %q", q.Plain)
	}
	// The pressed message loses its buttons and shows the choice.
	if w, _ := srv.Find(me, welcome.ID); len(w.Keyboard) != 0 || !strings.HasSuffix(w.Plain, "→ 📝 Candidater") {
		t.Errorf("pressed welcome = %q with %d button rows; want the choice noted and no buttons", w.Plain, len(w.Keyboard))
	}

	for _, answer := range []string{"<b>Acme</b> & Co", "Salma Benali", "salma@acme.ma", "+212612345678", "Casablanca, Maroc"} {
		q = last(t, chat(t, srv, me, srv.Text(salma, me, answer)))
	}
	q = last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "Villes intelligentes")))
	q = last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "Idée")))
	for _, answer := range []string{"3", "Des capteurs pour fluidifier le trafic à Casablanca."} {
		q = last(t, chat(t, srv, me, srv.Text(salma, me, answer)))
	}
	summary := last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "⏭ Passer")))

	// The founder's text is escaped for HTML and shows literally.
	if !strings.Contains(summary.Text, "&lt;b&gt;Acme&lt;/b&gt; &amp; Co") || summary.ParseMode != "HTML" {
		t.Errorf("summary text = %q (parse mode %q); want the startup name escaped", summary.Text, summary.ParseMode)
	}
	if !strings.Contains(summary.Plain, "<b>Acme</b> & Co") {
		t.Errorf("summary as shown = %q; want the name literally", summary.Plain)
	}

	done := last(t, chat(t, srv, me, srv.PressButton(t, salma, summary, "✅ Envoyer")))
	if !strings.Contains(done.Plain, "Candidature A-") {
		t.Fatalf("after submit = %q", done.Plain)
	}
	apps, err := env.Store.Applications(context.Background(), telegram.FounderID(me))
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications = %v, %v; want one", apps, err)
	}
	a := apps[0]
	if a.Answers["startup"] != "<b>Acme</b> & Co" || a.Handle != "salma_b" || a.Status != flows.StatusSubmitted || a.Answers["team"] != "3" {
		t.Errorf("stored application = %+v", a)
	}
	st := last(t, chat(t, srv, me, srv.Text(salma, me, "/status")))
	if !strings.Contains(st.Plain, a.ID) {
		t.Errorf("status = %q; want %s", st.Plain, a.ID)
	}
	// Every press was answered.
	for _, c := range srv.Calls("answerCallbackQuery") {
		if !c.OK() {
			t.Errorf("answerCallbackQuery failed: %v", c.Error)
		}
	}
	if got := len(srv.Calls("answerCallbackQuery")); got != 5 {
		t.Errorf("answered %d presses; want 5", got)
	}
}

func TestRestartResumes(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	first := startBot(t, srv, env, nil)
	me := salma.ID
	chat(t, srv, me, srv.Text(salma, me, "/apply"))
	chat(t, srv, me, srv.Text(salma, me, "Acme"))
	first.stop()

	startBot(t, srv, env, nil) // a new process on the same Redis
	q := last(t, chat(t, srv, me, srv.Text(salma, me, "Salma Benali")))
	if !strings.Contains(q.Plain, "Question 3 sur 10") {
		t.Errorf("after restart = %q; want question 3", q.Plain)
	}
	// Nothing was asked twice or lost.
	if n := strings.Count(joinPlain(srv.Messages(me)), "Question 2 sur 10"); n != 1 {
		t.Errorf("question 2 asked %d times; want 1", n)
	}
}

func joinPlain(msgs []telegramtest.SentMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Plain + "\n")
	}
	return b.String()
}

func TestLanguagesAndCommands(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	startBot(t, srv, env, nil)
	amine := models.User{ID: 2002, FirstName: "Amine", LanguageCode: "ar"}
	got := last(t, chat(t, srv, amine.ID, srv.Text(amine, amine.ID, "/start apply")))
	if !strings.Contains(got.Plain, "ما اسم شركتك الناشئة؟") {
		t.Errorf("Arabic founder got %q", got.Plain)
	}
	john := models.User{ID: 3003, FirstName: "John", LanguageCode: "en-GB"}
	got = last(t, chat(t, srv, john.ID, srv.Text(john, john.ID, "/help@StartGateBot")))
	if !strings.Contains(got.Plain, "What I can do") {
		t.Errorf("English founder got %q", got.Plain)
	}
	for _, lang := range []string{"", "fr", "en", "ar"} {
		cmds := srv.Commands(lang)
		if len(cmds) != 6 || cmds[0].Command != "start" {
			t.Errorf("commands for %q = %v; want 6 starting with start", lang, cmds)
		}
	}
	if en := srv.Commands("en"); en[1].Description != "Apply to the program" {
		t.Errorf("English /apply description = %q", en[1].Description)
	}
}

func TestOtherMessages(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	startBot(t, srv, env, nil)
	me := salma.ID

	got := last(t, chat(t, srv, me, srv.Photo(salma, me, "mon logo")))
	if !strings.Contains(got.Plain, "ne lis que les messages texte") {
		t.Errorf("photo: %q", got.Plain)
	}
	got = last(t, chat(t, srv, me, srv.Sticker(salma, me, "👍")))
	if !strings.Contains(got.Plain, "ne lis que les messages texte") {
		t.Errorf("sticker: %q", got.Plain)
	}
	orig := srv.Text(salma, me, "Acme")
	chat(t, srv, me, orig)
	got = last(t, chat(t, srv, me, srv.Edited(orig, "Acme Corp")))
	if !strings.Contains(got.Plain, "modifications") {
		t.Errorf("edited message: %q", got.Plain)
	}

	group := models.Chat{ID: -100123, Type: models.ChatTypeSupergroup, Title: "Founders"}
	got = last(t, chat(t, srv, group.ID, srv.Group(salma, group, "/apply@StartGateBot")))
	if !strings.Contains(got.Plain, "conversation privée") {
		t.Errorf("group command: %q", got.Plain)
	}
	if msgs := chat(t, srv, group.ID, srv.Group(salma, group, "bonjour à tous")); len(msgs) != 0 {
		t.Errorf("group chatter got %d replies; want none", len(msgs))
	}
	s, _, _, _ := env.Store.LoadSession(context.Background(), telegram.FounderID(me), "")
	if s.Flow != "" {
		t.Errorf("a group command started a flow: %+v", s)
	}
}

func TestExpiredButton(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	startBot(t, srv, env, nil)
	me := salma.ID
	q1 := last(t, chat(t, srv, me, srv.Text(salma, me, "/apply")))
	chat(t, srv, me, srv.Text(salma, me, "Acme"))
	// Press Cancel on the first question, which is no longer current.
	u := srv.Press(salma, q1, q1.Keyboard[len(q1.Keyboard)-1][0].CallbackData)
	got := last(t, chat(t, srv, me, u))
	if text, ok := srv.Answered(u.CallbackQuery.ID); !ok || text != "Ce bouton a expiré." {
		t.Errorf("answer to the old press = %q, %v", text, ok)
	}
	if !strings.Contains(got.Plain, "Question 2 sur 10") {
		t.Errorf("after an old press = %q; want the current question again", got.Plain)
	}
	if m, _ := srv.Find(me, q1.ID); len(m.Keyboard) != 0 {
		t.Errorf("the old question still has buttons")
	}
	s, _, _, _ := env.Store.LoadSession(context.Background(), telegram.FounderID(me), "")
	if s.Flow != "apply" || s.Answers["startup"] != "Acme" {
		t.Errorf("an old press changed the draft: %+v", s)
	}
}

// TestSubmitTwiceAcrossReplicas: two replicas receive a Submit press each
// at the same moment (a double tap); exactly one application is stored.
func TestSubmitTwiceAcrossReplicas(t *testing.T) {
	srv := telegramtest.New(t, token)
	env := storetest.New(t)
	b := startBot(t, srv, env, nil)
	me := salma.ID
	q := last(t, chat(t, srv, me, srv.Text(salma, me, "/apply")))
	for _, a := range []string{"Acme", "Salma", "s@acme.ma"} {
		q = last(t, chat(t, srv, me, srv.Text(salma, me, a)))
	}
	chat(t, srv, me, srv.PressButton(t, salma, q, "⏭ Passer"))
	q = last(t, chat(t, srv, me, srv.Text(salma, me, "Rabat")))
	q = last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "Mobilité")))
	chat(t, srv, me, srv.PressButton(t, salma, q, "Idée"))
	chat(t, srv, me, srv.Text(salma, me, "2"))
	q = last(t, chat(t, srv, me, srv.Text(salma, me, "Des trottinettes partagées pour les campus.")))
	summary := last(t, chat(t, srv, me, srv.PressButton(t, salma, q, "⏭ Passer")))
	b.stop()

	// Two engines on one store, as two replicas would be, each handling one press.
	press1 := srv.PressButton(t, salma, summary, "✅ Envoyer")
	press2 := srv.PressButton(t, salma, summary, "✅ Envoyer")
	var wg sync.WaitGroup
	for _, u := range []models.Update{press1, press2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			telegram.HandleForTest(t, token, srv.URL(), env.Store, u)
		}()
	}
	wg.Wait()
	apps, err := env.Store.Applications(context.Background(), telegram.FounderID(me))
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications after a double submit = %d, %v; want exactly 1", len(apps), err)
	}
	list, total, _ := env.Store.ListApplications(context.Background(), "", 0, 10)
	if total != 1 || len(list) != 1 {
		t.Errorf("staff list has %d applications; want 1", total)
	}
	confirmations := strings.Count(joinPlain(srv.Messages(me)), "Candidature "+apps[0].ID+" reçue")
	if confirmations != 1 {
		t.Errorf("founder told %d times; want once", confirmations)
	}
}
