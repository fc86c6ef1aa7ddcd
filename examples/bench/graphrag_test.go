package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The graphrag suite with latencies scaled down 50 times: its JSON fields,
// the answers, the calls of each query and the bound computed from them,
// not its speed (the figures live in docs/benchmarks.md).
func TestGraphragSuiteFields(t *testing.T) {
	old := graphragScale
	t.Cleanup(func() { graphragScale = old })
	graphragScale = graphragSize{storeLat: 4 * time.Millisecond, embedLat: 10 * time.Millisecond, queries: 3}

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "graphrag", "query-seeds", true, false))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, "kgas and sequential")
	got := map[string]map[string]any{}
	for _, line := range lines {
		require.True(t, strings.HasPrefix(line, `{"scenario":"query-seeds","client":"`), line)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		for _, k := range []string{"scenario", "client", "n", "ok", "failed", "attempts", "wall_s", "bound_s", "ratio",
			"sum_steps_s", "critical_path", "trace_critical_path", "calls", "wall_min_s", "wall_max_s", "store_ms", "embed_ms"} {
			assert.Contains(t, m, k, line)
		}
		assert.Equal(t, 3.0, m["n"], line)
		assert.Equal(t, m["n"], m["ok"], "every answer names the right operator: %s", line)
		assert.Equal(t, 0.0, m["failed"], line)
		// One embedding, one search, two hops of Neighbors and Nodes, and
		// three Chunks calls (seeds, hop 1, hop 2) per query.
		assert.Equal(t, map[string]any{"Embed": 1.0, "VectorSearch": 1.0, "Neighbors": 2.0, "Nodes": 2.0, "Chunks": 3.0}, m["calls"], line)
		assert.Equal(t, 27.0, m["attempts"], line)
		// embed 10 ms, then search, neighbors-1, neighbors-2, nodes-2 and
		// chunks-2 at 4 ms: 30 ms; all nine calls one after another: 10 +
		// 8×4 ms.
		assert.InDelta(t, 0.030, m["bound_s"], 1e-9, line)
		assert.InDelta(t, 0.042, m["sum_steps_s"], 1e-9, line)
		assert.Equal(t, "embed → search → neighbors-1 → neighbors-2 → nodes-2 → chunks-2 → rerank → context → answer", m["critical_path"], line)
		assert.InDelta(t, m["wall_s"].(float64)/m["bound_s"].(float64), m["ratio"], 0.0005/0.030+0.001, line)
		got[m["client"].(string)] = m
	}
	require.Contains(t, got, "kgas")
	require.Contains(t, got, "sequential")
	assert.Equal(t, 4.0, got["kgas"]["store_ms"])
	assert.Equal(t, 10.0, got["kgas"]["embed_ms"])
	// Run one at a time, the steps cannot take less than the sum of their
	// latencies.
	assert.GreaterOrEqual(t, got["sequential"]["wall_s"].(float64), 0.042)
}

// query-depth1: one hop, so one Neighbors, one Nodes and two Chunks calls;
// the bound is embed 10 + search 4 + neighbors-1, nodes-1, chunks-1 at 4
// (seed-chunks beside them) = 26 ms; one at a time 10 + 5×4 = 30 ms.
func TestGraphragSuiteDepth1(t *testing.T) {
	old := graphragScale
	t.Cleanup(func() { graphragScale = old })
	graphragScale = graphragSize{storeLat: 4 * time.Millisecond, embedLat: 10 * time.Millisecond, queries: 3}

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "graphrag", "query-depth1", true, false))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, "kgas and sequential")
	for _, line := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Equal(t, "query-depth1", m["scenario"])
		assert.Equal(t, 1.0, m["depth"])
		assert.Equal(t, m["n"], m["ok"], "every answer names the right field: %s", line)
		assert.Equal(t, map[string]any{"Embed": 1.0, "VectorSearch": 1.0, "Neighbors": 1.0, "Nodes": 1.0, "Chunks": 2.0}, m["calls"], line)
		assert.InDelta(t, 0.026, m["bound_s"], 1e-9, line)
		assert.InDelta(t, 0.030, m["sum_steps_s"], 1e-9, line)
	}
}

// The ingest scenario at 60 documents: fields and counts, not speed.
func TestGraphragIngestFields(t *testing.T) {
	old := ingestDocs
	t.Cleanup(func() { ingestDocs = old })
	ingestDocs = 60

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "graphrag", ingestScenarioName, true, false))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, "kgas and sequential")
	for _, line := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Equal(t, ingestScenarioName, m["scenario"])
		assert.Equal(t, 60.0, m["n"])
		assert.Equal(t, 60.0, m["ok"], "every document added")
		assert.Equal(t, 60.0, m["chunks"])
		assert.Equal(t, 300.0, m["entities"], "five entities per report")
		assert.Equal(t, 240.0, m["relations"], "four relations per report")
		for _, k := range []string{"docs_per_s", "peak_mb", "extract_s", "embed_s", "store_s", "bound_s"} {
			assert.Contains(t, m, k, line)
		}
	}
}
