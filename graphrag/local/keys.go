package local

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// keyMap mirrors the node_ids bucket in memory (user node ID -> key), so a
// read resolves an ID without a B+tree lookup. It is loaded on Open and
// updated after each commit, under the writer lock, with the changes the
// transaction made. Keys are never reused, so a reader whose bbolt snapshot
// is older or newer than the map at worst finds no record for a key (the
// node was just deleted or is not yet visible), never another node's.
type keyMap struct {
	mu sync.RWMutex
	m  map[string]uint64
}

// keyChange is a node key allocated (key > 0) or dropped (key 0).
type keyChange struct {
	id  string
	key uint64
}

// lookup resolves ids in one lock hold; keys[i] is 0 when ids[i] has none.
func (k *keyMap) lookup(ids []string, keys []uint64) {
	k.mu.RLock()
	for i, id := range ids {
		keys[i] = k.m[id]
	}
	k.mu.RUnlock()
}

func (k *keyMap) apply(changes []keyChange) {
	if len(changes) == 0 {
		return
	}
	k.mu.Lock()
	for _, c := range changes {
		if c.key == 0 {
			delete(k.m, c.id)
		} else {
			k.m[c.id] = c.key
		}
	}
	k.mu.Unlock()
}

// loadKeyMap reads the node_ids bucket.
func loadKeyMap(tx *bolt.Tx) (*keyMap, error) {
	ids := tx.Bucket(bNodeIDs)
	m := make(map[string]uint64, ids.Stats().KeyN)
	err := ids.ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return errCorrupt
		}
		m[string(k)] = be64(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &keyMap{m: m}, nil
}
