package vecindex

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func buildHNSW(t testing.TB, vecs [][]float32, cfg HNSWConfig) *HNSW {
	h, err := NewHNSW(len(vecs[0]), cfg)
	require.NoError(t, err)
	for i, v := range vecs {
		require.NoError(t, h.Add(uint64(i), v))
	}
	return h
}

func meanRecall(t testing.TB, idx Index, ids []uint64, vecs, queries [][]float32, accept func(uint64) bool) float64 {
	var sum float64
	for _, q := range queries {
		hits, err := idx.Search(q, 10, accept)
		require.NoError(t, err)
		sum += recall(hits, bruteForce(ids, vecs, q, 10, accept))
	}
	return sum / float64(len(queries))
}

func seqIDs(n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i)
	}
	return ids
}

func TestHNSWRecall(t *testing.T) {
	all := clustered(3100, 64, 30, 0.5, 1)
	vecs, queries := all[:3000], all[3000:]
	h := buildHNSW(t, vecs, HNSWConfig{Seed: 1})
	ids := seqIDs(len(vecs))
	r := meanRecall(t, h, ids, vecs, queries, nil)
	t.Logf("recall@10 = %.3f", r)
	assert.GreaterOrEqual(t, r, 0.95)
	rf := meanRecall(t, h, ids, vecs, queries[:30], func(id uint64) bool { return id%3 == 0 })
	t.Logf("filtered recall@10 = %.3f", rf)
	assert.GreaterOrEqual(t, rf, 0.9)
}

func TestHNSWDeterministic(t *testing.T) {
	vecs := clustered(500, 16, 5, 0.3, 3)
	var snaps [2]bytes.Buffer
	for i := range snaps {
		h := buildHNSW(t, vecs, HNSWConfig{Seed: 42, M: 8, EfConstruction: 50})
		_, err := h.WriteTo(&snaps[i])
		require.NoError(t, err)
	}
	assert.Equal(t, snaps[0].Bytes(), snaps[1].Bytes())
}

func TestHNSWDeleteAndRebuild(t *testing.T) {
	vecs := clustered(600, 16, 6, 0.3, 4)
	h := buildHNSW(t, vecs, HNSWConfig{Seed: 5, M: 8})
	assert.True(t, h.Delete(10))
	assert.False(t, h.Delete(10))
	assert.False(t, h.Delete(99999))
	assert.Equal(t, 599, h.Len())
	hits, err := h.Search(vecs[10], 5, nil)
	require.NoError(t, err)
	assert.NotContains(t, hitIDs(hits), uint64(10))
	// Upsert moves id 11 onto vector 10's position.
	require.NoError(t, h.Add(11, vecs[10]))
	assert.Equal(t, 599, h.Len())
	assert.Equal(t, 601, h.Nodes())
	hits, _ = h.Search(vecs[10], 1, nil)
	assert.Equal(t, uint64(11), hits[0].ID)
	var digest uint64
	for i := range 600 {
		if i != 10 {
			digest += KeyHash(uint64(i))
		}
	}
	assert.Equal(t, digest, h.KeysDigest())
	for i := range 300 {
		h.Delete(uint64(i))
	}
	h.Rebuild()
	assert.Equal(t, 300, h.Nodes())
	assert.Equal(t, 300, h.Len())
	hits, _ = h.Search(vecs[400], 10, nil)
	assert.Len(t, hits, 10)
	for _, x := range hits {
		assert.GreaterOrEqual(t, x.ID, uint64(300))
	}
	for i := 300; i < 600; i++ {
		h.Delete(uint64(i))
	}
	hits, err = h.Search(vecs[0], 3, nil)
	require.NoError(t, err)
	assert.Empty(t, hits)
}

func TestHNSWErrorsAndEf(t *testing.T) {
	_, err := NewHNSW(0, HNSWConfig{})
	require.Error(t, err)
	h, _ := NewHNSW(3, HNSWConfig{})
	assert.Equal(t, HNSWConfig{M: DefaultM, EfConstruction: DefaultEfConstruction, EfSearch: DefaultEfSearch}, h.Config())
	var de *DimensionError
	require.ErrorAs(t, h.Add(1, []float32{1}), &de)
	_, err = h.Search([]float32{1, 2}, 1, nil)
	require.ErrorAs(t, err, &de)
	hits, err := h.Search([]float32{1, 2, 3}, 1, nil)
	require.NoError(t, err)
	assert.Empty(t, hits)
	require.NoError(t, h.Add(1, []float32{0, 0, 0}))
	require.NoError(t, h.Add(2, []float32{1, 0, 0}))
	hits, _ = h.SearchEf([]float32{1, 0, 0}, 5, 1, nil)
	assert.Equal(t, []uint64{2, 1}, hitIDs(hits))
	assert.Zero(t, hits[1].Score)
	h.SetEfSearch(10)
	assert.Equal(t, 10, h.Config().EfSearch)
}

func TestHNSWConcurrent(t *testing.T) {
	vecs := clustered(1500, 16, 10, 0.3, 8)
	h := buildHNSW(t, vecs[:500], HNSWConfig{Seed: 1, M: 8, EfConstruction: 40})
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for i := range 150 {
				_, err := h.Search(vecs[(r*150+i)%len(vecs)], 5, nil)
				assert.NoError(t, err)
				var buf bytes.Buffer
				if i%50 == 0 {
					_, err = h.WriteTo(&buf)
					assert.NoError(t, err)
				}
			}
		})
	}
	wg.Go(func() {
		for i, v := range vecs[500:] {
			assert.NoError(t, h.Add(uint64(500+i), v))
			if i%4 == 0 {
				h.Delete(uint64(i))
			}
		}
	})
	wg.Wait()
	assert.Equal(t, 1500-250, h.Len())
}
