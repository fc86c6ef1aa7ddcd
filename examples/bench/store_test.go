package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The store suite at a tiny scale: the JSON fields of every scenario, not
// its speed (the figures live in docs/benchmarks.md).
func TestStoreSuiteFields(t *testing.T) {
	old, oldLarge := storeScale, *storeLarge
	t.Cleanup(func() { storeScale, *storeLarge = old, oldLarge })
	storeScale = storeSize{n: 600, dim: 16, queries: 20, edges: 3000, centres: 10, noise: 0.6, nodeBatch: 250, edgeBatch: 1000}
	*storeLarge = true

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "store", "", true, false))
	got := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		require.True(t, strings.HasPrefix(line, `{"scenario":"`), line)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		for _, k := range []string{"scenario", "client", "n", "ok", "failed", "attempts", "wall_s", "bound_s", "ratio",
			"wall_kind", "bound_kind", "peak_mb", "total_s"} {
			assert.Contains(t, m, k, line)
		}
		assert.Equal(t, m["n"], m["ok"], line)
		assert.Equal(t, 0.0, m["failed"], line)
		assert.Greater(t, m["peak_mb"], 0.0, line)
		got[m["scenario"].(string)] = m
	}
	for _, s := range []string{"exact-100k", "exact-1m", "ann-100k", "ingest-100k", "open-100k", "nodes-1000", "neighbors"} {
		require.Contains(t, got, s)
	}
	for _, s := range []string{"exact-100k", "exact-1m", "ann-100k", "nodes-1000", "neighbors"} {
		m := got[s]
		assert.Contains(t, m, "p50_ms", s)
		assert.Contains(t, m, "p99_ms", s)
		bound := m["bound_ms"].(float64)
		assert.Greater(t, bound, 0.0, s)
		assert.InDelta(t, m["p50_ms"].(float64)/bound, m["ratio"], 0.001/bound+0.002, s)
	}
	assert.Equal(t, "target", got["exact-100k"]["bound_kind"])
	assert.Equal(t, 3.5, got["exact-100k"]["bound_ms"])
	assert.Equal(t, 6000.0, got["exact-1m"]["rows"])
	assert.Equal(t, "scaled-target", got["exact-1m"]["bound_kind"])
	assert.Greater(t, got["ann-100k"]["recall"], 0.8)
	assert.Equal(t, "none", got["ingest-100k"]["bound_kind"])
	assert.Equal(t, 3000.0, got["ingest-100k"]["edges"])
	assert.Greater(t, got["neighbors"]["mean_degree"], 0.0)

	// Without -large, exact-1m emits nothing.
	*storeLarge = false
	out.Reset()
	require.NoError(t, run(context.Background(), &out, "store", "exact-1m", true, false))
	assert.Empty(t, strings.TrimSpace(out.String()))
}
