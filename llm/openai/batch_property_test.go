package openai_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// faultKinds are the faults drawn by the property test (all but the stall,
// which only tests patience).
var faultKinds = []llmtest.FaultKind{
	llmtest.FaultServerError, llmtest.FaultBadGateway, llmtest.FaultOverloaded,
	llmtest.FaultInsufficientQuota, llmtest.FaultRequestTooLarge, llmtest.FaultRateLimited,
	llmtest.FaultErrorIn200, llmtest.FaultMalformedJSON, llmtest.FaultResetBeforeHeaders,
	llmtest.FaultResetMidBody, llmtest.FaultTruncated,
}

func drawFaults(t *rapid.T) []llmtest.FaultRule {
	n := rapid.IntRange(0, 3).Draw(t, "rules")
	rules := make([]llmtest.FaultRule, n)
	for i := range rules {
		rules[i] = llmtest.FaultRule{
			Fault: llmtest.Fault{
				Kind:       rapid.SampledFrom(faultKinds).Draw(t, "kind"),
				RetryAfter: time.Duration(rapid.IntRange(0, 2).Draw(t, "retry_after_ms")) * time.Millisecond,
			},
			Endpoint:    rapid.SampledFrom([]string{"", "chat", "embeddings"}).Draw(t, "endpoint"),
			Probability: rapid.SampledFrom([]float64{0.05, 0.2, 0.5}).Draw(t, "p"),
		}
	}
	return rules
}

// Under any mix of faults, batches return exactly one result per input, in
// order, each a value or an error, and every value is the one a fault-free
// server gives for that input.
func TestBatchProperties(t *testing.T) {
	t.Parallel()
	clean := start(t, llmtest.Config{})
	ref := client(t, clean)
	ctx := context.Background()

	rapid.Check(t, func(rt *rapid.T) {
		// Same seed as the clean server: replies and vectors are a pure
		// function of the seed and the request.
		srv, err := llmtest.NewServer(llmtest.Config{Faults: drawFaults(rt)})
		require.NoError(rt, err)
		defer srv.Close()
		c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()),
			openai.WithMaxEmbedBatch(rapid.IntRange(1, 8).Draw(rt, "max_embed_batch")),
			openai.WithAPIClientOptions(
				apiclient.WithBackoff(time.Millisecond, 2*time.Millisecond),
				apiclient.WithMaxAttempts(rapid.IntRange(1, 4).Draw(rt, "attempts")),
				apiclient.WithConcurrency(rapid.IntRange(1, 8).Draw(rt, "client_concurrency")),
			))
		require.NoError(rt, err)
		defer c.Close()
		opts := []llm.BatchOption{
			llm.WithBatchConcurrency(rapid.IntRange(1, 8).Draw(rt, "batch_concurrency")),
			llm.WithEmbedChunkSize(rapid.IntRange(1, 12).Draw(rt, "chunk")),
		}
		bctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if rapid.Bool().Draw(rt, "cancel") {
			time.AfterFunc(time.Duration(rapid.IntRange(0, 20).Draw(rt, "cancel_ms"))*time.Millisecond, cancel)
		}

		n := rapid.IntRange(0, 30).Draw(rt, "n")
		texts := make([]string, n)
		reqs := make([]llm.ChatRequest, n)
		for i := range texts {
			texts[i] = fmt.Sprintf("item %d %s", i, rapid.StringMatching(`[a-z ]{1,12}`).Draw(rt, "text"))
			reqs[i] = llm.ChatRequest{Messages: []llm.Message{llm.User(texts[i])}, MaxTokens: 8}
		}

		embeds := llm.EmbedBatch(bctx, c, texts, opts...)
		chats := llm.ChatBatch(bctx, c, reqs, opts...)
		if len(embeds) != n || len(chats) != n {
			rt.Fatalf("got %d embeddings and %d chats for %d inputs", len(embeds), len(chats), n)
		}
		for i := range n {
			if (embeds[i].Err == nil) == (embeds[i].Value == nil) {
				rt.Fatalf("embedding %d: value %v and error %v", i, embeds[i].Value != nil, embeds[i].Err)
			}
			if embeds[i].Err == nil {
				want, err := ref.Embed(ctx, texts[i:i+1])
				require.NoError(rt, err)
				require.Equal(rt, want[0], embeds[i].Value, "embedding %d", i)
			}
			if chats[i].Err == nil {
				want, err := ref.Chat(ctx, reqs[i])
				require.NoError(rt, err)
				require.Equal(rt, want.Message, chats[i].Value.Message, "chat %d", i)
			}
		}
	})
}
