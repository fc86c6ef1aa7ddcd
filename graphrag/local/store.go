package local

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local/vecindex"
)

// ErrLocked is matched (errors.Is) by the error of Open when another Store,
// in this or another process, holds the file.
var ErrLocked = errors.New("locked by another process")

// Bucket names.
var (
	bMeta      = []byte("meta")
	bNodes     = []byte("nodes")
	bEdges     = []byte("edges")
	bChunks    = []byte("chunks")
	bDocs      = []byte("docs")
	bNodeIDs   = []byte("node_ids")
	bEdgeIDs   = []byte("edge_ids")
	bChunkIDs  = []byte("chunk_ids")
	bDocIDs    = []byte("doc_ids")
	bOut       = []byte("out")
	bIn        = []byte("in")
	bDocChunks = []byte("doc_chunks")
	bSupport   = []byte("support")

	allBuckets = [][]byte{bMeta, bNodes, bEdges, bChunks, bDocs, bNodeIDs, bEdgeIDs,
		bChunkIDs, bDocIDs, bOut, bIn, bDocChunks, bSupport}

	metaVersion = []byte("version")
	metaDim     = []byte("dim")
)

// Layout versions: 1 had empty adjacency values; 2 stores the edge record
// as the value of its two adjacency entries, so Neighbors reads no edge
// record. A version 1 file is migrated on Open.
const layoutVersion = 2

// Store is the embedded kg.Store. It is safe for concurrent use: one writer
// at a time, any number of readers.
type Store struct {
	path string
	cfg  config
	db   *bolt.DB

	// closeMu: every call holds it for reading; Close for writing.
	closeMu sync.RWMutex
	closed  bool

	// wmu serialises writers, so index changes apply in commit order.
	wmu sync.Mutex

	idx *memIndex

	// keys mirrors node_ids (see keyMap).
	keys *keyMap

	// snapLoaded reports that Open loaded the HNSW snapshot.
	snapLoaded bool

	// counts mirror the committed records (guarded by countMu).
	countMu sync.Mutex
	counts  kg.Stats
}

var _ kg.Store = (*Store)(nil)

// Open opens (creating it, and its directory, if needed) the store in the
// bbolt file at path and rebuilds the vector index from its records.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.ontology != nil {
		if err := cfg.ontology.Validate(); err != nil {
			return nil, fmt.Errorf("local: open %s: %w", path, err)
		}
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("local: open %s: %w", path, err)
		}
	}
	bopts := &bolt.Options{Timeout: cfg.timeout, NoSync: cfg.noSync}
	if cfg.prefault {
		bopts.MmapFlags = mmapPopulate
	}
	db, err := bolt.Open(path, 0o600, bopts)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("local: open %s: %w (file lock not acquired within %v)", path, ErrLocked, cfg.timeout)
		}
		return nil, fmt.Errorf("local: open %s: %w", path, err)
	}
	s := &Store{path: path, cfg: cfg, db: db}
	start := time.Now()
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("local: open %s: %w", path, err)
	}
	cfg.logger.Debug("local: store opened", "path", path, "nodes", s.counts.Nodes,
		"edges", s.counts.Edges, "embedded", s.idx.Len(), "took", time.Since(start))
	return s, nil
}

// load creates the buckets, checks the layout version, counts records and
// rebuilds the vector index.
func (s *Store) load() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(bMeta)
		v := m.Get(metaVersion)
		switch {
		case v == nil:
		case len(v) == 1 && v[0] == layoutVersion:
			return nil
		case len(v) == 1 && v[0] == 1:
			if err := migrateAdjacency(tx); err != nil {
				return fmt.Errorf("migrate layout 1 to %d: %w", layoutVersion, err)
			}
			s.cfg.logger.Info("local: migrated layout", "path", s.path, "from", 1, "to", layoutVersion)
		default:
			return fmt.Errorf("unsupported layout version %v", v)
		}
		return m.Put(metaVersion, []byte{layoutVersion})
	})
	if err != nil {
		return err
	}
	snap := s.takeSnapshot()
	return s.db.View(func(tx *bolt.Tx) error {
		dim := 0
		if v := tx.Bucket(bMeta).Get(metaDim); len(v) == 4 {
			dim = int(binary.BigEndian.Uint32(v))
		}
		nodes := tx.Bucket(bNodes)
		nodeN := nodes.Stats().KeyN
		useHNSW := s.cfg.index == IndexHNSW || (s.cfg.index == IndexAuto && nodeN > DefaultHNSWThreshold)
		idx, err := newMemIndex(dim, useHNSW)
		if err != nil {
			return err
		}
		// With a snapshot candidate, fill only the metadata and check the
		// snapshot's keys against the records; add the vectors otherwise.
		useSnap := useHNSW && snap != nil && snap.Dimension() == dim
		var digest uint64
		err = nodes.ForEach(func(k, v []byte) error {
			n, err := decodeNode(v)
			if err != nil {
				return fmt.Errorf("node key %x: %w", k, err)
			}
			if len(n.Embedding) == 0 {
				return nil
			}
			key := be64(k)
			if useSnap {
				digest += vecindex.KeyHash(key)
				idx.meta[key] = &kg.Node{ID: n.ID, Type: n.Type, Properties: n.Properties}
				return nil
			}
			return idx.put(key, n)
		})
		if err != nil {
			return err
		}
		if useSnap {
			if snap.Len() == len(idx.meta) && snap.KeysDigest() == digest {
				idx.vec, s.snapLoaded = snap, true
			} else {
				s.cfg.logger.Warn("local: HNSW snapshot does not match the records; rebuilding", "path", s.snapshotPath())
				idx.meta = map[uint64]*kg.Node{}
				err = nodes.ForEach(func(k, v []byte) error {
					n, err := decodeNode(v)
					if err != nil || len(n.Embedding) == 0 {
						return err
					}
					return idx.put(be64(k), n)
				})
				if err != nil {
					return err
				}
			}
		}
		if s.keys, err = loadKeyMap(tx); err != nil {
			return fmt.Errorf("node_ids: %w", err)
		}
		s.idx = idx
		s.counts = kg.Stats{
			Documents: tx.Bucket(bDocs).Stats().KeyN,
			Chunks:    tx.Bucket(bChunks).Stats().KeyN,
			Nodes:     nodeN,
			Edges:     tx.Bucket(bEdges).Stats().KeyN,
		}
		return nil
	})
}

// Path returns the store's file path.
func (s *Store) Path() string { return s.path }

// begin checks ctx and that the store is open, and holds the close lock
// until end.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return kg.ErrClosed
	}
	return nil
}

func (s *Store) end() { s.closeMu.RUnlock() }

// Close releases the file and its lock. Calling it again returns nil; every
// other method then returns kg.ErrClosed.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	serr := s.writeSnapshot()
	if err := s.db.Close(); err != nil {
		return err
	}
	return serr
}

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (kg.Stats, error) {
	if err := s.begin(ctx); err != nil {
		return kg.Stats{}, err
	}
	defer s.end()
	s.countMu.Lock()
	st := s.counts
	s.countMu.Unlock()
	st.Embedded, st.Dimension = s.idx.size()
	return st, nil
}

// addCounts applies committed record count deltas.
func (s *Store) addCounts(d kg.Stats) {
	s.countMu.Lock()
	s.counts.Documents += d.Documents
	s.counts.Chunks += d.Chunks
	s.counts.Nodes += d.Nodes
	s.counts.Edges += d.Edges
	s.countMu.Unlock()
}

// ctxEvery checks ctx every 256 iterations of a loop.
func ctxEvery(ctx context.Context, i int) error {
	if i&255 == 0 {
		return ctx.Err()
	}
	return nil
}

// invalid wraps a record error so that it matches kg.ErrInvalid.
func invalid(err error) error { return fmt.Errorf("%w: %w", kg.ErrInvalid, err) }

// lookupKey returns the key that ids maps id to.
func lookupKey(ids *bolt.Bucket, id string) (uint64, bool) {
	v := ids.Get([]byte(id))
	if len(v) != 8 {
		return 0, false
	}
	return be64(v), true
}

func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// migrateAdjacency writes each edge record as the value of its adjacency
// entries (layout 1 to 2).
func migrateAdjacency(tx *bolt.Tx) error {
	b := edgeBuckets(tx, &writeState{})
	return b.recs.ForEach(func(k, v []byte) error {
		e, err := decodeEdge(v)
		if err != nil {
			return fmt.Errorf("edge key %x: %w", k, err)
		}
		return b.link(e, be64(k), v)
	})
}

// ensureKey returns id's key, allocating one from records' sequence when
// id has none; created reports an allocation.
func ensureKey(ids, records *bolt.Bucket, id string) (key uint64, created bool, err error) {
	if k, ok := lookupKey(ids, id); ok {
		return k, false, nil
	}
	k, err := records.NextSequence()
	if err != nil {
		return 0, false, err
	}
	return k, true, ids.Put([]byte(id), u64(k))
}

// Verify checks that the in-memory vector index matches the records: it
// holds exactly the stored nodes that have an embedding. It reads every
// node record and blocks writers meanwhile.
func (s *Store) Verify(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	want, n, err := s.recordDigest()
	if err != nil {
		return fmt.Errorf("local: verify: %w", err)
	}
	var idsN int
	if err := s.db.View(func(tx *bolt.Tx) error { idsN = tx.Bucket(bNodeIDs).Stats().KeyN; return nil }); err != nil {
		return fmt.Errorf("local: verify: %w", err)
	}
	s.keys.mu.RLock()
	mapN := len(s.keys.m)
	s.keys.mu.RUnlock()
	if mapN != idsN {
		return fmt.Errorf("local: verify: %w: node key map holds %d IDs, node_ids %d", errCorrupt, mapN, idsN)
	}
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	got, size := uint64(0), 0
	if s.idx.vec != nil {
		got, size = s.idx.vec.KeysDigest(), s.idx.vec.Len()
	}
	if size != n || len(s.idx.meta) != n || got != want {
		return fmt.Errorf("local: verify: %w: index holds %d vectors (%d metadata rows), records %d embedded nodes (digest %x, want %x)",
			errCorrupt, size, len(s.idx.meta), n, got, want)
	}
	return nil
}

// recordDigest returns vecindex.KeyHash summed over the keys of the stored
// nodes that have an embedding, and their count: what the vector index
// must hold.
func (s *Store) recordDigest() (digest uint64, n int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bNodes).ForEach(func(k, v []byte) error {
			node, err := decodeNode(v)
			if err != nil {
				return err
			}
			if len(node.Embedding) > 0 {
				digest += vecindex.KeyHash(binary.BigEndian.Uint64(k))
				n++
			}
			return nil
		})
	})
	return digest, n, err
}
