package extract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
)

func TestCacheKey(t *testing.T) {
	base := CacheKey("text", "ont", "model", OutputSchema, 0)
	assert.Len(t, base, 64)
	assert.Equal(t, base, CacheKey("text", "ont", "model", OutputSchema, 0))
	for _, other := range []string{
		CacheKey("text2", "ont", "model", OutputSchema, 0),
		CacheKey("text", "ont2", "model", OutputSchema, 0),
		CacheKey("text", "ont", "model2", OutputSchema, 0),
		CacheKey("text", "ont", "model", OutputPrompt, 0),
		CacheKey("text", "ont", "model", OutputSchema, 1),
		CacheKey("tex", "tont", "model", OutputSchema, 0), // no ambiguity at part boundaries
	} {
		assert.NotEqual(t, base, other)
	}
	o := testOntology(t)
	h := OntologyHash(o)
	o.EntityTypes[0].Examples = append(o.EntityTypes[0].Examples, "new")
	assert.NotEqual(t, h, OntologyHash(o))
}

func TestCaches(t *testing.T) {
	ctx := context.Background()
	mem, err := NewMemoryCache(2)
	require.NoError(t, err)
	dir, err := NewDirCache(filepath.Join(t.TempDir(), "cache"))
	require.NoError(t, err)
	for name, c := range map[string]Cache{"memory": mem, "dir": dir} {
		t.Run(name, func(t *testing.T) {
			key := CacheKey("a", "o", "m", OutputSchema, 0)
			_, ok, err := c.Get(ctx, key)
			require.NoError(t, err)
			assert.False(t, ok)
			e := CacheEntry{Replies: []string{"{}", `{"entities":[]}`}, Usage: llm.Usage{TotalTokens: 7}, Model: "m"}
			require.NoError(t, c.Put(ctx, key, e))
			got, ok, err := c.Get(ctx, key)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, e, got)
			got.Replies[0] = "changed" // a copy
			again, _, _ := c.Get(ctx, key)
			assert.Equal(t, "{}", again.Replies[0])

			// Concurrent use.
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					k := CacheKey(fmt.Sprint(i%3), "o", "m", OutputSchema, 0)
					assert.NoError(t, c.Put(ctx, k, CacheEntry{Replies: []string{fmt.Sprint(i % 3)}}))
					if e, ok, err := c.Get(ctx, k); assert.NoError(t, err) && ok {
						assert.Equal(t, []string{fmt.Sprint(i % 3)}, e.Replies)
					}
				})
			}
			wg.Wait()
		})
	}
	assert.Equal(t, 2, mem.Len(), "LRU bound")
	_, err = NewMemoryCache(-1)
	require.Error(t, err)
	require.Error(t, mem.Put(ctx, "", CacheEntry{}))
}

func TestDirCacheErrors(t *testing.T) {
	ctx := context.Background()
	d := t.TempDir()
	c, err := NewDirCache(d)
	require.NoError(t, err)
	_, _, err = c.Get(ctx, "../../etc/passwd")
	require.ErrorContains(t, err, "hex")
	require.Error(t, c.Put(ctx, "ABCDEF0123", CacheEntry{}))
	key := CacheKey("x", "o", "m", OutputSchema, 0)
	require.NoError(t, c.Put(ctx, key, CacheEntry{Replies: []string{"r"}}))
	require.NoError(t, os.WriteFile(filepath.Join(d, key[:2], key+".json"), []byte(`{"replies":`), 0o644))
	_, ok, err := c.Get(ctx, key)
	require.ErrorContains(t, err, "corrupt")
	assert.False(t, ok)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = c.Get(cctx, key)
	require.ErrorIs(t, err, context.Canceled)
	_, err = NewDirCache("")
	require.Error(t, err)
	// No temporary files are left behind.
	files, err := filepath.Glob(filepath.Join(d, key[:2], "*.tmp"))
	require.NoError(t, err)
	assert.Empty(t, files)
}

// A corrupt cache entry is a miss: the chunk is asked again.
func TestLLMCorruptCacheEntry(t *testing.T) {
	d := t.TempDir()
	c, err := NewDirCache(d)
	require.NoError(t, err)
	f := newFake(wellReply)
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)), WithCache(c))
	require.NoError(t, err)
	doc := Document{ID: "d", Text: paragraphs(1)}
	_, err = x.Extract(context.Background(), doc)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(d, "*", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.NoError(t, os.WriteFile(files[0], []byte("garbage"), 0o644))
	res, err := x.Extract(context.Background(), doc)
	require.NoError(t, err)
	calls, _ := f.stats()
	assert.Equal(t, 2, calls)
	assert.False(t, res.Outcomes[0].Cached)
	assert.Len(t, res.Relations, 1)
}
