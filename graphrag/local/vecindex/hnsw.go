package vecindex

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// HNSW defaults. DefaultEfSearch 56 gives recall@10 0.974 on 100k×384
// clustered vectors (48: 0.959, 64: 0.981; see BenchmarkHNSW100kEf).
const (
	DefaultM              = 16
	DefaultEfConstruction = 200
	DefaultEfSearch       = 56
	maxLevelCap           = 32
)

// HNSWConfig holds the HNSW parameters; zero fields take the defaults.
type HNSWConfig struct {
	// M is the number of links per node on the upper layers (2*M on
	// layer 0). Default 16.
	M int
	// EfConstruction is the candidate-list size while inserting.
	// Default 200.
	EfConstruction int
	// EfSearch is the default candidate-list size of a search (raised to
	// k when k is larger). Default 56.
	EfSearch int
	// Seed seeds the level generator: the same insertion order and seed
	// build the same graph.
	Seed uint64
	// FloatSearch scores every visited node in float32 during a search.
	// By default (false) a search walks the graph with the int8 copies
	// of the vectors (a quarter of the memory traffic) and rescores its
	// final candidates in float32, so reported scores are exact either
	// way; recall differs only where int8 rounding reorders near-ties.
	FloatSearch bool
}

func (c HNSWConfig) withDefaults() HNSWConfig {
	if c.M <= 1 {
		c.M = DefaultM
	}
	if c.EfConstruction <= 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.EfSearch <= 0 {
		c.EfSearch = DefaultEfSearch
	}
	return c
}

// HNSW is an approximate cosine index (hierarchical navigable small-world
// graph). Deletes are tombstones: a deleted node stays in the graph for
// navigation but is never returned; Rebuild drops tombstones. Re-adding an
// ID tombstones its old node and inserts a new one.
// The zero value is not usable; create one with NewHNSW.
type HNSW struct {
	mu       sync.RWMutex
	dim      int
	cfg      HNSWConfig
	pcg      *rand.PCG
	rng      *rand.Rand
	vecs     []float32         // node-major, normalised
	stride   int               // int8 row length, i8Stride(dim)
	q8       []int8            // node-major int8 copies of vecs (kernel_i8.go)
	qrow     []quantRow        // node → scale of its int8 row
	ids      []uint64          // node → ID
	links    [][][]uint32      // node → layer → neighbours
	deleted  []bool            // node → tombstone
	byID     map[uint64]uint32 // live ID → node
	entry    int64             // entry node, -1 when empty
	maxLevel int               // layer of entry
	pool     sync.Pool         // *scratch
}

var _ Index = (*HNSW)(nil)

// NewHNSW returns an empty HNSW index for vectors of length dim.
func NewHNSW(dim int, cfg HNSWConfig) (*HNSW, error) {
	if dim <= 0 {
		return nil, errors.New("vecindex: dimension must be positive")
	}
	h := &HNSW{dim: dim}
	h.init(cfg.withDefaults())
	return h, nil
}

func (h *HNSW) init(cfg HNSWConfig) {
	h.cfg = cfg
	h.pcg = rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d)
	h.rng = rand.New(h.pcg)
	h.vecs, h.ids, h.links, h.deleted = nil, nil, nil, nil
	h.stride, h.q8, h.qrow = i8Stride(h.dim), nil, nil
	h.byID = make(map[uint64]uint32)
	h.entry, h.maxLevel = -1, 0
}

// Config returns the index parameters.
func (h *HNSW) Config() HNSWConfig {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.cfg
}

// SetFloatSearch sets HNSWConfig.FloatSearch for later searches.
func (h *HNSW) SetFloatSearch(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg.FloatSearch = on
}

// SetEfSearch sets the default search candidate-list size (ef <= 0
// restores DefaultEfSearch).
func (h *HNSW) SetEfSearch(ef int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ef <= 0 {
		ef = DefaultEfSearch
	}
	h.cfg.EfSearch = ef
}

// Dimension returns the vector length fixed at construction.
func (h *HNSW) Dimension() int { return h.dim }

// Len returns the number of live vectors.
func (h *HNSW) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byID)
}

// Nodes returns the number of graph nodes, tombstones included.
func (h *HNSW) Nodes() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.ids)
}

// KeysDigest returns the wrapping sum of KeyHash over the live IDs.
func (h *HNSW) KeysDigest() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var s uint64
	for id := range h.byID {
		s += KeyHash(id)
	}
	return s
}

func (h *HNSW) vec(n uint32) []float32 {
	d := h.dim
	i := int(n) * d
	return h.vecs[i : i+d : i+d]
}

// appendQuant appends the int8 row of the normalised vector v.
func (h *HNSW) appendQuant(v []float32) {
	m := len(h.q8)
	h.q8 = append(h.q8, make([]int8, h.stride)...)
	h.qrow = append(h.qrow, quantiseRow(h.q8[m:], v))
}

// hquery is a query as searchLayer scores it: in float32 (while
// building, where graph quality matters) or with the int8 kernel (while
// searching, where reading a quarter of the memory per visited node is
// what makes a query fast; the final candidates are rescored in float32).
type hquery struct {
	f     []float32
	i     []int16
	sy    float32
	quant bool
	out   [1]int32
}

// sim is the similarity of q to node n.
func (h *HNSW) sim(q *hquery, n uint32) float32 {
	if !q.quant {
		return dot(q.f, h.vec(n))
	}
	s := h.stride
	i := int(n) * s
	dotsI8(q.i, h.q8[i:i+s:i+s], s, q.out[:])
	return h.qrow[n].scale * q.sy * float32(q.out[0])
}

func (h *HNSW) maxLinks(level int) int {
	if level == 0 {
		return 2 * h.cfg.M
	}
	return h.cfg.M
}

func (h *HNSW) randomLevel() int {
	ml := 1 / math.Log(float64(h.cfg.M))
	l := int(-math.Log(1-h.rng.Float64()) * ml)
	return min(l, maxLevelCap)
}

// Add inserts the normalised vec under id; an existing live node for id
// is tombstoned first.
func (h *HNSW) Add(id uint64, vec []float32) error {
	if err := checkDim(len(vec), h.dim); err != nil {
		return err
	}
	q := make([]float32, h.dim)
	if err := normaliseInto(q, vec); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ids) >= math.MaxUint32 {
		return errors.New("vecindex: HNSW node limit reached; Rebuild or use Exact")
	}
	if old, ok := h.byID[id]; ok {
		h.deleted[old] = true
		delete(h.byID, id)
	}
	h.insert(id, q)
	return nil
}

// insert adds a node for id with normalised vector q; the lock is held.
func (h *HNSW) insert(id uint64, q []float32) {
	node := uint32(len(h.ids))
	level := h.randomLevel()
	h.vecs = append(h.vecs, q...)
	h.appendQuant(q)
	h.ids = append(h.ids, id)
	h.deleted = append(h.deleted, false)
	h.links = append(h.links, make([][]uint32, level+1))
	h.byID[id] = node
	if h.entry < 0 {
		h.entry, h.maxLevel = int64(node), level
		return
	}
	sc := h.getScratch()
	defer h.pool.Put(sc)
	hq := &hquery{f: q}
	ep := append(sc.ep[:0], cand{sim: dot(q, h.vec(uint32(h.entry))), node: uint32(h.entry)})
	sc.ep = ep
	for l := h.maxLevel; l > level; l-- {
		ep = h.searchLayer(hq, ep, 1, l, false, nil, sc)
	}
	for l := min(level, h.maxLevel); l >= 0; l-- {
		w := h.searchLayer(hq, ep, h.cfg.EfConstruction, l, false, nil, sc)
		nbs := h.selectNeighbours(w, h.cfg.M)
		list := make([]uint32, len(nbs), h.maxLinks(l)+1)
		for i, c := range nbs {
			list[i] = c.node
		}
		h.links[node][l] = list
		for _, c := range nbs {
			h.connect(c.node, node, c.sim, l)
		}
		ep = w
	}
	if level > h.maxLevel {
		h.entry, h.maxLevel = int64(node), level
	}
}

// connect adds a link from -> to on layer l (sim is their similarity),
// pruning from's list with the heuristic when it overflows.
func (h *HNSW) connect(from, to uint32, sim float32, l int) {
	list := append(h.links[from][l], to)
	if len(list) <= h.maxLinks(l) {
		h.links[from][l] = list
		return
	}
	fv := h.vec(from)
	cs := make([]cand, len(list))
	for i, n := range list {
		s := sim
		if n != to {
			s = dot(fv, h.vec(n))
		}
		cs[i] = cand{sim: s, node: n}
	}
	sortBest(cs)
	kept := h.selectNeighbours(cs, h.maxLinks(l))
	list = list[:0]
	for _, c := range kept {
		list = append(list, c.node)
	}
	h.links[from][l] = list
}

// sortBest sorts candidates by descending similarity, ties by node.
func sortBest(cs []cand) {
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return int(a.node) - int(b.node)
	})
}

// selectNeighbours applies the HNSW heuristic to candidates sorted best
// first: a candidate is kept when it is closer to the query than to every
// neighbour kept so far. If that keeps fewer than m, the closest discarded
// candidates fill the remaining slots.
func (h *HNSW) selectNeighbours(cs []cand, m int) []cand {
	if len(cs) <= m {
		return cs
	}
	kept := make([]cand, 0, m)
	var dropped []cand
	for _, c := range cs {
		if len(kept) >= m {
			break
		}
		cv := h.vec(c.node)
		good := true
		for _, r := range kept {
			if dot(cv, h.vec(r.node)) > c.sim {
				good = false
				break
			}
		}
		if good {
			kept = append(kept, c)
		} else {
			dropped = append(dropped, c)
		}
	}
	for _, c := range dropped {
		if len(kept) >= m {
			break
		}
		kept = append(kept, c)
	}
	return kept
}

// scratch is the per-search working memory, pooled so that a search
// allocates only its result: the visited set, both heaps, the entry
// points, the layer result and the normalised query.
type scratch struct {
	vis   visited
	cands candHeap // max-heap: best candidate first
	res   candHeap // min-heap: worst kept result first
	ep    []cand
	out   []cand
	q     []float32
	qi    []int16
	next  []uint32 // unvisited neighbours of the node being expanded
}

func (h *HNSW) getScratch() *scratch {
	sc, _ := h.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{cands: candHeap{max: true}}
	}
	return sc
}

// searchLayer is the HNSW beam search on layer l from entry points ep.
// It returns up to ef results best first, in sc.out (valid until the next
// call with sc; ep may be a previous result). When filter is true only
// live nodes accepted by accept (nil: all) enter the results, but all
// nodes are traversed.
func (h *HNSW) searchLayer(q *hquery, ep []cand, ef, l int, filter bool, accept func(uint64) bool, sc *scratch) []cand {
	vis := &sc.vis
	vis.reset(len(h.ids))
	cands, res := &sc.cands, &sc.res
	cands.h, res.h = cands.h[:0], res.h[:0]
	keep := func(n uint32) bool {
		return !filter || (!h.deleted[n] && (accept == nil || accept(h.ids[n])))
	}
	for _, e := range ep {
		if vis.visit(e.node) {
			continue
		}
		cands.push(e)
		if keep(e.node) {
			res.push(e)
			if res.len() > ef {
				res.pop()
			}
		}
	}
	for cands.len() > 0 {
		c := cands.pop()
		if res.len() >= ef && c.sim < res.top().sim {
			break
		}
		if l >= len(h.links[c.node]) {
			continue
		}
		next := sc.next[:0]
		for _, n := range h.links[c.node][l] {
			if !vis.visit(n) {
				next = append(next, n)
			}
		}
		sc.next = next
		if q.quant {
			prefetch(h.q8, h.stride, next)
		}
		for _, n := range next {
			s := h.sim(q, n)
			if res.len() >= ef && s < res.top().sim {
				continue
			}
			x := cand{sim: s, node: n}
			cands.push(x)
			if keep(n) {
				res.push(x)
				if res.len() > ef {
					res.pop()
				}
			}
		}
	}
	sc.out = append(sc.out[:0], res.h...)
	sortBest(sc.out)
	return sc.out
}

// Delete tombstones id and reports whether it was live.
func (h *HNSW) Delete(id uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.byID[id]
	if !ok {
		return false
	}
	h.deleted[n] = true
	delete(h.byID, id)
	return true
}

// Rebuild rebuilds the graph from the live nodes, in their insertion
// order and with the original seed, dropping tombstones.
func (h *HNSW) Rebuild() {
	h.mu.Lock()
	defer h.mu.Unlock()
	vecs, ids, deleted := h.vecs, h.ids, h.deleted
	h.init(h.cfg)
	for n := range ids {
		if !deleted[n] {
			h.insert(ids[n], vecs[n*h.dim:(n+1)*h.dim])
		}
	}
}

// Search returns up to k live vectors most similar to query, best first
// (ties by ascending ID), using the index's EfSearch.
func (h *HNSW) Search(query []float32, k int, accept func(id uint64) bool) ([]Hit, error) {
	return h.SearchEf(query, k, 0, accept)
}

// SearchEf is Search with candidate-list size ef for this query (ef <= 0
// uses the index's EfSearch; ef is raised to k when smaller). A very
// selective accept makes the search visit much of the graph; use Exact
// for such filters.
func (h *HNSW) SearchEf(query []float32, k, ef int, accept func(id uint64) bool) ([]Hit, error) {
	if err := checkDim(len(query), h.dim); err != nil {
		return nil, err
	}
	sc := h.getScratch()
	defer h.pool.Put(sc)
	if cap(sc.q) < h.dim {
		sc.q = make([]float32, h.dim)
	}
	q := sc.q[:h.dim]
	if err := normaliseInto(q, query); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.entry < 0 || len(h.byID) == 0 {
		return nil, nil
	}
	if ef <= 0 {
		ef = h.cfg.EfSearch
	}
	ef = max(ef, k)
	hq := &hquery{f: q}
	if !h.cfg.FloatSearch {
		if cap(sc.qi) < h.stride {
			sc.qi = make([]int16, h.stride)
		}
		hq.i = sc.qi[:h.stride]
		sy, _ := quantiseQuery(hq.i, q, queryLimit(h.stride))
		hq.sy, hq.quant = float32(sy), true
	}
	ep := append(sc.ep[:0], cand{sim: h.sim(hq, uint32(h.entry)), node: uint32(h.entry)})
	sc.ep = ep
	for l := h.maxLevel; l > 0; l-- {
		ep = h.searchLayer(hq, ep, 1, l, false, nil, sc)
	}
	w := h.searchLayer(hq, ep, ef, 0, true, accept, sc)
	t := newTopK(min(k, len(w)))
	for _, c := range w {
		score := c.sim
		if hq.quant {
			score = dot(q, h.vec(c.node))
		}
		t.push(Hit{ID: h.ids[c.node], Score: score})
	}
	return t.sorted(), nil
}
