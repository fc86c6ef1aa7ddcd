package local

import (
	"log/slog"
	"time"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// DefaultTimeout is how long Open waits for the file lock by default.
const DefaultTimeout = time.Second

// Option configures Open.
type Option func(*config)

type config struct {
	ontology *kg.Ontology
	timeout  time.Duration
	noSync   bool
	logger   *slog.Logger
	index    IndexKind
	prefault bool
}

// IndexKind selects the in-memory vector index.
type IndexKind int

const (
	// IndexExact (the default) scores every vector: exact answers, any
	// filter, rebuilt on Open in about a second at 100k × 384.
	IndexExact IndexKind = iota
	// IndexHNSW is approximate (vecindex.HNSW), persisted on Close to
	// Path()+".hnsw" and loaded on Open when it matches the records.
	// Building it is slow (about 65 s single-threaded at 100k × 384, paid
	// on the first Open without a valid snapshot), which is why it is not
	// the default.
	IndexHNSW
	// IndexAuto uses IndexHNSW when the store holds more than
	// DefaultHNSWThreshold nodes at Open, IndexExact otherwise. The choice
	// holds until Close.
	IndexAuto
)

// DefaultHNSWThreshold is the node count above which IndexAuto picks HNSW.
const DefaultHNSWThreshold = 50_000

// WithIndex selects the vector index (default IndexExact).
func WithIndex(k IndexKind) Option { return func(c *config) { c.index = k } }

func defaultConfig() config {
	return config{timeout: DefaultTimeout, logger: slog.New(slog.DiscardHandler), prefault: true}
}

// WithPrefault sets whether Open maps the file with its pages faulted in
// up front (MAP_POPULATE; Linux only, ignored elsewhere). Default true:
// the first read of each page then costs no page fault, which is most of
// a cold Neighbors or Nodes call on a large store, at the price of a
// longer Open (roughly 0.1 s per GB of file already in the page cache).
// Turn it off for stores much larger than memory.
func WithPrefault(on bool) Option { return func(c *config) { c.prefault = on } }

// WithOntology validates every upserted node and edge against o (default:
// none, anything goes). A node is validated after merging with the stored
// one; an edge's relation type is always checked, and its source and target
// types when both endpoint nodes are stored.
func WithOntology(o *kg.Ontology) Option { return func(c *config) { c.ontology = o } }

// WithTimeout sets how long Open waits for the file lock held by another
// Store (default DefaultTimeout, 1 s). Zero or less waits DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithNoSync skips the fsync at each commit (default: false). For
// benchmarks only: an acknowledged write may be lost when the machine stops.
func WithNoSync() Option { return func(c *config) { c.noSync = true } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
