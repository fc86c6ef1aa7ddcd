package graphrag_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/llm"
)

// corpusDir is the demo corpus of examples/graphrag.
const corpusDir = "../examples/graphrag/corpus"

type expectation struct {
	Question       string   `json:"question"`
	Hops           int      `json:"hops"`
	Sources        []string `json:"sources"`
	AnswerContains []string `json:"answer_contains"`
}

func loadExpected(t testing.TB) []expectation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	require.NoError(t, err)
	var exp []expectation
	require.NoError(t, json.Unmarshal(b, &exp))
	require.Len(t, exp, 8)
	return exp
}

// TestCorpusQuestions answers the demo corpus's sample questions offline
// on the embedded store, after ingesting it with the rule extractor: every
// answer holds the expected text, its first sources are exactly the
// expected documents, for one- and two-hop questions, and it cites at most
// three items. With a chat model, the context it is given holds the
// expected documents' chunks.
func TestCorpusQuestions(t *testing.T) {
	docs, ont := corpusDocs(t)
	st := openLocal(t)
	offline := engine(t, st, graphrag.WithExtractor(ruleExtractor(t, ont)))
	rep, err := offline.Ingest(t.Context(), docs, nil)
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	withModel := engine(t, st, graphrag.WithChatModel(echoModel{}, ""))

	for _, exp := range loadExpected(t) {
		t.Run(exp.Question, func(t *testing.T) {
			ans, err := offline.Query(t.Context(), exp.Question, nil)
			require.NoError(t, err)
			t.Logf("answer: %s\nsources: %v", ans.Text, ans.Sources)
			assert.True(t, ans.Offline)
			for _, want := range exp.AnswerContains {
				assert.Contains(t, ans.Text, want)
			}
			require.GreaterOrEqual(t, len(ans.Sources), len(exp.Sources))
			assert.ElementsMatch(t, exp.Sources, ans.Sources[:len(exp.Sources)])
			assert.LessOrEqual(t, len(ans.Citations), 3)
			assert.LessOrEqual(t, ans.Stats.ContextTokens, graphrag.DefaultTokenBudget)
			checkCited(t, ans)

			ans, err = withModel.Query(t.Context(), exp.Question, nil)
			require.NoError(t, err)
			assert.False(t, ans.Offline)
			var docs []string
			for _, it := range ans.Context {
				docs = append(docs, it.DocumentID)
			}
			for _, src := range exp.Sources {
				assert.Contains(t, docs, src)
			}
		})
	}
}

// echoModel is a ChatModel that answers with its prompt's first line.
type echoModel struct{}

func (echoModel) Chat(_ context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	last := req.Messages[len(req.Messages)-1].Content
	first, _, _ := strings.Cut(last, "\n")
	return llm.ChatResponse{Message: llm.Assistant(first), FinishReason: llm.FinishStop}, nil
}

func (m echoModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	return m.Chat(ctx, req)
}
