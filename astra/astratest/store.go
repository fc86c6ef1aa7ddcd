package astratest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// database holds the keyspaces; its mutex guards the keyspace and
// collection maps, each collection guards its own documents.
type database struct {
	mu        sync.RWMutex
	keyspaces map[string]map[string]*collection
}

func newDatabase(names []string) *database {
	db := &database{keyspaces: map[string]map[string]*collection{}}
	for _, n := range names {
		db.keyspaces[n] = map[string]*collection{}
	}
	return db
}

// keyspace returns the collections of ks, or nil if it does not exist.
func (db *database) keyspace(ks string) map[string]*collection {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.keyspaces[ks]
}

func (db *database) collection(ks, name string) *collection {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.keyspaces[ks][name]
}

func (db *database) countCollections() int {
	n := 0
	for _, cs := range db.keyspaces {
		n += len(cs)
	}
	return n
}

// collection is one collection's documents in insertion order.
type collection struct {
	name string
	def  *collDef

	mu      sync.RWMutex
	entries []*docEntry // ascending seq; may hold deleted entries
	byID    map[string]*docEntry
	nextSeq uint64
	dead    int
}

// docEntry is a stored document. doc is never mutated once stored: an
// update stores a new map, so readers may use a map after unlocking.
type docEntry struct {
	seq     uint64
	key     string
	doc     map[string]any
	vec     []float32
	deleted bool
}

func newCollection(name string, def *collDef) *collection {
	return &collection{name: name, def: def, byID: map[string]*docEntry{}, nextSeq: 1}
}

// insertLocked stores a shredded document; the caller holds mu and has
// checked that the id is free.
func (c *collection) insertLocked(d *shredded) {
	e := &docEntry{seq: c.nextSeq, key: d.key, doc: d.doc, vec: d.vec}
	c.nextSeq++
	c.entries = append(c.entries, e)
	c.byID[d.key] = e
}

// deleteLocked removes e; the caller holds mu.
func (c *collection) deleteLocked(e *docEntry) {
	if e.deleted {
		return
	}
	e.deleted = true
	delete(c.byID, e.key)
	c.dead++
	if c.dead > 64 && c.dead > len(c.entries)/2 {
		live := make([]*docEntry, 0, len(c.entries)-c.dead)
		for _, x := range c.entries {
			if !x.deleted {
				live = append(live, x)
			}
		}
		c.entries, c.dead = live, 0
	}
}

// truncateLocked deletes every document; the caller holds mu.
func (c *collection) truncateLocked() int {
	n := len(c.byID)
	for _, e := range c.entries {
		e.deleted = true
	}
	c.entries, c.dead = nil, 0
	c.byID = map[string]*docEntry{}
	return n
}

// liveCount is the number of documents; the caller holds mu.
func (c *collection) liveCount() int { return len(c.byID) }

// scan calls fn for live entries with seq > after in seq order until fn
// returns false. With ids != nil only those ids are visited. The caller
// holds mu.
func (c *collection) scan(after uint64, ids []string, fn func(*docEntry) bool) {
	if ids != nil {
		cand := make([]*docEntry, 0, len(ids))
		seen := make(map[string]bool, len(ids))
		for _, k := range ids {
			if e := c.byID[k]; e != nil && e.seq > after && !seen[k] {
				seen[k] = true
				cand = append(cand, e)
			}
		}
		sort.Slice(cand, func(i, j int) bool { return cand[i].seq < cand[j].seq })
		for _, e := range cand {
			if !fn(e) {
				return
			}
		}
		return
	}
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].seq > after })
	for ; i < len(c.entries); i++ {
		if e := c.entries[i]; !e.deleted && !fn(e) {
			return
		}
	}
}

// CreateCollection creates a collection as the createCollection command
// would, with options in their JSON form (e.g. {"vector": {"dimension": 3,
// "metric": "cosine"}}); nil options create a plain collection. It is
// idempotent when the options match.
func (s *Server) CreateCollection(keyspace, name string, options map[string]any) error {
	opts := map[string]any{}
	if options != nil {
		v, err := normalize(options)
		if err != nil {
			return fmt.Errorf("astratest: options: %w", err)
		}
		if m, ok := v.(map[string]any); ok {
			opts = m
		}
	}
	cmd := map[string]any{"name": name, "options": opts}
	res := s.execute(route{keyspace: keyspace, depth: 1}, "createCollection", cmd)
	if len(res.errs) > 0 {
		return res.errs[0]
	}
	return nil
}

// Load inserts documents into keyspace.collection without going through
// HTTP (no latency, faults or stats), creating a plain collection if it
// does not exist. Documents are converted through encoding/json, so any
// JSON-marshalable values work ($vector may be []float32 or
// {"$binary": …}). It fails on the first invalid or duplicate document;
// documents before it stay inserted.
func (s *Server) Load(keyspace, collection string, docs []map[string]any) error {
	c := s.db.collection(keyspace, collection)
	if c == nil {
		if err := s.CreateCollection(keyspace, collection, nil); err != nil {
			return err
		}
		if c = s.db.collection(keyspace, collection); c == nil {
			return errors.New("astratest: collection dropped concurrently")
		}
	}
	for i, d := range docs {
		v, err := normalize(d)
		if err != nil {
			return fmt.Errorf("astratest: document %d: %w", i, err)
		}
		m, _ := v.(map[string]any)
		if m == nil {
			return fmt.Errorf("astratest: document %d is not an object", i)
		}
		sd, aerr := s.shred(c.def, m, nil)
		if aerr != nil {
			return fmt.Errorf("astratest: document %d: %w", i, aerr)
		}
		c.mu.Lock()
		if c.byID[sd.key] != nil {
			c.mu.Unlock()
			return fmt.Errorf("astratest: document %d: %w", i, dupError(sd.doc["_id"]))
		}
		c.insertLocked(sd)
		c.mu.Unlock()
	}
	return nil
}

// Documents returns copies of the documents of keyspace.collection in
// storage order ($vector as []float32, numbers as json.Number, Extended
// JSON values as {"$date": …} maps). It fails if the collection does not
// exist.
func (s *Server) Documents(keyspace, collection string) ([]map[string]any, error) {
	c := s.db.collection(keyspace, collection)
	if c == nil {
		return nil, fmt.Errorf("astratest: no collection %s.%s", keyspace, collection)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]map[string]any, 0, c.liveCount())
	c.scan(0, nil, func(e *docEntry) bool {
		out = append(out, deepCopy(e.doc).(map[string]any))
		return true
	})
	return out, nil
}
