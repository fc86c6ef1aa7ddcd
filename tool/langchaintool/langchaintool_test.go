package langchaintool_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/langchaintool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/tools"
)

type addIn struct {
	A int `json:"a" jsonschema:"description=First addend"`
	B int `json:"b" jsonschema:"maximum=100"`
}

func newAdd(t *testing.T) *tool.Func {
	t.Helper()
	f, err := tool.New(tool.Metadata{ID: "add", Description: "Adds two integers"}, func(_ context.Context, in addIn) (int, error) {
		if in.A == 13 {
			return 0, errors.New("unlucky")
		}
		return in.A + in.B, nil
	})
	require.NoError(t, err)
	return f
}

func TestCall(t *testing.T) {
	var lc tools.Tool = langchaintool.New(newAdd(t))
	assert.Equal(t, "add", lc.Name())
	assert.Equal(t, "Adds two integers", lc.Description())
	cases := []struct {
		name, input, want string
	}{
		{"json object", `{"a":2,"b":3}`, `5`},
		{"__arg1 wrapper", `{"__arg1":"{\"a\":1,\"b\":1}"}`, `2`},
		{"validation error as text", `{"a":2,"b":300}`, `{"error":{"kind":"invalid_input","message":"tool \"add\": invalid input: b: must be <= 100, got 300","retryable":false,"fields":[{"field":"b","rule":"maximum","message":"must be <= 100, got 300"}]}}`},
		{"execution error as text", `{"a":13,"b":0}`, `{"error":{"kind":"execution","message":"unlucky","retryable":false}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := lc.Call(context.Background(), tc.input)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, out)
		})
	}
}

func TestCallStringResultAndErrors(t *testing.T) {
	echo, err := tool.New(tool.Metadata{ID: "echo", Description: "d"}, func(_ context.Context, in struct {
		S string `json:"s"`
	}) (string, error) {
		return in.S, nil
	})
	require.NoError(t, err)
	out, err := langchaintool.New(echo).Call(context.Background(), `{"s":"plain text"}`)
	require.NoError(t, err)
	assert.Equal(t, "plain text", out)

	_, err = langchaintool.New(newAdd(t), langchaintool.WithExecutionErrors()).Call(context.Background(), `{"a":13,"b":0}`)
	assert.EqualError(t, err, "unlucky")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = langchaintool.New(newAdd(t)).Call(ctx, `{"a":1,"b":1}`)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDefinitionCarriesRealSchema(t *testing.T) {
	defs := langchaintool.Definitions(newAdd(t))
	require.Len(t, defs, 1)
	d := defs[0]
	assert.Equal(t, "function", d.Type)
	assert.Equal(t, "add", d.Function.Name)
	b, err := json.Marshal(d.Function.Parameters)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"object","properties":{"a":{"type":"integer","description":"First addend"},"b":{"type":"integer","maximum":100}},"required":["a","b"],"additionalProperties":false}`, string(b))
	assert.NotContains(t, string(b), "__arg1")
}
