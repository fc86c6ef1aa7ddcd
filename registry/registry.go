package registry

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/kgas-dev/kgas/tool"
)

// Errors returned by registries; match them with errors.Is.
var (
	// ErrDuplicate: a tool with the same ID is already registered.
	ErrDuplicate = errors.New("registry: duplicate tool id")
	// ErrClosed: the registry was closed.
	ErrClosed = errors.New("registry: closed")
	// ErrUnknownTool is tool.ErrUnknownTool, re-exported for convenience.
	ErrUnknownTool = tool.ErrUnknownTool
)

// Factory makes a tool. A registry calls it at most once, the first time
// the tool is needed.
type Factory func() (tool.Tool, error)

// Registry holds tools by ID. The zero value is not usable; call [New].
type Registry struct {
	mu      sync.RWMutex
	entries map[string]*entry
	closed  bool
	global  chan struct{} // nil when unbounded
	hooks   Hooks
}

type entry struct {
	id        string
	factory   Factory
	once      sync.Once
	t         tool.Tool
	err       error
	sem       chan struct{} // nil when unbounded
	closeOnce sync.Once
}

// New makes an empty registry.
func New(opts ...Option) *Registry {
	o := options{maxConcurrency: DefaultMaxConcurrency}
	for _, opt := range opts {
		opt(&o)
	}
	r := &Registry{entries: make(map[string]*entry), hooks: o.hooks}
	if o.maxConcurrency > 0 {
		r.global = make(chan struct{}, o.maxConcurrency)
	}
	return r
}

// Register adds t. The ID must be valid (see tool.Metadata) and not yet
// registered.
func (r *Registry) Register(t tool.Tool) error {
	if t == nil {
		return errors.New("registry: Register: tool is nil")
	}
	w, err := tool.Wrap(t)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	e := &entry{id: w.Metadata().ID}
	e.once.Do(func() { e.set(w) })
	return r.add(e)
}

// MustRegister is Register for init-time code, where an error is a
// programming error: it panics on error.
func (r *Registry) MustRegister(t tool.Tool) {
	if err := r.Register(t); err != nil {
		panic(err)
	}
}

// RegisterFactory adds a tool made lazily by f, the first time the tool is
// needed (by Get, Find, List, Execute or InitializeAll). The tool f makes
// must carry the ID id.
func (r *Registry) RegisterFactory(id string, f Factory) error {
	if f == nil {
		return fmt.Errorf("registry: RegisterFactory %q: factory is nil", id)
	}
	if err := (tool.Metadata{ID: id, Description: "-"}).Validate(); err != nil {
		return fmt.Errorf("registry: RegisterFactory: %w", err)
	}
	return r.add(&entry{id: id, factory: f})
}

func (r *Registry) add(e *entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if _, ok := r.entries[e.id]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicate, e.id)
	}
	r.entries[e.id] = e
	return nil
}

func (e *entry) set(t tool.Tool) {
	e.t = t
	if n := t.Capabilities().Limit(); n > 0 {
		e.sem = make(chan struct{}, n)
	}
}

// resolve makes the entry's tool, once.
func (e *entry) resolve() (tool.Tool, error) {
	e.once.Do(func() {
		t, err := callFactory(e.factory)
		if err != nil {
			e.err = fmt.Errorf("registry: factory %q: %w", e.id, err)
			return
		}
		if t == nil {
			e.err = fmt.Errorf("registry: factory %q returned a nil tool", e.id)
			return
		}
		if got := t.Metadata().ID; got != e.id {
			e.err = fmt.Errorf("registry: factory %q made a tool with id %q", e.id, got)
			return
		}
		w, err := tool.Wrap(t)
		if err != nil {
			e.err = fmt.Errorf("registry: factory %q: %w", e.id, err)
			return
		}
		e.set(w)
	})
	return e.t, e.err
}

func callFactory(f Factory) (t tool.Tool, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panicked: %v", v)
		}
	}()
	return f()
}

func (r *Registry) lookup(id string) (*entry, error) {
	r.mu.RLock()
	e, ok := r.entries[id]
	closed := r.closed
	r.mu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q", tool.ErrUnknownTool, id)
	}
	return e, nil
}

// Get returns the tool with the given ID (making it if it was registered
// by a factory).
func (r *Registry) Get(id string) (tool.Tool, error) {
	e, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	return e.resolve()
}

// sorted returns the entries in ID order.
func (r *Registry) sorted() []*entry {
	r.mu.RLock()
	es := make([]*entry, 0, len(r.entries))
	for _, e := range r.entries {
		es = append(es, e)
	}
	r.mu.RUnlock()
	sort.Slice(es, func(i, j int) bool { return es[i].id < es[j].id })
	return es
}

// IDs returns the registered IDs in order.
func (r *Registry) IDs() []string {
	es := r.sorted()
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.id
	}
	return ids
}

// Len returns how many tools are registered.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.entries)
}

// Query selects tools in [Registry.Find]. Zero fields match everything.
type Query struct {
	// Category, when set, must equal the tool's category.
	Category string
	// AnyTags: the tool carries at least one of them.
	AnyTags []string
	// AllTags: the tool carries every one of them.
	AllTags []string
	// Capabilities: every flag set here must be set on the tool.
	Capabilities tool.Capabilities
	// IDs, when set, restricts the result to these IDs.
	IDs []string
}

// Match reports whether t satisfies q.
func (q Query) Match(t tool.Tool) bool {
	m := t.Metadata()
	if q.Category != "" && m.Category != q.Category {
		return false
	}
	if len(q.IDs) > 0 && !slices.Contains(q.IDs, m.ID) {
		return false
	}
	if len(q.AnyTags) > 0 && !slices.ContainsFunc(q.AnyTags, m.HasTag) {
		return false
	}
	for _, tag := range q.AllTags {
		if !m.HasTag(tag) {
			return false
		}
	}
	return t.Capabilities().Has(q.Capabilities)
}

// Find returns the tools matching q, in ID order. Tools whose factory
// failed are left out (InitializeAll and Get report the failure).
func (r *Registry) Find(q Query) []tool.Tool {
	var out []tool.Tool
	for _, e := range r.sorted() {
		t, err := e.resolve()
		if err == nil && q.Match(t) {
			out = append(out, t)
		}
	}
	return out
}

// List returns every tool in ID order (see Find for failed factories).
func (r *Registry) List() []tool.Tool { return r.Find(Query{}) }

// Close closes every tool that was made, once, and joins their errors
// (each naming its tool); each tool's Close waits for its calls in flight.
// Later calls to the registry fail with ErrClosed; calling Close again, or
// from several goroutines, is safe (the errors are returned once).
func (r *Registry) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	var errs []error
	for _, e := range r.sorted() {
		e.closeOnce.Do(func() {
			// Settle the factory first: an unmade tool is never made now.
			e.once.Do(func() { e.err = ErrClosed })
			if e.t != nil {
				if err := e.t.Close(); err != nil {
					errs = append(errs, fmt.Errorf("registry: close %q: %w", e.id, err))
				}
			}
		})
	}
	return errors.Join(errs...)
}
