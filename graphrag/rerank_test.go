package graphrag_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/graphrag"
)

func ids(cs []graphrag.Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestCosineReRank(t *testing.T) {
	q := []float32{1, 0}
	cands := []graphrag.Candidate{
		{Kind: graphrag.KindChunk, ID: "far", Embedding: []float32{0, 1}},
		{Kind: graphrag.KindNode, ID: "near", Embedding: []float32{1, 0.1}},
		{Kind: graphrag.KindEdge, ID: "none"},
		{Kind: graphrag.KindNode, ID: "mid", Embedding: []float32{1, 1}},
		{Kind: graphrag.KindChunk, ID: "wrong-dim", Embedding: []float32{1, 0, 0}},
		{Kind: graphrag.KindNode, ID: "zero", Embedding: []float32{0, 0}},
	}
	got, err := graphrag.Cosine{}.ReRank(context.Background(), q, cands)
	require.NoError(t, err)
	assert.Equal(t, []string{"near", "mid", "zero", "none", "far", "wrong-dim"}, ids(got),
		"by cosine, then nodes, edges, chunks, then ID")
	assert.InDelta(t, 1/math.Sqrt(2), got[1].Score, 1e-6)
	assert.Equal(t, "far", cands[0].ID, "the input is not reordered")
	assert.Zero(t, cands[1].Score, "nor written")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = graphrag.Cosine{}.ReRank(ctx, q, cands)
	assert.ErrorIs(t, err, context.Canceled)
}

// MMR moves a near-duplicate of a picked candidate behind a less similar
// but different one.
func TestMMRDiversity(t *testing.T) {
	q := []float32{1, 0, 0}
	cands := []graphrag.Candidate{
		{Kind: graphrag.KindChunk, ID: "a", Embedding: []float32{1, 0.2, 0}},
		{Kind: graphrag.KindChunk, ID: "a-copy", Embedding: []float32{1, 0.21, 0}},
		{Kind: graphrag.KindChunk, ID: "b", Embedding: []float32{1, 0, 0.6}},
	}
	cos, err := graphrag.Cosine{}.ReRank(context.Background(), q, cands)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "a-copy", "b"}, ids(cos))
	mmr, err := graphrag.MMR{Lambda: 0.5}.ReRank(context.Background(), q, cands)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "a-copy"}, ids(mmr))
	one, err := graphrag.MMR{Lambda: 1}.ReRank(context.Background(), q, cands)
	require.NoError(t, err)
	assert.Equal(t, ids(cos), ids(one), "Lambda 1 is Cosine")
	pool, err := graphrag.MMR{Lambda: 0.5, Pool: 1}.ReRank(context.Background(), q, cands)
	require.NoError(t, err)
	assert.Equal(t, ids(cos), ids(pool), "beyond the pool, cosine order")

	_, err = graphrag.MMR{Lambda: 0}.ReRank(context.Background(), q, cands)
	assert.Error(t, err)
	assert.NoError(t, graphrag.MMR{Lambda: 0.3}.Validate())
	assert.ErrorContains(t, graphrag.MMR{Lambda: 2}.Validate(), "Lambda")
	assert.ErrorContains(t, graphrag.MMR{Lambda: 0.3, Pool: -2}.Validate(), "Pool")
}

// Both built-ins return every candidate exactly once.
func TestReRankKeepsEveryCandidate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dim := rapid.IntRange(1, 4).Draw(t, "dim")
		vec := func(label string) []float32 {
			if rapid.Bool().Draw(t, label+"-nil") {
				return nil
			}
			return rapid.SliceOfN(rapid.Float32Range(-1, 1), dim, dim).Draw(t, label)
		}
		n := rapid.IntRange(0, 30).Draw(t, "n")
		cands := make([]graphrag.Candidate, n)
		for i := range cands {
			cands[i] = graphrag.Candidate{Kind: graphrag.KindChunk, ID: string(rune('a' + i)), Embedding: vec("c")}
		}
		q := vec("q")
		rerankers := []graphrag.ReRanker{
			graphrag.Cosine{},
			graphrag.MMR{Lambda: rapid.Float64Range(0.01, 1).Draw(t, "lambda"), Pool: rapid.IntRange(0, 40).Draw(t, "pool")},
		}
		for _, rr := range rerankers {
			got, err := rr.ReRank(context.Background(), q, cands)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%T returned %d of %d", rr, len(got), n)
			}
			seen := map[string]bool{}
			for _, c := range got {
				if seen[c.ID] {
					t.Fatalf("%T returned %s twice", rr, c.ID)
				}
				seen[c.ID] = true
				if math.IsNaN(c.Score) {
					t.Fatalf("NaN score")
				}
			}
		}
	})
}
