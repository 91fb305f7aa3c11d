package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// Whole-binary tests: real founderbot processes, killed with -9, on one
// Redis, against the fake Bot API. Those that need leases to run out in
// real time need a real Redis (REDIS_URL); each takes a database of its
// own and empties it.

const replicaToken = "9:replica-token"

// binDir holds the binaries built for these tests; TestMain removes it.
var (
	binDir    string
	binMu     sync.Mutex
	binBuilt  = map[string]string{}
	webSecret = strings.Repeat("wh-Secret_", 4)
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBot builds founderbot once per set of build tags.
func buildBot(t testing.TB, tags string) string {
	return build(t, "founderbot"+strings.ReplaceAll(tags, ",", "-"), nil, "-tags", tags)
}

// buildShipped builds founderbot as the Dockerfile does, for the
// benchmarks: what founders get. Static, without cgo, it spends less
// CPU per update than a default build (README, Performance).
func buildShipped(t testing.TB) string {
	return build(t, "founderbot-shipped", []string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags", "-s -w")
}

// build runs go build once per name.
func build(t testing.TB, name string, env []string, flags ...string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if bin, ok := binBuilt[name]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "founderbot-test-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, name)
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, ".")...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	binBuilt[name] = bin
	return bin
}

// replica is one founderbot process.
type replica struct {
	t    *testing.T
	bin  string
	env  []string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

func startReplica(t *testing.T, bin string, env map[string]string) *replica {
	t.Helper()
	r := &replica{t: t, bin: bin}
	for k, v := range env {
		r.env = append(r.env, k+"="+v)
	}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *replica) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin)
	r.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HUB_NAME=StartGate", "DEFAULT_LANGUAGE=fr",
		"LOG_LEVEL=warn", "TELEGRAM_RATE=-1", "TELEGRAM_LEASE=1s", "TELEGRAM_TOKEN=" + replicaToken}, r.env...)
	r.logs = &syncBuffer{}
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start %s: %v", r.bin, err)
	}
	r.done = make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(r.done) }()
}

// kill ends the process as kill -9 does.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

// exited waits for the process to end by itself.
func (r *replica) exited(timeout time.Duration) bool {
	select {
	case <-r.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (r *replica) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	if !r.exited(15 * time.Second) {
		r.t.Errorf("replica did not stop; its log:\n%s", r.logs.String())
		r.kill()
	}
}

// redisDB gives the test a database of the Redis at REDIS_URL, emptied,
// or skips the test without REDIS_URL.
func redisDB(t *testing.T, db int) (string, *redis.Client) {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		t.Skip("REDIS_URL is not set: replicas taking over need a real Redis whose leases expire in real time")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Skipf("REDIS_URL is not a plain redis:// URL (%v): this test needs a database of its own", err)
	}
	u, _ := url.Parse(raw)
	u.Path = "/" + strconv.Itoa(db)
	opt.DB = db
	c := redis.NewClient(opt)
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush database %d: %v", db, err)
	}
	t.Cleanup(func() { c.FlushDB(context.Background()); c.Close() })
	return u.String(), c
}

// founderStep is one update a founder sends: text, or the label of a
// button on the last message the bot sent.
type founderStep struct{ text, press string }

// applySteps is a whole application in French.
var applySteps = []founderStep{
	{text: "/apply"}, {text: "Acme Mobilité"}, {text: "Salma Benali"}, {text: "salma@acme.ma"},
	{press: "⏭ Passer"}, {text: "Casablanca, Maroc"}, {press: "Villes intelligentes"}, {press: "Idée"},
	{text: "3"}, {text: "Des capteurs pour fluidifier le trafic à Casablanca."}, {press: "⏭ Passer"}, {press: "✅ Envoyer"},
}

// founders drives founders through the application against srv, each
// sending an update once the previous one was answered (a new message and
// an empty mailbox in the bot's Redis).
type founders struct {
	srv     *telegramtest.Server
	pending func(chat int64) bool // updates wait in the chat's mailbox
	steps   atomic.Int64          // updates answered, all founders
}

func (f *founders) apply(u models.User) error {
	for i, st := range applySteps {
		up := f.srv.Text(u, u.ID, st.text)
		msgs := f.srv.Messages(u.ID)
		if st.press != "" {
			if len(msgs) == 0 {
				return fmt.Errorf("step %d: nothing to press %q on", i, st.press)
			}
			m := msgs[len(msgs)-1]
			data := ""
			for _, row := range m.Keyboard {
				for _, b := range row {
					if b.Text == st.press {
						data = b.CallbackData
					}
				}
			}
			if data == "" {
				return fmt.Errorf("step %d: no button %q on %q", i, st.press, m.Plain)
			}
			up = f.srv.Press(u, m, data)
		}
		f.srv.Push(up)
		if !f.srv.AwaitMessages(u.ID, len(msgs)+1, 30*time.Second) {
			return fmt.Errorf("step %d: no answer within 30s", i)
		}
		deadline := time.Now().Add(30 * time.Second)
		for f.pending(u.ID) {
			if time.Now().After(deadline) {
				return fmt.Errorf("step %d: still waiting in the mailbox after 30s", i)
			}
			time.Sleep(time.Millisecond)
		}
		f.steps.Add(1)
	}
	return nil
}

// transcript is what a founder saw, with the application ID made generic.
func transcript(srv *telegramtest.Server, chat int64) string {
	var b strings.Builder
	for _, m := range srv.Messages(chat) {
		b.WriteString(m.Plain)
		b.WriteString("\n---\n")
	}
	return appID.ReplaceAllString(b.String(), "A-XXXX")
}

var appID = regexp.MustCompile(`A-[0-9A-Z]{4}`)

// withoutRepeat takes out of a transcript a message sent twice in a row,
// keeping the later copy (the one the founder then answered): the one
// duplicate the pipeline allows, when a replica dies after sending an
// update's reply and before recording it sent (README, delivery
// guarantees). It reports whether there was one.
func withoutRepeat(tr string) (string, bool) {
	blocks := strings.Split(tr, "\n---\n")
	out := blocks[:0:0]
	repeat := false
	for i, b := range blocks {
		if i+1 < len(blocks) && unpressed(b) == unpressed(blocks[i+1]) && b != "" {
			repeat = true
			continue
		}
		out = append(out, b)
	}
	return strings.Join(out, "\n---\n"), repeat
}

// unpressed is a message without the choice noted under it once pressed.
func unpressed(block string) string {
	head, _, _ := strings.Cut(block, "\n\n→ ")
	return head
}

// sameAsSolo checks that founders from first on saw what want shows, but
// for at most maxRepeats founders whose one reply came twice.
func sameAsSolo(t *testing.T, srv *telegramtest.Server, first int64, n int, want string, maxRepeats int) {
	t.Helper()
	repeats := 0
	for i := range n {
		got, repeat := withoutRepeat(transcript(srv, first+int64(i)))
		if repeat {
			repeats++
		}
		if got != want {
			t.Errorf("founder %d saw:\n%s\nwant what the solo founder saw:\n%s", first+int64(i), transcript(srv, first+int64(i)), want)
			return
		}
	}
	t.Logf("%d of %d founders got one reply twice (sent by the killed replica, not recorded as sent)", repeats, n)
	if repeats > maxRepeats {
		t.Errorf("%d founders got a reply twice; want at most %d, those the killed replica was answering", repeats, maxRepeats)
	}
}

func inboxPending(c redis.UniversalClient) func(int64) bool {
	return func(chat int64) bool {
		n, err := c.Exists(context.Background(), "fb:{tg:"+strconv.FormatInt(chat, 10)+"}:inbox").Result()
		return err != nil || n > 0
	}
}

// runFounders runs n founders with IDs from first at once and returns
// their first error.
func runFounders(f *founders, first int64, n int) error {
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		u := models.User{ID: first + int64(i), FirstName: "Founder", Username: "f" + strconv.Itoa(i), LanguageCode: "fr"}
		wg.Go(func() {
			if err := f.apply(u); err != nil {
				errs <- fmt.Errorf("founder %d: %w", u.ID, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestReplicasWebhook: three replicas in webhook mode behind a round-robin
// proxy; 60 founders apply while one replica is killed with -9 and
// restarted. Each founder sees exactly what a founder served by one
// process alone saw: nothing lost, nothing twice, in order.
func TestReplicasWebhook(t *testing.T) {
	redisURL, rdb := redisDB(t, 11)
	bin := buildBot(t, "")
	srv := telegramtest.New(t, replicaToken, telegramtest.WithWebhookRetry(50*time.Millisecond))
	var addrs atomic.Pointer[[]string] // the replicas behind the proxy
	var next atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			to := *addrs.Load()
			r.SetURL(&url.URL{Scheme: "http", Host: to[next.Add(1)%int64(len(to))]})
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	})
	t.Cleanup(proxy.Close)
	envFor := func(addr string) map[string]string {
		return map[string]string{"REDIS_URL": redisURL, "HTTP_ADDR": addr,
			"TELEGRAM_API_URL": srv.URL(), "TELEGRAM_WEBHOOK_URL": proxy.URL + "/telegram", "TELEGRAM_WEBHOOK_SECRET": webSecret}
	}
	f := &founders{srv: srv, pending: inboxPending(rdb)}

	// The reference: one founder served by one process alone.
	all := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	solo := startReplica(t, bin, envFor(all[0]))
	addrs.Store(&[]string{all[0]})
	if err := f.apply(models.User{ID: 900, FirstName: "Solo", LanguageCode: "fr"}); err != nil {
		t.Fatalf("solo founder: %v; log:\n%s", err, solo.logs.String())
	}
	want := transcript(srv, 900)

	victim := startReplica(t, bin, envFor(all[1]))
	startReplica(t, bin, envFor(all[2]))
	waitListening(t, all[1:])
	addrs.Store(&all)

	const n = 60
	done := make(chan error, 1)
	go func() { done <- runFounders(f, 1000, n) }()
	// Kill one replica once the founders are well into their applications.
	for f.steps.Load() < n*4 {
		select {
		case err := <-done:
			t.Fatalf("founders finished before the kill: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	victim.kill()
	time.Sleep(300 * time.Millisecond) // posts to it fail meanwhile, and are posted again
	victim.start()
	if err := <-done; err != nil {
		t.Fatalf("%v\nthe restarted replica's log:\n%s", err, victim.logs.String())
	}
	sameAsSolo(t, srv, 1000, n, want, n/3)
	if posts, failed := srv.WebhookPosts(); failed == 0 {
		t.Logf("%d webhook posts, none failed: the kill hit no post in flight", posts)
	}
}

// waitListening waits until every address accepts HTTP.
func waitListening(t *testing.T, addrs []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range addrs {
		for {
			resp, err := http.Get("http://" + a + "/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not listening after 15s", a)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestReplicasPolling: two replicas long-polling; the one polling is
// killed with -9 mid-traffic and the other takes over; no update is lost.
func TestReplicasPolling(t *testing.T) {
	redisURL, rdb := redisDB(t, 12)
	bin := buildBot(t, "")
	srv := telegramtest.New(t, replicaToken)
	env := map[string]string{"REDIS_URL": redisURL, "TELEGRAM_API_URL": srv.URL(), "HTTP_ADDR": "127.0.0.1:0"}
	poller := startReplica(t, bin, env)
	srv.WaitPolling(t, 15*time.Second)
	other := startReplica(t, bin, env)
	f := &founders{srv: srv, pending: inboxPending(rdb)}
	if err := f.apply(models.User{ID: 900, FirstName: "Solo", LanguageCode: "fr"}); err != nil {
		t.Fatalf("solo founder: %v", err)
	}
	want := transcript(srv, 900)

	const n = 30
	done := make(chan error, 1)
	go func() { done <- runFounders(f, 2000, n) }()
	for f.steps.Load() < 12+n*4 {
		select {
		case err := <-done:
			t.Fatalf("founders finished before the kill: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	poller.kill()
	if err := <-done; err != nil {
		t.Fatalf("%v\nthe other replica's log:\n%s", err, other.logs.String())
	}
	sameAsSolo(t, srv, 2000, n, want, n/2)
}

// TestCrashBetweenApplyAndSend: the process dies (kill -9 by a fault hook
// of the test build) after an update was applied and before its replies
// went out; after the restart the saved replies are sent, once, and the
// update is not applied again.
func TestCrashBetweenApplyAndSend(t *testing.T) {
	bin := buildBot(t, "faults")
	srv := telegramtest.New(t, replicaToken)
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	env := map[string]string{"REDIS_URL": "redis://" + m.Addr() + "/0", "TELEGRAM_API_URL": srv.URL(), "HTTP_ADDR": "127.0.0.1:0",
		"FOUNDERBOT_FAULT": "applied:3"}
	r := startReplica(t, bin, env)
	u := models.User{ID: 77, FirstName: "Salma", LanguageCode: "fr"}
	f := &founders{srv: srv, pending: inboxPending(rdb)}
	push := func(text string) { srv.Push(srv.Text(u, u.ID, text)) }
	push("/apply") // an introduction and question 1
	srv.WaitMessages(t, u.ID, 2, 10*time.Second)
	push("Acme")
	srv.WaitMessages(t, u.ID, 3, 10*time.Second)
	push("Salma Benali") // the third update applied: the process dies before answering
	if !r.exited(10 * time.Second) {
		t.Fatalf("the fault hook did not stop the process; log:\n%s", r.logs.String())
	}
	if got := len(srv.Messages(u.ID)); got != 3 {
		t.Fatalf("%d messages before the restart; want 3 (the third update's answer not sent):\n%s", got, transcript(srv, u.ID))
	}
	ver, _ := rdb.HGet(context.Background(), "fb:{tg:77}:session", "v").Int()
	if ver != 3 {
		t.Fatalf("session version %d; want 3: the third update applied", ver)
	}
	m.FastForward(2 * time.Second) // the dead process' leases run out
	r.env = []string{"REDIS_URL=redis://" + m.Addr() + "/0", "TELEGRAM_API_URL=" + srv.URL(), "HTTP_ADDR=127.0.0.1:0"}
	r.start()
	msgs := srv.WaitMessages(t, u.ID, 4, 10*time.Second)
	if !strings.Contains(msgs[3].Plain, "Question 3 sur 10") {
		t.Errorf("after the restart the founder got %q; want question 3", msgs[3].Plain)
	}
	for f.pending(u.ID) {
		time.Sleep(time.Millisecond)
	}
	push("salma@acme.ma")
	msgs = srv.WaitMessages(t, u.ID, 5, 10*time.Second)
	if len(msgs) != 5 || !strings.Contains(msgs[4].Plain, "Question 4 sur 10") {
		t.Errorf("next answer %q (%d messages); want question 4 and no repeat", msgs[len(msgs)-1].Plain, len(msgs))
	}
	if ver, _ := rdb.HGet(context.Background(), "fb:{tg:77}:session", "v").Int(); ver != 4 {
		t.Errorf("session version %d; want 4: no update applied twice", ver)
	}
}
