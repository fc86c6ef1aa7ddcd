package openai_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("text number %d %s", i, strings.Repeat("x", i%7))
	}
	return out
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{})
	ctx := context.Background()
	one := client(t, srv)
	in := texts(10)
	// Reference: each text alone.
	ref := make([][]float32, len(in))
	for i, s := range in {
		v, err := one.Embed(ctx, []string{s})
		require.NoError(t, err)
		require.Len(t, v, 1)
		ref[i] = v[0]
	}
	assert.Equal(t, 1536, one.Dimension())
	assert.Len(t, ref[0], 1536)

	tests := []struct {
		name     string
		opts     []openai.Option
		requests int64
	}{
		{"one request", nil, 1},
		{"split by count", []openai.Option{openai.WithMaxEmbedBatch(3)}, 4},
		// 4 4 4 | 5 5 | 5 5 | 4 4 4 estimated tokens
		{"split by tokens", []openai.Option{openai.WithMaxEmbedTokens(12)}, 4},
		{"one per request", []openai.Option{openai.WithMaxEmbedBatch(1)}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := start(t, llmtest.Config{})
			c := client(t, srv, tt.opts...)
			got, err := c.Embed(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, ref, got)
			assert.Equal(t, tt.requests, srv.Stats().Received)
		})
	}

	// Nothing to embed: no request.
	before := srv.Stats().Received
	got, err := one.Embed(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	// An empty text fails before sending, naming it.
	_, err = one.Embed(ctx, []string{"a", ""})
	var ie *llm.InvalidRequestError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "texts[1]", ie.Field)
	assert.Equal(t, before, srv.Stats().Received)
}

func TestEmbedDimensions(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{EmbeddingDims: 48})
	ctx := context.Background()

	c := client(t, srv, openai.WithEmbeddingDimensions(64))
	assert.Equal(t, 64, c.Dimension())
	v, err := c.Embed(ctx, []string{"a", "b"})
	require.NoError(t, err)
	assert.Len(t, v[0], 64)
	assert.Equal(t, "text-embedding-3-small", c.Model())

	// An unknown model's dimension is learned from the first response.
	u := client(t, srv, openai.WithEmbeddingModel("local-embedder"))
	assert.Equal(t, 0, u.Dimension())
	v, err = u.Embed(ctx, []string{"a"})
	require.NoError(t, err)
	assert.Len(t, v[0], 48)
	assert.Equal(t, 48, u.Dimension())

	// A known model whose server answers another size is a bad response.
	k := client(t, srv)
	_, err = k.Embed(ctx, []string{"a"})
	require.ErrorIs(t, err, llm.ErrBadResponse)
}

func TestEmbedBatchThroughProvider(t *testing.T) {
	t.Parallel()
	srv := start(t, llmtest.Config{})
	c := client(t, srv, openai.WithMaxEmbedBatch(4))
	in := texts(50)
	res := llm.EmbedBatch(context.Background(), c, in, llm.WithEmbedChunkSize(16), llm.WithBatchConcurrency(3))
	require.Len(t, res, 50)
	want, err := c.Embed(context.Background(), in)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err)
		assert.Equal(t, want[i], r.Value)
	}
}
