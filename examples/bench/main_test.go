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

func runJSON(t *testing.T, scenarios string) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "client", scenarios, true, false))
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		recs = append(recs, m)
	}
	return recs
}

// The JSON line format is a contract: these keys, in this order, first.
func TestJSONFormat(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "client", "quota", true, false))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, "kgas, naive and sequential")
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, `{"scenario":"quota","client":"`), l)
		idx := -1
		for _, k := range []string{`"scenario"`, `"client"`, `"n"`, `"ok"`, `"failed"`, `"attempts"`, `"wall_s"`, `"bound_s"`, `"ratio"`} {
			i := strings.Index(l, k+":")
			require.Greater(t, i, idx, "key %s out of order in %s", k, l)
			idx = i
		}
	}
	require.Error(t, run(context.Background(), &out, "nope", "", true, false))
	require.Error(t, run(context.Background(), &out, "client", "nope", true, false))
}

// The count targets of the client suite (not its speed: wall-clock figures
// live in docs/benchmarks.md, never in tests).
func TestClientTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios against the simulator")
	}
	recs := runJSON(t, "storm,quota")
	byKey := map[string]map[string]any{}
	for _, r := range recs {
		byKey[r["scenario"].(string)+"/"+r["client"].(string)] = r
	}
	storm := byKey["storm/kgas"]
	require.NotNil(t, storm)
	assert.Equal(t, storm["n"], storm["ok"], "storm: nothing lost")
	assert.LessOrEqual(t, storm["storm_attempts"].(float64), 10.0, "storm: shared pause, one probe per wait")

	quota := byKey["quota/kgas"]
	require.NotNil(t, quota)
	assert.Equal(t, quota["failed"], quota["quota_errors_typed"], "quota: every failure is ErrQuotaExhausted")
	assert.LessOrEqual(t, quota["attempts"].(float64), quota["attempt_budget"].(float64), "quota: at most 10 + C attempts")
	naive := byKey["quota/naive"]
	assert.Greater(t, naive["attempts"].(float64), quota["attempts"].(float64), "the baseline keeps sending")
}

// The embed suite's count targets: only distinct misses go upstream, a
// warm cache sends nothing, and micro-batching coalesces single calls.
func TestEmbedTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios against the simulator")
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "embed", "", true, false))
	got := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Equal(t, m["n"], m["ok"], line)
		got[m["scenario"].(string)+"/"+m["client"].(string)] = m
	}
	assert.Equal(t, 100.0, got["cache/uncached"]["upstream_requests"])
	assert.Equal(t, 70.0, got["cache/cached-cold"]["upstream_requests"], "7000 distinct texts, 100 per request")
	assert.Equal(t, 0.0, got["cache/cached-warm"]["upstream_requests"])
	assert.Equal(t, 400.0, got["microbatch/one-each"]["upstream_requests"])
	assert.LessOrEqual(t, got["microbatch/microbatch"]["upstream_requests"].(float64), 40.0, "coalesced at least tenfold")
}
