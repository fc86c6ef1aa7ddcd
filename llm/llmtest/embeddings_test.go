package llmtest_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

type embOut struct {
	Data []struct {
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
	} `json:"usage"`
}

func embed(t *testing.T, srv *llmtest.Server, body string) embOut {
	resp, b, err := post(t, httpClient(t), srv.URL()+"/embeddings", body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var out embOut
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func vec(t *testing.T, raw json.RawMessage) []float32 {
	var v []float32
	if raw[0] == '"' {
		var s string
		require.NoError(t, json.Unmarshal(raw, &s))
		return decodeB64(t, s)
	}
	require.NoError(t, json.Unmarshal(raw, &v))
	return v
}

func TestEmbeddingsDeterministicAcrossBatches(t *testing.T) {
	srv := start(t, llmtest.Config{})
	one := embed(t, srv, `{"model":"text-embedding-3-small","input":"banana"}`)
	batch := embed(t, srv, `{"model":"text-embedding-3-small","input":["apple","banana","cherry"]}`)
	b64 := embed(t, srv, `{"model":"text-embedding-3-small","input":["cherry","banana"],"encoding_format":"base64"}`)
	v := vec(t, one.Data[0].Embedding)
	require.Len(t, v, 1536)
	assert.Equal(t, v, vec(t, batch.Data[1].Embedding))
	assert.Equal(t, v, vec(t, b64.Data[1].Embedding))
	assert.NotEqual(t, v, vec(t, batch.Data[0].Embedding))
	for i, d := range batch.Data {
		assert.Equal(t, i, d.Index)
		var s float64
		for _, x := range vec(t, d.Embedding) {
			s += float64(x) * float64(x)
		}
		assert.InDelta(t, 1, math.Sqrt(s), 1e-5, "unit norm")
	}
	assert.Equal(t, 2+2+2, batch.Usage.PromptTokens)

	other := start(t, llmtest.Config{})
	assert.Equal(t, v, vec(t, embed(t, other, `{"model":"text-embedding-3-small","input":"banana"}`).Data[0].Embedding),
		"same seed, same vector on another server")
}

func TestEmbeddingsDimsAndTokens(t *testing.T) {
	srv := start(t, llmtest.Config{EmbeddingDims: 32})
	assert.Len(t, vec(t, embed(t, srv, `{"model":"x","input":"a"}`).Data[0].Embedding), 32)
	assert.Len(t, vec(t, embed(t, srv, `{"model":"text-embedding-3-large","input":"a"}`).Data[0].Embedding), 3072)
	assert.Len(t, vec(t, embed(t, srv, `{"model":"x","input":"a","dimensions":7}`).Data[0].Embedding), 7)
	out := embed(t, srv, `{"model":"x","input":[[1,2,3],[4]]}`)
	assert.Len(t, out.Data, 2)
	assert.Equal(t, 4, out.Usage.PromptTokens)
	out = embed(t, srv, `{"model":"x","input":[5,6]}`)
	assert.Len(t, out.Data, 1)
}
