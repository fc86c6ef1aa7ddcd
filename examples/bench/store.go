package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local"
	"github.com/kgas-dev/kgas/graphrag/local/vecindex"
)

// The store suite: the embedded GraphRAG store (graphrag/local) and its
// vector indexes (graphrag/local/vecindex) on synthetic clustered vectors
// (100 centres, gaussian noise 0.6, fixed seed), 200 queries per scenario.
//
// Each record carries, besides the standard fields:
//
//	wall_kind   what wall_s measures: "p50" (the median per-operation
//	            latency, for query scenarios) or "total" (ingest, open);
//	bound_kind  "target": bound_s is the target of issue #6, so ratio =
//	            measured/target and ≤ 1 meets it; "scaled-target": the
//	            100k target scaled linearly with the rows (exact-1m);
//	            "none": the issue sets no target (ingest, open), bound_s 0;
//	bound_ms    bound_s in milliseconds (bound_s and wall_s are rounded
//	            to the millisecond like every record, so sub-millisecond
//	            targets show as 0 there; ratio is computed before rounding);
//	p50_ms, p99_ms, total_s, peak_mb (peak heap in use, sampled every
//	10 ms from runtime/metrics after a GC at the scenario's start; it
//	includes the generated input vectors while they are live), and
//	recall / build_s / edges where they apply.
//
// Scenarios on the Store open it WithNoSync: durability is not measured
// here, and an fsync per batch would only measure the disk.
func storeScenarios() []scenario {
	return []scenario{
		{"exact-100k", "vecindex.Exact top-10 over 100k×384, 200 queries", exactScenario(1)},
		{"exact-1m", "vecindex.Exact top-10 over 1M×384, 200 queries (only with -large: 1.5 GB of vectors)", exactScenario(10)},
		{"ann-100k", "vecindex.HNSW (defaults) top-10 over 100k×384: build, recall@10 against Exact, latency", annScenario},
		{"ingest-100k", "Store: UpsertNodes of 100k nodes with 384-dim embeddings, then UpsertEdges of 1M edges (WithNoSync)", ingestScenario},
		{"open-100k", "Store: Open of a 100k-node store (rebuilds the vector index from the records)", openScenario},
		{"nodes-1000", "Store: Nodes of 1000 random IDs out of 100k, 200 calls", nodesScenario},
		{"neighbors", "Store: Neighbors (outgoing, all types) of one random node, 100k nodes and 1M edges, 200 calls", neighborsScenario},
	}
}

var storeLarge = flag.Bool("large", false, "store suite: also run exact-1m (needs about 2 GB of memory)")

// storeSize is the scale of the store suite; tests shrink it.
type storeSize struct {
	n, dim, queries, edges int
	centres                int
	noise                  float64
	nodeBatch, edgeBatch   int
}

var storeScale = storeSize{n: 100_000, dim: 384, queries: 200, edges: 1_000_000, centres: 100, noise: 0.6,
	nodeBatch: 1000, edgeBatch: 10_000}

const storeSeed = 2024

// Targets of issue #6 (seconds).
const (
	exactTarget     = 0.0035
	annTarget       = 0.0003
	annRecallTarget = 0.95
	nodesTarget     = 0.003
	neighborsTarget = 0.00001
)

// clusteredVecs returns n vectors of dimension dim (one backing array)
// around c random centres with gaussian noise, deterministic for seed.
func clusteredVecs(n, dim, c int, noise float64, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, c)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	flat := make([]float32, n*dim)
	out := make([][]float32, n)
	for i := range out {
		ce := centres[r.IntN(c)]
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range v {
			v[j] = ce[j] + float32(noise*r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// storeData returns the n stored vectors and the queries, drawn from the
// same distribution (the queries are the last rows).
func storeData(n int) (vecs, queries [][]float32) {
	s := storeScale
	all := clusteredVecs(n+s.queries, s.dim, s.centres, s.noise, storeSeed)
	return all[:n], all[n:]
}

// peakSampler tracks the peak heap in use (object bytes plus unused
// span bytes, i.e. MemStats.HeapInuse) without stopping the world.
type peakSampler struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak uint64
}

func startPeak() *peakSampler {
	runtime.GC()
	p := &peakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	p.sample()
	go func() {
		defer close(p.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *peakSampler) sample() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	var v uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			v += x.Value.Uint64()
		}
	}
	p.mu.Lock()
	p.peak = max(p.peak, v)
	p.mu.Unlock()
}

// done stops the sampler and returns the peak in MiB.
func (p *peakSampler) finish() float64 {
	p.sample()
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return float64(p.peak) / (1 << 20)
}

// latencyStats returns the total, p50 and p99 of lat (sorted in place).
func latencyStats(lat []time.Duration) (total, p50, p99 time.Duration) {
	for _, d := range lat {
		total += d
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		return 0, 0, 0
	}
	return total, lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
}

func ms(d time.Duration) float64 { return round(d.Seconds() * 1000) }

// queryRecord is the record of a latency scenario: wall_s is the p50.
func queryRecord(scen, client string, n, ok, failed int, lat []time.Duration, bound float64, boundKind string, peak float64, extra map[string]any) record {
	total, p50, p99 := latencyStats(lat)
	if extra == nil {
		extra = map[string]any{}
	}
	extra["wall_kind"] = "p50"
	extra["bound_kind"] = boundKind
	extra["p50_ms"] = ms(p50)
	extra["bound_ms"] = round(bound * 1000)
	extra["p99_ms"] = ms(p99)
	extra["total_s"] = round(total.Seconds())
	extra["peak_mb"] = round(peak)
	return record{Scenario: scen, Client: client, N: n, OK: ok, Failed: failed, WallS: p50.Seconds(), BoundS: bound, Extra: extra}
}

func exactScenario(scale int) func(context.Context, func(record)) error {
	return func(ctx context.Context, emit func(record)) error {
		name := "exact-100k"
		bound, kind := exactTarget, "target"
		if scale > 1 {
			if !*storeLarge {
				return nil // only with -large
			}
			name, bound, kind = "exact-1m", exactTarget*float64(scale), "scaled-target"
		}
		n := storeScale.n * scale
		vecs, queries := storeData(n)
		peak := startPeak()
		e, err := vecindex.NewExact(storeScale.dim)
		if err != nil {
			return err
		}
		e.Grow(n)
		for i, v := range vecs {
			if err := e.Add(uint64(i), v); err != nil {
				return err
			}
		}
		lat := make([]time.Duration, 0, len(queries))
		ok, failed := 0, 0
		for _, q := range queries {
			if err := ctx.Err(); err != nil {
				return err
			}
			start := time.Now()
			hits, err := e.Search(q, 10, nil)
			lat = append(lat, time.Since(start))
			if err != nil || len(hits) != min(10, n) {
				failed++
				continue
			}
			ok++
		}
		emit(queryRecord(name, "vecindex", len(queries), ok, failed, lat, bound, kind, peak.finish(),
			map[string]any{"rows": n, "dim": storeScale.dim}))
		return nil
	}
}

func annScenario(ctx context.Context, emit func(record)) error {
	n, dim := storeScale.n, storeScale.dim
	vecs, queries := storeData(n)
	peak := startPeak()
	e, err := vecindex.NewExact(dim)
	if err != nil {
		return err
	}
	e.Grow(n)
	h, err := vecindex.NewHNSW(dim, vecindex.HNSWConfig{Seed: 1})
	if err != nil {
		return err
	}
	buildStart := time.Now()
	for i, v := range vecs {
		if err := h.Add(uint64(i), v); err != nil {
			return err
		}
	}
	build := time.Since(buildStart)
	for i, v := range vecs {
		if err := e.Add(uint64(i), v); err != nil {
			return err
		}
	}
	// The exact answers are computed first: an exact scan streams every
	// vector through the caches, and interleaving it with the timed
	// queries would measure HNSW on a cold cache after each scan.
	wants := make([][]vecindex.Hit, len(queries))
	for i, q := range queries {
		if wants[i], err = e.Search(q, 10, nil); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, len(queries))
	ok, failed := 0, 0
	var sum float64
	for i, q := range queries {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		got, err := h.Search(q, 10, nil)
		lat = append(lat, time.Since(start))
		if err != nil {
			failed++
			continue
		}
		ok++
		sum += recallOf(got, wants[i])
	}
	rec := sum / float64(max(1, ok))
	emit(queryRecord("ann-100k", "vecindex-hnsw", len(queries), ok, failed, lat, annTarget, "target", peak.finish(),
		map[string]any{"rows": n, "dim": dim, "recall": round(rec), "recall_target": annRecallTarget,
			"build_s": round(build.Seconds()), "ef_search": h.Config().EfSearch}))
	return nil
}

func recallOf(got, want []vecindex.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	set := make(map[uint64]bool, len(want))
	for _, w := range want {
		set[w.ID] = true
	}
	n := 0
	for _, g := range got {
		if set[g.ID] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

func nodeID(i int) string { return fmt.Sprintf("n%07d", i) }

var edgeTypes = []string{"KNOWS", "PART_OF", "LOCATED_IN", "RELATED_TO"}

// ingest fills the store at path with storeScale.n embedded nodes and
// storeScale.edges edges (random endpoints, fixed seed), in batches.
// It returns the node and edge phase durations.
func ingest(ctx context.Context, path string, edges int) (nodesT, edgesT time.Duration, err error) {
	s := storeScale
	st, err := local.Open(path, local.WithNoSync())
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if cerr := st.Close(); err == nil {
			err = cerr
		}
	}()
	vecs, _ := storeData(s.n)
	start := time.Now()
	batch := make([]kg.Node, 0, s.nodeBatch)
	for i := 0; i < s.n; i += s.nodeBatch {
		batch = batch[:0]
		for j := i; j < min(s.n, i+s.nodeBatch); j++ {
			batch = append(batch, kg.Node{ID: nodeID(j), Type: "Entity", Name: fmt.Sprintf("entity %d", j),
				Properties: map[string]any{"rank": j % 100}, Embedding: vecs[j]})
		}
		if err := st.UpsertNodes(ctx, batch); err != nil {
			return 0, 0, err
		}
	}
	nodesT = time.Since(start)
	r := rand.New(rand.NewPCG(storeSeed, 2))
	start = time.Now()
	eb := make([]kg.Edge, 0, s.edgeBatch)
	for i := 0; i < edges; i += s.edgeBatch {
		eb = eb[:0]
		for j := i; j < min(edges, i+s.edgeBatch); j++ {
			eb = append(eb, kg.Edge{ID: fmt.Sprintf("e%08d", j), From: nodeID(r.IntN(s.n)), To: nodeID(r.IntN(s.n)),
				Type: edgeTypes[j%len(edgeTypes)]})
		}
		if err := st.UpsertEdges(ctx, eb); err != nil {
			return 0, 0, err
		}
	}
	edgesT = time.Since(start)
	return nodesT, edgesT, nil
}

// withStore ingests a fixture store in a temporary directory, calls fn
// with its path (closed), then removes it.
func withStore(ctx context.Context, edges int, fn func(path string) error) error {
	dir, err := os.MkdirTemp("", "kgas-bench-store-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "store.db")
	if _, _, err := ingest(ctx, path, edges); err != nil {
		return err
	}
	return fn(path)
}

func ingestScenario(ctx context.Context, emit func(record)) error {
	dir, err := os.MkdirTemp("", "kgas-bench-store-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "store.db")
	peak := startPeak()
	nodesT, edgesT, err := ingest(ctx, path, storeScale.edges)
	mb := peak.finish()
	if err != nil {
		return err
	}
	var fileMB float64
	if fi, err := os.Stat(path); err == nil {
		fileMB = float64(fi.Size()) / (1 << 20)
	}
	total := nodesT + edgesT
	emit(record{Scenario: "ingest-100k", Client: "local", N: storeScale.n + storeScale.edges, OK: storeScale.n + storeScale.edges,
		WallS: total.Seconds(), Extra: map[string]any{"wall_kind": "total", "bound_kind": "none", "nodes": storeScale.n,
			"edges": storeScale.edges, "nodes_s": round(nodesT.Seconds()), "edges_s": round(edgesT.Seconds()),
			"total_s": round(total.Seconds()), "peak_mb": round(mb), "file_mb": round(fileMB), "nosync": true}})
	return nil
}

func openScenario(ctx context.Context, emit func(record)) error {
	return withStore(ctx, 0, func(path string) error {
		const opens = 3
		lat := make([]time.Duration, 0, opens)
		peak := startPeak()
		for range opens {
			start := time.Now()
			st, err := local.Open(path, local.WithNoSync())
			lat = append(lat, time.Since(start))
			if err != nil {
				return err
			}
			if err := st.Close(); err != nil {
				return err
			}
		}
		mb := peak.finish()
		total, p50, p99 := latencyStats(lat)
		emit(record{Scenario: "open-100k", Client: "local", N: opens, OK: opens, WallS: p50.Seconds(),
			Extra: map[string]any{"wall_kind": "p50", "bound_kind": "none", "nodes": storeScale.n, "p50_ms": ms(p50),
				"p99_ms": ms(p99), "total_s": round(total.Seconds()), "peak_mb": round(mb)}})
		return nil
	})
}

// openFixture opens the fixture at path for the read scenarios.
func openFixture(path string, fn func(st *local.Store) error) error {
	st, err := local.Open(path, local.WithNoSync())
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func nodesScenario(ctx context.Context, emit func(record)) error {
	return withStore(ctx, 0, func(path string) error {
		return openFixture(path, func(st *local.Store) error {
			r := rand.New(rand.NewPCG(storeSeed, 3))
			per := min(1000, storeScale.n)
			ids := make([]string, per)
			lat := make([]time.Duration, 0, storeScale.queries)
			peak := startPeak()
			ok, failed := 0, 0
			for range storeScale.queries {
				for i := range ids {
					ids[i] = nodeID(r.IntN(storeScale.n))
				}
				start := time.Now()
				got, err := st.Nodes(ctx, ids)
				lat = append(lat, time.Since(start))
				if err != nil || len(got) != len(ids) || slices.Contains(got, nil) {
					failed++
					continue
				}
				ok++
			}
			emit(queryRecord("nodes-1000", "local", storeScale.queries, ok, failed, lat, nodesTarget, "target", peak.finish(),
				map[string]any{"ids_per_call": per, "nodes": storeScale.n}))
			return nil
		})
	})
}

func neighborsScenario(ctx context.Context, emit func(record)) error {
	return withStore(ctx, storeScale.edges, func(path string) error {
		return openFixture(path, func(st *local.Store) error {
			r := rand.New(rand.NewPCG(storeSeed, 4))
			lat := make([]time.Duration, 0, storeScale.queries)
			peak := startPeak()
			ok, failed, edges := 0, 0, 0
			ids := make([]string, 1)
			for range storeScale.queries {
				ids[0] = nodeID(r.IntN(storeScale.n))
				start := time.Now()
				got, err := st.Neighbors(ctx, ids, kg.NeighborOptions{})
				lat = append(lat, time.Since(start))
				if err != nil || len(got) != 1 {
					failed++
					continue
				}
				ok++
				edges += len(got[0])
			}
			emit(queryRecord("neighbors", "local", storeScale.queries, ok, failed, lat, neighborsTarget, "target", peak.finish(),
				map[string]any{"nodes": storeScale.n, "edges": storeScale.edges, "mean_degree": round(float64(edges) / float64(max(1, ok)))}))
			return nil
		})
	})
}
