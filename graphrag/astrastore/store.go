package astrastore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Defaults.
const (
	// DefaultPrefix prefixes every collection name.
	DefaultPrefix = "kgas_"
	// DefaultMetric is the vector metric of the nodes collection.
	DefaultMetric = astra.MetricCosine
	// DefaultConcurrency bounds the requests one call keeps in flight.
	DefaultConcurrency = 8
	// batchSize is the most values of one $in (the server's limit).
	batchSize = astra.MaxInValues
)

// Option configures a Store.
type Option func(*config) error

type config struct {
	prefix      string
	metric      astra.Metric
	dim         int
	concurrency int
}

// WithPrefix sets the collection name prefix (default DefaultPrefix).
func WithPrefix(p string) Option {
	return func(c *config) error {
		if !validPrefix.MatchString(p) {
			return fmt.Errorf("%w: prefix %q: want letters, digits and underscores, at most 36", kg.ErrInvalid, p)
		}
		c.prefix = p
		return nil
	}
}

var validPrefix = regexp.MustCompile(`^[A-Za-z0-9_]{0,36}$`)

// WithMetric sets the similarity metric of the nodes collection (default
// cosine). VectorSearch scores are cosines only with MetricCosine; with
// MetricDotProduct they are dot products (right for normalised vectors).
func WithMetric(m astra.Metric) Option {
	return func(c *config) error {
		switch m {
		case astra.MetricCosine, astra.MetricDotProduct, astra.MetricEuclidean:
			c.metric = m
			return nil
		}
		return fmt.Errorf("%w: metric %q", kg.ErrInvalid, m)
	}
}

// WithDimension fixes the embedding dimension up front (default: learned
// from the first embedding).
func WithDimension(n int) Option {
	return func(c *config) error {
		if n < 0 || n > astra.MaxVectorDimension {
			return fmt.Errorf("%w: dimension %d: want 1..%d", kg.ErrInvalid, n, astra.MaxVectorDimension)
		}
		c.dim = n
		return nil
	}
}

// WithConcurrency bounds the requests one call keeps in flight (default
// DefaultConcurrency).
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("%w: concurrency %d", kg.ErrInvalid, n)
		}
		c.concurrency = n
		return nil
	}
}

// Store is a kg.Store on the Data API. It is safe for concurrent use.
type Store struct {
	client *astra.Client
	cfg    config
	closed atomic.Bool

	// wmu serialises writes (read-merge-write).
	wmu sync.Mutex
	// cmu guards the collection state below; readers hold it shared for
	// their whole call, the plain→vector migration exclusively.
	cmu      sync.RWMutex
	dim      int  // nodes collection dimension; 0 while unknown
	vector   bool // nodes live in the vector collection
	dimSeen  bool // an embedding was written through this Store
	created  map[string]*astra.Collection
	createMu sync.Mutex
}

var _ kg.Store = (*Store)(nil)

// New returns a Store on client. It reads the existing collections to learn
// the dimension of a store written before, and finishes an interrupted
// migration of nodes to the vector collection. The client stays the
// caller's: Close does not close it.
func New(ctx context.Context, client *astra.Client, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: client is nil", kg.ErrInvalid)
	}
	cfg := config{prefix: DefaultPrefix, metric: DefaultMetric, concurrency: DefaultConcurrency}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Store{client: client, cfg: cfg, created: map[string]*astra.Collection{}}
	defs, err := client.ListCollectionDefinitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("astrastore: list collections: %w", err)
	}
	plain := false
	for _, d := range defs {
		switch d.Name {
		case s.name(nodesColl):
			if d.Options.Vector == nil {
				return nil, fmt.Errorf("astrastore: collection %s exists without vectors", d.Name)
			}
			s.dim, s.vector = d.Options.Vector.Dimension, true
		case s.name(plainColl):
			plain = true
		}
	}
	if s.vector && cfg.dim != 0 && cfg.dim != s.dim {
		return nil, fmt.Errorf("%w: WithDimension(%d), but collection %s has dimension %d", kg.ErrDimension, cfg.dim, s.name(nodesColl), s.dim)
	}
	if !s.vector && cfg.dim != 0 {
		s.dim = cfg.dim
		if err := s.createNodes(ctx); err != nil {
			return nil, err
		}
		plain = true // migrate below if it exists
		if !hasColl(defs, s.name(plainColl)) {
			plain = false
		}
	}
	if s.vector && plain {
		if err := s.migrate(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func hasColl(defs []astra.CollectionDefinition, name string) bool {
	for _, d := range defs {
		if d.Name == name {
			return true
		}
	}
	return false
}

// Collection suffixes.
const (
	nodesColl = "nodes"
	plainColl = "nodes_plain"
	edgesColl = "edges"
	chunkColl = "chunks"
	docsColl  = "documents"
)

func (s *Store) name(suffix string) string { return s.cfg.prefix + suffix }

// collOptions are the settings of each collection.
func (s *Store) collOptions(suffix string) *astra.CollectionOptions {
	switch suffix {
	case nodesColl:
		return &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: s.dim, Metric: s.cfg.metric}}
	case chunkColl:
		// Long texts and embeddings exceed the indexed string and array
		// limits; they are never filtered on.
		return &astra.CollectionOptions{IndexingDeny: []string{"text", "embedding"}}
	case docsColl:
		return &astra.CollectionOptions{IndexingDeny: []string{"metadata"}}
	}
	return nil
}

// ensure returns the handle of a collection, creating it on first use.
func (s *Store) ensure(ctx context.Context, suffix string) (*astra.Collection, error) {
	s.createMu.Lock()
	defer s.createMu.Unlock()
	if c, ok := s.created[suffix]; ok {
		return c, nil
	}
	c, err := s.client.CreateCollection(ctx, s.name(suffix), s.collOptions(suffix))
	if err != nil {
		return nil, fmt.Errorf("astrastore: create collection %s: %w", s.name(suffix), err)
	}
	s.created[suffix] = c
	return c, nil
}

// handle returns a handle without creating the collection (reads).
func (s *Store) handle(suffix string) *astra.Collection {
	c := s.client.Collection(s.name(suffix))
	if suffix == nodesColl && s.dim > 0 {
		c = c.WithDimension(s.dim)
	}
	return c
}

// nodesHandle returns the collection nodes live in now; callers hold cmu.
func (s *Store) nodesHandle() *astra.Collection {
	if s.vector {
		return s.handle(nodesColl)
	}
	return s.handle(plainColl)
}

func (s *Store) createNodes(ctx context.Context) error {
	if _, err := s.ensure(ctx, nodesColl); err != nil {
		return err
	}
	s.vector = true
	return nil
}

// migrate copies the plain nodes collection into the vector one and drops
// it; documents already copied (an interrupted migration) are skipped.
func (s *Store) migrate(ctx context.Context) error {
	dst, err := s.ensure(ctx, nodesColl)
	if err != nil {
		return err
	}
	docs, err := s.client.Collection(s.name(plainColl)).Find(nil, nil).ToSlice(ctx)
	if err != nil && !unknownCollection(err) {
		return fmt.Errorf("astrastore: migrate nodes: %w", err)
	}
	if len(docs) > 0 {
		_, err := dst.InsertMany(ctx, docs, &astra.InsertManyOptions{Concurrency: s.cfg.concurrency})
		var ime *astra.InsertManyError
		if errors.As(err, &ime) {
			for _, f := range ime.Result.Failures {
				var ae *astra.APIError
				if !errors.As(f.Err, &ae) || !ae.HasCode(astra.CodeDocumentAlreadyExists) {
					return fmt.Errorf("astrastore: migrate nodes: %w", err)
				}
			}
		} else if err != nil {
			return fmt.Errorf("astrastore: migrate nodes: %w", err)
		}
	}
	if err := s.client.DropCollection(ctx, s.name(plainColl)); err != nil {
		return fmt.Errorf("astrastore: migrate nodes: %w", err)
	}
	return nil
}

// unknownCollection reports a read of a collection not created yet (the
// store treats it as empty).
func unknownCollection(err error) bool {
	var ae *astra.APIError
	return errors.As(err, &ae) && ae.HasCode(astra.CodeUnknownCollection)
}

// check reports a cancelled context or a closed store.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return kg.ErrClosed
	}
	return nil
}

// Close marks the store closed; later calls return kg.ErrClosed. The
// client is left open (it is the caller's). Calling Close again returns
// nil.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// Stats implements kg.Store (see the package documentation for counts
// beyond 1000).
func (s *Store) Stats(ctx context.Context) (kg.Stats, error) {
	if err := s.check(ctx); err != nil {
		return kg.Stats{}, err
	}
	s.cmu.RLock()
	defer s.cmu.RUnlock()
	var st kg.Stats
	targets := []struct {
		c      *astra.Collection
		filter astra.Filter
		out    *int
		lower  bool
	}{
		{s.handle(docsColl), nil, &st.Documents, false},
		{s.handle(chunkColl), nil, &st.Chunks, false},
		{s.nodesHandle(), nil, &st.Nodes, false},
		{s.handle(edgesColl), nil, &st.Edges, false},
		{s.nodesHandle(), astra.Filter{"has_embedding": true}, &st.Embedded, true},
	}
	err := s.parallel(ctx, len(targets), func(ctx context.Context, i int) error {
		t := targets[i]
		n, err := count(ctx, t.c, t.filter, t.lower)
		*t.out = n
		return err
	})
	if err != nil {
		return kg.Stats{}, err
	}
	if st.Embedded > 0 || s.dimSeen {
		st.Dimension = s.dim
	}
	return st, nil
}

func count(ctx context.Context, c *astra.Collection, filter astra.Filter, lower bool) (int, error) {
	n, err := c.CountDocuments(ctx, filter, 0)
	switch {
	case err == nil:
		return n, nil
	case unknownCollection(err):
		return 0, nil
	case errors.Is(err, astra.ErrTooManyDocuments):
		if lower {
			return n, nil
		}
		est, err := c.EstimatedDocumentCount(ctx)
		if err != nil {
			return 0, fmt.Errorf("astrastore: count %s: %w", c.Name(), err)
		}
		return max(n, est), nil
	}
	return 0, fmt.Errorf("astrastore: count %s: %w", c.Name(), err)
}
