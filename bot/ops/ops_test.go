package ops

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/redis/go-redis/v9"
)

// scrape GETs /metrics through the routes and parses it with the
// Prometheus text parser.
func scrape(t *testing.T, routes map[string]http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	routes["GET /metrics"].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, rec.Body.String())
	}
	out := map[string]float64{}
	for name, f := range fams {
		if !strings.HasPrefix(name, Namespace+"_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("family %s lacks the %s_ prefix", name, Namespace)
		}
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key+",count"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestMetricsMoveAndParse(t *testing.T) {
	m := NewMetrics()
	state := State{OutboxDepth: 4, OutboxOldest: time.Now().Add(-90 * time.Second), Unreachable: 2,
		Applications: map[string]int64{"submitted": 3, "accepted": 1}, Bookings: map[string]int64{"booked": 5}}
	reads := 0
	c := NewStateCollector(func(context.Context) (State, error) { reads++; return state, nil }, time.Minute, time.Second)
	if err := m.Register(c); err != nil {
		t.Fatal(err)
	}
	routes := Routes(NewHealth(func(context.Context) error { return nil }, time.Second), m)

	m.UpdateReceived("telegram", "command")
	m.UpdateReceived("telegram", "command")
	m.UpdateHandled("telegram", "command", 30*time.Millisecond)
	m.UpdateFailed("telegram", "text")
	m.DuplicateDropped("telegram")
	m.UpdateLimited("telegram", LimitDropped)
	m.UpdateLimited("telegram", LimitDropped)
	m.UpdateLimited("telegram", LimitSlowed)
	m.Message("telegram", MessageSent)
	m.Message("slack", MessageRateLimited)
	m.Message("telegram", "bogus") // not an outcome: counted nowhere
	m.RedisError("timeout")
	m.JobRan("remind", 2*time.Minute, nil)
	m.JobRan("periodic:digest", 0, errors.New("slack down"))
	m.JobDropped("oh_remind:1h")
	m.UpdateReceived("telegram", "<script>") // outside the set

	got := scrape(t, routes)
	for key, want := range map[string]float64{
		"founderbot_updates_received_total,kind=command,transport=telegram":        2,
		"founderbot_updates_received_total,kind=other,transport=telegram":          1,
		"founderbot_updates_handled_total,kind=command,transport=telegram":         1,
		"founderbot_update_handling_seconds,kind=command,transport=telegram,count": 1,
		"founderbot_updates_failed_total,kind=text,transport=telegram":             1,
		"founderbot_duplicates_dropped_total,transport=telegram":                   1,
		"founderbot_updates_limited_total,outcome=dropped,transport=telegram":      2,
		"founderbot_updates_limited_total,outcome=slowed,transport=telegram":       1,
		"founderbot_messages_sent_total,platform=telegram":                         1,
		"founderbot_messages_rate_limited_total,platform=slack":                    1,
		"founderbot_redis_command_errors_total,kind=timeout":                       1,
		"founderbot_jobs_run_total,job=remind":                                     1,
		"founderbot_jobs_late_total,job=remind":                                    1,
		"founderbot_jobs_failed_total,job=periodic:digest":                         1,
		"founderbot_jobs_dropped_total,job=oh_remind:1h":                           1,
		"founderbot_outbox_depth":                                                  4,
		"founderbot_founders_unreachable":                                          2,
		"founderbot_applications,status=submitted":                                 3,
		"founderbot_bookings,outcome=booked":                                       5,
		"founderbot_state_up":                                                      1,
	} {
		if got[key] != want {
			t.Errorf("%s = %v; want %v", key, got[key], want)
		}
	}
	if age := got["founderbot_outbox_oldest_age_seconds"]; age < 89 || age > 100 {
		t.Errorf("outbox_oldest_age_seconds = %v; want about 90", age)
	}
	if _, ok := got["founderbot_jobs_late_total,job=periodic:digest"]; ok {
		t.Errorf("a job on time counted late")
	}
	if _, ok := got["go_goroutines"]; !ok {
		t.Errorf("no Go collector")
	}
	scrape(t, routes)
	if reads != 1 {
		t.Errorf("store read %d times for two scrapes within maxAge; want 1", reads)
	}
}

func TestStateCollectorFailure(t *testing.T) {
	m := NewMetrics()
	c := NewStateCollector(func(ctx context.Context) (State, error) {
		<-ctx.Done() // a frozen Redis: the timeout ends the reading
		return State{}, ctx.Err()
	}, 0, 50*time.Millisecond)
	if err := m.Register(c); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, Routes(NewHealth(func(context.Context) error { return nil }, time.Second), m))
	if got["founderbot_state_up"] != 0 || got["founderbot_state_read_errors_total"] != 1 {
		t.Errorf("state_up = %v, read errors = %v; want 0, 1", got["founderbot_state_up"], got["founderbot_state_read_errors_total"])
	}
	if _, ok := got["founderbot_outbox_depth"]; ok {
		t.Errorf("a stale or zero outbox depth was reported while the store could not be read")
	}
}

func TestLabelSetsStayBounded(t *testing.T) {
	s := newOpenLabelSet(3)
	for _, v := range []string{"a", "b", "a", "c", "d", ""} {
		s.of(v)
	}
	if got := s.of("d"); got != other {
		t.Errorf("fourth value = %q; want %q", got, other)
	}
	if got := s.of("b"); got != "b" {
		t.Errorf("known value = %q; want b", got)
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

// TestReadiness: ready once every part started and while Redis answers;
// not ready, with a one-line reason, when Redis fails and when stopping.
func TestReadiness(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	h := NewHealth(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }, 200*time.Millisecond)
	started := h.Part("telegram")
	routes := Routes(h, NewMetrics())
	mux := http.NewServeMux()
	for p, hh := range routes {
		mux.Handle(p, hh)
	}
	check := func(wantCode int, wantBody string) {
		t.Helper()
		code, body := get(t, mux, "/readyz")
		if code != wantCode || !strings.Contains(body, wantBody) || strings.Count(body, "\n") != 1 {
			t.Errorf("/readyz = %d %q; want %d with %q on one line", code, body, wantCode, wantBody)
		}
	}
	check(http.StatusServiceUnavailable, "telegram not started")
	started()
	check(http.StatusOK, "ready")
	mr.SetError("LOADING Redis is loading the dataset in memory")
	check(http.StatusServiceUnavailable, "redis")
	mr.SetError("")
	check(http.StatusOK, "ready")
	if code, _ := get(t, mux, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d; want 200", code)
	}
	h.Stopping()
	check(http.StatusServiceUnavailable, "shutting down")
	if code, _ := get(t, mux, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while stopping = %d; want 200 (alive)", code)
	}
}

// TestRedisHook counts failed commands by kind, and not redis.Nil.
func TestRedisHook(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	defer rdb.Close()
	m := NewMetrics()
	rdb.AddHook(RedisHook{M: m})
	ctx := context.Background()
	routes := Routes(NewHealth(func(context.Context) error { return nil }, time.Second), m)
	// The connection's handshake (HELLO, CLIENT SETINFO) goes through the
	// hooks too, and miniredis refuses part of it: count from after it.
	rdb.Ping(ctx)
	before := scrape(t, routes)
	rdb.Get(ctx, "missing") // redis.Nil: fine
	rdb.Do(ctx, "NOSUCHCOMMAND")
	mr.Close()
	rdb.Ping(ctx)
	got := scrape(t, routes)
	for kind, want := range map[string]float64{"server": 1, "network": 1} {
		key := "founderbot_redis_command_errors_total,kind=" + kind
		if got[key]-before[key] != want {
			t.Errorf("%s errors: %v then %v; want %v more", kind, before[key], got[key], want)
		}
	}
}
