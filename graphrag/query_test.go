package graphrag_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/flow"
	"github.com/kgas-dev/kgas/graphrag/kg"
)

// refs returns the references of the context items.
func refs(items []graphrag.ContextItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Ref()
	}
	return out
}

// checkCited asserts that every citation is an item of the context and
// that Sources are the citations' documents.
func checkCited(t *testing.T, ans *graphrag.Answer) {
	t.Helper()
	ctxRefs := refs(ans.Context)
	var docs []string
	for _, c := range ans.Citations {
		prefix := map[graphrag.Kind]string{graphrag.KindNode: "n:", graphrag.KindEdge: "e:", graphrag.KindChunk: "c:"}[c.Kind]
		assert.Contains(t, ctxRefs, prefix+c.ID)
		if c.DocumentID != "" && !slices.Contains(docs, c.DocumentID) {
			docs = append(docs, c.DocumentID)
		}
	}
	assert.Equal(t, docs, ans.Sources)
}

// End to end, offline, on the embedded store and on Astra DB: a one-hop
// question is answered from the well's report, a two-hop one from the
// well's report and the field's.
func TestQueryEndToEnd(t *testing.T) {
	tests := []struct {
		question string
		contains []string
		sources  []string
	}{
		{"What total depth did well A-1 reach?", []string{"3,100 m"}, []string{"report-a1"}},
		{"Who operates the field that well A-1 is located in?", []string{"Alpha field", "Borealis Oil"}, []string{"report-a1", "report-alpha"}},
		{"What is the average porosity of the formation the Alpha field produces from?", []string{"19 %"}, []string{"report-alpha", "report-gamma"}},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			loadHand(t, st)
			e := engine(t, st)
			for _, tt := range tests {
				ans, err := e.Query(t.Context(), tt.question, nil)
				require.NoError(t, err, tt.question)
				t.Logf("%s\n  %s", tt.question, ans.Text)
				assert.True(t, ans.Offline)
				assert.Equal(t, tt.question, ans.Question)
				for _, want := range tt.contains {
					assert.Contains(t, ans.Text, want, tt.question)
				}
				assert.Equal(t, tt.sources, ans.Sources, tt.question)
				checkCited(t, ans)
				require.NotNil(t, ans.Trace)
				assert.NotEmpty(t, ans.Trace.CriticalPath)
				assert.Equal(t, 4, ans.Stats.Nodes, "every node is within two hops")
				assert.Equal(t, 3, ans.Stats.Edges)
				assert.Equal(t, 4, ans.Stats.Chunks)
				assert.NotEmpty(t, ans.Subgraph.Chunks)
				for _, n := range ans.Subgraph.Nodes {
					assert.Nil(t, n.Embedding, "the sub-graph carries no embeddings")
				}
			}
		})
	}
}

// Each hop is one batched Neighbors call for the whole frontier and one
// Nodes call for the nodes it reached; chunks are fetched once per need.
func TestQueryBatchedCalls(t *testing.T) {
	st := newHookStore(openLocal(t), nil)
	loadHand(t, st.Store)
	e := engine(t, st)
	ans, err := e.Query(t.Context(), "Who operates the field that well A-1 is located in?", nil)
	require.NoError(t, err)
	assert.Equal(t, 4, ans.Stats.Seeds)
	assert.Equal(t, 1, st.count("VectorSearch"))
	assert.Equal(t, 1, st.count("Neighbors"), "the seeds (all four nodes) are the only frontier; hop 2 has none")
	assert.Equal(t, 0, st.count("Nodes"), "no node beyond the seeds")
	assert.Equal(t, 1, st.count("Chunks"), "the seeds' chunks, once")
	assert.Len(t, st.ids["Neighbors"][0], 4)

	// With K = 1 the hops reach new nodes: one call per hop.
	st2 := newHookStore(openLocal(t), nil)
	loadHand(t, st2.Store)
	e2 := engine(t, st2)
	o := e2.QueryDefaults()
	o.K = 1
	ans, err = e2.Query(t.Context(), "What total depth did well A-1 reach?", &o)
	require.NoError(t, err)
	assert.Equal(t, 1, ans.Stats.Seeds)
	assert.Equal(t, 2, st2.count("Neighbors"))
	assert.Equal(t, 2, st2.count("Nodes"))
	assert.LessOrEqual(t, st2.count("Chunks"), 3)
	assert.Equal(t, [][]string{{"Well:a-1"}, {"Field:alpha"}}, st2.ids["Neighbors"])
	assert.ElementsMatch(t, [][]string{{"Field:alpha"}, {"Operator:borealis oil", "Formation:gamma formation"}}, st2.ids["Nodes"],
		"nodes-1 and nodes-2 may run in either order")
	var fetched []string
	for _, ids := range st2.ids["Chunks"] {
		for _, id := range ids {
			assert.NotContains(t, fetched, id, "a chunk is fetched once")
			fetched = append(fetched, id)
		}
	}
	assert.ElementsMatch(t, []string{"report-a1#0", "report-alpha#0", "report-gamma#0", "report-borealis#0"}, fetched)
	for _, name := range []string{"embed", "search", "seed-chunks", "neighbors-1", "nodes-1", "chunks-1",
		"neighbors-2", "nodes-2", "chunks-2", "rerank", "context", "answer"} {
		stp, ok := ans.Trace.Step(name)
		require.True(t, ok, name)
		assert.Equal(t, flow.OutcomeOK, stp.Outcome, name)
	}
}

// Options change what is retrieved: Depth 0 keeps the seeds, EdgeTypes
// keeps the edges of those types, Filter selects the seeds, a small
// budget keeps the context within it.
func TestQueryOptionsEffects(t *testing.T) {
	st := newHookStore(openLocal(t), nil)
	loadHand(t, st.Store)
	e := engine(t, st)
	q := "Who operates the field that well A-1 is located in?"

	o := e.QueryDefaults()
	o.K, o.Depth = 1, 0
	ans, err := e.Query(t.Context(), q, &o)
	require.NoError(t, err)
	assert.Equal(t, 1, ans.Stats.Nodes)
	assert.Zero(t, ans.Stats.Edges)
	assert.Zero(t, st.count("Neighbors"))
	var names []string
	for _, s := range ans.Trace.Steps {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"embed", "search", "seed-chunks", "rerank", "context", "answer"}, names)

	o = e.QueryDefaults()
	o.K, o.EdgeTypes = 1, []string{"LOCATED_IN"}
	ans, err = e.Query(t.Context(), "What total depth did well A-1 reach?", &o)
	require.NoError(t, err)
	assert.Equal(t, 1, ans.Stats.Edges)
	for _, ed := range ans.Subgraph.Edges {
		assert.Equal(t, "LOCATED_IN", ed.Type)
	}

	o = e.QueryDefaults()
	o.Depth, o.Filter = 0, &kg.Filter{Types: []string{"Operator"}}
	ans, err = e.Query(t.Context(), q, &o)
	require.NoError(t, err)
	assert.Equal(t, 1, ans.Stats.Seeds)
	require.NotEmpty(t, ans.Subgraph.Nodes)
	for _, n := range ans.Subgraph.Nodes {
		assert.Equal(t, "Operator", n.Type)
	}

	o = e.QueryDefaults()
	o.TokenBudget = 40
	ans, err = e.Query(t.Context(), q, &o)
	require.NoError(t, err)
	assert.LessOrEqual(t, ans.Stats.ContextTokens, 40)
	sum := 0
	for _, it := range ans.Context {
		sum += it.Tokens
	}
	assert.Equal(t, ans.Stats.ContextTokens, sum)
	checkCited(t, ans)

	o = e.QueryDefaults()
	o.ReRanker = graphrag.MMR{Lambda: 0.5}
	ans, err = e.Query(t.Context(), q, &o)
	require.NoError(t, err)
	assert.Contains(t, ans.Text, "Borealis Oil")
}

// The seeds' chunks and the first hop's neighbours are fetched at the same
// time: each store call waits until both have started, which can only
// happen if they overlap; the trace shows it.
func TestQueryOverlap(t *testing.T) {
	var chunksStarted, neighborsStarted = make(chan struct{}), make(chan struct{})
	var firstChunks, firstNeighbors atomic.Bool
	st := newHookStore(openLocal(t), func(ctx context.Context, method string) error {
		var mine, other chan struct{}
		switch {
		case method == "Chunks" && firstChunks.CompareAndSwap(false, true):
			mine, other = chunksStarted, neighborsStarted
		case method == "Neighbors" && firstNeighbors.CompareAndSwap(false, true):
			mine, other = neighborsStarted, chunksStarted
		default:
			return nil
		}
		close(mine)
		select {
		case <-other:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	loadHand(t, st.Store)
	e := engine(t, st)
	ans, err := e.Query(t.Context(), "Who operates the field that well A-1 is located in?", nil)
	require.NoError(t, err)
	tr := ans.Trace
	sc, ok := tr.Step("seed-chunks")
	require.True(t, ok)
	nb, ok := tr.Step("neighbors-1")
	require.True(t, ok)
	assert.Less(t, sc.Start, nb.End, "seed-chunks started before neighbors-1 ended")
	assert.Less(t, nb.Start, sc.End, "neighbors-1 started before seed-chunks ended")
	assert.Equal(t, []string{"embed", "search"}, tr.CriticalPath[:2])
	assert.Equal(t, []string{"rerank", "context", "answer"}, tr.CriticalPath[len(tr.CriticalPath)-3:])
}

// WithSequential runs the same steps one at a time.
func TestQuerySequential(t *testing.T) {
	st := openLocal(t)
	loadHand(t, st)
	e := engine(t, st, graphrag.WithSequential())
	ans, err := e.Query(t.Context(), "Who operates the field that well A-1 is located in?", nil)
	require.NoError(t, err)
	assert.Contains(t, ans.Text, "Borealis Oil")
	steps := slices.Clone(ans.Trace.Steps)
	slices.SortFunc(steps, func(a, b flow.StepTrace) int { return int(a.Start - b.Start) })
	for i := 1; i < len(steps); i++ {
		assert.GreaterOrEqual(t, steps[i].Start, steps[i-1].End, "%s starts after %s ends", steps[i].Name, steps[i-1].Name)
	}
	assert.Len(t, steps, 12)
}

// The first failing step cancels the others, and the error names it.
func TestQueryStepError(t *testing.T) {
	boom := errors.New("neighbors unavailable")
	chunksCanceled := make(chan error, 1)
	neighborsCalled := make(chan struct{})
	st := newHookStore(openLocal(t), func(ctx context.Context, method string) error {
		switch method {
		case "Neighbors":
			close(neighborsCalled)
			return boom
		case "Chunks":
			<-neighborsCalled // fail neighbors first, then wait to be canceled
			<-ctx.Done()
			chunksCanceled <- ctx.Err()
			return ctx.Err()
		}
		return nil
	})
	loadHand(t, st.Store)
	e := engine(t, st)
	ans, err := e.Query(t.Context(), "Who operates the field that well A-1 is located in?", nil)
	require.Error(t, err)
	assert.Nil(t, ans)
	assert.ErrorIs(t, err, boom)
	var se *flow.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "neighbors-1", se.Step)
	assert.Contains(t, err.Error(), `"neighbors-1"`)
	assert.ErrorIs(t, <-chunksCanceled, context.Canceled, "seed-chunks was canceled")
	assert.Zero(t, st.count("Nodes"), "no later step ran")
}

// Canceling the caller's context stops the query.
func TestQueryCanceled(t *testing.T) {
	st := openLocal(t)
	loadHand(t, st)
	e := engine(t, st)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := e.Query(ctx, "Who operates Alpha?", nil)
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithCancel(t.Context())
	blocking := newHookStore(st, func(c context.Context, method string) error {
		if method == "VectorSearch" {
			cancel()
			<-c.Done()
			return c.Err()
		}
		return nil
	})
	e2 := engine(t, blocking)
	_, err = e2.Query(ctx, "Who operates Alpha?", nil)
	assert.ErrorIs(t, err, context.Canceled)
}

// A question about nothing in the graph gets the no-answer text and no
// citations.
func TestQueryNoAnswer(t *testing.T) {
	st := openLocal(t)
	loadHand(t, st)
	e := engine(t, st)
	ans, err := e.Query(t.Context(), "zzzz qqqq xxxx?", nil)
	require.NoError(t, err)
	assert.Empty(t, ans.Citations)
	assert.Empty(t, ans.Sources)
	assert.NotEmpty(t, ans.Text)

	empty := openLocal(t)
	e2 := engine(t, empty)
	ans, err = e2.Query(t.Context(), "Who operates Alpha?", nil)
	require.NoError(t, err)
	assert.Zero(t, ans.Stats.Nodes)
	assert.Empty(t, ans.Citations)
}

type stepCtxKey struct{}

// WithHooks runs the hooks around every step, and the context a StepStart
// hook returns is the one the step's store calls get.
func TestQueryHooks(t *testing.T) {
	var mu sync.Mutex
	byMethod := map[string][]string{}
	var ended []string
	st := newHookStore(openLocal(t), func(ctx context.Context, method string) error {
		step, _ := ctx.Value(stepCtxKey{}).(string)
		mu.Lock()
		byMethod[method] = append(byMethod[method], step)
		mu.Unlock()
		return nil
	})
	loadHand(t, st.Store)
	e := engine(t, st, graphrag.WithHooks(flow.Hooks{
		StepStart: func(ctx context.Context, s flow.StepTrace) context.Context {
			return context.WithValue(ctx, stepCtxKey{}, s.Name)
		},
		StepEnd: func(_ context.Context, s flow.StepTrace) {
			mu.Lock()
			ended = append(ended, s.Name)
			mu.Unlock()
		},
	}))
	o := e.QueryDefaults()
	o.K = 1
	_, err := e.Query(t.Context(), "What total depth did well A-1 reach?", &o)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"search"}, byMethod["VectorSearch"])
	assert.Equal(t, []string{"neighbors-1", "neighbors-2"}, byMethod["Neighbors"])
	assert.ElementsMatch(t, []string{"nodes-1", "nodes-2"}, byMethod["Nodes"])
	assert.Len(t, ended, 12)
	assert.Equal(t, "answer", ended[len(ended)-1])
}
