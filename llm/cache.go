package llm

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Defaults of NewCachedEmbedder's options.
const (
	// DefaultCacheSize is the number of vectors kept in memory
	// (WithCacheSize).
	DefaultCacheSize = 100_000
	// DefaultCacheTextsPerCall is the largest number of texts the cache
	// sends to the inner embedder in one call (WithCacheMaxTextsPerCall).
	DefaultCacheTextsPerCall = 256
	// DefaultCacheConcurrentCalls is the largest number of inner Embed
	// calls the cache runs at once (WithCacheMaxConcurrentCalls).
	DefaultCacheConcurrentCalls = 4
)

// ErrCacheClosed is returned by a CachedEmbedder's Embed after Close, and
// to callers still waiting for vectors when Close is called.
var ErrCacheClosed = errors.New("llm: cached embedder closed")

// UpstreamVectorError reports an answer of the inner embedder that the
// cache refused: the wrong number of vectors, or a vector whose length is
// not Dimension(). Refused vectors are never cached nor returned. It
// matches ErrBadResponse under errors.Is.
type UpstreamVectorError struct {
	// Model is the inner embedder's model.
	Model string
	// Index is the position of the bad vector within the upstream call,
	// or -1 when the number of vectors was wrong.
	Index int
	// Got and Want are the vector's length and Dimension(), or, when
	// Index is -1, the number of vectors and of texts.
	Got, Want int
}

// Error describes the refused answer.
func (e *UpstreamVectorError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("llm: cached embedder: model %q returned %d vectors for %d texts", e.Model, e.Got, e.Want)
	}
	return fmt.Sprintf("llm: cached embedder: model %q returned a vector of length %d at index %d, want %d", e.Model, e.Got, e.Index, e.Want)
}

// Is reports whether target is ErrBadResponse.
func (e *UpstreamVectorError) Is(target error) bool { return target == ErrBadResponse }

// CacheOption configures NewCachedEmbedder.
type CacheOption func(*cacheConfig)

type cacheConfig struct {
	size        int
	perCall     int
	concurrent  int
	diskPath    string
	microWindow time.Duration
	microMax    int
	microSet    bool
	shared      bool
	logger      *slog.Logger
}

// WithCacheSize sets how many vectors the in-memory LRU keeps. Default
// DefaultCacheSize (100 000); must be positive.
func WithCacheSize(n int) CacheOption { return func(c *cacheConfig) { c.size = n } }

// WithCacheMaxTextsPerCall bounds the number of texts sent to the inner
// embedder in one Embed call; larger sets of misses are split. Default
// DefaultCacheTextsPerCall (256); must be positive.
func WithCacheMaxTextsPerCall(n int) CacheOption { return func(c *cacheConfig) { c.perCall = n } }

// WithCacheMaxConcurrentCalls bounds how many inner Embed calls run at
// once, across all callers. Default DefaultCacheConcurrentCalls (4); must
// be positive.
func WithCacheMaxConcurrentCalls(n int) CacheOption {
	return func(c *cacheConfig) { c.concurrent = n }
}

// WithCacheLogger sets the logger for disk-layer problems (a corrupt entry,
// a failed write); they never fail an Embed call. Default: no logging.
func WithCacheLogger(l *slog.Logger) CacheOption { return func(c *cacheConfig) { c.logger = l } }

// WithSharedVectors makes Embed return the cache's own vectors instead of
// copies: a hit then costs no allocation per vector, but callers must treat
// the vectors as read-only (writing to one changes what later calls get).
// Default: copies.
func WithSharedVectors() CacheOption { return func(c *cacheConfig) { c.shared = true } }

// CacheStats is a snapshot of a CachedEmbedder's counters. Within one Embed
// call every requested text (duplicates included) is counted once as a
// Hit, a DiskHit, a Miss or an InflightWait.
type CacheStats struct {
	// Hits counts texts served from memory.
	Hits int64
	// DiskHits counts texts served from the disk layer.
	DiskHits int64
	// Misses counts texts this cache had to fetch from the inner embedder
	// (one per distinct text in flight).
	Misses int64
	// InflightWaits counts texts that joined a fetch already in flight
	// (started by another caller, or an earlier duplicate in the same call)
	// instead of fetching again.
	InflightWaits int64
	// UpstreamCalls counts calls of the inner embedder.
	UpstreamCalls int64
	// UpstreamTexts counts texts sent to the inner embedder.
	UpstreamTexts int64
	// UpstreamErrors counts inner calls that failed (errors, refused
	// answers); calls cancelled because no caller waits any more, or by
	// Close, are not counted.
	UpstreamErrors int64
	// Entries is the number of vectors held in memory.
	Entries int
	// Bytes approximates the memory held by those vectors (4 per float).
	Bytes int64
	// DiskCorrupt counts disk entries refused (bad checksum, other model or
	// dimension, truncated) and treated as misses.
	DiskCorrupt int64
	// DiskErrors counts failed disk reads or writes.
	DiskErrors int64
}

type cacheCounters struct {
	hits, diskHits, misses, waits atomic.Int64
	calls, texts, upErrs, bytes   atomic.Int64
	diskCorrupt, diskErrs         atomic.Int64
}

// memKey is the in-memory key: 128 bits of maphash of the text under two
// per-instance seeds. The model and dimension are fixed per CachedEmbedder,
// so they key the whole LRU.
type memKey struct{ a, b uint64 }

// CachedEmbedder is an Embedder that caches another one: an LRU in memory,
// de-duplication of texts in flight across concurrent calls, bounded and
// split upstream calls, and optionally a checksummed store on disk and
// micro-batching of small calls. It is safe for concurrent use.
//
// Vectors returned by Embed are copies that callers may modify, unless
// WithSharedVectors is set.
type CachedEmbedder struct {
	inner  Embedder
	model  string
	dim    int
	cfg    cacheConfig
	log    *slog.Logger
	seedA  maphash.Seed
	seedB  maphash.Seed
	mem    *lru.Cache[memKey, []float32]
	disk   *diskCache
	sem    chan struct{}
	st     cacheCounters
	closed atomic.Bool

	// closing is cancelled by Close; every upstream call's context is
	// cancelled with it.
	closing  context.Context
	closeNow context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
	closeErr error

	mu       sync.Mutex
	inflight map[memKey]*flight // guarded by mu
	micro    *microBatcher      // nil unless WithMicroBatch; guarded by mu
}

var _ Embedder = (*CachedEmbedder)(nil)

// NewCachedEmbedder wraps inner in a cache. inner's Dimension must be
// positive; its Model and Dimension key the disk layer. Close the result to
// release the disk file and stop background work.
func NewCachedEmbedder(inner Embedder, opts ...CacheOption) (*CachedEmbedder, error) {
	if inner == nil {
		return nil, invalid("inner", "must not be nil")
	}
	cfg := cacheConfig{
		size:       DefaultCacheSize,
		perCall:    DefaultCacheTextsPerCall,
		concurrent: DefaultCacheConcurrentCalls,
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case inner.Dimension() <= 0:
		return nil, invalid("inner.Dimension", "must be positive")
	case cfg.size <= 0:
		return nil, invalid("WithCacheSize", "must be positive")
	case cfg.perCall <= 0:
		return nil, invalid("WithCacheMaxTextsPerCall", "must be positive")
	case cfg.concurrent <= 0:
		return nil, invalid("WithCacheMaxConcurrentCalls", "must be positive")
	case cfg.microSet && (cfg.microWindow <= 0 || cfg.microMax <= 0):
		return nil, invalid("WithMicroBatch", "window and maxBatch must be positive")
	}
	c := &CachedEmbedder{
		inner:    inner,
		model:    inner.Model(),
		dim:      inner.Dimension(),
		cfg:      cfg,
		log:      cfg.logger,
		seedA:    maphash.MakeSeed(),
		seedB:    maphash.MakeSeed(),
		sem:      make(chan struct{}, cfg.concurrent),
		inflight: make(map[memKey]*flight),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	mem, err := lru.NewWithEvict(cfg.size, func(_ memKey, v []float32) { c.st.bytes.Add(-4 * int64(len(v))) })
	if err != nil {
		return nil, fmt.Errorf("llm: cached embedder: %w", err)
	}
	c.mem = mem
	if cfg.diskPath != "" {
		if c.disk, err = openDiskCache(cfg.diskPath, c.model, c.dim); err != nil {
			return nil, err
		}
	}
	if cfg.microSet {
		c.micro = &microBatcher{window: cfg.microWindow, max: cfg.microMax}
	}
	c.closing, c.closeNow = context.WithCancel(context.Background())
	return c, nil
}

// Model returns the inner embedder's model.
func (c *CachedEmbedder) Model() string { return c.model }

// Dimension returns the inner embedder's dimension.
func (c *CachedEmbedder) Dimension() int { return c.dim }

// Embed returns one vector per text, in order. Texts found in memory are a
// map lookup; the others are read from disk (if enabled), joined to a fetch
// already in flight, or fetched from the inner embedder in bounded calls
// (after the micro-batching window, if enabled). Texts repeated within
// texts are fetched once. If any fetch this call depends on fails, Embed
// returns that error and no vectors; other callers are not affected.
func (c *CachedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.closed.Load() {
		return nil, ErrCacheClosed
	}
	out := make([][]float32, len(texts))
	if len(texts) == 0 {
		return out, nil
	}
	var backing []float32
	if !c.cfg.shared {
		backing = make([]float32, len(texts)*c.dim)
	}
	for i, t := range texts {
		v, ok := c.mem.Get(c.key(t))
		if !ok {
			c.st.hits.Add(int64(i))
			return c.embedSlow(ctx, texts, out, backing, i)
		}
		c.put(out, backing, i, v)
	}
	c.st.hits.Add(int64(len(texts)))
	return out, nil
}

// Stats returns a snapshot of the counters.
func (c *CachedEmbedder) Stats() CacheStats {
	return CacheStats{
		Hits:           c.st.hits.Load(),
		DiskHits:       c.st.diskHits.Load(),
		Misses:         c.st.misses.Load(),
		InflightWaits:  c.st.waits.Load(),
		UpstreamCalls:  c.st.calls.Load(),
		UpstreamTexts:  c.st.texts.Load(),
		UpstreamErrors: c.st.upErrs.Load(),
		Entries:        c.mem.Len(),
		Bytes:          c.st.bytes.Load(),
		DiskCorrupt:    c.st.diskCorrupt.Load(),
		DiskErrors:     c.st.diskErrs.Load(),
	}
}

// Close stops the cache: callers still waiting get ErrCacheClosed,
// upstream calls in flight are cancelled, background goroutines end, and
// the disk file is flushed and released. Later Embed calls return
// ErrCacheClosed. Close is idempotent; it returns the disk layer's close
// error, if any, every time.
func (c *CachedEmbedder) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed.Store(true)
		c.closeNow()
		queued := c.stopMicroLocked()
		c.mu.Unlock()
		for _, f := range queued {
			close(f.done)
		}
		c.wg.Wait()
		if c.disk != nil {
			c.closeErr = c.disk.close()
		}
	})
	return c.closeErr
}

func (c *CachedEmbedder) key(text string) memKey {
	return memKey{maphash.String(c.seedA, text), maphash.String(c.seedB, text)}
}

// put copies v into position i of out, backed by backing (one allocation
// for all vectors of a call), or with WithSharedVectors stores v itself.
// The three-index slices keep a caller's append from spilling into the next
// vector or into the cache.
func (c *CachedEmbedder) put(out [][]float32, backing []float32, i int, v []float32) {
	if c.cfg.shared {
		out[i] = v[:len(v):len(v)]
		return
	}
	dst := backing[i*c.dim : (i+1)*c.dim : (i+1)*c.dim]
	copy(dst, v)
	out[i] = dst
}

// remember adds v to the LRU, counting its bytes once.
func (c *CachedEmbedder) remember(k memKey, v []float32) {
	if found, _ := c.mem.ContainsOrAdd(k, v); !found {
		c.st.bytes.Add(4 * int64(len(v)))
	}
}
