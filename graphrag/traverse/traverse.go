package traverse

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Defaults of the traversal options (those of the graph-rag reference).
const (
	DefaultSelectK   = 5
	DefaultStartK    = 4
	DefaultAdjacentK = 10
)

// Option configures Run.
type Option func(*config)

type config struct {
	edges     []EdgeSpec
	selectK   int
	startK    int
	adjacentK int
	maxDepth  int // < 0: no limit
	depthSet  bool
	filter    *kg.Filter
	roots     []string
}

// WithEdges adds edge specs the traversal follows (default none: the
// result comes from the start set alone). Calls accumulate.
func WithEdges(specs ...EdgeSpec) Option {
	return func(c *config) { c.edges = append(c.edges, specs...) }
}

// WithSelectK sets how many nodes the traversal returns at most
// (default DefaultSelectK; at least 1).
func WithSelectK(k int) Option { return func(c *config) { c.selectK = k } }

// WithStartK sets how many nodes the vector search for the start set
// returns (default DefaultStartK; 0 starts from the initial roots only).
func WithStartK(k int) Option { return func(c *config) { c.startK = k } }

// WithAdjacentK sets how many nodes each expansion considers: the links
// followed in a round reach candidates, and only the adjacentK most
// similar to the query among them (those already discovered included)
// are kept; the new ones among these are discovered (default
// DefaultAdjacentK; 0 discovers nothing beyond the start set).
func WithAdjacentK(k int) Option { return func(c *config) { c.adjacentK = k } }

// WithMaxDepth limits the depth of discovered nodes (default: no limit).
// Only nodes below depth d are expanded, so 0 returns the start set only.
func WithMaxDepth(d int) Option {
	return func(c *config) { c.maxDepth, c.depthSet = d, true }
}

// WithFilter keeps only nodes that match f, in the start search and in
// every expansion (default nil: all). The initial roots are not filtered.
func WithFilter(f *kg.Filter) Option { return func(c *config) { c.filter = f } }

// WithInitialRoots adds nodes, by ID, to the start set at depth 0, after
// the search results (default none). Unknown IDs are ignored and a
// repeated ID counts once. Calls accumulate.
func WithInitialRoots(ids ...string) Option {
	return func(c *config) { c.roots = append(c.roots, ids...) }
}

func (c *config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: traverse: %s", kg.ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case c.selectK < 1:
		return bad("select_k = %d: must be at least 1", c.selectK)
	case c.startK < 0:
		return bad("start_k = %d: must not be negative", c.startK)
	case c.adjacentK < 0:
		return bad("adjacent_k = %d: must not be negative", c.adjacentK)
	case c.depthSet && c.maxDepth < 0:
		return bad("max_depth = %d: must not be negative", c.maxDepth)
	}
	for i, s := range c.edges {
		if err := s.Validate(fmt.Sprintf("edges[%d]", i)); err != nil {
			return err
		}
	}
	for i, id := range c.roots {
		if id == "" {
			return bad("initial_roots[%d] is empty", i)
		}
	}
	return nil
}

// Run traverses the graph in store for the query embedding query and
// returns what strategy selects, at most select_k results in the
// strategy's order.
//
// The start set is the vector search for query (start_k nodes, with the
// filter) followed by the initial roots, all at depth 0. Then rounds
// repeat: the strategy sees the nodes discovered last, selects some and
// marks some for expansion; the traversal stops when select_k nodes are
// selected or nothing was marked. Expansion follows the links of the
// marked nodes (see EdgeSpec) that no earlier round followed, reading
// store edges with kg.Store.Neighbors and nodes with kg.Store.Nodes: the
// nodes those links reach that match the filter and are embedded
// compete, with any already discovered, for the adjacent_k places closest
// to the query, and the new ones among the winners are discovered, most
// similar first.
//
// Invalid input (a nil store or strategy, an empty or non-finite query, a
// bad option or strategy setting) gives an error matching kg.ErrInvalid
// that names the field; a node embedded with another dimension than the
// query gives kg.ErrDimension. Store errors are returned wrapped, and a
// cancelled ctx stops the traversal between store calls with ctx.Err().
func Run(ctx context.Context, store kg.Store, query []float32, strategy Strategy, opts ...Option) ([]Result, error) {
	c := config{selectK: DefaultSelectK, startK: DefaultStartK, adjacentK: DefaultAdjacentK, maxDepth: -1}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if err := validateCall(store, query, strategy); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	sel, err := strategy.Begin(query)
	if err != nil {
		return nil, err
	}
	if sel == nil {
		return nil, fmt.Errorf("%w: traverse: strategy %T: Begin returned no selector", kg.ErrInvalid, strategy)
	}
	w := newWalker(store, query, &c)
	t := newTracker(c.selectK, c.maxDepth, w.known)
	batch, err := w.start(ctx)
	for err == nil {
		sel.Iterate(batch, t)
		marked := t.takeExpand()
		if t.Remaining() == 0 || len(marked) == 0 {
			break
		}
		if err = ctx.Err(); err == nil {
			batch, err = w.expand(ctx, marked)
		}
	}
	if err != nil {
		return nil, err
	}
	out := sel.Finish(t.selected)
	return out[:min(len(out), c.selectK)], nil
}

func validateCall(store kg.Store, query []float32, strategy Strategy) error {
	switch {
	case store == nil:
		return fmt.Errorf("%w: traverse: store is nil", kg.ErrInvalid)
	case strategy == nil:
		return fmt.Errorf("%w: traverse: strategy is nil", kg.ErrInvalid)
	case len(query) == 0:
		return fmt.Errorf("%w: traverse: query embedding is empty", kg.ErrInvalid)
	}
	var norm float64
	for i, x := range query {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%w: traverse: query[%d] = %v is not finite", kg.ErrInvalid, i, x)
		}
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		return fmt.Errorf("%w: traverse: query embedding is the zero vector", kg.ErrInvalid)
	}
	return nil
}

// errStore wraps a store error with the operation that failed, keeping
// context errors recognisable.
func errStore(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("traverse: %s: %w", op, err)
}
