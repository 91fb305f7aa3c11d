package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram/telegramtest"
)

// BenchmarkProcess measures founderbot as founders get it: the real binary
// (built as the Dockerfile does; PROCESS_BENCH_BIN names another build to
// compare, PROCESS_BENCH_ENV="GOGC=50 ..." sets the bot's environment),
// with its real Bot API and Redis clients,
// against the fake Bot API in this process and a redis-server of its own on
// loopback. 200 founders go through the whole application in French.
//
//	go test -run '^$' -bench Process -benchtime 1x -count 5 ./cmd/founderbot/ | tee new.txt
//	benchstat old.txt new.txt
//
// steady: each founder answers 2 s after the bot's last answer, the 200
// starting over 2 s (about 95 updates/s); saturated: each answers as soon
// as the bot did, three rounds of 200. Both long-poll, as a bot without a
// public URL does; steady-webhook is steady with the fake posting updates
// to TELEGRAM_WEBHOOK_URL (up to 40 posts at once, as Telegram). Metrics: updates/s, p50-ms and
// p99-ms (from pushing an update to the last message of its answer reaching
// the fake), cpu-ms/update (the bot process's user+system time from
// /proc/<pid>/stat over the timed part, divided by the updates),
// switches/update (its threads' context switches: less noisy than CPU
// time on a shared machine), peak-rss-MB
// (the bot's VmHWM) and start-ms (from exec to its first getUpdates, or
// setWebhook).
//
// The bot runs without flood limits (TELEGRAM_RATE=-1): the fake enforces
// none, and at 25 messages/s the limiter, not the process, would be measured.
// PROCESS_BENCH_RATE=1000 turns the shared limiter on at a rate that never
// binds, to measure what its Redis round trips cost.
func BenchmarkProcess(b *testing.B) {
	if testing.Short() {
		b.Skip("starts the real binary and a redis-server; not in -short")
	}
	bin := os.Getenv("PROCESS_BENCH_BIN") // another build, to compare
	if bin == "" {
		bin = buildShipped(b)
	}
	redisURL, flush := startRedisServer(b)
	for _, mode := range []struct {
		name    string
		think   time.Duration // how long a founder waits before answering
		spread  time.Duration // over which the founders start
		rounds  int
		webhook bool
	}{
		{"steady", 2 * time.Second, 2 * time.Second, 1, false},
		{"saturated", 0, 0, 3, false},
		{"steady-webhook", 2 * time.Second, 2 * time.Second, 1, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				flush()
				r := startProcessRun(b, bin, redisURL, mode.webhook)
				for round := range mode.rounds {
					r.founders(b, int64(round+1)*10_000, mode.think, mode.spread)
				}
				r.report(b)
				r.stop(b)
			}
		})
	}
}

// processSteps is a complete application: text to type, or the label of a
// button to press on the last message the bot sent.
var processSteps = []struct{ text, press string }{
	{text: "/apply"},
	{text: "Acme Mobilité"},
	{text: "Salma Benali"},
	{text: "salma@acme.ma"},
	{press: "⏭ Passer"},
	{text: "Casablanca, Maroc"},
	{press: "Villes intelligentes"},
	{press: "Idée"},
	{text: "3"},
	{text: "Des capteurs pour fluidifier le trafic à Casablanca."},
	{press: "⏭ Passer"},
	{press: "✅ Envoyer"},
}

const (
	processFounders = 200
	processWait     = 30 * time.Second // bounds every wait
	// processQuiet is how long the calibration waits for more messages
	// after the first of an answer: an idle bot sends the rest at once.
	processQuiet = 300 * time.Millisecond
)

// processRun is one bot process on a fresh fake Bot API.
type processRun struct {
	srv     *telegramtest.Server
	bot     *botProcess
	startMS float64
	// chats are the founders' message counters, filled before the bot
	// runs and only read by the server's hook afterwards.
	chats map[int64]*chatCount
	// want is how many messages a founder has after each step, learned
	// by one founder going through the form alone.
	want []int64

	mu        sync.Mutex
	latencies []time.Duration
	updates   int
	elapsed   time.Duration
	cpu       time.Duration
	switches  int64
}

// chatCount counts the messages a chat received and wakes its founder.
type chatCount struct {
	n    atomic.Int64
	wake chan struct{}
}

func (c *chatCount) await(ctx context.Context, want int64) error {
	for c.n.Load() < want {
		select {
		case <-c.wake:
		case <-ctx.Done():
			return fmt.Errorf("%d messages, want %d: %w", c.n.Load(), want, ctx.Err())
		}
	}
	return nil
}

const calibrationChat = 1

func startProcessRun(b *testing.B, bin, redisURL string, webhook bool) *processRun {
	r := &processRun{chats: map[int64]*chatCount{}}
	for _, id := range founderIDs(calibrationChat, 1) {
		r.chats[id] = &chatCount{wake: make(chan struct{}, 1)}
	}
	for round := range 3 {
		for _, id := range founderIDs(int64(round+1)*10_000, processFounders) {
			r.chats[id] = &chatCount{wake: make(chan struct{}, 1)}
		}
	}
	r.srv = telegramtest.New(b, "7:bench-token", telegramtest.WithSentHook(func(chat int64) {
		if c := r.chats[chat]; c != nil {
			c.n.Add(1)
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	}))
	started := time.Now()
	env := map[string]string{
		"TELEGRAM_TOKEN": "7:bench-token", "TELEGRAM_API_URL": r.srv.URL(), "REDIS_URL": redisURL,
		"HUB_NAME": "StartGate", "DEFAULT_LANGUAGE": "fr", "LOG_LEVEL": "warn", "TELEGRAM_RATE": cmp.Or(os.Getenv("PROCESS_BENCH_RATE"), "-1"),
		"HTTP_ADDR": "127.0.0.1:0",
	}
	if webhook {
		addr := freeAddr(b)
		env["HTTP_ADDR"] = addr
		env["TELEGRAM_WEBHOOK_URL"] = "http://" + addr + "/telegram"
		env["TELEGRAM_WEBHOOK_SECRET"] = webSecret
	}
	// PROCESS_BENCH_ENV="GOGC=50 GOMAXPROCS=1": the bot's only.
	for _, kv := range strings.Fields(os.Getenv("PROCESS_BENCH_ENV")) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	r.bot = startBotProcess(b, bin, env)
	if webhook {
		r.srv.WaitCall(b, "setWebhook", 1, processWait)
	} else {
		r.srv.WaitPolling(b, processWait)
	}
	r.startMS = float64(time.Since(started).Microseconds()) / 1000
	r.calibrate(b)
	return r
}

// calibrate sends one founder through the form alone and notes how many
// messages each answer brings, so that under load a founder knows when the
// bot's whole answer arrived.
func (r *processRun) calibrate(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), processWait)
	defer cancel()
	id := founderIDs(calibrationChat, 1)[0]
	c := r.chats[id]
	u := founderUser(id)
	for i := range processSteps {
		if err := r.push(u, i); err != nil {
			b.Fatalf("calibration: %v", err)
		}
		if err := c.await(ctx, c.n.Load()+1); err != nil {
			b.Fatalf("calibration, step %d: %v", i, err)
		}
		for quiet := false; !quiet; {
			select {
			case <-c.wake:
			case <-time.After(processQuiet):
				quiet = true
			}
		}
		r.want = append(r.want, c.n.Load())
	}
	if got := lastText(r.srv, id); !strings.Contains(got, "Candidature A-") {
		b.Fatalf("calibration ends on %q; want the application received", got)
	}
}

// push sends founder u's update for step i.
func (r *processRun) push(u models.User, i int) error {
	st := processSteps[i]
	if st.press == "" {
		r.srv.Push(r.srv.Text(u, u.ID, st.text))
		return nil
	}
	msgs := r.srv.Messages(u.ID)
	if len(msgs) == 0 {
		return fmt.Errorf("founder %d, step %d: no message to press %q on", u.ID, i, st.press)
	}
	m := msgs[len(msgs)-1]
	for _, row := range m.Keyboard {
		for _, btn := range row {
			if btn.Text == st.press && btn.CallbackData != "" {
				r.srv.Push(r.srv.Press(u, m, btn.CallbackData))
				return nil
			}
		}
	}
	return fmt.Errorf("founder %d, step %d: no button %q on %q", u.ID, i, st.press, m.Plain)
}

// founders runs processFounders founders numbered from first through the
// whole form at once and adds what they saw to the run's figures.
func (r *processRun) founders(b *testing.B, first int64, think, spread time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), processWait+thinking(think))
	defer cancel()
	ids := founderIDs(first, processFounders)
	errs := make(chan error, len(ids))
	lat := make([][]time.Duration, len(ids))
	cpu0, sw0 := r.bot.cpu(b), r.bot.switches(b)
	start := time.Now()
	var wg sync.WaitGroup
	for n, id := range ids {
		wg.Go(func() {
			delay := time.Duration(0)
			if spread > 0 {
				delay = spread * time.Duration(n) / time.Duration(len(ids))
			}
			if err := r.founder(ctx, id, delay, think, &lat[n]); err != nil {
				errs <- err
				cancel()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu, sw := r.bot.cpu(b)-cpu0, r.bot.switches(b)-sw0
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, id := range ids {
		if got := lastText(r.srv, id); !strings.Contains(got, "Candidature A-") {
			b.Fatalf("founder %d ends on %q; want the application received", id, got)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range lat {
		r.latencies = append(r.latencies, l...)
	}
	r.updates += len(ids) * len(processSteps)
	r.elapsed += elapsed
	r.cpu += cpu
	r.switches += sw
}

// thinking is how long a founder's thinking takes in all.
func thinking(think time.Duration) time.Duration {
	return think * time.Duration(len(processSteps)+1)
}

func (r *processRun) founder(ctx context.Context, id int64, delay, think time.Duration, lat *[]time.Duration) error {
	c := r.chats[id]
	u := founderUser(id)
	if err := sleepCtx(ctx, delay); err != nil {
		return err
	}
	for i := range processSteps {
		if i > 0 {
			if err := sleepCtx(ctx, think); err != nil {
				return err
			}
		}
		t0 := time.Now()
		if err := r.push(u, i); err != nil {
			return err
		}
		if err := c.await(ctx, r.want[i]); err != nil {
			return fmt.Errorf("founder %d, step %d: %w", id, i, err)
		}
		*lat = append(*lat, time.Since(t0))
	}
	return nil
}

func (r *processRun) report(b *testing.B) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.latencies)
	q := func(p float64) float64 {
		if len(r.latencies) == 0 {
			return 0
		}
		return float64(r.latencies[int(p*float64(len(r.latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(r.updates)/r.elapsed.Seconds(), "updates/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(r.cpu.Microseconds())/1000/float64(r.updates), "cpu-ms/update")
	b.ReportMetric(float64(r.switches)/float64(r.updates), "switches/update")
	if _, hwm, err := procMemory(r.bot.pid); err == nil {
		b.ReportMetric(hwm, "peak-rss-MB")
	}
	b.ReportMetric(r.startMS, "start-ms")
	b.ReportMetric(0, "ns/op") // one op is a whole run: its time says nothing
}

func (r *processRun) stop(b *testing.B) { r.bot.stop(b) }

func founderIDs(first int64, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 1_000_000 + first + int64(i)
	}
	return ids
}

func founderUser(id int64) models.User {
	return models.User{ID: id, FirstName: "Founder", Username: "f" + strconv.FormatInt(id, 10), LanguageCode: "fr"}
}

func lastText(srv *telegramtest.Server, chat int64) string {
	msgs := srv.Messages(chat)
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Plain
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
