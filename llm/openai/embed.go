package openai

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"github.com/kgas-dev/kgas/llm"
)

// Dimension returns the vector size: the WithEmbeddingDimensions value,
// else the native size of a well-known model (1536 for
// text-embedding-3-small and text-embedding-ada-002, 3072 for
// text-embedding-3-large), else the size learned from the first response
// (0 until then).
func (c *Client) Dimension() int {
	if c.knownDim > 0 {
		return c.knownDim
	}
	return int(c.learned.Load())
}

// Embed implements llm.Embedder: one vector per text, in input order. A
// batch larger than WithMaxEmbedBatch texts (or WithMaxEmbedTokens
// estimated tokens) is split into several requests, sent concurrently
// through the apiclient and rejoined in order; the first failure cancels
// the others and is returned. An empty text fails with an
// *llm.InvalidRequestError naming texts[i] before anything is sent.
// Vectors of the wrong count or size fail with llm.ErrBadResponse.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if t == "" {
			return nil, &llm.InvalidRequestError{Field: fmt.Sprintf("texts[%d]", i), Reason: "empty text (the API rejects it)"}
		}
	}
	out := make([][]float32, len(texts))
	spans := c.split(texts)
	switch len(spans) {
	case 0:
		return out, nil
	case 1:
		return out, c.embedSpan(ctx, texts, out, spans[0])
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range spans {
		g.Go(func() error { return c.embedSpan(gctx, texts, out, s) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

type span struct{ lo, hi int }

// split cuts texts into request-sized spans: at most maxBatch texts and,
// unless a single text exceeds it, maxTok estimated tokens each.
func (c *Client) split(texts []string) []span {
	var spans []span
	lo, tok := 0, 0
	for i := range texts {
		n := llm.EstimateEmbedTokens(texts[i : i+1])
		if i > lo && (i-lo >= c.maxBatch || tok+n > c.maxTok) {
			spans = append(spans, span{lo, i})
			lo, tok = i, 0
		}
		tok += n
	}
	if lo < len(texts) {
		spans = append(spans, span{lo, len(texts)})
	}
	return spans
}

// embedSpan sends one request for texts[s.lo:s.hi] and stores its vectors
// in out at their input positions.
func (c *Client) embedSpan(ctx context.Context, texts []string, out [][]float32, s span) error {
	resp, err := c.oc.CreateEmbeddings(ctx, goopenai.EmbeddingRequestStrings{
		Input:      texts[s.lo:s.hi],
		Model:      goopenai.EmbeddingModel(c.embed),
		Dimensions: c.dims,
	})
	if err != nil {
		return c.fail(ctx, err)
	}
	n := s.hi - s.lo
	if len(resp.Data) != n {
		return fmt.Errorf("%w: %d vectors for %d texts", llm.ErrBadResponse, len(resp.Data), n)
	}
	seen := make([]bool, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || seen[d.Index] {
			return fmt.Errorf("%w: vector index %d out of range or repeated", llm.ErrBadResponse, d.Index)
		}
		seen[d.Index] = true
		if err := c.checkDim(len(d.Embedding)); err != nil {
			return err
		}
		out[s.lo+d.Index] = d.Embedding
	}
	return nil
}

// checkDim checks a vector's size against the known or learned dimension,
// learning it from the first vector when unknown.
func (c *Client) checkDim(n int) error {
	want := c.knownDim
	if want == 0 {
		if c.learned.CompareAndSwap(0, int64(n)) {
			want = n
		} else {
			want = int(c.learned.Load())
		}
	}
	if n == 0 || n != want {
		return fmt.Errorf("%w: vector of %d dimensions, want %d", llm.ErrBadResponse, n, want)
	}
	return nil
}
