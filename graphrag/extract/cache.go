package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/kgas-dev/kgas/llm"
)

// DefaultCacheSize is the number of chunks a MemoryCache keeps by default.
const DefaultCacheSize = 10_000

// CacheEntry is what a chunk's extraction cached: the model's raw replies
// (first pass, then gleaning rounds), re-parsed and re-validated on every
// hit, so parser and validation improvements apply to cached chunks too.
type CacheEntry struct {
	Replies []string `json:"replies"`
	// Usage is what the calls cost when they were made.
	Usage llm.Usage `json:"usage"`
	// Model is the model that answered.
	Model string `json:"model,omitempty"`
}

// Cache stores extraction replies by key (see CacheKey). Implementations
// must be safe for concurrent use. A Get error is logged and treated as a
// miss; a Put error is logged.
type Cache interface {
	// Get returns the entry stored under key and whether there is one.
	Get(ctx context.Context, key string) (CacheEntry, bool, error)
	// Put stores e under key.
	Put(ctx context.Context, key string, e CacheEntry) error
}

// CacheKey is the cache key of a chunk's extraction: the hex SHA-256 of
// the chunk's text, the ontology hash (OntologyHash), the model name, the
// output mode, the gleaning rounds and PromptVersion. Re-ingesting
// unchanged text with the same settings hits; changing any of them misses.
func CacheKey(chunkText, ontologyHash, model string, mode OutputMode, gleaning int) string {
	h := sha256.New()
	for _, part := range []string{PromptVersion, ontologyHash, model, mode.String(), strconv.Itoa(gleaning), chunkText} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MemoryCache is an in-memory LRU Cache.
type MemoryCache struct {
	lru *lru.Cache[string, CacheEntry]
}

// NewMemoryCache returns a MemoryCache holding at most size entries
// (DefaultCacheSize when size is 0).
func NewMemoryCache(size int) (*MemoryCache, error) {
	if size == 0 {
		size = DefaultCacheSize
	}
	if size < 0 {
		return nil, fmt.Errorf("extract: NewMemoryCache(%d): size must be positive", size)
	}
	c, err := lru.New[string, CacheEntry](size)
	if err != nil {
		return nil, fmt.Errorf("extract: NewMemoryCache(%d): %w", size, err)
	}
	return &MemoryCache{lru: c}, nil
}

// Get implements Cache.
func (c *MemoryCache) Get(_ context.Context, key string) (CacheEntry, bool, error) {
	e, ok := c.lru.Get(key)
	if !ok {
		return CacheEntry{}, false, nil
	}
	e.Replies = slices.Clone(e.Replies)
	return e, true, nil
}

// Put implements Cache.
func (c *MemoryCache) Put(_ context.Context, key string, e CacheEntry) error {
	if key == "" {
		return fmt.Errorf("extract: cache put: key is empty")
	}
	e.Replies = slices.Clone(e.Replies)
	c.lru.Add(key, e)
	return nil
}

// Len returns the number of entries held.
func (c *MemoryCache) Len() int { return c.lru.Len() }

// DirCache is a Cache of JSON files in a directory (one file per key,
// under a two-character fan-out directory), surviving restarts. Writes go
// to a temporary file renamed into place, so a reader never sees a partial
// entry; concurrent writers of one key leave one complete entry.
type DirCache struct {
	dir string
}

// NewDirCache returns a DirCache in dir, creating it if needed.
func NewDirCache(dir string) (*DirCache, error) {
	if dir == "" {
		return nil, fmt.Errorf("extract: NewDirCache: dir is empty")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("extract: NewDirCache(%q): %w", dir, err)
	}
	return &DirCache{dir: dir}, nil
}

func (c *DirCache) path(key string) (string, error) {
	if len(key) < 8 || len(key) > 128 {
		return "", fmt.Errorf("extract: cache key %q: must be 8 to 128 hex digits", key)
	}
	for _, r := range key {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return "", fmt.Errorf("extract: cache key %q: must be lower-case hex", key)
		}
	}
	return filepath.Join(c.dir, key[:2], key+".json"), nil
}

// Get implements Cache. A missing file is a miss; an unreadable or corrupt
// one is a miss with an error.
func (c *DirCache) Get(ctx context.Context, key string) (CacheEntry, bool, error) {
	if err := ctx.Err(); err != nil {
		return CacheEntry{}, false, err
	}
	p, err := c.path(key)
	if err != nil {
		return CacheEntry{}, false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return CacheEntry{}, false, nil
	}
	if err != nil {
		return CacheEntry{}, false, fmt.Errorf("extract: cache get: %w", err)
	}
	var e CacheEntry
	if err := json.Unmarshal(b, &e); err != nil || e.Replies == nil {
		return CacheEntry{}, false, fmt.Errorf("extract: cache entry %s is corrupt: %v", p, err)
	}
	return e, true, nil
}

// Put implements Cache.
func (c *DirCache) Put(ctx context.Context, key string, e CacheEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := c.path(key)
	if err != nil {
		return err
	}
	if e.Replies == nil {
		e.Replies = []string{}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("extract: cache put: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("extract: cache put: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), key+".*.tmp")
	if err != nil {
		return fmt.Errorf("extract: cache put: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("extract: cache put: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("extract: cache put: %w", err)
	}
	return nil
}
