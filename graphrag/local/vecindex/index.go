package vecindex

import (
	"errors"
	"fmt"
	"slices"
)

// Index is what the store needs from a vector index; Exact and HNSW
// implement it.
type Index interface {
	// Add inserts vec under id, replacing any vector already stored
	// under id (upsert). The vector is copied and normalised.
	Add(id uint64, vec []float32) error
	// Delete removes id and reports whether it was present.
	Delete(id uint64) bool
	// Search returns up to k hits most similar to query, best first,
	// skipping IDs for which accept (when non-nil) returns false.
	Search(query []float32, k int, accept func(id uint64) bool) ([]Hit, error)
	// Len is the number of live (searchable) vectors.
	Len() int
	// Dimension is the fixed vector length of the index.
	Dimension() int
	// KeysDigest is an order-independent digest of the live IDs, equal
	// to the wrapping sum of KeyHash over them.
	KeysDigest() uint64
}

// Hit is one search result: an ID and its cosine similarity to the query.
type Hit struct {
	ID    uint64
	Score float32
}

// ErrNonFinite is returned for a vector containing NaN or ±Inf.
var ErrNonFinite = errors.New("vecindex: vector contains NaN or Inf")

// ErrCorrupt is wrapped by every error reporting an invalid snapshot.
var ErrCorrupt = errors.New("vecindex: corrupt snapshot")

// DimensionError reports a vector whose length differs from the index's
// dimension.
type DimensionError struct {
	Got, Want int
}

// Error implements error.
func (e *DimensionError) Error() string {
	return fmt.Sprintf("vecindex: vector has dimension %d, index has dimension %d", e.Got, e.Want)
}

func checkDim(got, want int) error {
	if got != want {
		return &DimensionError{Got: got, Want: want}
	}
	return nil
}

// KeyHash mixes one ID (splitmix64 finaliser). KeysDigest of an index is
// the wrapping sum of KeyHash over its live IDs, so a store can compute the
// same digest from its records in any order.
func KeyHash(id uint64) uint64 {
	z := id + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// worse reports whether a ranks below b: lower score, or equal score and
// larger ID.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.ID > b.ID
}

// topK is a bounded min-heap (worst hit at the root) keeping the k best
// hits pushed into it.
type topK struct {
	k int
	h []Hit
}

func newTopK(k int) *topK { return &topK{k: k, h: make([]Hit, 0, k)} }

// push offers a hit, keeping only the k best.
func (t *topK) push(x Hit) {
	if len(t.h) < t.k {
		t.h = append(t.h, x)
		t.up(len(t.h) - 1)
		return
	}
	if !worse(t.h[0], x) {
		return
	}
	t.h[0] = x
	t.down(0)
}

func (t *topK) up(i int) {
	h := t.h
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (t *topK) down(i int) {
	h := t.h
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// sorted returns the hits best first.
func (t *topK) sorted() []Hit {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b Hit) int {
		if worse(a, b) {
			return 1
		}
		if worse(b, a) {
			return -1
		}
		return 0
	})
	return out
}
