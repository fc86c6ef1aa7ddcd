package tool_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kgas-dev/kgas/tool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type forecastIn struct {
	City  string   `json:"city" jsonschema:"description=City name,minLength=1"`
	Days  int      `json:"days" jsonschema:"minimum=1,maximum=14"`
	Units string   `json:"units,omitempty" jsonschema:"enum=metric,enum=imperial"`
	Tags  []tagged `json:"tags,omitempty"`
}

type tagged struct {
	Name string `json:"name"`
}

type forecastOut struct {
	City string `json:"city"`
	Days int    `json:"days"`
}

func newForecast(t *testing.T, opts ...tool.Option) *tool.Func {
	t.Helper()
	f, err := tool.New(tool.Metadata{ID: "forecast", Description: "Weather forecast", Category: "weather", Tags: []string{"web"}},
		func(_ context.Context, in forecastIn) (forecastOut, error) {
			return forecastOut{City: in.City, Days: in.Days}, nil
		}, opts...)
	require.NoError(t, err)
	return f
}

func TestValidation(t *testing.T) {
	f := newForecast(t)
	cases := []struct {
		name  string
		input string
		want  []tool.Violation // nil: valid
	}{
		{"valid", `{"city":"Paris","days":3}`, nil},
		{"valid optional", `{"city":"Paris","days":3,"units":"metric","tags":[{"name":"a"}]}`, nil},
		{"missing", `{"days":3}`, []tool.Violation{{Field: "city", Rule: "required", Message: "is required"}}},
		{"all missing", `{}`, []tool.Violation{
			{Field: "city", Rule: "required", Message: "is required"},
			{Field: "days", Rule: "required", Message: "is required"}}},
		{"empty input means {}", ``, []tool.Violation{
			{Field: "city", Rule: "required", Message: "is required"},
			{Field: "days", Rule: "required", Message: "is required"}}},
		{"wrong type", `{"city":"Paris","days":"three"}`, []tool.Violation{{Field: "days", Rule: "type", Message: "must be integer, got string"}}},
		{"float for int", `{"city":"Paris","days":2.5}`, []tool.Violation{{Field: "days", Rule: "type", Message: "must be integer, got number"}}},
		{"enum", `{"city":"Paris","days":3,"units":"kelvin"}`, []tool.Violation{{Field: "units", Rule: "enum", Message: `must be one of "metric", "imperial", got "kelvin"`}}},
		{"maximum", `{"city":"Paris","days":99}`, []tool.Violation{{Field: "days", Rule: "maximum", Message: "must be <= 14, got 99"}}},
		{"minimum", `{"city":"Paris","days":0}`, []tool.Violation{{Field: "days", Rule: "minimum", Message: "must be >= 1, got 0"}}},
		{"minLength", `{"city":"","days":1}`, []tool.Violation{{Field: "city", Rule: "minLength", Message: "must be at least 1 characters, got 0"}}},
		{"unknown field", `{"city":"Paris","days":3,"extra":true}`, []tool.Violation{{Field: "extra", Rule: "additionalProperties", Message: "unknown field"}}},
		{"nested", `{"city":"Paris","days":3,"tags":[{"name":1},{}]}`, []tool.Violation{
			{Field: "tags[0].name", Rule: "type", Message: "must be string, got number"},
			{Field: "tags[1].name", Rule: "required", Message: "is required"}}},
		{"not an object", `[1,2]`, []tool.Violation{{Field: "", Rule: "type", Message: "must be object, got array"}}},
		{"not JSON", `{"city":`, []tool.Violation{{Rule: "json", Message: "input is not valid JSON: unexpected EOF"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.Execute(context.Background(), json.RawMessage(tc.input))
			assert.Equal(t, "forecast", r.ToolID)
			if tc.want == nil {
				require.True(t, r.OK(), "unexpected error: %v", r.Err)
				return
			}
			require.Equal(t, tool.StatusError, r.Status)
			require.ErrorIs(t, r.Err, tool.ErrInvalidInput)
			var ie *tool.InputError
			require.True(t, errors.As(r.Err, &ie))
			assert.Equal(t, "forecast", ie.ToolID)
			assert.Equal(t, tc.want, ie.Violations)
			assert.Equal(t, tool.KindInvalidInput, tool.KindOf(r.Err))
			assert.False(t, tool.Retryable(r.Err))
			assert.Zero(t, r.Attempts, "the function must not run on invalid input")
		})
	}
}

func TestErrorMessageNamesField(t *testing.T) {
	r := newForecast(t).Execute(context.Background(), json.RawMessage(`{"city":"Paris","days":99}`))
	assert.EqualError(t, r.Err, `tool "forecast": invalid input: days: must be <= 14, got 99`)
}

func TestNoInputTool(t *testing.T) {
	ping, err := tool.New(tool.Metadata{ID: "ping", Description: "Ping"},
		func(context.Context, struct{}) (string, error) { return "pong", nil })
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"object","properties":{},"additionalProperties":false}`, string(ping.InputSchema()))
	for _, in := range []string{``, `null`, `{}`, ` {} `} {
		r := ping.Execute(context.Background(), json.RawMessage(in))
		assert.True(t, r.OK(), "input %q: %v", in, r.Err)
		assert.Equal(t, "pong", r.Data)
	}
	r := ping.Execute(context.Background(), json.RawMessage(`{"x":1}`))
	assert.ErrorIs(t, r.Err, tool.ErrInvalidInput)
}

func TestSchemas(t *testing.T) {
	f := newForecast(t)
	var in map[string]any
	require.NoError(t, json.Unmarshal(f.InputSchema(), &in))
	assert.Equal(t, "object", in["type"])
	assert.Equal(t, false, in["additionalProperties"])
	assert.ElementsMatch(t, []any{"city", "days"}, in["required"])
	assert.NotContains(t, in, "$schema")
	props := in["properties"].(map[string]any)
	assert.Equal(t, "City name", props["city"].(map[string]any)["description"])
	assert.JSONEq(t, `{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"additionalProperties":false,"required":["city","days"]}`, string(f.OutputSchema()))
}

func TestNewRejects(t *testing.T) {
	okFn := func(context.Context, struct{}) (int, error) { return 0, nil }
	cases := []struct {
		name string
		meta tool.Metadata
		opts []tool.Option
		want string
	}{
		{"uppercase id", tool.Metadata{ID: "Forecast", Description: "d"}, nil, `metadata id "Forecast"`},
		{"empty id", tool.Metadata{ID: "", Description: "d"}, nil, `metadata id ""`},
		{"space in id", tool.Metadata{ID: "a b", Description: "d"}, nil, `metadata id "a b"`},
		{"no description", tool.Metadata{ID: "a"}, nil, "description is required"},
		{"empty tag", tool.Metadata{ID: "a", Description: "d", Tags: []string{""}}, nil, "tags[0] is empty"},
		{"negative timeout", tool.Metadata{ID: "a", Description: "d"}, []tool.Option{tool.WithTimeout(-1)}, "timeout must be >= 0"},
		{"bad retry", tool.Metadata{ID: "a", Description: "d"}, []tool.Option{tool.WithRetry(0, 1)}, "retry attempts must be >= 1"},
		{"bad bound", tool.Metadata{ID: "a", Description: "d"}, []tool.Option{tool.WithCapabilities(tool.Capabilities{MaxConcurrency: -1})}, "max_concurrency must be >= 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tool.New(tc.meta, okFn, tc.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := tool.New(tool.Metadata{ID: "s", Description: "d"}, func(context.Context, string) (int, error) { return 0, nil })
	assert.ErrorContains(t, err, "must be a struct or a map")
}

func TestDryRun(t *testing.T) {
	ran := false
	f, err := tool.New(tool.Metadata{ID: "x", Description: "d"}, func(context.Context, forecastIn) (int, error) {
		ran = true
		return 1, nil
	})
	require.NoError(t, err)
	ctx := tool.DryRun(context.Background())
	r := f.Execute(ctx, json.RawMessage(`{"city":"a","days":1}`))
	assert.True(t, r.OK())
	assert.True(t, r.DryRun)
	assert.Nil(t, r.Data)
	r = f.Execute(ctx, json.RawMessage(`{"city":"a","days":100}`))
	assert.ErrorIs(t, r.Err, tool.ErrInvalidInput)
	assert.False(t, ran)
}

// FuzzValidate feeds untrusted input to a typed tool: it never panics,
// every rejection is an ErrInvalidInput, and whatever is accepted honours
// the schema's bounds once decoded.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"city":"a","days":1}`, `{}`, `null`, ``, `[`, `{"tags":[{"name":1}]}`, `{"days":1e400}`, "\xff", `{"city":"\u0000","days":14.0}`} {
		f.Add([]byte(s))
	}
	v, err := tool.New(tool.Metadata{ID: "forecast", Description: "d"},
		func(_ context.Context, in forecastIn) (forecastOut, error) {
			return forecastOut{City: in.City, Days: in.Days}, nil
		})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		r := v.Execute(context.Background(), input)
		if r.OK() {
			out := r.Data.(forecastOut)
			if out.Days < 1 || out.Days > 14 || out.City == "" {
				t.Fatalf("input %q accepted but decodes out of bounds: %+v", input, out)
			}
			return
		}
		if !errors.Is(r.Err, tool.ErrInvalidInput) {
			t.Fatalf("input %q: error %v is not ErrInvalidInput", input, r.Err)
		}
	})
}

type treeNode struct {
	Name string     `json:"name"`
	Kids []treeNode `json:"kids,omitempty"`
}

func TestRecursiveInputType(t *testing.T) {
	f, err := tool.New(tool.Metadata{ID: "tree", Description: "d"}, func(_ context.Context, in treeNode) (int, error) {
		return len(in.Kids), nil
	})
	require.NoError(t, err)
	assert.Contains(t, string(f.InputSchema()), `"$ref"`)
	r := f.Execute(context.Background(), json.RawMessage(`{"name":"a","kids":[{"name":"b","kids":[{"name":"c"}]}]}`))
	require.True(t, r.OK(), "%v", r.Err)
	r = f.Execute(context.Background(), json.RawMessage(`{"name":"a","kids":[{"kids":[{"name":1}]}]}`))
	var ie *tool.InputError
	require.ErrorAs(t, r.Err, &ie)
	assert.Equal(t, []tool.Violation{
		{Field: "kids[0].kids[0].name", Rule: "type", Message: "must be string, got number"},
		{Field: "kids[0].name", Rule: "required", Message: "is required"},
	}, ie.Violations)
}

// JSON Schema counts 2.0 as an integer; so does the decoder. Numbers the
// Go type cannot hold are named by field.
func TestIntegralNumbers(t *testing.T) {
	f := newForecast(t)
	for _, in := range []string{`{"city":"Oslo","days":2.0}`, `{"city":"Oslo","days":2e0}`, `{"city":"Oslo","days":20E-1}`} {
		r := f.Execute(context.Background(), json.RawMessage(in))
		require.True(t, r.OK(), "%s: %v", in, r.Err)
		assert.Equal(t, 2, r.Data.(forecastOut).Days)
	}
	big, err := tool.New(tool.Metadata{ID: "big", Description: "d"}, func(_ context.Context, in struct {
		N int8 `json:"n"`
	}) (int8, error) {
		return in.N, nil
	})
	require.NoError(t, err)
	r := big.Execute(context.Background(), json.RawMessage(`{"n":1000}`))
	var ie *tool.InputError
	require.ErrorAs(t, r.Err, &ie)
	assert.Equal(t, []tool.Violation{{Field: "n", Rule: "type", Message: "must be an integer that fits in int8, got number 1000"}}, ie.Violations)
}
