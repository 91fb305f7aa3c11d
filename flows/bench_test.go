//go:build unix

// Unix only: BenchmarkApplicationStep reads the process CPU time with getrusage.

package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

// benchStep is one thing a founder does in a complete application.
type benchStep struct {
	kind    flows.Kind
	text    string // KindCommand: the command; KindText: what is typed
	suffix  string // KindButton: the end of the button's data, ".<action>"
	submits bool
}

// applySteps is a complete application as founders go through it,
// Back-free but with a skipped question, an edit from the summary and a
// /status at the end: 16 events, each a step of the benchmarks.
var applySteps = []benchStep{
	{kind: flows.KindCommand, text: "apply"},
	{kind: flows.KindText, text: "Acme Mobility"},
	{kind: flows.KindText, text: "Youssef El Amrani"},
	{kind: flows.KindText, text: "youssef@acme.io"},
	{kind: flows.KindButton, suffix: ".skip"},
	{kind: flows.KindText, text: "Rabat, Morocco"},
	{kind: flows.KindButton, suffix: ".v:mobility"},
	{kind: flows.KindButton, suffix: ".v:scaling"},
	{kind: flows.KindText, text: "12"},
	{kind: flows.KindText, text: "Shared e-scooters for Moroccan university campuses."},
	{kind: flows.KindButton, suffix: ".skip"},
	{kind: flows.KindButton, suffix: ".edit"},
	{kind: flows.KindButton, suffix: ".e:team"},
	{kind: flows.KindText, text: "15"},
	{kind: flows.KindButton, suffix: ".submit", submits: true},
	{kind: flows.KindCommand, text: "status"},
}

// ringSize founders take turns, so that every step of the application is
// in the mix at all times and the store holds many sessions at once.
const ringSize = 64

type benchFounder struct {
	id   flows.FounderID
	next int // index in applySteps
	last flows.Result
}

// ring drives complete applications through an engine, one event per call
// to step; a founder who submitted is replaced by a new one.
type ring struct {
	eng      *flows.Engine
	founders []benchFounder
	turn     int
	founder  int64 // the last founder number used; founders are tg:<number>
	update   int64 // the last update ID used
	done     int   // applications submitted
}

// newRing starts size founders numbered from first on.
func newRing(tb testing.TB, st flows.Store, size int, first int64) *ring {
	tb.Helper()
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		tb.Fatal(err)
	}
	eng := flows.NewEngine(st, cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	if err := eng.Register(application.NewForm(st, application.FormConfig{Hub: "StartGate"}).Conversation()); err != nil {
		tb.Fatal(err)
	}
	// Sequential IDs: random ones would collide now and then in a long run
	// and add a round trip to some submits, which is noise here.
	var ids int64
	eng.NewID = func() string { ids++; return "A-" + strconv.FormatInt(ids, 36) }
	r := &ring{eng: eng, founders: make([]benchFounder, size), founder: first - 1}
	for i := range r.founders {
		r.founders[i] = r.newFounder()
	}
	return r
}

func (r *ring) newFounder() benchFounder {
	r.founder++
	return benchFounder{id: flows.FounderID("tg:" + strconv.FormatInt(r.founder, 10))}
}

// stagger spreads the founders over the application, so that measuring
// starts in the steady state rather than with everyone at /apply.
func (r *ring) stagger(ctx context.Context) error {
	for i := range r.founders {
		for range i % len(applySteps) {
			if err := r.stepFounder(ctx, &r.founders[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// step applies the next event of the next founder in turn.
func (r *ring) step(ctx context.Context) error {
	f := &r.founders[r.turn]
	r.turn++
	if r.turn == len(r.founders) {
		r.turn = 0
	}
	return r.stepFounder(ctx, f)
}

func (r *ring) stepFounder(ctx context.Context, f *benchFounder) error {
	st := &applySteps[f.next]
	r.update++
	ev := flows.Event{Founder: f.id, UpdateID: strconv.FormatInt(r.update, 10), Kind: st.kind,
		LangHint: "en", Name: "Youssef", Handle: "youssef"}
	switch st.kind {
	case flows.KindCommand:
		ev.Command = st.text
	case flows.KindText:
		ev.Text = st.text
	case flows.KindButton:
		d, ok := buttonData(f.last, st.suffix)
		if !ok {
			return fmt.Errorf("%s step %d: no button *%s in %+v", f.id, f.next, st.suffix, f.last.Replies)
		}
		ev.Data = d
	}
	res, err := r.eng.Handle(ctx, ev)
	switch {
	case err != nil:
		return fmt.Errorf("%s step %d: %w", f.id, f.next, err)
	case res.Duplicate || res.Expired || len(res.Replies) == 0:
		return fmt.Errorf("%s step %d: got %+v; want a fresh answer", f.id, f.next, res)
	case st.submits != (application.SubmittedIn(res) != nil):
		return fmt.Errorf("%s step %d: submitted = %v; want %v", f.id, f.next, application.SubmittedIn(res), st.submits)
	}
	f.last = res
	f.next++
	if f.next == len(applySteps) {
		r.done++
		*f = r.newFounder()
	}
	return nil
}

func buttonData(res flows.Result, suffix string) (string, bool) {
	for _, rep := range res.Replies {
		for _, row := range rep.Buttons {
			for _, b := range row {
				if strings.HasSuffix(b.Data, suffix) {
					return b.Data, true
				}
			}
		}
	}
	return "", false
}

// cpuTime is the CPU time this process used so far, in user space and in
// the kernel (on loopback, the kernel time includes much of Redis' side of
// the TCP traffic, which runs in the sender's system calls).
func cpuTime(tb testing.TB) (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// BenchmarkApplicationStep measures one event of a complete application
// through the engine and store.Redis: on miniredis, or on the Redis at
// REDIS_URL. Besides ns/op and allocs/op it reports the Redis round trips
// per step (mean and worst) and the process CPU time per step, user and
// system. On a real Redis that CPU time is the bot's own, Redis excluded;
// on miniredis it includes the in-process server's work too.
func BenchmarkApplicationStep(b *testing.B) {
	ctx := context.Background()
	env := storetest.New(b)
	// One application first, so every script is in Redis' cache and the
	// timed steps never pay for the EVALSHA → EVAL fallback.
	warm := newRing(b, env.Store, 1, 1)
	for range applySteps {
		if err := warm.step(ctx); err != nil {
			b.Fatal(err)
		}
	}
	r := newRing(b, env.Store, ringSize, 1_000_000)
	if err := r.stagger(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	base, worst := env.Calls.Load(), int64(0)
	user, sys := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		before := env.Calls.Load()
		if err := r.step(ctx); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, env.Calls.Load()-before)
	}
	b.StopTimer()
	user2, sys2 := cpuTime(b)
	b.ReportMetric(float64(env.Calls.Load()-base)/float64(b.N), "rt/step")
	b.ReportMetric(float64(worst), "max-rt/step")
	b.ReportMetric(float64((user2-user).Nanoseconds())/float64(b.N), "user-ns/step")
	b.ReportMetric(float64((sys2-sys).Nanoseconds())/float64(b.N), "sys-ns/step")
	if worst > 3 {
		b.Errorf("a step took %d Redis round trips; the target is at most 3", worst)
	}
}

// BenchmarkEngineCPU runs the same steps on an in-memory store, so ns/op is
// the engine's CPU per step without Redis or its client. "map" keeps
// sessions as values; "json" encodes them as store.Redis does, adding the
// codec's share of the bot's CPU.
func BenchmarkEngineCPU(b *testing.B) {
	for _, codec := range []string{"map", "json"} {
		b.Run(codec, func(b *testing.B) {
			ctx := context.Background()
			r := newRing(b, newMemStore(codec == "json"), ringSize, 1_000_000)
			if err := r.stagger(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := r.step(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// memStore is a flows.Store in memory with store.Redis' contract: versions,
// update dedupe, application IDs and independent copies of what it holds.
type memStore struct {
	encode bool

	mu       sync.Mutex
	sessions map[flows.FounderID]memSession
	applied  map[string]bool // founder + "\n" + update ID
	owners   map[string]flows.FounderID
	apps     map[flows.FounderID][]flows.Application // newest first
}

type memSession struct {
	version int64
	s       flows.Session
	d       []byte // the session as JSON, when encoding
}

func newMemStore(encode bool) *memStore {
	return &memStore{encode: encode, sessions: map[flows.FounderID]memSession{}, applied: map[string]bool{},
		owners: map[string]flows.FounderID{}, apps: map[flows.FounderID][]flows.Application{}}
}

func (m *memStore) LoadSession(_ context.Context, f flows.FounderID, updateID string) (flows.Session, int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if updateID != "" && m.applied[string(f)+"\n"+updateID] {
		return flows.Session{}, 0, true, nil
	}
	ms, ok := m.sessions[f]
	if !ok {
		return flows.Session{}, 0, false, nil
	}
	if m.encode {
		var s flows.Session
		if err := json.Unmarshal(ms.d, &s); err != nil {
			return s, 0, false, fmt.Errorf("decode session of %s: %w", f, err)
		}
		return s, ms.version, false, nil
	}
	s := ms.s
	s.Answers = maps.Clone(s.Answers)
	return s, ms.version, false, nil
}

func (m *memStore) SaveSession(_ context.Context, f flows.FounderID, updateID string, version int64, s flows.Session, app *flows.Application, _ *flows.Result) error {
	ms := memSession{s: s}
	if m.encode {
		d, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encode session of %s: %w", f, err)
		}
		ms = memSession{d: d}
	} else {
		ms.s.Answers = maps.Clone(s.Answers)
	}
	var a flows.Application
	if app != nil {
		a = cloneApp(*app)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := string(f) + "\n" + updateID
	if updateID != "" && m.applied[key] {
		return flows.ErrDuplicate
	}
	if m.sessions[f].version != version {
		return flows.ErrConflict
	}
	ms.version = version + 1
	m.sessions[f] = ms
	if updateID != "" {
		m.applied[key] = true
	}
	if app != nil {
		m.apps[f] = append([]flows.Application{a}, m.apps[f]...)
	}
	return nil
}

func (m *memStore) ReserveApplicationID(_ context.Context, id string, f flows.FounderID, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, taken := m.owners[id]; taken {
		return flows.ErrIDTaken
	}
	m.owners[id] = f
	return nil
}

func (m *memStore) ReleaseApplicationID(_ context.Context, id string, f flows.FounderID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owners[id] == f {
		delete(m.owners, id)
	}
	return nil
}

func (m *memStore) Applications(_ context.Context, f flows.FounderID) ([]flows.Application, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]flows.Application, len(m.apps[f]))
	for i, a := range m.apps[f] {
		out[i] = cloneApp(a)
	}
	return out, nil
}

func (m *memStore) UpdateApplication(_ context.Context, id string, fn func(*flows.Application) error) (flows.Application, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	apps := m.apps[m.owners[id]]
	for i := range apps {
		if apps[i].ID != id {
			continue
		}
		a := cloneApp(apps[i])
		if err := fn(&a); err != nil {
			return flows.Application{}, err
		}
		apps[i] = a
		return cloneApp(a), nil
	}
	return flows.Application{}, flows.ErrNotFound
}

func cloneApp(a flows.Application) flows.Application {
	a.Answers = maps.Clone(a.Answers)
	a.Audit = slices.Clone(a.Audit)
	a.Info = slices.Clone(a.Info)
	return a
}

// TestMemStoreContract keeps the benchmark's store honest: it must refuse
// what store.Redis refuses, or BenchmarkEngineCPU measures another engine.
func TestMemStoreContract(t *testing.T) {
	for _, encode := range []bool{false, true} {
		ctx := context.Background()
		m := newMemStore(encode)
		const f = flows.FounderID("tg:1")
		s := flows.Session{Flow: "apply", Answers: map[string]string{"startup": "Acme"}}
		if err := m.SaveSession(ctx, f, "1", 0, s, nil, nil); err != nil {
			t.Fatalf("first save: %v", err)
		}
		s.Answers["startup"] = "changed after saving"
		got, ver, seen, err := m.LoadSession(ctx, f, "2")
		if err != nil || seen || ver != 1 || got.Answers["startup"] != "Acme" {
			t.Errorf("encode=%v: load = %+v, %d, %v, %v; want the saved copy at version 1", encode, got, ver, seen, err)
		}
		if _, _, seen, _ := m.LoadSession(ctx, f, "1"); !seen {
			t.Errorf("encode=%v: update 1 not seen after it was saved", encode)
		}
		if err := m.SaveSession(ctx, f, "1", 1, got, nil, nil); !errors.Is(err, flows.ErrDuplicate) {
			t.Errorf("encode=%v: saving update 1 again = %v; want ErrDuplicate", encode, err)
		}
		if err := m.SaveSession(ctx, f, "3", 0, got, nil, nil); !errors.Is(err, flows.ErrConflict) {
			t.Errorf("encode=%v: saving on version 0 = %v; want ErrConflict", encode, err)
		}
		if err := m.ReserveApplicationID(ctx, "A-1", f, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := m.ReserveApplicationID(ctx, "A-1", "tg:2", time.Time{}); !errors.Is(err, flows.ErrIDTaken) {
			t.Errorf("encode=%v: reserving a taken ID = %v; want ErrIDTaken", encode, err)
		}
	}
}

// TestBenchApplication runs the benchmarks' application once on each
// store, so a change to the form that breaks them fails in go test.
func TestBenchApplication(t *testing.T) {
	ctx := context.Background()
	for name, st := range map[string]flows.Store{"redis": storetest.New(t).Store, "memory": newMemStore(true)} {
		r := newRing(t, st, 2, 1_000_000)
		for range 2 * len(applySteps) {
			if err := r.step(ctx); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if r.done != 2 {
			t.Errorf("%s: %d applications submitted; want 2", name, r.done)
		}
		apps, err := st.Applications(ctx, "tg:1000000")
		if err != nil || len(apps) != 1 || apps[0].Answers["team"] != "15" {
			t.Errorf("%s: applications of the first founder = %+v, %v; want one with team 15", name, apps, err)
		}
	}
}
