package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/flow"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// The graphrag suite: the GraphRAG query pipeline (graphrag.Engine.Query)
// over a small synthetic well/field graph in kgtest's in-memory store, with
// the latencies measured for the seeds injected by wrappers: every store
// call (VectorSearch, Nodes, Chunks, Neighbors) waits 200 ms, every
// embedding call 500 ms. Computing is fast beside them, so the query's
// time is decided by how its calls overlap.
//
// Clients: "kgas" runs each step the moment its inputs exist;
// "sequential" runs the same steps one at a time (graphrag.WithSequential).
// Each client answers n different questions ("Who operates the field that
// well W-07 is located in?", a two-hop question, K 8, depth 2), so each
// pays one question embedding (the engine runs without its embedding cache,
// which could only miss), and the record reports the median query. ok
// counts the answers that name the right operator.
//
// The bound: the engine's flow hooks tag each call with the step that
// makes it, so each step gets the sum of its calls' injected latencies
// (0 for the computing steps: rerank, context, answer). bound_s is the
// longest path through the step graph of the query's trace with those
// weights, where a step finishes at its weight plus the latest finish of
// its dependencies: for the usual calls, embed 0.5 → search 0.2 →
// neighbors-1 0.2 → neighbors-2 0.2 → nodes-2 0.2 → chunks-2 0.2 = 1.5 s,
// with seed-chunks, nodes-1 and chunks-1 beside that path. It is what an
// executor that overlaps every independent call, with free computing, would
// take. ratio = wall_s / bound_s. Extra fields:
//
//	sum_steps_s    the sum of the steps' injected latencies: the bound of
//	               running them one at a time (the sequential client's);
//	critical_path  the steps of the bound's path;
//	trace_critical_path  the critical path the engine's trace reports;
//	calls          the store and embedder calls of one query, by method;
//	wall_min_s, wall_max_s over the n queries; store_ms, embed_ms.
func graphragScenarios() []scenario {
	return []scenario{
		{"query-seeds", "graphrag query (K 8, depth 2) with 200 ms store calls and 500 ms question embedding: concurrent steps vs one at a time", queryScenario("query-seeds", 2)},
		{ingestScenarioName, "graphrag ingest of 1,000 synthetic well reports into the embedded store, offline: pipelined (4 workers, batched writes) vs one document at a time", graphragIngestScenario},
		{"query-depth1", "the same with depth 1 and a one-hop question (the seeds' query shape: embed, search, then properties/chunks beside neighbours)", queryScenario("query-depth1", 1)},
	}
}

// graphragSize is the scale of the graphrag suite; tests shrink it.
type graphragSize struct {
	storeLat, embedLat time.Duration
	queries            int
}

var graphragScale = graphragSize{storeLat: 200 * time.Millisecond, embedLat: 500 * time.Millisecond, queries: 5}

// The synthetic graph: wells in fields, fields run by operators, wells
// penetrating formations and drilled by rigs; one report chunk per node.
const (
	benchWells      = 40
	benchFields     = 10
	benchOperators  = 4
	benchFormations = 6
	benchRigs       = 4
)

var (
	benchFieldNames     = []string{"Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Juniper", "Larch"}
	benchOperatorNames  = []string{"Borealis Oil", "Cobalt Energy", "Dunmore Petroleum", "Estuary Resources"}
	benchFormationNames = []string{"Amber", "Basalt", "Coral", "Dune", "Ember", "Flint"}
	benchRigNames       = []string{"North Star", "Sea Lion", "Iron Gull", "Blue Heron"}
)

func wellName(i int) string { return fmt.Sprintf("W-%02d", i+1) }

// benchGraph builds the synthetic graph, embedded with emb.
func benchGraph(emb *lexical.Embedder) (nodes []kg.Node, edges []kg.Edge, chunks []kg.Chunk) {
	report := map[string][]string{} // node ID -> sentences of its report
	add := func(id, typ, name string, props map[string]any) {
		nodes = append(nodes, kg.Node{ID: id, Type: typ, Name: name, Properties: props, ChunkIDs: []string{"report-" + id + "#0"}})
	}
	rel := func(from, typ, to, sentence string) {
		edges = append(edges, kg.Edge{ID: kg.EdgeID(from, typ, to), From: from, To: to, Type: typ, ChunkIDs: []string{"report-" + from + "#0"}})
		report[from] = append(report[from], sentence)
	}
	for i, n := range benchOperatorNames {
		add("op-"+fmt.Sprint(i), "Operator", n, map[string]any{"founded": 1970 + 3*i})
		report["op-"+fmt.Sprint(i)] = append(report["op-"+fmt.Sprint(i)], n+" is an oil company founded in "+fmt.Sprint(1970+3*i)+".")
	}
	for i, n := range benchFormationNames {
		add("fm-"+fmt.Sprint(i), "Formation", n+" Formation", map[string]any{"average_porosity_pct": 15 + i})
		report["fm-"+fmt.Sprint(i)] = append(report["fm-"+fmt.Sprint(i)], fmt.Sprintf("The %s Formation has an average porosity of %d %%.", n, 15+i))
	}
	for i, n := range benchRigNames {
		add("rig-"+fmt.Sprint(i), "Rig", n, nil)
		report["rig-"+fmt.Sprint(i)] = append(report["rig-"+fmt.Sprint(i)], "The "+n+" is a jack-up drilling rig.")
	}
	for i, n := range benchFieldNames {
		id := "field-" + fmt.Sprint(i)
		add(id, "Field", n, nil)
		op, fm := i%benchOperators, i%benchFormations
		rel(id, "OPERATED_BY", "op-"+fmt.Sprint(op), "The "+n+" field is operated by "+benchOperatorNames[op]+".")
		rel(id, "PRODUCES_FROM", "fm-"+fmt.Sprint(fm), "The "+n+" field produces from the "+benchFormationNames[fm]+" Formation.")
	}
	for i := range benchWells {
		id, w := "well-"+fmt.Sprint(i), wellName(i)
		add(id, "Well", w, map[string]any{"total_depth_m": 2000 + 37*i})
		f, fm, rig := i%benchFields, i%benchFormations, i%benchRigs
		rel(id, "LOCATED_IN", "field-"+fmt.Sprint(f), "Well "+w+" is located in the "+benchFieldNames[f]+" field.")
		rel(id, "PENETRATES", "fm-"+fmt.Sprint(fm), "Well "+w+" penetrated the "+benchFormationNames[fm]+" Formation.")
		rel(id, "DRILLED_BY", "rig-"+fmt.Sprint(rig), "Well "+w+" was drilled by the "+benchRigNames[rig]+".")
		report[id] = append(report[id], fmt.Sprintf("Well %s reached a total depth of %d m.", w, 2000+37*i))
	}
	for i := range nodes {
		nodes[i].Embedding = emb.Vector(graphrag.NodeText(nodes[i]))
		text := strings.Join(report[nodes[i].ID], " ")
		chunks = append(chunks, kg.Chunk{ID: nodes[i].ChunkIDs[0], DocumentID: "report-" + nodes[i].ID, Text: text,
			End: len(text), Embedding: emb.Vector(text)})
	}
	return nodes, edges, chunks
}

// stepKey is the context key of the step a call is made in.
type stepKey struct{}

// callLog records, for one query, the injected latency of each step's
// calls and the calls by method.
type callLog struct {
	mu      sync.Mutex
	byStep  map[string]time.Duration
	methods map[string]int
}

func newCallLog() *callLog {
	return &callLog{byStep: map[string]time.Duration{}, methods: map[string]int{}}
}

// wait records a call of method in ctx's step and waits lat (or until ctx
// ends).
func (l *callLog) wait(ctx context.Context, method string, lat time.Duration) error {
	step, _ := ctx.Value(stepKey{}).(string)
	l.mu.Lock()
	l.byStep[step] += lat
	l.methods[method]++
	l.mu.Unlock()
	t := time.NewTimer(lat)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slowStore is a kg.Store whose reads wait the store latency first.
type slowStore struct {
	kg.Store
	lat time.Duration
	log func() *callLog
}

func (s *slowStore) VectorSearch(ctx context.Context, v []float32, k int, f *kg.Filter) ([]kg.Hit, error) {
	if err := s.log().wait(ctx, "VectorSearch", s.lat); err != nil {
		return nil, err
	}
	return s.Store.VectorSearch(ctx, v, k, f)
}

func (s *slowStore) Nodes(ctx context.Context, ids []string) ([]*kg.Node, error) {
	if err := s.log().wait(ctx, "Nodes", s.lat); err != nil {
		return nil, err
	}
	return s.Store.Nodes(ctx, ids)
}

func (s *slowStore) Chunks(ctx context.Context, ids []string) ([]*kg.Chunk, error) {
	if err := s.log().wait(ctx, "Chunks", s.lat); err != nil {
		return nil, err
	}
	return s.Store.Chunks(ctx, ids)
}

func (s *slowStore) Neighbors(ctx context.Context, ids []string, o kg.NeighborOptions) ([][]kg.Edge, error) {
	if err := s.log().wait(ctx, "Neighbors", s.lat); err != nil {
		return nil, err
	}
	return s.Store.Neighbors(ctx, ids, o)
}

// slowEmbedder is an Embedder whose calls wait the embedding latency first.
type slowEmbedder struct {
	llm.Embedder
	lat time.Duration
	log func() *callLog
}

func (e *slowEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := e.log().wait(ctx, "Embed", e.lat); err != nil {
		return nil, err
	}
	return e.Embedder.Embed(ctx, texts)
}

// bound returns the longest path through the trace's step graph with the
// steps weighted by their calls' injected latency, and that path.
func bound(tr *flow.Trace, weight map[string]time.Duration) (time.Duration, []string) {
	finish := map[string]time.Duration{}
	via := map[string]string{}
	var last string
	for _, st := range tr.Steps { // in the order added: dependencies first
		var start time.Duration
		for _, d := range st.Deps {
			if f := finish[d]; f >= start {
				start, via[st.Name] = f, d
			}
		}
		finish[st.Name] = start + weight[st.Name]
		if last == "" || finish[st.Name] >= finish[last] {
			last = st.Name
		}
	}
	var path []string
	for s := last; s != ""; s = via[s] {
		path = append(path, s)
	}
	slices.Reverse(path)
	return finish[last], path
}

// queryRun is one query's measurements.
type queryRun struct {
	wall, bound, sum time.Duration
	path, tracePath  []string
	calls            map[string]int
	ok               bool
}

// queryScenario runs the query suite's clients at a query depth: depth 2
// asks which operator runs a well's field (two hops), depth 1 which field
// a well is in.
func queryScenario(name string, depth int) func(context.Context, func(record)) error {
	return func(ctx context.Context, emit func(record)) error {
		return runQueryScenario(ctx, emit, name, depth)
	}
}

func runQueryScenario(ctx context.Context, emit func(record), name string, depth int) error {
	lex := lexical.New()
	nodes, edges, chunks := benchGraph(lex)
	mem := kgtest.NewMemStore()
	defer mem.Close()
	if err := mem.UpsertChunks(ctx, chunks); err != nil {
		return err
	}
	if err := mem.UpsertNodes(ctx, nodes); err != nil {
		return err
	}
	if err := mem.UpsertEdges(ctx, edges); err != nil {
		return err
	}
	sc := graphragScale
	for _, client := range []string{"kgas", "sequential"} {
		runs, err := runQueries(ctx, mem, lex, sc, client == "sequential", depth)
		if err != nil {
			return fmt.Errorf("%s: %w", client, err)
		}
		rec := queryRecordOf(client, sc, runs)
		rec.Scenario = name
		rec.Extra["depth"] = depth
		emit(rec)
	}
	return nil
}

// runQueries answers sc.queries questions with a fresh engine.
func runQueries(ctx context.Context, mem kg.Store, lex *lexical.Embedder, sc graphragSize, sequential bool, depth int) ([]queryRun, error) {
	var cur *callLog
	logOf := func() *callLog { return cur }
	opts := []graphrag.Option{
		graphrag.WithHooks(flow.Hooks{
			StepStart: func(ctx context.Context, st flow.StepTrace) context.Context {
				return context.WithValue(ctx, stepKey{}, st.Name)
			},
		}),
		// Every question is new, so a cache would only miss; without it
		// the embedder is called in the embed step's context, which
		// carries the step's name.
		graphrag.WithoutEmbeddingCache(),
	}
	if sequential {
		opts = append(opts, graphrag.WithSequential())
	}
	eng, err := graphrag.New(&slowStore{Store: mem, lat: sc.storeLat, log: logOf},
		&slowEmbedder{Embedder: lex, lat: sc.embedLat, log: logOf}, opts...)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	var runs []queryRun
	for i := range sc.queries {
		w := (i * 7) % benchWells // spread over fields and operators
		cur = newCallLog()        // queries run one after another
		q := "Who operates the field that well " + wellName(w) + " is located in?"
		want := benchOperatorNames[(w%benchFields)%benchOperators]
		if depth == 1 {
			q = "Which field is well " + wellName(w) + " located in?"
			want = benchFieldNames[w%benchFields]
		}
		opts := eng.QueryDefaults()
		opts.Depth = depth
		start := time.Now()
		ans, err := eng.Query(ctx, q, &opts)
		wall := time.Since(start)
		if err != nil {
			return nil, err
		}
		r := queryRun{wall: wall, calls: cur.methods, tracePath: ans.Trace.CriticalPath}
		r.bound, r.path = bound(ans.Trace, cur.byStep)
		for _, d := range cur.byStep {
			r.sum += d
		}
		r.ok = strings.Contains(ans.Text, want)
		runs = append(runs, r)
	}
	return runs, nil
}

// queryRecordOf summarises the runs of one client: the median query.
func queryRecordOf(client string, sc graphragSize, runs []queryRun) record {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b queryRun) int { return int(a.wall - b.wall) })
	med := sorted[len(sorted)/2]
	ok, attempts := 0, 0
	for _, r := range runs {
		if r.ok {
			ok++
		}
		for _, c := range r.calls {
			attempts += c
		}
	}
	return record{Scenario: "query-seeds", Client: client, N: len(runs), OK: ok, Failed: len(runs) - ok,
		Attempts: int64(attempts), WallS: med.wall.Seconds(), BoundS: med.bound.Seconds(),
		Extra: map[string]any{
			"sum_steps_s":         round(med.sum.Seconds()),
			"critical_path":       strings.Join(med.path, " → "),
			"trace_critical_path": strings.Join(med.tracePath, " → "),
			"calls":               med.calls,
			"wall_min_s":          round(sorted[0].wall.Seconds()),
			"wall_max_s":          round(sorted[len(sorted)-1].wall.Seconds()),
			"store_ms":            round(float64(sc.storeLat) / float64(time.Millisecond)),
			"embed_ms":            round(float64(sc.embedLat) / float64(time.Millisecond)),
		}}
}
