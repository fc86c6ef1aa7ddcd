package llm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
)

// fakeEmbedder is a deterministic inner Embedder for the cache tests: each
// vector derives from a hash of model and text. It records every call, can
// hold calls until gate is closed, and can fail or misbehave on demand.
// Configure it before use.
type fakeEmbedder struct {
	model string
	dim   int

	// gate, if set, holds every call until it is closed (or the call's
	// context ends).
	gate chan struct{}
	// started, if set, receives each call's texts as the call starts
	// (buffer it).
	started chan []string
	// fail, if set, fails calls for which it returns an error.
	fail func(texts []string) error
	// length, if set, gives the vector length for a text (0: dim).
	length func(text string) int
	// drop, if set, makes a call return one vector too few.
	drop bool

	mu       sync.Mutex
	batches  [][]string
	canceled int // calls that ended because their context did
}

var errFake = errors.New("fake upstream failure")

func newFake(dim int) *fakeEmbedder { return &fakeEmbedder{model: "fake-embed", dim: dim} }

func (f *fakeEmbedder) Model() string  { return f.model }
func (f *fakeEmbedder) Dimension() int { return f.dim }

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.mu.Lock()
	f.batches = append(f.batches, slices.Clone(texts))
	f.mu.Unlock()
	if f.started != nil {
		f.started <- slices.Clone(texts)
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			f.mu.Lock()
			f.canceled++
			f.mu.Unlock()
			return nil, ctx.Err()
		}
	}
	if f.fail != nil {
		if err := f.fail(texts); err != nil {
			return nil, err
		}
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		n := f.dim
		if f.length != nil {
			if l := f.length(t); l > 0 {
				n = l
			}
		}
		out[i] = fakeVector(f.model, n, t)
	}
	if f.drop && len(out) > 0 {
		out = out[:len(out)-1]
	}
	return out, nil
}

// direct is what the inner embedder returns for texts, without any cache.
func (f *fakeEmbedder) direct(texts []string) [][]float32 {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = fakeVector(f.model, f.dim, t)
	}
	return out
}

func (f *fakeEmbedder) calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

func (f *fakeEmbedder) canceledCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.canceled
}

func fakeVector(model string, dim int, text string) []float32 {
	v := make([]float32, dim)
	seed := sha256.Sum256([]byte(model + "\x00" + text))
	for i := range v {
		if i%8 == 0 && i > 0 {
			seed = sha256.Sum256(seed[:])
		}
		u := binary.LittleEndian.Uint32(seed[(i%8)*4:])
		v[i] = float32(u)/float32(1<<32)*2 - 1
	}
	return v
}
