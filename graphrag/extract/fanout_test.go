package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

// paragraphs returns n distinct paragraphs, one chunk each with
// scriptedChunker.
func paragraphs(n int) string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("Paragraph %03d: well 15/9-%d was drilled by Statoil in the Volve field, long ago in the North Sea.", i, i%99))
	}
	return strings.Join(out, "\n\n")
}

// wellReply names the well mentioned in the request's chunk.
func wellReply(req llm.ChatRequest) (string, error) {
	u := lastUser(req)
	i := strings.Index(u, "15/9-")
	if i < 0 {
		return "{}", nil
	}
	name := strings.Fields(u[i:])[0]
	return fmt.Sprintf(`{"entities":[{"name":%q,"type":"Well"},{"name":"Statoil","type":"Company"}],`+
		`"relations":[{"source":%q,"type":"drilled_by","target":"Statoil"}]}`, name, name), nil
}

// Every chunk is in flight at once by default: the fake holds each call
// until all ten are in, so a sequential extractor would never finish.
func TestLLMAllChunksInFlight(t *testing.T) {
	f := newFake(wellReply)
	f.barrier = 10
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := x.Extract(ctx, Document{ID: "d", Text: paragraphs(10)})
	require.NoError(t, err)
	require.NoError(t, res.Err())
	calls, maxIn := f.stats()
	assert.Equal(t, 10, calls)
	assert.Equal(t, 10, maxIn)
	assert.Len(t, res.Relations, 10)
	assert.Equal(t, llm.Usage{PromptTokens: 100, CompletionTokens: 50, TotalTokens: 150}, res.Usage)
}

func TestLLMConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := newFake(wellReply)
			x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)), WithConcurrency(n))
			require.NoError(t, err)
			res, err := x.Extract(context.Background(), Document{ID: "d", Text: paragraphs(12)})
			require.NoError(t, err)
			require.NoError(t, res.Err())
			calls, maxIn := f.stats()
			assert.Equal(t, 12, calls)
			assert.LessOrEqual(t, maxIn, n)
		})
	}
}

func TestLLMCache(t *testing.T) {
	mem, err := NewMemoryCache(0)
	require.NoError(t, err)
	dir, err := NewDirCache(t.TempDir())
	require.NoError(t, err)
	for name, cache := range map[string]Cache{"memory": mem, "dir": dir} {
		t.Run(name, func(t *testing.T) {
			f := newFake(wellReply)
			x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)), WithCache(cache))
			require.NoError(t, err)
			doc := Document{ID: "d", Text: paragraphs(5)}
			first, err := x.Extract(context.Background(), doc)
			require.NoError(t, err)
			calls, _ := f.stats()
			require.Equal(t, 5, calls)

			// A new extractor with the same cache: no calls at all.
			f2 := newFake(wellReply)
			x2, err := NewLLMExtractor(f2, testOntology(t), WithChunker(scriptedChunker(t)), WithCache(cache))
			require.NoError(t, err)
			again, err := x2.Extract(context.Background(), doc)
			require.NoError(t, err)
			calls, _ = f2.stats()
			assert.Zero(t, calls)
			assert.Equal(t, first.Entities, again.Entities)
			assert.Equal(t, first.Relations, again.Relations)
			for _, o := range again.Outcomes {
				assert.True(t, o.Cached)
				assert.Zero(t, o.Usage.TotalTokens)
			}

			// Another ontology is another key.
			ont := testOntology(t)
			ont.Description = "changed"
			x3, err := NewLLMExtractor(f2, ont, WithChunker(scriptedChunker(t)), WithCache(cache))
			require.NoError(t, err)
			_, err = x3.Extract(context.Background(), doc)
			require.NoError(t, err)
			calls, _ = f2.stats()
			assert.Equal(t, 5, calls)
		})
	}
}

// Identical chunks in flight at once share one request.
func TestLLMInflightDedup(t *testing.T) {
	f := newFake(wellReply)
	f.hold = make(chan struct{})
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)))
	require.NoError(t, err)
	x.onShare = func() { close(f.hold) } // release the leader once the twin waits
	same := "Paragraph: well 15/9-7 was drilled by Statoil in the Volve field, long ago in the North Sea today.\n\n"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := x.Extract(ctx, Document{ID: "d", Text: same + same})
	require.NoError(t, err)
	require.Len(t, res.Chunks, 2)
	require.Equal(t, res.Chunks[0].Text, res.Chunks[1].Text)
	calls, _ := f.stats()
	assert.Equal(t, 1, calls)
	assert.Equal(t, 1, res.Outcomes[0].Calls+res.Outcomes[1].Calls)
	assert.True(t, res.Outcomes[0].Cached != res.Outcomes[1].Cached)
	e, ok := res.Entity(EntityID("Well", "15/9-7"))
	require.True(t, ok)
	assert.Equal(t, []string{"d#0", "d#1"}, e.ChunkIDs)
	assert.Len(t, e.Mentions, 2)
}

func TestLLMGleaning(t *testing.T) {
	first := `{"entities":[{"name":"15/9-19 SR","type":"Well"},{"name":"Statoil","type":"Company"}],` +
		`"relations":[{"source":"15/9-19 SR","type":"drilled_by","target":"Statoil"}]}`
	more := `{"entities":[{"name":"Volve","type":"Field"}],"relations":[{"source":"15/9-19 SR","type":"discovered","target":"Volve"}]}`
	t.Run("merged", func(t *testing.T) {
		srv := startServer(t, llmtest.Config{Scripts: []llmtest.Script{
			{Match: "Alpha:", Reply: llmtest.Reply{Content: first}},
			{Match: "MANY entities", Reply: llmtest.Reply{Content: more}},
		}})
		x, err := NewLLMExtractor(newClient(t, srv), testOntology(t), WithChunker(scriptedChunker(t)), WithGleaning(1))
		require.NoError(t, err)
		res, err := x.Extract(context.Background(), Document{ID: "d", Text: scriptedChunks[0]})
		require.NoError(t, err)
		require.Equal(t, ChunkOK, res.Outcomes[0].Status, res.Outcomes[0].Err)
		assert.Equal(t, 2, res.Outcomes[0].Calls)
		_, rels := resultTriples(res)
		assert.ElementsMatch(t, []string{"15/9-19 SR -drilled_by-> Statoil", "15/9-19 SR -discovered-> Volve"}, rels)
	})
	t.Run("failed round keeps the first", func(t *testing.T) {
		srv := startServer(t, llmtest.Config{Scripts: []llmtest.Script{
			{Match: "Alpha:", Reply: llmtest.Reply{Content: first}},
			{Match: "MANY entities", Reply: llmtest.Reply{Error: &llmtest.ErrorReply{Status: 400, Message: "nope", Type: "invalid_request_error"}}},
		}})
		x, err := NewLLMExtractor(newClient(t, srv), testOntology(t), WithChunker(scriptedChunker(t)), WithGleaning(1))
		require.NoError(t, err)
		res, err := x.Extract(context.Background(), Document{ID: "d", Text: scriptedChunks[0]})
		require.NoError(t, err)
		o := res.Outcomes[0]
		assert.Equal(t, ChunkPartial, o.Status)
		require.ErrorContains(t, o.Err, "gleaning round 1")
		require.ErrorIs(t, o.Err, llm.ErrInvalidRequest)
		_, rels := resultTriples(res)
		assert.Equal(t, []string{"15/9-19 SR -drilled_by-> Statoil"}, rels)
	})
}

func TestLLMUnparseableReply(t *testing.T) {
	f := newFake(func(req llm.ChatRequest) (string, error) {
		if strings.Contains(lastUser(req), "Paragraph 001") {
			return "Sorry, I cannot help with that.", nil
		}
		return wellReply(req)
	})
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)))
	require.NoError(t, err)
	res, err := x.Extract(context.Background(), Document{ID: "d", Text: paragraphs(3)})
	require.NoError(t, err)
	assert.Equal(t, ChunkFailed, res.Outcomes[1].Status)
	require.ErrorIs(t, res.Outcomes[1].Err, ErrBadReply)
	assert.Equal(t, ChunkOK, res.Outcomes[0].Status)
	assert.Equal(t, ChunkOK, res.Outcomes[2].Status)
	assert.Len(t, res.Relations, 2)
}

func TestLLMSkipsBlankChunks(t *testing.T) {
	f := newFake(wellReply)
	ch, err := NewChunker(WithChunkSize(MinChunkSize))
	require.NoError(t, err)
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(ch))
	require.NoError(t, err)
	res, err := x.Extract(context.Background(), Document{ID: "d", Text: strings.Repeat(" ", 40)})
	require.NoError(t, err)
	require.NotEmpty(t, res.Outcomes)
	for _, o := range res.Outcomes {
		assert.Equal(t, ChunkSkipped, o.Status)
	}
	calls, _ := f.stats()
	assert.Zero(t, calls)
}

// Whatever fails, a document of n chunks has n outcomes in order; every
// chunk that succeeded contributed its entity and relation, and no failed
// chunk contributed anything.
func TestLLMBatchInvariants(t *testing.T) {
	ont, chunker := testOntology(t), scriptedChunker(t)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 25).Draw(t, "chunks")
		fail := map[int]bool{}
		for i := range n {
			fail[i] = rapid.Float64Range(0, 1).Draw(t, "p") < 0.3
		}
		f := newFake(func(req llm.ChatRequest) (string, error) {
			var i int
			if _, err := fmt.Sscanf(strings.SplitN(lastUser(req), "Paragraph ", 2)[1], "%03d", &i); err != nil {
				return "", err
			}
			if fail[i] {
				return "", fmt.Errorf("chunk %d: %w", i, llm.ErrRateLimited)
			}
			return wellReply(req)
		})
		x, err := NewLLMExtractor(f, ont, WithChunker(chunker), WithConcurrency(rapid.IntRange(0, 4).Draw(t, "concurrency")))
		require.NoError(t, err)
		res, err := x.Extract(context.Background(), Document{ID: "d", Text: paragraphs(n)})
		require.NoError(t, err)
		require.Len(t, res.Outcomes, n)
		wells := map[string]bool{}
		for _, e := range res.Entities {
			if e.Type == "Well" {
				wells[e.Name] = true
			}
		}
		failed := 0
		for i, o := range res.Outcomes {
			require.Equal(t, i, o.Index)
			require.Equal(t, ChunkID("d", i), o.ChunkID)
			well := fmt.Sprintf("15/9-%d", i%99)
			if fail[i] {
				failed++
				require.Equal(t, ChunkFailed, o.Status)
				require.ErrorIs(t, o.Err, llm.ErrRateLimited)
				require.False(t, wells[well], "failed chunk %d contributed", i)
			} else {
				require.Equal(t, ChunkOK, o.Status)
				require.True(t, wells[well], "chunk %d lost", i)
				require.Equal(t, 1, o.Relations)
			}
		}
		require.Len(t, res.Failed(), failed)
	})
}
