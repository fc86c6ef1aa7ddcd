package graphrag_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// invalidField asserts that err is an *InvalidError naming field.
func invalidField(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, graphrag.ErrInvalid)
	var ie *graphrag.InvalidError
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.Equal(t, field, ie.Field, "%v", err)
	assert.Contains(t, err.Error(), field)
}

func TestNewValidates(t *testing.T) {
	st := kgtest.NewMemStore()
	emb := lexical.New()
	tests := []struct {
		name  string
		store kg.Store
		emb   llm.Embedder
		opts  []graphrag.Option
		field string
	}{
		{"nil store", nil, emb, nil, "store"},
		{"nil embedder", st, nil, nil, "emb"},
		{"nil option", st, emb, []graphrag.Option{nil}, "opts[0]"},
		{"nil chat model", st, emb, []graphrag.Option{graphrag.WithChatModel(nil, "m")}, "WithChatModel"},
		{"nil logger", st, emb, []graphrag.Option{graphrag.WithLogger(nil)}, "WithLogger"},
		{"max tokens", st, emb, []graphrag.Option{graphrag.WithAnswerMaxTokens(0)}, "WithAnswerMaxTokens"},
		{"temperature", st, emb, []graphrag.Option{graphrag.WithAnswerTemperature(3)}, "WithAnswerTemperature"},
		{"query defaults K", st, emb, []graphrag.Option{graphrag.WithQueryDefaults(graphrag.QueryOptions{K: -1})}, "WithQueryDefaults.K"},
		{"query defaults depth", st, emb, []graphrag.Option{graphrag.WithQueryDefaults(graphrag.QueryOptions{Depth: graphrag.MaxDepth + 1})}, "WithQueryDefaults.Depth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := graphrag.New(tt.store, tt.emb, tt.opts...)
			assert.Nil(t, e)
			invalidField(t, err, tt.field)
		})
	}
}

func TestNewEmbeddingCache(t *testing.T) {
	st := kgtest.NewMemStore()
	e, err := graphrag.New(st, lexical.New())
	require.NoError(t, err)
	c, ok := e.Embedder().(*llm.CachedEmbedder)
	require.True(t, ok, "wrapped in a cache")
	require.NoError(t, e.Close())
	require.NoError(t, e.Close(), "Close twice")
	_, err = e.Query(t.Context(), "q", nil)
	assert.ErrorIs(t, err, graphrag.ErrClosed)
	_, err = c.Embed(t.Context(), []string{"x"})
	assert.ErrorIs(t, err, llm.ErrCacheClosed, "Close closed the cache it made")

	mine, err := llm.NewCachedEmbedder(lexical.New())
	require.NoError(t, err)
	defer func() { require.NoError(t, mine.Close()) }()
	e, err = graphrag.New(st, mine)
	require.NoError(t, err)
	assert.Same(t, mine, e.Embedder(), "a cache is not wrapped again")
	require.NoError(t, e.Close())
	_, err = mine.Embed(t.Context(), []string{"x"})
	assert.NoError(t, err, "the caller's cache stays open")

	lex := lexical.New()
	e, err = graphrag.New(st, lex, graphrag.WithoutEmbeddingCache(), graphrag.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	assert.Same(t, lex, e.Embedder())
	assert.Same(t, kg.Store(st), e.Store())
	require.NoError(t, e.Close())

	_, err = graphrag.New(st, lex, graphrag.WithEmbeddingCache(llm.WithCacheSize(-1)))
	assert.ErrorIs(t, err, llm.ErrInvalidRequest)
}

func TestQueryDefaults(t *testing.T) {
	e := engine(t, kgtest.NewMemStore())
	assert.Equal(t, graphrag.DefaultQueryOptions(), e.QueryDefaults())
	d := graphrag.DefaultQueryOptions()
	assert.Equal(t, graphrag.DefaultK, d.K)
	assert.Equal(t, graphrag.DefaultDepth, d.Depth)
	assert.Equal(t, kg.Both, d.Direction)
	assert.Equal(t, graphrag.DefaultTokenBudget, d.TokenBudget)
	assert.Equal(t, graphrag.Cosine{}, d.ReRanker)

	e2 := engine(t, kgtest.NewMemStore(), graphrag.WithQueryDefaults(graphrag.QueryOptions{K: 3, Depth: 1, EdgeTypes: []string{"A"}}))
	q := e2.QueryDefaults()
	assert.Equal(t, 3, q.K)
	assert.Equal(t, 1, q.Depth)
	assert.Equal(t, graphrag.DefaultTokenBudget, q.TokenBudget, "zero budget takes the package default")
	assert.Equal(t, graphrag.Cosine{}, q.ReRanker)
	q.EdgeTypes[0] = "changed"
	assert.Equal(t, []string{"A"}, e2.QueryDefaults().EdgeTypes, "a copy")
}

func TestNodeText(t *testing.T) {
	tests := []struct {
		name string
		n    kg.Node
		want string
	}{
		{"type and name", kg.Node{ID: "x", Type: "Field", Name: " Brannfjell "}, "Field Brannfjell"},
		{"no name", kg.Node{ID: "x", Type: "Field"}, "Field"},
		{"properties in key order", kg.Node{Type: "Well", Name: "41/7-3", Properties: map[string]any{
			"total_depth_m": 2880.0, "spud_date": "2 February 2000", "tags": []any{"a", "b"}}},
			`Well 41/7-3: spud_date 2 February 2000; tags ["a","b"]; total_depth_m 2880`},
		{"white space folded", kg.Node{Type: "T", Name: "N", Properties: map[string]any{"d": "a\n  b"}}, "T N: d a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, graphrag.NodeText(tt.n))
		})
	}
	many := kg.Node{Type: "T", Name: "N", Properties: map[string]any{}}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		many.Properties[k] = k
	}
	assert.Equal(t, "T N: a a; b b; c c; d d; e e; f f; g g; h h", graphrag.NodeText(many), "at most eight properties")
	long := kg.Node{Type: "T", Properties: map[string]any{"k": "x" + strings.Repeat("é", 100)}}
	got := graphrag.NodeText(long)
	assert.LessOrEqual(t, len(got), len("T: k ")+120+len("…"), "a value is cut at 120 bytes")
	assert.True(t, strings.HasSuffix(got, "…"))
	assert.True(t, utf8.ValidString(got), "cut at a rune boundary")
}
