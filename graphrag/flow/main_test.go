package flow_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard returns a context that ends the test's run if it deadlocks; tests
// never rely on it for ordering.
func guard(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// fakeClock is a clock the test sets.
type fakeClock struct{ ns atomic.Int64 }

var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *fakeClock) now() time.Time      { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) set(d time.Duration) { c.ns.Store(int64(d)) }

// events is a concurrency-safe log of "start x" / "end x" entries.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) index(s string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, x := range e.log {
		if x == s {
			return i
		}
	}
	return -1
}

// gate is closed once n parties have arrived.
type gate struct {
	n    atomic.Int32
	want int32
	once sync.Once
	ch   chan struct{}
}

func newGate(want int32) *gate { return &gate{want: want, ch: make(chan struct{})} }

// arrive registers one party and waits until all have arrived or ctx ends.
func (g *gate) arrive(ctx context.Context) error {
	if g.n.Add(1) == g.want {
		g.once.Do(func() { close(g.ch) })
	}
	select {
	case <-g.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
