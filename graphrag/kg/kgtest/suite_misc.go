package kgtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func testDeleteDocument(t *testing.T, st kg.Store) {
	require.NoError(t, st.UpsertDocuments(ctx(t), []kg.Document{{ID: "d1"}, {ID: "d2"}}))
	upsertChunks(t, st,
		kg.Chunk{ID: "c1", DocumentID: "d1", Text: "a"}, kg.Chunk{ID: "c2", DocumentID: "d1", Text: "b"},
		kg.Chunk{ID: "c3", DocumentID: "d2", Text: "c"})
	upsertNodes(t, st,
		kg.Node{ID: "only1", Type: "T", ChunkIDs: []string{"c1"}, Embedding: []float32{1, 0, 0, 0}},
		kg.Node{ID: "only1b", Type: "T", ChunkIDs: []string{"c1", "c2"}},
		kg.Node{ID: "shared", Type: "T", ChunkIDs: []string{"c1", "c3"}, Embedding: []float32{0, 1, 0, 0}},
		kg.Node{ID: "only2", Type: "T", ChunkIDs: []string{"c3"}},
		kg.Node{ID: "unsupported", Type: "T"})
	upsertEdges(t, st,
		kg.Edge{ID: "e1", From: "only1", To: "shared", Type: "R", ChunkIDs: []string{"c2"}},
		kg.Edge{ID: "e2", From: "shared", To: "only2", Type: "R", ChunkIDs: []string{"c2", "c3"}},
		kg.Edge{ID: "e3", From: "only2", To: "unsupported", Type: "R", ChunkIDs: []string{"c3"}},
		kg.Edge{ID: "e4", From: "unsupported", To: "only2", Type: "R"})

	ds, err := st.DeleteDocument(ctx(t), "d1")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{Chunks: 2, Nodes: 2, Edges: 1, NodesKept: 1, EdgesKept: 1}, ds)

	chunks, err := st.Chunks(ctx(t), []string{"c1", "c2", "c3"})
	require.NoError(t, err)
	assert.Nil(t, chunks[0])
	assert.Nil(t, chunks[1])
	assert.NotNil(t, chunks[2])

	nodes, err := st.Nodes(ctx(t), []string{"only1", "only1b", "shared", "only2", "unsupported"})
	require.NoError(t, err)
	assert.Nil(t, nodes[0])
	assert.Nil(t, nodes[1])
	require.NotNil(t, nodes[2])
	assert.Equal(t, []string{"c3"}, nodes[2].ChunkIDs)
	require.NotNil(t, nodes[3])
	assert.Equal(t, []string{"c3"}, nodes[3].ChunkIDs)
	require.NotNil(t, nodes[4])

	nb, err := st.Neighbors(ctx(t), []string{"shared", "only2"}, kg.NeighborOptions{Direction: kg.Both})
	require.NoError(t, err)
	assert.Equal(t, []string{"e2"}, edgeIDs(nb[0]))
	assert.Equal(t, []string{"c3"}, nb[0][0].ChunkIDs)
	assert.ElementsMatch(t, []string{"e2", "e3", "e4"}, edgeIDs(nb[1]))

	hits, err := st.VectorSearch(ctx(t), []float32{1, 0, 0, 0}, 10, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"shared"}, hitIDs(hits), "a removed node leaves the vector index")

	s := stats(t, st)
	assert.Equal(t, kg.Stats{Documents: 1, Chunks: 1, Nodes: 3, Edges: 3, Embedded: 1, Dimension: Dim}, s)

	ds, err = st.DeleteDocument(ctx(t), "d1")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{}, ds, "deleting again removes nothing")
	ds, err = st.DeleteDocument(ctx(t), "never-stored")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{}, ds)

	ds, err = st.DeleteDocument(ctx(t), "d2")
	require.NoError(t, err)
	assert.Equal(t, kg.DeleteStats{Chunks: 1, Nodes: 2, Edges: 2}, ds)
	s = stats(t, st)
	assert.Equal(t, kg.Stats{Nodes: 1, Edges: 1, Dimension: s.Dimension}, s)
}

func testStats(t *testing.T, st kg.Store) {
	assert.Equal(t, kg.Stats{}, stats(t, st))
	require.NoError(t, st.UpsertDocuments(ctx(t), []kg.Document{{ID: "d"}}))
	upsertChunks(t, st, kg.Chunk{ID: "c", DocumentID: "d"})
	upsertNodes(t, st, sampleNodes()...)
	upsertEdges(t, st, kg.Edge{ID: "e", From: "ada", To: "babbage", Type: "knows"})
	assert.Equal(t, kg.Stats{Documents: 1, Chunks: 1, Nodes: 3, Edges: 1, Embedded: 2, Dimension: Dim}, stats(t, st))
}

func testClose(t *testing.T, st kg.Store) {
	upsertNodes(t, st, sampleNodes()...)
	require.NoError(t, st.Close())
	for name, err := range allCalls(context.Background(), st) {
		assert.ErrorIsf(t, err, kg.ErrClosed, "%s after Close", name)
	}
	assert.NoError(t, st.Close(), "second Close")
}

// allCalls runs every Store method but Close once.
func allCalls(ctx context.Context, st kg.Store) map[string]error {
	out := map[string]error{}
	out["UpsertDocuments"] = st.UpsertDocuments(ctx, []kg.Document{{ID: "dx"}})
	out["UpsertChunks"] = st.UpsertChunks(ctx, []kg.Chunk{{ID: "cx", DocumentID: "dx"}})
	out["UpsertNodes"] = st.UpsertNodes(ctx, []kg.Node{{ID: "nx", Type: "T", Embedding: []float32{1, 1, 1, 1}}})
	out["UpsertEdges"] = st.UpsertEdges(ctx, []kg.Edge{{ID: "ex", From: "a", To: "b", Type: "R"}})
	_, out["VectorSearch"] = st.VectorSearch(ctx, []float32{1, 0, 0, 0}, 3, nil)
	_, out["Nodes"] = st.Nodes(ctx, []string{"ada"})
	_, out["Chunks"] = st.Chunks(ctx, []string{"c"})
	_, out["Neighbors"] = st.Neighbors(ctx, []string{"ada"}, kg.NeighborOptions{})
	_, out["DeleteDocument"] = st.DeleteDocument(ctx, "d")
	_, out["Stats"] = st.Stats(ctx)
	return out
}

func testContextCancelled(t *testing.T, st kg.Store) {
	upsertNodes(t, st, sampleNodes()...)
	before := stats(t, st)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, err := range allCalls(cctx, st) {
		assert.ErrorIsf(t, err, context.Canceled, "%s with a cancelled context", name)
	}
	assert.Equal(t, before, stats(t, st), "nothing written under a cancelled context")
	assert.Nil(t, getNode(t, st, "nx"))
}

func testConcurrent(t *testing.T, st kg.Store) {
	const batches, perBatch, readers = 20, 10, 4
	node := func(i int) kg.Node {
		return kg.Node{ID: fmt.Sprintf("n%03d", i), Type: "T", Properties: map[string]any{"i": i},
			Embedding: []float32{float32(i%7) + 1, float32(i%5) + 1, float32(i%3) + 1, 1}, ChunkIDs: []string{"c"}}
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, readers+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for b := range batches {
			batch := make([]kg.Node, perBatch)
			for j := range batch {
				batch[j] = node(b*perBatch + j)
			}
			if err := st.UpsertNodes(ctx(t), batch); err != nil {
				errs <- err
				return
			}
			e := kg.Edge{ID: fmt.Sprintf("e%d", b), From: batch[0].ID, To: batch[1].ID, Type: "R"}
			if err := st.UpsertEdges(ctx(t), []kg.Edge{e}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- reader(ctx(t), st, r, &done, node)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	s := stats(t, st)
	assert.Equal(t, batches*perBatch, s.Nodes)
	assert.Equal(t, batches, s.Edges)
}

// reader checks that every read sees whole records while a writer runs.
func reader(ctx context.Context, st kg.Store, r int, done *atomic.Bool, node func(int) kg.Node) error {
	for i := 0; !done.Load() || i < 3; i++ {
		ids := []string{node(i % 200).ID, "missing", node((i*7 + r) % 200).ID}
		got, err := st.Nodes(ctx, ids)
		if err != nil {
			return err
		}
		if len(got) != len(ids) || got[1] != nil {
			return fmt.Errorf("Nodes(%v) = %d entries", ids, len(got))
		}
		for j, n := range got {
			if n != nil && (n.ID != ids[j] || n.Type != "T" || len(n.Embedding) != Dim || len(n.ChunkIDs) != 1) {
				return fmt.Errorf("Nodes: half-written node %+v", *n)
			}
		}
		hits, err := st.VectorSearch(ctx, []float32{1, 2, 3, 4}, 5, &kg.Filter{Types: []string{"T"}})
		if err != nil {
			return err
		}
		for j := 1; j < len(hits); j++ {
			if hits[j].Score > hits[j-1].Score+1e-6 {
				return fmt.Errorf("VectorSearch: hits out of order")
			}
		}
		nb, err := st.Neighbors(ctx, ids, kg.NeighborOptions{Direction: kg.Both})
		if err != nil {
			return err
		}
		if len(nb) != len(ids) {
			return fmt.Errorf("Neighbors: %d lists for %d ids", len(nb), len(ids))
		}
		if _, err := st.Stats(ctx); err != nil {
			return err
		}
	}
	return nil
}
