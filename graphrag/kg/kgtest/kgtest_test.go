package kgtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemStoreConformance(t *testing.T) {
	kgtest.Run(t, func(*testing.T) kg.Store { return kgtest.NewMemStore() })
}

func TestSuiteWithDimension(t *testing.T) {
	var dims []int
	kgtest.Suite{
		Open: func(_ *testing.T, dim int) kg.Store {
			dims = append(dims, dim)
			return kgtest.NewMemStore()
		},
		SkipAnimals: true,
	}.Run(t)
	assert.Contains(t, dims, kgtest.Dim)
}

func TestAnimalsMissingDataSkips(t *testing.T) {
	t.Setenv("KGAS_SHARED_DATA", t.TempDir())
	dir, looked := kgtest.AnimalsDir()
	if dir != "" {
		t.Skip("the module's own shared data folder exists; the skip path is not reachable here")
	}
	assert.NotEmpty(t, looked)
}

func TestAnimalEmbedding(t *testing.T) {
	v := kgtest.AnimalEmbedding("small agile mammal")
	require.Len(t, v, kgtest.AnimalDim)
	assert.Equal(t, float32(0.7641509433962264), v[181])
	assert.Equal(t, float32(0.7668997668997669), v[253])
	assert.Equal(t, float32(0.7578692493946732), v[293])
	assert.Equal(t, float32(0.2/1), v[0])
	assert.Equal(t, float32(0.2/324), v[323])
	d := kgtest.AnimalEmbedding("domesticated hunters")
	for _, i := range []int{39, 82, 83, 153, 268, 315} {
		assert.Greater(t, d[i], float32(0.5), "component %d", i)
	}
}

func TestMemStoreRejects(t *testing.T) {
	ctx := context.Background()
	s := kgtest.NewMemStore()
	defer s.Close()
	require.NoError(t, s.UpsertNodes(ctx, []kg.Node{{ID: "a", Type: "T", Embedding: []float32{1, 0}}}))
	_, err := s.VectorSearch(ctx, []float32{1, 0}, -1, nil)
	require.ErrorIs(t, err, kg.ErrInvalid)
	_, err = s.Neighbors(ctx, []string{"a"}, kg.NeighborOptions{Direction: 7})
	require.ErrorIs(t, err, kg.ErrInvalid)
	_, err = s.Neighbors(ctx, []string{"a"}, kg.NeighborOptions{Limit: -1})
	require.ErrorIs(t, err, kg.ErrInvalid)
	err = s.UpsertDocuments(ctx, []kg.Document{{}})
	require.ErrorIs(t, err, kg.ErrInvalid)
	err = s.UpsertNodes(ctx, []kg.Node{{ID: "b", Type: "T", Properties: map[string]any{"f": func() {}}}})
	require.ErrorIs(t, err, kg.ErrInvalid)
	assert.Equal(t, 0.0, kgtest.Cosine([]float32{0, 0}, []float32{1, 0}))
}
