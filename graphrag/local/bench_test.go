package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

func benchNodes(rng *rand.Rand, from, n, dim int) []kg.Node {
	nodes := make([]kg.Node, n)
	for i := range nodes {
		emb := make([]float32, dim)
		for j := range emb {
			emb[j] = rng.Float32()*2 - 1
		}
		nodes[i] = kg.Node{ID: fmt.Sprintf("node-%08d", from+i), Type: "T", Name: "n",
			Properties: map[string]any{"i": from + i}, Embedding: emb, ChunkIDs: []string{"c"}}
	}
	return nodes
}

// BenchmarkUpsertNodes measures upsert throughput in batches of 1,000
// nodes with 384-dimension embeddings, with fsync (sync) and without.
func BenchmarkUpsertNodes(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"sync", nil}, {"nosync", []Option{WithNoSync()}}} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := openTemp(b, tc.opts...)
			rng := rand.New(rand.NewPCG(1, 2))
			const batch = 1000
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				nodes := benchNodes(rng, i*batch, batch, 384)
				b.StartTimer()
				if err := s.UpsertNodes(ctx, nodes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "nodes/s")
		})
	}
}

// BenchmarkNodes1000 fetches 1,000 random IDs from a 20,000-node store
// (issue target: <= 3 ms at 100,000 nodes).
func BenchmarkNodes1000(b *testing.B) {
	s, _ := openTemp(b, WithNoSync())
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	const total = 20000
	for i := 0; i < total; i += 2000 {
		if err := s.UpsertNodes(ctx, benchNodes(rng, i, 2000, 384)); err != nil {
			b.Fatal(err)
		}
	}
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("node-%08d", rng.IntN(total))
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Nodes(ctx, ids)
		if err != nil || got[0] == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNeighbors fetches the edges of one node with 20 out-edges.
func BenchmarkNeighbors(b *testing.B) {
	s, _ := openTemp(b, WithNoSync())
	ctx := context.Background()
	var edges []kg.Edge
	for n := range 1000 {
		for j := range 20 {
			edges = append(edges, edge(fmt.Sprint(n), "R", fmt.Sprint((n+j+1)%1000)))
		}
	}
	if err := s.UpsertEdges(ctx, edges); err != nil {
		b.Fatal(err)
	}
	ids := []string{"500"}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Neighbors(ctx, ids, kg.NeighborOptions{})
		if err != nil || len(got[0]) != 20 {
			b.Fatal(err)
		}
	}
}
