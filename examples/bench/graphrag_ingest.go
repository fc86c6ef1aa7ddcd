package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// The ingest scenario: graphrag.Engine.Ingest of synthetic well reports
// (about 120 words each) into the embedded store, offline: the rule
// extractor, the lexical embedder, a fresh local.Store with fsync on
// every batch. Clients: "kgas" (DefaultIngestWorkers documents in
// extraction and embedding at once, writes batched across documents) and
// "sequential" (one document at a time, a batch per document).
//
// The bound: the pipeline overlaps extraction and embedding (spread over
// the workers, at most GOMAXPROCS at once) with the store writes (one
// writer), so it cannot beat the larger of the write time and the
// extraction-plus-embedding time divided by min(workers, cores). The
// scenario times each stage through wrappers (extract_s, embed_s, store_s
// are sums over documents) and reports bound_s = max(store_s,
// (extract_s+embed_s)/min(workers, cores)) from the kgas run; the
// sequential line carries the same bound, so its ratio shows what the
// overlap saves. docs_per_s and peak_mb (heap in use) are extra fields.
var ingestDocs = 1000

func ingestReport(i int) graphrag.Document {
	w := wellName(i % benchWells)
	f, fm, rig := i%benchFields, i%benchFormations, i%benchRigs
	op := benchOperatorNames[f%benchOperators]
	text := fmt.Sprintf("Report %d on well %s. Well %s was drilled by the %s in %d and penetrated the %s Formation at %d m. "+
		"Well %s is located in the %s field, which is operated by %s. Core analysis of the %s Formation gave an average porosity of %d %% "+
		"and a permeability of %d mD. The drilling campaign met no shallow gas and the mud weight stayed within the planned window. "+
		"After logging, the well was plugged and abandoned as planned; the cores were sent to the field's laboratory for further work. "+
		"The %s field team recommended an appraisal well to the north of the structure.",
		i, w, w, benchRigNames[rig], 1990+i%30, benchFormationNames[fm], 2000+7*(i%300), w, benchFieldNames[f], op,
		benchFormationNames[fm], 10+i%20, 50+(i*37)%900, benchFieldNames[f])
	return graphrag.Document{ID: fmt.Sprintf("report-%04d", i), Text: text}
}

func ingestOntology() *kg.Ontology {
	return &kg.Ontology{
		EntityTypes: []kg.EntityType{
			{Name: "Well", Patterns: []string{`\bW-\d{2}\b`}},
			{Name: "Field", Examples: benchFieldNames},
			{Name: "Formation", Examples: suffixed(benchFormationNames, " Formation")},
			{Name: "Operator", Examples: benchOperatorNames},
			{Name: "Rig", Examples: benchRigNames},
		},
		RelationTypes: []kg.RelationType{
			{Name: "LOCATED_IN", Source: []string{"Well"}, Target: []string{"Field"}, Examples: []string{"located in"}},
			{Name: "OPERATED_BY", Source: []string{"Field"}, Target: []string{"Operator"}, Examples: []string{"operated by"}},
			{Name: "PENETRATES", Source: []string{"Well"}, Target: []string{"Formation"}, Examples: []string{"penetrated"}},
			{Name: "DRILLED_BY", Source: []string{"Well"}, Target: []string{"Rig"}, Examples: []string{"drilled by"}},
		},
	}
}

func suffixed(names []string, s string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + s
	}
	return out
}

// stageClock sums the time spent inside a stage across goroutines.
type stageClock struct {
	mu  sync.Mutex
	sum time.Duration
}

func (c *stageClock) time(start time.Time) {
	d := time.Since(start)
	c.mu.Lock()
	c.sum += d
	c.mu.Unlock()
}

type timedExtractor struct {
	extract.Extractor
	clock *stageClock
}

func (t timedExtractor) Extract(ctx context.Context, d extract.Document) (*extract.Result, error) {
	defer t.clock.time(time.Now())
	return t.Extractor.Extract(ctx, d)
}

type timedEmbedder struct {
	llm.Embedder
	clock *stageClock
}

func (t timedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	defer t.clock.time(time.Now())
	return t.Embedder.Embed(ctx, texts)
}

// timedStore times every call the ingest makes to the store.
type timedStore struct {
	*local.Store
	clock *stageClock
}

func (s timedStore) UpsertDocuments(ctx context.Context, d []kg.Document) error {
	defer s.clock.time(time.Now())
	return s.Store.UpsertDocuments(ctx, d)
}
func (s timedStore) UpsertChunks(ctx context.Context, c []kg.Chunk) error {
	defer s.clock.time(time.Now())
	return s.Store.UpsertChunks(ctx, c)
}
func (s timedStore) UpsertNodes(ctx context.Context, n []kg.Node) error {
	defer s.clock.time(time.Now())
	return s.Store.UpsertNodes(ctx, n)
}
func (s timedStore) UpsertEdges(ctx context.Context, e []kg.Edge) error {
	defer s.clock.time(time.Now())
	return s.Store.UpsertEdges(ctx, e)
}
func (s timedStore) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	defer s.clock.time(time.Now())
	return s.Store.Chunks(ctx, ids)
}
func (s timedStore) Documents(ctx context.Context, ids []string) ([]*kg.Document, error) {
	defer s.clock.time(time.Now())
	return s.Store.Documents(ctx, ids)
}

type ingestRun struct {
	wall                  time.Duration
	extract, embed, store time.Duration
	ok, failed, chunks    int
	entities, relations   int
	peakMB                float64
}

func runIngest(ctx context.Context, docs []graphrag.Document, workers, batch int) (ingestRun, error) {
	dir, err := os.MkdirTemp("", "kgas-bench-ingest-")
	if err != nil {
		return ingestRun{}, err
	}
	defer os.RemoveAll(dir)
	st, err := local.Open(filepath.Join(dir, "kgas.db"))
	if err != nil {
		return ingestRun{}, err
	}
	defer st.Close()
	var ex, em, sw stageClock
	rx, err := extract.NewRuleExtractor(ingestOntology())
	if err != nil {
		return ingestRun{}, err
	}
	eng, err := graphrag.New(timedStore{st, &sw}, timedEmbedder{lexical.New(), &em},
		graphrag.WithExtractor(timedExtractor{rx, &ex}), graphrag.WithoutEmbeddingCache())
	if err != nil {
		return ingestRun{}, err
	}
	defer eng.Close()
	peak := startPeak()
	start := time.Now()
	rep, err := eng.Ingest(ctx, docs, &graphrag.IngestOptions{Workers: workers, BatchSize: batch})
	wall := time.Since(start)
	mb := peak.finish()
	if err != nil {
		return ingestRun{}, err
	}
	t := rep.Totals
	return ingestRun{wall: wall, extract: ex.sum, embed: em.sum, store: sw.sum, ok: t.Added, failed: t.Failed,
		chunks: t.Chunks, entities: t.Entities, relations: t.Relations, peakMB: mb}, nil
}

func graphragIngestScenario(ctx context.Context, emit func(record)) error {
	docs := make([]graphrag.Document, ingestDocs)
	for i := range docs {
		docs[i] = ingestReport(i)
	}
	pipe, err := runIngest(ctx, docs, graphrag.DefaultIngestWorkers, graphrag.DefaultIngestBatch)
	if err != nil {
		return err
	}
	// A batch of 1 record makes the writer flush every document on its own.
	seq, err := runIngest(ctx, docs, 1, 1)
	if err != nil {
		return err
	}
	par := min(graphrag.DefaultIngestWorkers, runtime.GOMAXPROCS(0))
	bound := max(pipe.store, (pipe.extract+pipe.embed)/time.Duration(par))
	for _, c := range []struct {
		name string
		r    ingestRun
	}{{"kgas", pipe}, {"sequential", seq}} {
		r := c.r
		emit(record{Scenario: "ingest-1000", Client: c.name, N: len(docs), OK: r.ok, Failed: r.failed,
			WallS: r.wall.Seconds(), BoundS: bound.Seconds(), Extra: map[string]any{
				"docs_per_s": round(float64(r.ok) / r.wall.Seconds()), "peak_mb": round(r.peakMB),
				"extract_s": round(r.extract.Seconds()), "embed_s": round(r.embed.Seconds()), "store_s": round(r.store.Seconds()),
				"chunks": r.chunks, "entities": r.entities, "relations": r.relations, "cores": runtime.GOMAXPROCS(0),
			}})
	}
	return nil
}

// ingestScenarioName keeps the scenario's name in one place for the suite
// table and its test.
const ingestScenarioName = "ingest-1000"
