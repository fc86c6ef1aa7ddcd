package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Contains(t, s, `"name": "forecast"`)
	assert.Contains(t, s, `"maximum": 14`)
	assert.Contains(t, s, `"kind":"unknown_tool"`)
	assert.Contains(t, s, `"dry_run":true`)
	assert.Contains(t, s, `days: must be <= 14, got 99`)
	assert.Contains(t, s, `colour: unknown field`)
}
