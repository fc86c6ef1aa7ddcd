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

// The extract suite at a tiny scale: fields and counts, not speed.
func TestExtractSuiteFields(t *testing.T) {
	old := extractScale
	t.Cleanup(func() { extractScale = old })
	extractScale = extractSize{chunks: 8, latency: 20 * time.Millisecond, rpm: 600}

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "extract", "", true, false))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	for i, client := range []string{"kgas", "sequential"} {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &m), lines[i])
		assert.Equal(t, "doc-100", m["scenario"])
		assert.Equal(t, client, m["client"])
		assert.Equal(t, 8.0, m["n"])
		assert.Equal(t, 8.0, m["ok"], "every chunk extracted")
		assert.Equal(t, 0.0, m["failed"])
		assert.Equal(t, 8.0, m["attempts"], "one request per chunk")
		assert.Equal(t, 18.0, m["entities"], "8 wells, 5 formations, 5 rigs")
		assert.Equal(t, 16.0, m["relations"])
		assert.Greater(t, m["bound_s"], 0.0)
	}
}
