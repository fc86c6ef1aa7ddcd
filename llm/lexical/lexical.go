package lexical

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Embedder is the lexical embedder. Create one with New or NewChecked; it is
// safe for concurrent use and holds no mutable state besides a pool of
// scratch buffers.
type Embedder struct {
	cfg   config
	model string
	stop  map[uint64]struct{}  // word hashes of the stop words
	tf    [tfTableSize]float64 // tfWeight(i)
	pool  sync.Pool            // *scratch
}

// parallelMin is the batch size from which Embed spreads work over
// GOMAXPROCS goroutines.
const parallelMin = 32

// New returns an Embedder configured by opts (defaults: dimension 384,
// character 3- to 5-grams, word bigrams off, English stop words skipped).
// It panics if an option is invalid, like regexp.MustCompile; use
// NewChecked for options built from configuration.
func New(opts ...Option) *Embedder {
	e, err := NewChecked(opts...)
	if err != nil {
		panic(err)
	}
	return e
}

// NewChecked is New returning an error wrapping ErrInvalidOption, naming
// the option and value, instead of panicking.
func NewChecked(opts ...Option) (*Embedder, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	e := &Embedder{cfg: cfg, model: cfg.modelName()}
	e.pool.New = func() any { return newScratch() }
	for i := range e.tf {
		e.tf[i] = tfWeight(uint32(i))
	}
	if cfg.stopWords {
		words := strings.Fields(englishStopWords)
		e.stop = make(map[uint64]struct{}, len(words))
		for _, w := range words {
			h := seed(famWord)
			for _, r := range w {
				h = step(h, r)
			}
			e.stop[h] = struct{}{}
		}
	}
	return e, nil
}

// Dimension returns the vector length.
func (e *Embedder) Dimension() int { return e.cfg.dim }

// Model returns the model name, "kgas-lexical-v1-<dimension>" with the
// default features; see the package documentation.
func (e *Embedder) Model() string { return e.model }

// String returns the model name.
func (e *Embedder) String() string { return e.model }

// Embed returns one unit vector (or the zero vector for a text without
// letters or digits) per text, in order. The vectors share one backing
// array but each has its capacity clipped to the dimension, so appending
// to one never overwrites another. It returns ctx's error, and no vectors,
// if ctx ends before the work is done; large batches are spread over
// GOMAXPROCS goroutines, all finished when Embed returns.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dim := e.cfg.dim
	out := make([][]float32, len(texts))
	backing := make([]float32, len(texts)*dim)
	for i := range out {
		out[i] = backing[i*dim : (i+1)*dim : (i+1)*dim]
	}
	workers := min(runtime.GOMAXPROCS(0), len(texts)/parallelMin)
	if workers <= 1 {
		s := e.pool.Get().(*scratch)
		defer e.pool.Put(s)
		for i, t := range texts {
			if i%parallelMin == parallelMin-1 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			e.embedInto(s, t, out[i])
		}
		return out, nil
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			s := e.pool.Get().(*scratch)
			defer e.pool.Put(s)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(texts) || ctx.Err() != nil {
					return
				}
				e.embedInto(s, texts[i], out[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Vector returns the vector of one text (a new slice of length Dimension).
func (e *Embedder) Vector(text string) []float32 {
	v := make([]float32, e.cfg.dim)
	s := e.pool.Get().(*scratch)
	e.embedInto(s, text, v)
	e.pool.Put(s)
	return v
}

// embedInto writes the vector of text into v, which must be zeroed.
func (e *Embedder) embedInto(s *scratch, text string, v []float32) {
	s.reset()
	skipped := e.extract(s, text, e.stop != nil)
	if len(s.used) == 0 && skipped > 0 {
		// Only stop words: use them rather than return the zero vector.
		e.extract(s, text, false)
	}
	e.project(s, v)
}

// englishStopWords are skipped by default (WithStopWords). Contractions
// are split at the apostrophe by the tokeniser, so their pieces are listed.
const englishStopWords = `a about above after again against all am an and any are as at
be because been before being below between both but by can could did do does doing
down during each few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me more most my myself no nor
not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves s t d ll m re ve`
