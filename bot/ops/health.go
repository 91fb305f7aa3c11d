package ops

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Health answers the orchestrator's two questions: is the process alive
// (/healthz: it answers at all), and should it get traffic (/readyz: Redis
// answers within a short timeout, every part has started, and it is not
// shutting down). Make it with NewHealth; it is safe for concurrent use.
type Health struct {
	ping    func(ctx context.Context) error
	timeout time.Duration

	mu       sync.Mutex
	parts    []*part
	stopping bool
}

type part struct {
	name    string
	started bool
}

// NewHealth returns a Health that pings Redis with ping, bounded by timeout.
func NewHealth(ping func(ctx context.Context) error, timeout time.Duration) *Health {
	return &Health{ping: ping, timeout: timeout}
}

// Part registers a part that must start before the process is ready,
// and returns what to call once it has.
func (h *Health) Part(name string) (started func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := &part{name: name}
	h.parts = append(h.parts, p)
	return func() {
		h.mu.Lock()
		p.started = true
		h.mu.Unlock()
	}
}

// Stopping makes the process not ready from now on: load balancers stop
// sending it traffic while it finishes what it holds.
func (h *Health) Stopping() {
	h.mu.Lock()
	h.stopping = true
	h.mu.Unlock()
}

// Ready returns nil when the process should get traffic, else why not in one line.
func (h *Health) Ready(ctx context.Context) error {
	h.mu.Lock()
	stopping := h.stopping
	var waiting string
	for _, p := range h.parts {
		if !p.started {
			waiting = p.name
			break
		}
	}
	h.mu.Unlock()
	switch {
	case stopping:
		return fmt.Errorf("shutting down")
	case waiting != "":
		return fmt.Errorf("%s not started yet", waiting)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	if err := h.ping(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("redis did not answer within %s", h.timeout)
		}
		return fmt.Errorf("redis: %v", err)
	}
	return nil
}

// Routes are the operations endpoints, ready to mount on the HTTP server.
func Routes(h *Health, m *Metrics) map[string]http.Handler {
	return map[string]http.Handler{
		"GET /healthz": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, "ok")
		}),
		"GET /readyz": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if err := h.Ready(r.Context()); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, "not ready:", err)
				return
			}
			fmt.Fprintln(w, "ready")
		}),
		"GET /metrics": m.Handler(),
	}
}
