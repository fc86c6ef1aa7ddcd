package flow

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Graph is a set of steps and their dependencies, built with Go, Then,
// Join2, Join3 and Step, and run once with Run. Adding steps is safe from
// several goroutines; a step added after Run has started never runs (its
// Future reports ErrInvalid).
type Graph struct {
	cfg    config
	cfgErr error

	mu      sync.Mutex
	nodes   []*node
	names   map[string]int // valid step name -> index in nodes
	started bool           // Run has been called
}

// Option configures New.
type Option func(*config) error

type config struct {
	maxConc int
	clock   func() time.Time
	hooks   []Hooks
}

// New returns an empty Graph. Defaults: unlimited concurrency, time.Now as
// the clock, no hooks. An invalid option makes Run fail with ErrInvalid.
func New(opts ...Option) *Graph {
	g := &Graph{cfg: config{clock: time.Now}, names: map[string]int{}}
	for i, opt := range opts {
		if opt == nil {
			g.cfgErr = invalid("", "option %d is nil", i)
			break
		}
		if err := opt(&g.cfg); err != nil {
			g.cfgErr = err
			break
		}
	}
	return g
}

// WithMaxConcurrency runs at most n steps at a time (default 0: unlimited).
// Ready steps wait for a free slot in the order they became ready, ties in
// the order they were added. n < 0 is invalid.
func WithMaxConcurrency(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return invalid("", "WithMaxConcurrency(%d): n must be >= 0", n)
		}
		c.maxConc = n
		return nil
	}
}

// WithClock sets the clock the trace reads (default time.Now), for tests
// and simulations. It is called from several goroutines at once, at the
// start and end of the run and of each step; nil is invalid.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return invalid("", "WithClock(nil): clock must not be nil")
		}
		c.clock = now
		return nil
	}
}

// WithHooks adds h to the hooks called at each step's start and end (default
// none). Given several times, all hooks are called, StepStart in the order
// given and StepEnd in reverse order.
func WithHooks(h Hooks) Option {
	return func(c *config) error {
		c.hooks = append(c.hooks, h)
		return nil
	}
}

// Dep is a step another step can depend on: a *Future of any type.
type Dep interface {
	flowNode() *node
}

// node states, for Future.Get and Future.Value.
const (
	statePending int32 = iota
	stateOK
	stateErr
)

// node is one step.
type node struct {
	g        *Graph
	idx      int
	name     string
	deps     []*node
	depNames []string // names of deps, nil if none
	run      func(context.Context) error
	invalid  error // validation error found when added

	// Written by the step's goroutine (or Run, for skipped steps) before the
	// node is sent to the scheduler or state is stored.
	started    bool
	start, end time.Time
	outcome    Outcome
	res        error // *StepError when outcome != OutcomeOK

	state atomic.Int32
}

// settle publishes the result of n to its Future.
func (n *node) settle(err error) {
	n.res = err
	if err == nil {
		n.state.Store(stateOK)
		return
	}
	n.state.Store(stateErr)
}

// add adds a step to g and returns its node. Problems are recorded in the
// node and reported by Run (or by the Future, when Run has started or g is
// nil).
func (g *Graph) add(name string, run func(context.Context) error, deps []Dep) *node {
	n := &node{g: g, name: name, run: run}
	if g == nil {
		n.settle(invalid(name, "graph is nil"))
		return n
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started {
		n.settle(invalid(name, "step added after Run"))
		return n
	}
	n.idx = len(g.nodes)
	n.invalid = g.check(n, deps)
	g.nodes = append(g.nodes, n)
	return n
}

// check validates n's name, function and dependencies, fills n.deps
// (without repeats) and records n's name. g.mu is held.
func (g *Graph) check(n *node, deps []Dep) error {
	if n.name == "" {
		return invalid(n.name, "step %d has an empty name", n.idx)
	}
	if first, dup := g.names[n.name]; dup {
		return invalid(n.name, "duplicate step name (also step %d)", first)
	}
	g.names[n.name] = n.idx
	if n.run == nil {
		return invalid(n.name, "function is nil")
	}
	for i, d := range deps {
		var dn *node
		if d != nil {
			dn = d.flowNode()
		}
		switch {
		case dn == nil:
			return invalid(n.name, "dependency %d is nil", i)
		case dn.g != g:
			return invalid(n.name, "dependency %d (%q) belongs to another graph", i, dn.name)
		case slices.Contains(n.deps, dn):
			continue
		}
		n.deps = append(n.deps, dn)
		n.depNames = append(n.depNames, dn.name)
	}
	return nil
}
