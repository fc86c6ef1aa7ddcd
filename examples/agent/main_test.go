package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestOffline runs the example as `go run` does without a key: both tools
// run in the first turn, the graph answer is real (from the ingested
// reports), and the scripted final answer is printed.
func TestOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, ""))
	s := out.String()
	assert.Contains(t, s, "step 1 tool graph_query(")
	assert.Contains(t, s, "step 1 tool metres_to_feet({\"metres\":3870}): success")
	assert.Contains(t, s, "Iron Compass")
	assert.Contains(t, s, "sources: [well-41-4-3-a")
	assert.Contains(t, s, "answer: Well 41/4-3 A was drilled by the Iron Compass rig")
	assert.Contains(t, s, "steps: 2")
}

func TestFeet(t *testing.T) {
	out, err := metresToFeet(t.Context(), MetresIn{Metres: 3870})
	require.NoError(t, err)
	assert.Equal(t, 12696.9, out.Feet)
}
