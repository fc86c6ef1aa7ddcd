package traverse

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// walker holds the graph state of one traversal.
type walker struct {
	store kg.Store
	query []float32
	c     *config
	known map[string]*Node    // discovered nodes
	cache map[string]*kg.Node // nodes read from the store (nil: not stored)
	sims  map[string]float64
	used  map[linkKey]int // followed links and their depth
}

func newWalker(store kg.Store, query []float32, c *config) *walker {
	return &walker{store: store, query: query, c: c,
		known: map[string]*Node{}, cache: map[string]*kg.Node{},
		sims: map[string]float64{}, used: map[linkKey]int{}}
}

// similarity returns the cosine of n to the query (0 without embedding).
func (w *walker) similarity(n *kg.Node) (float64, error) {
	if s, ok := w.sims[n.ID]; ok {
		return s, nil
	}
	var s float64
	if len(n.Embedding) > 0 {
		if len(n.Embedding) != len(w.query) {
			return 0, fmt.Errorf("%w: traverse: node %q: embedding has %d dimensions, the query %d",
				kg.ErrDimension, n.ID, len(n.Embedding), len(w.query))
		}
		s = kg.Cosine(w.query, n.Embedding)
	}
	w.sims[n.ID] = s
	return s, nil
}

// discover records n at depth and returns it.
func (w *walker) discover(n *kg.Node, depth int) (*Node, error) {
	s, err := w.similarity(n)
	if err != nil {
		return nil, err
	}
	d := &Node{Node: *n, Depth: depth, Similarity: s}
	w.known[n.ID] = d
	return d, nil
}

// start returns the start set: the vector search, then the initial roots.
func (w *walker) start(ctx context.Context) ([]*Node, error) {
	var out []*Node
	if w.c.startK > 0 {
		hits, err := w.store.VectorSearch(ctx, w.query, w.c.startK, w.c.filter)
		if err != nil {
			return nil, errStore("start search", err)
		}
		for i := range hits {
			n := &hits[i].Node
			if w.known[n.ID] != nil {
				continue
			}
			w.cache[n.ID] = n
			d, err := w.discover(n, 0)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	if len(w.c.roots) > 0 {
		if err := w.fetch(ctx, w.c.roots); err != nil {
			return nil, err
		}
		for _, id := range w.c.roots {
			if n := w.cache[id]; n != nil && w.known[id] == nil {
				d, err := w.discover(n, 0)
				if err != nil {
					return nil, err
				}
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// fetch reads the nodes among ids that are not cached yet.
func (w *walker) fetch(ctx context.Context, ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := w.cache[id]; !ok {
			w.cache[id] = nil // also de-duplicates missing
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	nodes, err := w.store.Nodes(ctx, missing)
	if err != nil {
		return errStore("read nodes", err)
	}
	if len(nodes) != len(missing) {
		return fmt.Errorf("traverse: read nodes: store returned %d entries for %d ids", len(nodes), len(missing))
	}
	for i, n := range nodes {
		if n != nil && n.ID == missing[i] {
			w.cache[n.ID] = n
		}
	}
	return nil
}

// expand follows the links of the marked nodes that no round followed
// yet, and returns the newly discovered nodes, most similar first.
func (w *walker) expand(ctx context.Context, marked []*Node) ([]*Node, error) {
	fresh := map[linkKey]int{} // links followed now → depth
	follow := func(k linkKey, depth int) {
		if _, ok := w.used[k]; ok {
			return
		}
		if d, ok := fresh[k]; !ok || depth < d {
			fresh[k] = depth
		}
	}
	// Metadata links come from the marked nodes' own properties; a spec
	// none of whose links is new needs no store edges.
	active := make([]bool, len(w.c.edges))
	for i, s := range w.c.edges {
		if s.IsRelation() {
			active[i] = true
			continue
		}
		before := len(fresh)
		for _, m := range marked {
			for _, k := range outgoing(&m.Node, s) {
				follow(k, m.Depth+1)
			}
		}
		active[i] = len(fresh) > before
	}
	// Candidates: the marked nodes themselves (a node may meet its own
	// link's condition) and their neighbours over the specs' edges.
	pool := make([]string, 0, len(marked))
	for _, m := range marked {
		pool = append(pool, m.ID)
	}
	nbrs, err := w.neighbors(ctx, marked, active, follow)
	if err != nil {
		return nil, err
	}
	pool = append(pool, nbrs...)
	if len(fresh) == 0 {
		return nil, nil
	}
	if err := w.fetch(ctx, pool); err != nil {
		return nil, err
	}
	type cand struct {
		n   *kg.Node
		sim float64
	}
	var cands []cand
	seen := map[string]bool{}
	for _, id := range pool {
		n := w.cache[id]
		if n == nil || seen[id] || len(n.Embedding) == 0 || !w.c.filter.Match(n) {
			continue
		}
		seen[id] = true
		reached := false
		for _, k := range incoming(n, w.c.edges) {
			if _, ok := fresh[k]; ok {
				reached = true
				break
			}
		}
		if !reached {
			continue
		}
		s, err := w.similarity(n)
		if err != nil {
			return nil, err
		}
		cands = append(cands, cand{n, s})
	}
	for k, d := range fresh {
		w.used[k] = d
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.sim, a.sim), cmp.Compare(a.n.ID, b.n.ID))
	})
	var out []*Node
	for _, c := range cands[:min(len(cands), w.c.adjacentK)] {
		if w.known[c.n.ID] != nil {
			continue
		}
		depth := -1
		for _, k := range incoming(c.n, w.c.edges) {
			if d, ok := w.used[k]; ok && (depth < 0 || d < depth) {
				depth = d
			}
		}
		d, err := w.discover(c.n, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// neighbors reads the marked nodes' edges of every active spec and returns the
// IDs at their other ends; relation edges are followed as links to those
// IDs through follow.
func (w *walker) neighbors(ctx context.Context, marked []*Node, active []bool, follow func(linkKey, int)) ([]string, error) {
	ids := make([]string, len(marked))
	for i, m := range marked {
		ids[i] = m.ID
	}
	var out []string
	for _, dir := range []kg.Direction{kg.Outgoing, kg.Incoming, kg.Both} {
		var specs []EdgeSpec
		var types []string
		for i, s := range w.c.edges {
			if active[i] && s.Direction == dir {
				specs = append(specs, s)
				if !slices.Contains(types, s.EdgeType()) {
					types = append(types, s.EdgeType())
				}
			}
		}
		if len(specs) == 0 {
			continue
		}
		lists, err := w.store.Neighbors(ctx, ids, kg.NeighborOptions{EdgeTypes: types, Direction: dir})
		if err != nil {
			return nil, errStore("neighbors", err)
		}
		if len(lists) != len(ids) {
			return nil, fmt.Errorf("traverse: neighbors: store returned %d lists for %d ids", len(lists), len(ids))
		}
		for i, list := range lists {
			m := marked[i]
			for _, e := range list {
				other := e.To
				if e.To == m.ID && (dir == kg.Incoming || e.From != m.ID) {
					other = e.From
				}
				out = append(out, other)
				for _, s := range specs {
					if s.IsRelation() && s.EdgeType() == e.Type {
						follow(idKey(other), m.Depth+1)
					}
				}
			}
		}
	}
	return out, nil
}
