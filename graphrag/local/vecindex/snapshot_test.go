package vecindex

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func snapshotOf(t testing.TB, h *HNSW) []byte {
	var buf bytes.Buffer
	n, err := h.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	return buf.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	vecs := clustered(400, 8, 4, 0.3, 9)
	h := buildHNSW(t, vecs, HNSWConfig{Seed: 3, M: 6, EfConstruction: 30, EfSearch: 20})
	h.Delete(7)
	snap := snapshotOf(t, h)
	trailing := append(bytes.Clone(snap), "tail"...)
	r := bytes.NewReader(trailing)
	g, err := LoadHNSW(r)
	require.NoError(t, err)
	assert.Equal(t, 4, r.Len(), "ReadFrom must consume exactly the snapshot")
	assert.Equal(t, h.Len(), g.Len())
	assert.Equal(t, h.KeysDigest(), g.KeysDigest())
	assert.Equal(t, h.Config(), g.Config())
	assert.Equal(t, snap, snapshotOf(t, g))
	for _, q := range vecs[:20] {
		a, _ := h.Search(q, 5, nil)
		b, _ := g.Search(q, 5, nil)
		assert.Equal(t, a, b)
	}
	// Inserts after loading continue the same level sequence.
	require.NoError(t, h.Add(1000, vecs[0]))
	require.NoError(t, g.Add(1000, vecs[0]))
	assert.Equal(t, snapshotOf(t, h), snapshotOf(t, g))
	empty, _ := NewHNSW(8, HNSWConfig{})
	e2, err := LoadHNSW(bytes.NewReader(snapshotOf(t, empty)))
	require.NoError(t, err)
	assert.Equal(t, 0, e2.Len())
}

func TestSnapshotCorruption(t *testing.T) {
	h := buildHNSW(t, clustered(100, 4, 3, 0.3, 10), HNSWConfig{Seed: 1, M: 4, EfConstruction: 20})
	snap := snapshotOf(t, h)
	before := h.KeysDigest()
	for i := 0; i < len(snap); i += 1 + len(snap)/300 {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(snap)
			bad[i] ^= mask
			_, err := h.ReadFrom(bytes.NewReader(bad))
			require.ErrorIs(t, err, ErrCorrupt, "flip at byte %d", i)
		}
	}
	for _, n := range []int{0, 5, len(snap) / 2, len(snap) - 1} {
		_, err := LoadHNSW(bytes.NewReader(snap[:n]))
		require.ErrorIs(t, err, ErrCorrupt, "truncated to %d", n)
	}
	assert.Equal(t, before, h.KeysDigest(), "failed ReadFrom leaves the index unchanged")
}

func FuzzReadFrom(f *testing.F) {
	h := buildHNSW(f, clustered(20, 3, 2, 0.3, 11), HNSWConfig{Seed: 1, M: 2, EfConstruction: 8})
	f.Add(snapshotOf(f, h))
	f.Add([]byte("KGASHNSW"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := LoadHNSW(bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		q := make([]float32, g.Dimension())
		q[0] = 1
		hits, err := g.Search(q, 3, nil)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(hits), 3)
		require.NoError(t, g.Add(1<<60, q))
	})
}
