package llm

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestCacheDiskPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emb.db")
	texts := make([]string, 600)
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i%500) // with repeats
	}
	first := newFake(32)
	c, err := NewCachedEmbedder(first, WithDiskCache(path), WithCacheMaxTextsPerCall(128))
	require.NoError(t, err)
	got, err := c.Embed(context.Background(), texts)
	require.NoError(t, err)
	require.Equal(t, first.direct(texts), got)
	require.EqualValues(t, 500, c.Stats().UpstreamTexts)
	require.NoError(t, c.Close())

	second := newFake(32)
	c, err = NewCachedEmbedder(second, WithDiskCache(path))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	got, err = c.Embed(context.Background(), texts)
	require.NoError(t, err)
	require.Equal(t, first.direct(texts), got)
	st := c.Stats()
	assert.Zero(t, st.UpstreamCalls)
	assert.EqualValues(t, 600, st.DiskHits)
	assert.Zero(t, st.DiskCorrupt)
	assert.Empty(t, second.calls())

	// Now in memory.
	_, err = c.Embed(context.Background(), texts[:10])
	require.NoError(t, err)
	assert.EqualValues(t, 10, c.Stats().Hits)
}

func TestCacheDiskSeparatesModelsAndDimensions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emb.db")
	a := newFake(8)
	c, err := NewCachedEmbedder(a, WithDiskCache(path))
	require.NoError(t, err)
	_, err = c.Embed(context.Background(), []string{"x"})
	require.NoError(t, err)
	require.NoError(t, c.Close())

	for _, inner := range []*fakeEmbedder{{model: "other", dim: 8}, {model: a.model, dim: 16}} {
		c, err := NewCachedEmbedder(inner, WithDiskCache(path))
		require.NoError(t, err)
		got, err := c.Embed(context.Background(), []string{"x"})
		require.NoError(t, err)
		require.Equal(t, inner.direct([]string{"x"}), got)
		assert.Zero(t, c.Stats().DiskHits)
		assert.EqualValues(t, 1, c.Stats().UpstreamCalls)
		require.NoError(t, c.Close())
	}
}

func TestCacheDiskCorruptionIsAMiss(t *testing.T) {
	const dim = 8
	tests := []struct {
		name    string
		corrupt func(d *diskCache, k diskKey, val []byte) []byte
	}{
		{"flipped vector byte", func(_ *diskCache, _ diskKey, v []byte) []byte { v[20] ^= 0x40; return v }},
		{"flipped checksum", func(_ *diskCache, _ diskKey, v []byte) []byte { v[len(v)-1] ^= 1; return v }},
		{"flipped version", func(_ *diskCache, _ diskKey, v []byte) []byte { v[0] ^= 0xff; return v }},
		{"truncated", func(_ *diskCache, _ diskKey, v []byte) []byte { return v[:len(v)-5] }},
		{"empty", func(*diskCache, diskKey, []byte) []byte { return []byte{} }},
		{"other model, valid checksum", func(d *diskCache, k diskKey, _ []byte) []byte {
			o := *d
			o.model = "fake-embes" // same length, other name
			return o.encode(k, fakeVector(o.model, dim, "a"))
		}},
		{"other dimension, valid checksum", func(d *diskCache, k diskKey, _ []byte) []byte {
			o := *d
			o.dim = dim + 1
			return o.encode(k, fakeVector(d.model, dim+1, "a"))
		}},
		{"value moved from another key", func(d *diskCache, _ diskKey, _ []byte) []byte {
			return d.encode(d.key("b"), fakeVector(d.model, dim, "b"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "emb.db")
			inner := newFake(dim)
			c, err := NewCachedEmbedder(inner, WithDiskCache(path))
			require.NoError(t, err)
			_, err = c.Embed(context.Background(), []string{"a", "b"})
			require.NoError(t, err)
			d := *c.disk
			require.NoError(t, c.Close())

			db, err := bolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			k := d.key("a")
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte(diskBucket))
				val := append([]byte(nil), b.Get(k[:])...)
				require.NotEmpty(t, val)
				return b.Put(k[:], tt.corrupt(&d, k, val))
			}))
			require.NoError(t, db.Close())

			c, err = NewCachedEmbedder(inner, WithDiskCache(path))
			require.NoError(t, err)
			got, err := c.Embed(context.Background(), []string{"a", "b"})
			require.NoError(t, err)
			require.Equal(t, inner.direct([]string{"a", "b"}), got)
			st := c.Stats()
			assert.EqualValues(t, 1, st.DiskCorrupt)
			assert.EqualValues(t, 1, st.DiskHits)
			assert.EqualValues(t, 1, st.UpstreamTexts)
			require.NoError(t, c.Close())

			// The entry was overwritten with a good one.
			c, err = NewCachedEmbedder(inner, WithDiskCache(path))
			require.NoError(t, err)
			got, err = c.Embed(context.Background(), []string{"a"})
			require.NoError(t, err)
			require.Equal(t, inner.direct([]string{"a"}), got)
			assert.Zero(t, c.Stats().UpstreamCalls)
			assert.Zero(t, c.Stats().DiskCorrupt)
			require.NoError(t, c.Close())
		})
	}
}

func TestCacheDiskCorruptionLogged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emb.db")
	inner := newFake(4)
	c, err := NewCachedEmbedder(inner, WithDiskCache(path))
	require.NoError(t, err)
	_, err = c.Embed(context.Background(), []string{"a"})
	require.NoError(t, err)
	k := c.disk.key("a")
	require.NoError(t, c.Close())
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(diskBucket)).Put(k[:], []byte("junk")) }))
	require.NoError(t, db.Close())

	var buf bytes.Buffer
	c, err = NewCachedEmbedder(inner, WithDiskCache(path), WithCacheLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	_, err = c.Embed(context.Background(), []string{"a"})
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "corrupt disk entries")
}

func TestCacheDiskFileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emb.db")
	c, err := NewCachedEmbedder(newFake(4), WithDiskCache(path))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	_, err = NewCachedEmbedder(newFake(4), WithDiskCache(path)) // waits diskLockWait
	require.Error(t, err)
}

func TestCacheDiskOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := NewCachedEmbedder(newFake(4), WithDiskCache(dir)) // a directory
	require.Error(t, err)
	_, err = NewCachedEmbedder(newFake(4), WithDiskCache(filepath.Join(dir, "missing", "x.db")))
	require.Error(t, err)
}
