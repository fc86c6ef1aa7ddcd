package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

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

// Read100k sizes: 100,000 nodes with 384-dimension embeddings and ten
// out-edges each (1,000,000 edges), the benchmark store.
const (
	read100kNodes = 100_000
	read100kDeg   = 10
)

// buildRead100k fills s with the Read100k store.
func buildRead100k(b *testing.B, s *Store) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	const batch = 5000
	for i := 0; i < read100kNodes; i += batch {
		if err := s.UpsertNodes(ctx, benchNodes(rng, i, batch, 384)); err != nil {
			b.Fatal(err)
		}
	}
	edges := make([]kg.Edge, 0, batch*read100kDeg)
	for n := range read100kNodes {
		from := fmt.Sprintf("node-%08d", n)
		for j := range read100kDeg {
			to := fmt.Sprintf("node-%08d", rng.IntN(read100kNodes))
			typ := [...]string{"R", "S"}[j%2]
			edges = append(edges, kg.Edge{ID: fmt.Sprintf("e-%08d-%02d", n, j), From: from, To: to, Type: typ,
				Properties: map[string]any{"w": float64(j)}, ChunkIDs: []string{"c"}})
		}
		if len(edges) == cap(edges) || n == read100kNodes-1 {
			if err := s.UpsertEdges(ctx, edges); err != nil {
				b.Fatal(err)
			}
			edges = edges[:0]
		}
	}
}

// BenchmarkRead100k measures the read targets on a 100,000-node,
// 1,000,000-edge store built once (WithNoSync): Nodes of 1,000 random IDs
// (target <= 3 ms) and Neighbors of one random node (target p50 <= 10 µs).
//
//	go test -run '^$' -bench Read100k -benchtime 2s ./graphrag/local/
func BenchmarkRead100k(b *testing.B) {
	s, _ := openTemp(b, WithNoSync())
	start := time.Now()
	buildRead100k(b, s)
	b.Logf("built %d nodes, %d edges in %v", read100kNodes, read100kNodes*read100kDeg, time.Since(start))
	runtime.GC() // leave the build's garbage out of the timings
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	b.Run("Nodes1000", func(b *testing.B) {
		ids := make([]string, 1000)
		for i := range ids {
			ids[i] = fmt.Sprintf("node-%08d", rng.IntN(read100kNodes))
		}
		for b.Loop() {
			got, err := s.Nodes(ctx, ids)
			if err != nil || got[0] == nil {
				b.Fatal(err)
			}
		}
	})
	for _, dir := range []kg.Direction{kg.Outgoing, kg.Both} {
		name := map[kg.Direction]string{kg.Outgoing: "Neighbors", kg.Both: "NeighborsBoth"}[dir]
		b.Run(name, func(b *testing.B) {
			ids := make([][]string, 1024)
			for i := range ids {
				ids[i] = []string{fmt.Sprintf("node-%08d", rng.IntN(read100kNodes))}
			}
			i := 0
			lat := make([]time.Duration, 0, 1<<20)
			for b.Loop() {
				t0 := time.Now()
				got, err := s.Neighbors(ctx, ids[i&1023], kg.NeighborOptions{Direction: dir})
				if len(lat) < cap(lat) {
					lat = append(lat, time.Since(t0))
				}
				if err != nil || len(got[0]) < read100kDeg {
					b.Fatal(err, len(got[0]))
				}
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}
