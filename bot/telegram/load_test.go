package telegram_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/startgate/founderbot/bot/telegram"
	"github.com/startgate/founderbot/bot/telegram/telegramtest"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store"
	"github.com/startgate/founderbot/store/storetest"
)

// loadFounders is how many founders are mid-application at once.
const loadFounders = 200

// loadWait bounds every wait of the load benchmark: one update's answer,
// the gap between two updates, the founders' exit, the bot's shutdown.
const loadWait = 30 * time.Second

// loadStep is one update a founder sends: text to type, or the label of a
// button to press on the last message the bot sent them.
type loadStep struct{ text, press string }

// loadSteps is a complete application in French. The founders stop at
// loadMidway, with five questions answered, until all of them got there.
var loadSteps = []loadStep{
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

const loadMidway = 6

// BenchmarkFounders runs 200 founders through complete applications at
// once, through the real transport (telegram.New and Run, long polling)
// on the fake Bot API and the store (miniredis, or the Redis at
// REDIS_URL). Each founder waits for the bot's answer before the next
// update, as a person would; all of them pause halfway, mid-application,
// while memory is measured. One iteration is the 200 whole applications.
//
// Metrics: updates/s over the timed part; at the pause, rss-MB (VmRSS)
// and heap-MB (Go heap in use after a GC); at the end, peak-rss-MB (VmHWM,
// the peak over the whole test process, earlier runs of -count included).
// These are upper bounds for the bot: the process also holds the fake Bot
// API server with every message and call it recorded, miniredis when
// REDIS_URL is unset, the test binary and 200 founder goroutines.
//
// For the bot's own memory, build it and name it in FOUNDERBOT_BIN:
//
//	go build -o /tmp/founderbot ./cmd/founderbot
//	FOUNDERBOT_BIN=/tmp/founderbot REDIS_URL=redis://... go test -run=NONE -bench=Founders ./bot/telegram/
//
// The bot then runs as that process (on its embedded Redis when REDIS_URL
// is unset), rss-MB and peak-rss-MB are read from its /proc/<pid>/status,
// and there is no heap-MB. It writes under its usual "fb:" keys.
func BenchmarkFounders(b *testing.B) {
	owned := &ownedCleanups{TB: b}
	defer owned.run()
	srv := telegramtest.New(owned, token)
	env := storetest.New(owned)
	bot := startLoadBot(b, srv, env)
	defer bot.stop()
	srv.WaitPolling(b, loadWait)
	// Founder IDs differ from run to run, as the external bot's keys stay.
	first := 1_000_000_000 + time.Now().UnixMicro()%1_000_000_000*1000
	var rssMB, heapMB float64
	cpu0, _ := procCPU(bot.statFile())
	b.ResetTimer()
	for i := range b.N {
		rss, heap := runFounders(b, srv, bot, first+int64(i)*loadFounders)
		rssMB, heapMB = max(rssMB, rss), max(heapMB, heap)
		if bot.pid != 0 {
			continue
		}
		b.StopTimer()
		_, total, err := env.Store.ListApplications(context.Background(), "", 0, 1)
		if err != nil || total != (i+1)*loadFounders {
			b.Fatalf("after round %d: %d applications stored, %v; want %d", i, total, err, (i+1)*loadFounders)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*loadFounders*len(loadSteps))/b.Elapsed().Seconds(), "updates/s")
	if cpu1, err := procCPU(bot.statFile()); err == nil && bot.pid != 0 {
		// The bot's own CPU (user and system), only when it runs as its own process.
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N*loadFounders*len(loadSteps)), "cpu-µs/update")
	}
	b.ReportMetric(rssMB, "rss-MB")
	if bot.pid == 0 {
		b.ReportMetric(heapMB, "heap-MB")
	}
	if _, hwm, err := procMemory(bot.statusFile()); err == nil {
		b.ReportMetric(hwm, "peak-rss-MB")
	}
}

// ownedCleanups runs the cleanups registered through it when told, and
// then forgets them. testing keeps the first *B of a -count series alive
// to the end (testing/benchmark.go, processBench), with the b.Cleanup
// functions of its run still in the backing array of its cleanup list; a
// fake server and miniredis registered there would stay reachable, with
// everything they recorded, and swell the memory figures of every later run.
type ownedCleanups struct {
	testing.TB
	fns []func()
}

func (c *ownedCleanups) Cleanup(f func()) { c.fns = append(c.fns, f) }

func (c *ownedCleanups) run() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
	c.fns = nil
}

// loadBot is the bot under load, in this process or in its own.
type loadBot struct {
	pid   int // 0: in this process
	stop  func()
	inbox func(chat int64) (int64, error)
}

func (l loadBot) statFile() string {
	if l.pid == 0 {
		return "/proc/self/stat"
	}
	return "/proc/" + strconv.Itoa(l.pid) + "/stat"
}

// procCPU is the CPU time a process used so far (user and system), from
// its stat file in Linux's /proc (in clock ticks of 10ms).
func procCPU(stat string) (time.Duration, error) {
	b, err := os.ReadFile(stat)
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat file %s", stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse stat file %s", stat)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

func (l loadBot) statusFile() string {
	if l.pid == 0 {
		return "/proc/self/status"
	}
	return "/proc/" + strconv.Itoa(l.pid) + "/status"
}

// memory is the bot's resident memory now, and for a bot in this process
// the Go heap in use after a GC, in MB.
func (l loadBot) memory(b *testing.B) (rssMB, heapMB float64) {
	rssMB, _, err := procMemory(l.statusFile())
	if err != nil {
		b.Logf("no resident memory figure: %v", err)
	}
	if l.pid != 0 {
		return rssMB, 0
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return rssMB, float64(ms.HeapInuse) / (1 << 20)
}

func startLoadBot(b *testing.B, srv *telegramtest.Server, env *storetest.Env) loadBot {
	b.Helper()
	if bin := os.Getenv("FOUNDERBOT_BIN"); bin != "" {
		l := execLoadBot(b, srv, bin)
		l.inbox = inboxOf(store.New(env.Client, "fb:")) // the bot's own keys
		return l
	}
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng := flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, log)
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		b.Fatal(err)
	}
	tg, err := telegram.New(telegram.Config{Token: token, APIURL: srv.URL(), Poll: 10 * time.Second, Rate: -1}, eng, env.Store, log)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	return loadBot{inbox: inboxOf(env.Store), stop: func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("telegram Run: %v", err)
			}
		case <-time.After(loadWait):
			b.Errorf("the bot did not stop within %v", loadWait)
		}
	}}
}

func inboxOf(st *store.Redis) func(int64) (int64, error) {
	return func(chat int64) (int64, error) {
		return st.InboxLen(context.Background(), "tg:"+strconv.FormatInt(chat, 10))
	}
}

// execLoadBot runs the founderbot binary bin on the fake Bot API.
func execLoadBot(b *testing.B, srv *telegramtest.Server, bin string) loadBot {
	b.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN="+token, "TELEGRAM_API_URL="+srv.URL(),
		"HUB_NAME=StartGate", "DEFAULT_LANGUAGE=fr", "LOG_LEVEL=warn", "FOUNDERBOT_EPHEMERAL=1", "HTTP_ADDR=off")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatalf("start %s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return loadBot{pid: cmd.Process.Pid, stop: func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("%s: %v; its log:\n%s", bin, err, logs.String())
			}
		case <-time.After(loadWait):
			_ = cmd.Process.Kill()
			<-done
			b.Errorf("%s did not stop within %v; its log:\n%s", bin, loadWait, logs.String())
		}
	}}
}

// founderLoad is one round of founders and the updates waiting for the bot.
type founderLoad struct {
	srv    *telegramtest.Server
	inbox  func(chat int64) (int64, error) // updates waiting in the chat's mailbox
	queue  chan pushed                     // updates answered
	failed chan error                      // a founder's first failure
	resume chan struct{}                   // closed when the founders may go on past loadMidway
	stop   chan struct{}                   // closed when the round ends, well or not
	wg     sync.WaitGroup
}

// pushed is an update the bot answered.
type pushed struct{ id int64 }

// runFounders runs one round: founders numbered from first upwards apply,
// pause midway for the measurement and finish. It returns the bot's memory
// at the pause, in MB.
func runFounders(b *testing.B, srv *telegramtest.Server, bot loadBot, first int64) (rssMB, heapMB float64) {
	l := &founderLoad{srv: srv, inbox: bot.inbox, queue: make(chan pushed, loadFounders), failed: make(chan error, 1),
		resume: make(chan struct{}), stop: make(chan struct{})}
	defer l.end(b)
	users := make([]models.User, loadFounders)
	for i := range users {
		id := first + int64(i)
		users[i] = models.User{ID: id, FirstName: "Founder", Username: "f" + strconv.FormatInt(id, 10), LanguageCode: "fr"}
		l.wg.Add(1)
		go l.founder(users[i])
	}
	l.serve(b, loadFounders*loadMidway)

	b.StopTimer()
	for _, u := range users {
		if got := lastPlain(srv, u.ID); !strings.Contains(got, "Question 6 sur 10") {
			b.Fatalf("founder %d at the pause sees %q; want question 6", u.ID, got)
		}
	}
	rssMB, heapMB = bot.memory(b)
	b.StartTimer()

	close(l.resume)
	l.serve(b, loadFounders*(len(loadSteps)-loadMidway))
	b.StopTimer()
	for _, u := range users {
		if got := lastPlain(srv, u.ID); !strings.Contains(got, "Candidature A-") {
			b.Fatalf("founder %d at the end sees %q; want the application received", u.ID, got)
		}
	}
	b.StartTimer()
	return rssMB, heapMB
}

// end stops the founders still running and waits for them.
func (l *founderLoad) end(b *testing.B) {
	close(l.stop)
	exited := make(chan struct{})
	go func() { l.wg.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(loadWait):
		b.Errorf("founders still running %v after the round", loadWait)
	}
}

// founder sends the application's updates one after the other, each once
// the bot answered the previous one.
func (l *founderLoad) founder(u models.User) {
	defer l.wg.Done()
	for i, st := range loadSteps {
		if i == loadMidway {
			select {
			case <-l.resume:
			case <-l.stop:
				return
			}
		}
		up := l.srv.Text(u, u.ID, st.text)
		if st.press != "" {
			msgs := l.srv.Messages(u.ID)
			if len(msgs) == 0 {
				l.fail(fmt.Errorf("founder %d, step %d: no message to press %q on", u.ID, i, st.press))
				return
			}
			m := msgs[len(msgs)-1]
			data, ok := callbackData(m, st.press)
			if !ok {
				l.fail(fmt.Errorf("founder %d, step %d: no button %q on %q", u.ID, i, st.press, m.Plain))
				return
			}
			up = l.srv.Press(u, m, data)
		}
		before := len(l.srv.Messages(u.ID))
		p := pushed{id: l.srv.Push(up)}
		if err := l.answered(u.ID, before); err != nil {
			l.fail(fmt.Errorf("founder %d, step %d: %w", u.ID, i, err))
			return
		}
		select {
		case l.queue <- p:
		case <-l.stop:
			return
		}
	}
}

// answered waits until the bot answered the founder's last update: a new
// message came, and the chat's mailbox is empty (the update is
// acknowledged only after all its replies went out).
func (l *founderLoad) answered(chat int64, before int) error {
	if !l.srv.AwaitMessages(chat, before+1, loadWait) {
		return fmt.Errorf("no answer within %v", loadWait)
	}
	deadline := time.Now().Add(loadWait)
	for pause := 50 * time.Microsecond; ; pause = min(2*pause, time.Millisecond) {
		n, err := l.inbox(chat)
		if err != nil || n == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d updates still waiting after %v", n, loadWait)
		}
		time.Sleep(pause)
	}
}

func (l *founderLoad) fail(err error) {
	select {
	case l.failed <- err:
	default:
	}
}

// serve waits until the bot has answered n updates.
func (l *founderLoad) serve(b *testing.B, n int) {
	timer := time.NewTimer(loadWait)
	defer timer.Stop()
	for range n {
		timer.Reset(loadWait)
		select {
		case <-l.queue:
		case err := <-l.failed:
			b.Fatal(err)
		case <-timer.C:
			b.Fatalf("no founder sent anything for %v", loadWait)
		}
	}
}

func callbackData(m telegramtest.SentMessage, label string) (string, bool) {
	for _, row := range m.Keyboard {
		for _, btn := range row {
			if btn.Text == label && btn.CallbackData != "" {
				return btn.CallbackData, true
			}
		}
	}
	return "", false
}

func lastPlain(srv *telegramtest.Server, chatID int64) string {
	msgs := srv.Messages(chatID)
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Plain
}

// procMemory reads a process' resident memory now (VmRSS) and at its peak
// (VmHWM), in MB, from its status file in Linux's /proc.
func procMemory(status string) (rssMB, hwmMB float64, err error) {
	f, err := os.Open(status)
	if err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	found := 0
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", name, err)
		}
		if name == "VmRSS" {
			rssMB = kb / 1024
		} else {
			hwmMB = kb / 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("process status has no VmRSS and VmHWM")
	}
	return rssMB, hwmMB, nil
}
