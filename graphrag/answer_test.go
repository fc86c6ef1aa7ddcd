package graphrag_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/flow"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// chatModel runs an llmtest simulator with scripts and returns an OpenAI
// client on it.
func chatModel(t *testing.T, scripts ...llmtest.Script) *openai.Client {
	t.Helper()
	srv, err := llmtest.NewServer(llmtest.Config{Scripts: scripts})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sk-test"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// The generated answer's citations are checked against its context: the
// known ones kept, with their documents; the invented ones reported.
func TestQueryLLMAnswer(t *testing.T) {
	reply := "Well A-1 lies in the Alpha field [c:report-a1#0]. It is operated by Borealis Oil " +
		"[c:report-alpha#0; N:Operator:borealis oil], founded in 1990 [c:made-up#9] [e:nope] [c:report-a1#0]."
	model := chatModel(t, llmtest.Script{
		// Served only if the prompt holds the context items with their
		// references and the question.
		Match: `(?s)\[c:report-a1#0\] \(document report-a1\) Well A-1 is located.*\[n:Operator:borealis oil\] Borealis Oil \(Operator\): founded: 1990.*Question: Who operates`,
		Times: llmtest.Forever,
		Reply: llmtest.Reply{Content: reply},
	})
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			loadHand(t, st)
			e := engine(t, st, graphrag.WithChatModel(model, "gpt-4o-mini"), graphrag.WithAnswerTemperature(0))
			ans, err := e.Query(t.Context(), "Who operates the field that well A-1 is located in?", nil)
			require.NoError(t, err)
			assert.False(t, ans.Offline)
			assert.Equal(t, reply, ans.Text)
			var got []string
			for _, c := range ans.Citations {
				got = append(got, string(c.Kind)+" "+c.ID+" "+c.DocumentID)
				assert.NotEmpty(t, c.Text)
			}
			assert.Equal(t, []string{
				"chunk report-a1#0 report-a1",
				"chunk report-alpha#0 report-alpha",
				"node Operator:borealis oil report-alpha",
			}, got)
			assert.Equal(t, []string{"c:made-up#9", "e:nope"}, ans.InvalidCitations)
			assert.Equal(t, []string{"report-a1", "report-alpha"}, ans.Sources)
			assert.Positive(t, ans.Usage.PromptTokens)
			assert.Positive(t, ans.Usage.CompletionTokens)
			checkCited(t, ans)
			st2, ok := ans.Trace.Step("answer")
			require.True(t, ok)
			assert.Equal(t, flow.OutcomeOK, st2.Outcome)
		})
	}
}

// failingModel fails every call.
type failingModel struct{ err error }

func (m failingModel) Chat(context.Context, llm.ChatRequest) (llm.ChatResponse, error) {
	return llm.ChatResponse{}, m.err
}

func (m failingModel) ChatStream(context.Context, llm.ChatRequest, func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	return llm.ChatResponse{}, m.err
}

// A failing model fails the answer step, named in the error.
func TestQueryLLMError(t *testing.T) {
	st := openLocal(t)
	loadHand(t, st)
	boom := errors.New("model down")
	e := engine(t, st, graphrag.WithChatModel(failingModel{boom}, ""))
	_, err := e.Query(t.Context(), "Who operates Alpha?", nil)
	require.ErrorIs(t, err, boom)
	var se *flow.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "answer", se.Step)
}

func TestPrompt(t *testing.T) {
	items := []graphrag.ContextItem{
		{Kind: graphrag.KindChunk, ID: "d#0", DocumentID: "d", Text: "Some  text\nhere."},
		{Kind: graphrag.KindNode, ID: "Field:x", Text: "X (Field)"},
		{Kind: graphrag.KindEdge, ID: "a|R|b", Text: "A -R-> B"},
	}
	req := graphrag.Prompt("Why?", items, "m", 99)
	require.NoError(t, req.Validate())
	assert.Equal(t, "m", req.Model)
	assert.Equal(t, 99, req.MaxTokens)
	require.Len(t, req.Messages, 2)
	assert.Equal(t, llm.RoleSystem, req.Messages[0].Role)
	assert.Contains(t, req.Messages[0].Content, "[c:")
	assert.Equal(t, "Context:\n1. [c:d#0] (document d) Some text here.\n2. [n:Field:x] X (Field)\n3. [e:a|R|b] A -R-> B\n\nQuestion: Why?",
		req.Messages[1].Content)
}

func TestParseCitations(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"plain text", nil},
		{"A [c:doc#0].", []string{"c:doc#0"}},
		{"A [c:doc#0] and [n:Field:brannfjell] [c:doc#0]", []string{"c:doc#0", "n:Field:brannfjell"}},
		{"[c:a, n:b; e:x|R|y]", []string{"c:a", "n:b", "e:x|R|y"}},
		{"[C: spaced ]", []string{"c:spaced"}},
		{"an id with a comma [n:Person:smith, john]", []string{"n:Person:smith, john"}},
		{"[sic] [1] [x:y] [c:] [3,870 m]", nil},
		{"[c:a, not a ref]", []string{"c:a, not a ref"}},
		{"[not a ref, c:a]", nil},
		{"nested [[c:a]] and unclosed [c:b", []string{"c:a"}},
		{"line\n[c:a\nb]", nil},
		{"[e:Well:41 7 3|LOCATED_IN|Field:brannfjell]", []string{"e:Well:41 7 3|LOCATED_IN|Field:brannfjell"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.want, graphrag.ParseCitations(tt.text))
		})
	}
	long := "[c:" + strings.Repeat("x", 3000) + "]"
	assert.Nil(t, graphrag.ParseCitations(long), "groups longer than the bound are ignored")
}
