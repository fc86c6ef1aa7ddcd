package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestRunOffline(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, false))
	s := out.String()
	assert.Contains(t, s, "inserted 5 documents, 0 failed")
	assert.Contains(t, s, "unicorn")
	assert.NotContains(t, s, "AstraCS:local", "the token never shows")
	assert.Contains(t, s, "collection holds 5 documents")
}
