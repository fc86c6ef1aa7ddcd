package vecindex

import (
	"errors"
	"runtime"
	"sync"
)

// DefaultParallelThreshold is the number of rows above which Exact.Search
// splits the scan across GOMAXPROCS goroutines.
const DefaultParallelThreshold = 20000

// DefaultQuantisedThreshold is the number of rows from which Exact.Search
// first scores every row with the int8 kernel and rescores in float32
// only the rows that the error bound cannot rule out. The result is
// identical to the float32 scan; below the threshold the float32 scan is
// as fast.
const DefaultQuantisedThreshold = 4096

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
	// The int8 copy of every row for the quantised first pass (see
	// kernel_i8.go): row r at q8[r*stride:(r+1)*stride].
	stride   int
	q8       []int8
	qrow     []quantRow
	quantMin int
}

var _ Index = (*Exact)(nil)

// NewExact returns an empty exact index for vectors of length dim.
func NewExact(dim int) (*Exact, error) {
	if dim <= 0 {
		return nil, errors.New("vecindex: dimension must be positive")
	}
	return &Exact{
		dim:         dim,
		rows:        make(map[uint64]int),
		parallelMin: DefaultParallelThreshold,
		stride:      i8Stride(dim),
		quantMin:    DefaultQuantisedThreshold,
	}, nil
}

// SetQuantisedThreshold sets the row count from which Search runs the
// quantised first pass; n <= 0 restores DefaultQuantisedThreshold, and
// math.MaxInt turns the pass off. Results are the same either way.
func (e *Exact) SetQuantisedThreshold(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n <= 0 {
		n = DefaultQuantisedThreshold
	}
	e.quantMin = n
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
	if need := len(e.q8) + n*e.stride; need > cap(e.q8) {
		q := make([]int8, len(e.q8), need)
		copy(q, e.q8)
		e.q8 = q
	}
	if need := len(e.qrow) + n; need > cap(e.qrow) {
		q := make([]quantRow, len(e.qrow), need)
		copy(q, e.qrow)
		e.qrow = q
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
		e.qrow[r] = quantiseRow(e.q8[r*e.stride:(r+1)*e.stride], tmp)
		return nil
	}
	n := len(e.data)
	e.data = append(e.data, make([]float32, e.dim)...)
	if err := normaliseInto(e.data[n:], vec); err != nil {
		e.data = e.data[:n]
		return err
	}
	m := len(e.q8)
	e.q8 = append(e.q8, make([]int8, e.stride)...)
	e.qrow = append(e.qrow, quantiseRow(e.q8[m:], e.data[n:]))
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
		copy(e.q8[r*e.stride:(r+1)*e.stride], e.q8[last*e.stride:(last+1)*e.stride])
		e.qrow[r] = e.qrow[last]
		moved := e.ids[last]
		e.ids[r] = moved
		e.rows[moved] = r
	}
	e.ids = e.ids[:last]
	e.data = e.data[:last*e.dim]
	e.q8 = e.q8[:last*e.stride]
	e.qrow = e.qrow[:last]
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
	if n >= e.quantMin {
		return e.searchQuantised(q, k, accept), nil
	}
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
