package kgtest

import (
	"encoding/json"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/traverse"
)

// traversalSpecs returns the edge specs of a traverse case.
func traversalSpecs(t *testing.T, p caseParams) []traverse.EdgeSpec {
	var pairs [][2]string
	require.NoError(t, json.Unmarshal(p.Edges, &pairs))
	specs := make([]traverse.EdgeSpec, len(pairs))
	for i, sp := range pairs {
		specs[i] = traverse.Link(sp[0], sp[1])
	}
	return specs
}

// link stores, as edges, the metadata links (README §4.1) of every spec
// the traversal cases use.
func (e *animalEnv) link(t *testing.T, nodes []kg.Node, cases []animalCase) {
	var specs []traverse.EdgeSpec
	for _, c := range cases {
		if c.Operation != "traverse" {
			continue
		}
		var p caseParams
		require.NoError(t, json.Unmarshal(c.Params, &p))
		for _, sp := range traversalSpecs(t, p) {
			if !slices.Contains(specs, sp) {
				specs = append(specs, sp)
			}
		}
	}
	edges, err := traverse.MetadataEdges(nodes, specs...)
	require.NoError(t, err)
	require.NoError(t, e.st.UpsertEdges(t.Context(), edges))
}

// nameLengthScorer is the scorer of the upstream Scored tests (README §5):
// (20 − characters in the id) + (first character − 'a') / 100.
func nameLengthScorer(n *traverse.Node) float64 {
	r, _ := utf8.DecodeRuneInString(n.ID)
	return float64(20-utf8.RuneCountInString(n.ID)) + float64(r-'a')/100
}

// traversalSetup builds the strategy and options of a traverse case.
func traversalSetup(t *testing.T, p caseParams) (traverse.Strategy, []traverse.Option) {
	sg := p.Strategy
	opts := []traverse.Option{
		traverse.WithEdges(traversalSpecs(t, p)...),
		traverse.WithSelectK(sg.SelectK),
		traverse.WithStartK(sg.StartK),
		traverse.WithAdjacentK(sg.AdjacentK),
		traverse.WithInitialRoots(p.InitialRootIDs...),
	}
	if sg.MaxDepth != nil {
		opts = append(opts, traverse.WithMaxDepth(*sg.MaxDepth))
	}
	if len(p.MetadataFilter) > 0 {
		opts = append(opts, traverse.WithFilter(&kg.Filter{Properties: p.MetadataFilter}))
	}
	switch sg.Name {
	case "eager":
		return traverse.Eager{}, opts
	case "mmr":
		var mo []traverse.MMROption
		if sg.LambdaMult != nil {
			mo = append(mo, traverse.Lambda(*sg.LambdaMult))
		}
		if sg.MinMMRScore != nil {
			mo = append(mo, traverse.MinMMRScore(*sg.MinMMRScore))
		}
		return traverse.NewMMR(mo...), opts
	case "scored":
		require.Equal(t, "name_length_scorer", sg.Scorer, "kgtest: unknown scorer")
		var so []traverse.ScoredOption
		if sg.PerIterationLimit != nil {
			so = append(so, traverse.PerIterationLimit(*sg.PerIterationLimit))
		}
		return traverse.NewScored(nameLengthScorer, so...), opts
	}
	t.Fatalf("kgtest: unknown strategy %q", sg.Name)
	return nil, nil
}

// traverse runs a traverse case with package traverse, checks the
// invariants every traversal keeps and the metrics the case lists, and
// returns the result IDs for compare.
func (e *animalEnv) traverse(t *testing.T, c animalCase, p caseParams) []string {
	strategy, opts := traversalSetup(t, p)
	q := AnimalEmbedding(p.Query)
	res, err := traverse.Run(t.Context(), e.st, q, strategy, opts...)
	require.NoError(t, err)

	ids := make([]string, len(res))
	for i, r := range res {
		ids[i] = r.ID
		assert.InDelta(t, Cosine(q, e.byID[r.ID].Embedding), r.Similarity, 1e-6, "similarity of %s", r.ID)
		if p.Strategy.MaxDepth != nil {
			assert.LessOrEqual(t, r.Depth, *p.Strategy.MaxDepth, "depth of %s", r.ID)
		}
	}
	require.LessOrEqual(t, len(res), p.Strategy.SelectK, "at most select_k results")
	require.Len(t, dedupe(ids), len(ids), "no node returned twice: %v", ids)

	ex := c.Expected
	if ex.Compare == "ordered" {
		require.Equal(t, ex.IDs, ids, "result order")
	}
	for _, r := range res {
		if want, ok := c.DerivedSimilarity[r.ID]; ok {
			assert.InDelta(t, want, r.Similarity, 1e-6, "derived similarity of %s", r.ID)
		}
		if ex.Depths != nil {
			assert.Equal(t, ex.Depths[r.ID], r.Depth, "depth of %s", r.ID)
		}
		// README §6: the MMR constants come from single precision; compare
		// them with an absolute tolerance of 1e-6. Scored scores are exact.
		if want, ok := ex.MMRScores[r.ID]; ok {
			assert.InDelta(t, want, r.Score, 1e-6, "mmr score of %s", r.ID)
		}
		if want, ok := ex.Redundancy[r.ID]; ok {
			assert.InDelta(t, want, r.Redundancy, 1e-6, "redundancy of %s", r.ID)
		}
		if want, ok := ex.Scores[r.ID]; ok {
			assert.Equal(t, want, r.Score, "score of %s", r.ID)
		}
	}
	for name, m := range map[string]int{"depths": len(ex.Depths), "mmr_scores": len(ex.MMRScores),
		"redundancy": len(ex.Redundancy), "scores": len(ex.Scores)} {
		if m > 0 {
			assert.Equal(t, m, len(res), "expected.%s lists every result", name)
		}
	}
	return ids
}
