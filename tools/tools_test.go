package tools

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm/lexical"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// graphStore returns a MemStore holding a few nodes embedded from their
// names with emb.
func graphStore(t *testing.T, emb *lexical.Embedder) kg.Store {
	t.Helper()
	ctx := context.Background()
	st := kgtest.NewMemStore()
	t.Cleanup(func() { _ = st.Close() })
	nodes := []kg.Node{
		{ID: "w1", Type: "Well", Name: "well 41/7-3", Properties: map[string]any{"status": "producing"}},
		{ID: "w2", Type: "Well", Name: "well 42/5-2", Properties: map[string]any{"status": "plugged"}},
		{ID: "f1", Type: "Field", Name: "Brannfjell field"},
		{ID: "o1", Type: "Operator", Name: "Nordvik Energi"},
	}
	for i := range nodes {
		v, err := emb.Embed(ctx, []string{nodes[i].Name})
		require.NoError(t, err)
		nodes[i].Embedding = v[0]
	}
	require.NoError(t, st.UpsertNodes(ctx, nodes))
	return st
}

func run(t *testing.T, reg *registry.Registry, id, input string) tool.Result {
	t.Helper()
	return reg.Execute(context.Background(), id, json.RawMessage(input))
}

func TestVectorSearch(t *testing.T) {
	emb := lexical.New()
	reg := registry.New()
	ids, err := Register(reg, Deps{Store: graphStore(t, emb), Embedder: emb})
	require.NoError(t, err)
	require.Equal(t, []string{VectorSearchID}, ids)
	require.NoError(t, reg.InitializeAll(context.Background(), nil))
	t.Cleanup(func() { _ = reg.Close() })

	vec, err := emb.Embed(context.Background(), []string{"Nordvik Energi"})
	require.NoError(t, err)
	vecJSON, _ := json.Marshal(vec[0])

	tests := []struct {
		name    string
		input   string
		wantIDs []string // first hits, in order
		wantLen int
		errKind tool.Kind
		errIn   string // a substring of the error
	}{
		{name: "text", input: `{"text":"well 41/7-3","k":1}`, wantIDs: []string{"w1"}, wantLen: 1},
		{name: "default k", input: `{"text":"well"}`, wantLen: 4},
		{name: "type filter", input: `{"text":"well 41/7-3","types":["Field"]}`, wantIDs: []string{"f1"}, wantLen: 1},
		{name: "property filter", input: `{"text":"well","properties":{"status":"plugged"}}`, wantIDs: []string{"w2"}, wantLen: 1},
		{name: "vector", input: `{"vector":` + string(vecJSON) + `,"k":1}`, wantIDs: []string{"o1"}, wantLen: 1},
		{name: "neither", input: `{}`, errKind: tool.KindInvalidInput, errIn: "text: give text or vector"},
		{name: "both", input: `{"text":"x","vector":[1,2]}`, errKind: tool.KindInvalidInput, errIn: "not both"},
		{name: "k too large", input: `{"text":"x","k":5000}`, errKind: tool.KindInvalidInput, errIn: "k"},
		{name: "wrong dimension", input: `{"vector":[1,2,3]}`, errKind: tool.KindInvalidInput, errIn: "vector"},
		{name: "unknown field", input: `{"text":"x","top":3}`, errKind: tool.KindInvalidInput, errIn: "top"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, reg, VectorSearchID, tc.input)
			if tc.errKind != "" {
				require.False(t, res.OK(), "want an error, got %+v", res.Data)
				assert.Equal(t, tc.errKind, tool.KindOf(res.Err))
				assert.Contains(t, res.Err.Error(), tc.errIn)
				return
			}
			require.True(t, res.OK(), "error: %v", res.Err)
			out := res.Data.(VectorSearchOutput)
			require.Len(t, out.Hits, tc.wantLen)
			for i, id := range tc.wantIDs {
				assert.Equal(t, id, out.Hits[i].ID)
			}
			for i := 1; i < len(out.Hits); i++ {
				assert.GreaterOrEqual(t, out.Hits[i-1].Score, out.Hits[i].Score)
			}
		})
	}
}

func TestVectorSearchConfig(t *testing.T) {
	emb := lexical.New()
	vs, err := VectorSearch(graphStore(t, emb), emb)
	require.NoError(t, err)
	t.Cleanup(func() { _ = vs.Close() })
	ctx := context.Background()

	res := vs.Execute(ctx, json.RawMessage(`{"text":"well"}`))
	assert.ErrorIs(t, res.Err, tool.ErrNotInitialized)

	err = vs.Initialize(ctx, tool.Config{"max_k": 0})
	assert.Error(t, err, "max_k below its minimum")
	err = vs.Initialize(ctx, tool.Config{"maxk": 2})
	var ce *tool.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "maxk")

	require.NoError(t, vs.Initialize(ctx, tool.Config{"max_k": 2}))
	res = vs.Execute(ctx, json.RawMessage(`{"text":"well","k":4}`))
	require.True(t, res.OK(), "%v", res.Err)
	assert.Len(t, res.Data.(VectorSearchOutput).Hits, 2, "k is capped by max_k")
}

func TestVectorSearchWithoutEmbedder(t *testing.T) {
	emb := lexical.New()
	vs, err := VectorSearch(graphStore(t, emb), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = vs.Close() })
	require.NoError(t, vs.Initialize(context.Background(), nil))
	res := vs.Execute(context.Background(), json.RawMessage(`{"text":"well"}`))
	require.False(t, res.OK())
	assert.Contains(t, res.Err.Error(), "no embedder")
}

func TestAstraFetch(t *testing.T) {
	ctx := context.Background()
	srv, err := astratest.NewServer()
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	client, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(srv.URL()))
	require.NoError(t, err)
	t.Cleanup(client.Close)
	coll, err := client.CreateCollection(ctx, "reports", nil)
	require.NoError(t, err)
	_, err = coll.InsertMany(ctx, []astra.Document{
		{"_id": "a", "title": "A", "body": "alpha"},
		{"_id": "b", "title": "B", "body": "beta"},
	}, nil)
	require.NoError(t, err)

	reg := registry.New()
	t.Cleanup(func() { _ = reg.Close() })
	_, err = Register(reg, Deps{Astra: client})
	require.NoError(t, err)
	require.NoError(t, reg.InitializeAll(ctx, map[string]tool.Config{AstraFetchID: {"collections": []any{"reports"}}}))

	res := run(t, reg, AstraFetchID, `{"collection":"reports","ids":["b","missing","a","b"],"projection":{"title":1}}`)
	require.True(t, res.OK(), "%v", res.Err)
	out := res.Data.(AstraFetchOutput)
	require.Len(t, out.Results, 4)
	assert.Equal(t, []string{"b", "missing", "a", "b"}, []string{out.Results[0].ID, out.Results[1].ID, out.Results[2].ID, out.Results[3].ID})
	assert.Equal(t, "B", out.Results[0].Document["title"])
	assert.NotContains(t, out.Results[0].Document, "body", "projection applied")
	assert.False(t, out.Results[1].Found)
	assert.Equal(t, 3, out.Found)
	assert.Equal(t, 1, out.Missing)

	for _, tc := range []struct{ name, input, errIn string }{
		{"not allowed", `{"collection":"secrets","ids":["a"]}`, `collection: collection "secrets" is not one of`},
		{"no ids", `{"collection":"reports","ids":[]}`, "ids"},
		{"no collection", `{"ids":["a"]}`, "collection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, reg, AstraFetchID, tc.input)
			require.False(t, res.OK())
			assert.Equal(t, tool.KindInvalidInput, tool.KindOf(res.Err))
			assert.Contains(t, res.Err.Error(), tc.errIn)
		})
	}
}

func TestAstraFetchServerDown(t *testing.T) {
	ctx := context.Background()
	srv, err := astratest.NewServer()
	require.NoError(t, err)
	url := srv.URL()
	require.NoError(t, srv.Close())
	client, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(url))
	require.NoError(t, err)
	t.Cleanup(client.Close)
	af, err := AstraFetch(client)
	require.NoError(t, err)
	t.Cleanup(func() { _ = af.Close() })
	require.NoError(t, af.Initialize(ctx, nil))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	res := af.Execute(cctx, json.RawMessage(`{"collection":"reports","ids":["a","b"]}`))
	// Either every id reports the failure or the call fails as a whole;
	// nothing is silently dropped.
	if res.OK() {
		out := res.Data.(AstraFetchOutput)
		require.Len(t, out.Results, 2)
		assert.Equal(t, 2, out.Failed)
	} else {
		assert.True(t, errors.Is(res.Err, context.Canceled) || tool.Retryable(res.Err), "%v", res.Err)
	}
}

func TestRegister(t *testing.T) {
	_, err := Register(nil, Deps{})
	assert.ErrorContains(t, err, "registry is nil")

	reg := registry.New()
	t.Cleanup(func() { _ = reg.Close() })
	ids, err := Register(reg, Deps{})
	require.NoError(t, err)
	assert.Empty(t, ids, "no dependencies, no tools")

	emb := lexical.New()
	deps := Deps{Store: graphStore(t, emb), Embedder: emb}
	_, err = Register(reg, deps)
	require.NoError(t, err)
	_, err = Register(reg, deps)
	assert.ErrorContains(t, err, "already registered")

	_, err = VectorSearch(nil, emb)
	assert.ErrorContains(t, err, "store is nil")
	_, err = AstraFetch(nil)
	assert.ErrorContains(t, err, "client is nil")
}
