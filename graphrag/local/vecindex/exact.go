package vecindex

import (
	"errors"
	"runtime"
	"sync"
)

// DefaultParallelThreshold is the number of rows above which Exact.Search
// splits the scan across GOMAXPROCS goroutines.
const DefaultParallelThreshold = 20000

// Exact is an exact (brute-force) cosine index. Its vectors live in one
// contiguous row-major []float32 matrix; a search scores every row.
// The zero value is not usable; create one with NewExact.
type Exact struct {
	mu          sync.RWMutex
	dim         int
	data        []float32      // len(ids)*dim, row r at data[r*dim:(r+1)*dim]
	ids         []uint64       // row → ID
	rows        map[uint64]int // ID → row
	parallelMin int
}

var _ Index = (*Exact)(nil)

// NewExact returns an empty exact index for vectors of length dim.
func NewExact(dim int) (*Exact, error) {
	if dim <= 0 {
		return nil, errors.New("vecindex: dimension must be positive")
	}
	return &Exact{dim: dim, rows: make(map[uint64]int), parallelMin: DefaultParallelThreshold}, nil
}

// SetParallelThreshold sets the row count above which a search is split
// across cores; n <= 0 restores DefaultParallelThreshold.
func (e *Exact) SetParallelThreshold(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		n = DefaultParallelThreshold
	}
	e.parallelMin = n
}

// Grow reserves room for n more vectors, avoiding reallocation during a
// bulk load.
func (e *Exact) Grow(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		return
	}
	if need := len(e.data) + n*e.dim; need > cap(e.data) {
		d := make([]float32, len(e.data), need)
		copy(d, e.data)
		e.data = d
	}
	if need := len(e.ids) + n; need > cap(e.ids) {
		ids := make([]uint64, len(e.ids), need)
		copy(ids, e.ids)
		e.ids = ids
	}
}

// Add stores the normalised vec under id, replacing any previous vector
// for id. It returns a *DimensionError when len(vec) is not the index's
// dimension and ErrNonFinite for NaN or Inf components.
func (e *Exact) Add(id uint64, vec []float32) error {
	if err := checkDim(len(vec), e.dim); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.rows[id]; ok {
		tmp := make([]float32, e.dim)
		if err := normaliseInto(tmp, vec); err != nil {
			return err
		}
		copy(e.data[r*e.dim:(r+1)*e.dim], tmp)
		return nil
	}
	n := len(e.data)
	e.data = append(e.data, make([]float32, e.dim)...)
	if err := normaliseInto(e.data[n:], vec); err != nil {
		e.data = e.data[:n]
		return err
	}
	e.rows[id] = len(e.ids)
	e.ids = append(e.ids, id)
	return nil
}

// Delete removes id by moving the last row into its place, and reports
// whether id was present.
func (e *Exact) Delete(id uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.rows[id]
	if !ok {
		return false
	}
	last := len(e.ids) - 1
	if r != last {
		copy(e.data[r*e.dim:(r+1)*e.dim], e.data[last*e.dim:(last+1)*e.dim])
		moved := e.ids[last]
		e.ids[r] = moved
		e.rows[moved] = r
	}
	e.ids = e.ids[:last]
	e.data = e.data[:last*e.dim]
	delete(e.rows, id)
	return true
}

// Len returns the number of stored vectors.
func (e *Exact) Len() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.ids)
}

// Dimension returns the vector length fixed at construction.
func (e *Exact) Dimension() int { return e.dim }

// Contains reports whether id is stored.
func (e *Exact) Contains(id uint64) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.rows[id]
	return ok
}

// KeysDigest returns the wrapping sum of KeyHash over the stored IDs.
func (e *Exact) KeysDigest() uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var s uint64
	for _, id := range e.ids {
		s += KeyHash(id)
	}
	return s
}

// Search returns the k stored vectors most similar to query (cosine),
// best first, ties broken by ascending ID. accept, when non-nil, is called
// before scoring and excludes IDs for which it returns false; it may be
// called from several goroutines at once. k <= 0 yields no hits.
func (e *Exact) Search(query []float32, k int, accept func(id uint64) bool) ([]Hit, error) {
	if err := checkDim(len(query), e.dim); err != nil {
		return nil, err
	}
	q := make([]float32, e.dim)
	if err := normaliseInto(q, query); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := len(e.ids)
	workers := runtime.GOMAXPROCS(0)
	if n <= e.parallelMin || workers < 2 {
		t := newTopK(min(k, n))
		e.scan(q, 0, n, accept, t)
		return t.sorted(), nil
	}
	heaps := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		heaps[w] = newTopK(min(k, hi-lo))
		wg.Go(func() { e.scan(q, lo, hi, accept, heaps[w]) })
	}
	wg.Wait()
	t := newTopK(min(k, n))
	for _, h := range heaps {
		for _, x := range h.h {
			t.push(x)
		}
	}
	return t.sorted(), nil
}

// scan scores rows [lo, hi) into t.
func (e *Exact) scan(q []float32, lo, hi int, accept func(uint64) bool, t *topK) {
	if t.k == 0 {
		return
	}
	dim := e.dim
	data := e.data
	ids := e.ids
	for r := lo; r < hi; r++ {
		id := ids[r]
		if accept != nil && !accept(id) {
			continue
		}
		s := dot(q, data[r*dim:(r+1)*dim:(r+1)*dim])
		if len(t.h) == t.k && s < t.h[0].Score {
			continue
		}
		t.push(Hit{ID: id, Score: s})
	}
}
