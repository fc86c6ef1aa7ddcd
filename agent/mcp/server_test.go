package mcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/agent/mcp"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

func TestListUsesKgasSchemas(t *testing.T) {
	reg := testRegistry(t)
	srv, err := mcp.NewServer(reg, mcp.WithImplementation(mcpsdk.Implementation{Name: "kgas-test", Version: "1.2.3"}))
	require.NoError(t, err)
	cs := connect(t, srv)

	assert.Equal(t, "kgas-test", cs.InitializeResult().ServerInfo.Name)
	assert.Equal(t, "1.2.3", cs.InitializeResult().ServerInfo.Version)

	res, err := cs.ListTools(context.Background(), nil)
	require.NoError(t, err)
	byName := map[string]*mcpsdk.Tool{}
	for _, tl := range res.Tools {
		byName[tl.Name] = tl
	}
	assert.ElementsMatch(t, reg.IDs(), toolNames(t, cs))

	fc := byName["forecast"]
	require.NotNil(t, fc)
	assert.Equal(t, "Daily highs for a city", fc.Description)
	assert.Equal(t, "Weather forecast", fc.Title)
	assert.Empty(t, byName["slow"].Title, "no title when Name is the ID")

	// The input schema is kgas's own, byte for byte in meaning.
	want, err := reg.Get("forecast")
	require.NoError(t, err)
	got, err := json.Marshal(fc.InputSchema)
	require.NoError(t, err)
	assert.JSONEq(t, string(tool.Parameters(want)), string(got))

	// And it carries what invopop read from the tags (the SDK's own
	// inference would have made every tag a description).
	var in struct {
		Required   []string `json:"required"`
		Additional *bool    `json:"additionalProperties"`
		Properties map[string]struct {
			Type        string   `json:"type"`
			Description string   `json:"description"`
			Enum        []string `json:"enum"`
			Minimum     *float64 `json:"minimum"`
			Maximum     *float64 `json:"maximum"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(got, &in))
	assert.Equal(t, []string{"city", "days"}, in.Required)
	require.NotNil(t, in.Additional)
	assert.False(t, *in.Additional)
	assert.Equal(t, []string{"metric", "imperial"}, in.Properties["units"].Enum)
	assert.Equal(t, "Days ahead", in.Properties["days"].Description)
	require.NotNil(t, in.Properties["days"].Maximum)
	assert.InDelta(t, 14, *in.Properties["days"].Maximum, 0)
	assert.Equal(t, "integer", in.Properties["days"].Type)

	// The output schema is the tool's too.
	out, err := json.Marshal(fc.OutputSchema)
	require.NoError(t, err)
	assert.JSONEq(t, string(want.OutputSchema()), string(out))
	assert.Nil(t, byName["boom"].OutputSchema, "untyped output has no schema")
}

func TestCallSuccess(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	reg := testRegistry(t, registry.WithHooks(registry.Hooks{OnEnd: func(_ context.Context, e registry.Event, _ tool.Result) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e.ToolID)
	}}))
	srv, err := mcp.NewServer(reg)
	require.NoError(t, err)
	cs := connect(t, srv)

	res, err := cs.CallTool(context.Background(), &mcpsdk.CallToolParams{
		Name: "forecast", Arguments: map[string]any{"city": "Oslo", "days": 2, "units": "imperial"},
	})
	require.NoError(t, err)
	require.False(t, res.IsError, describe(res))
	const want = `{"city":"Oslo","highs":[10,11],"units":"imperial"}`
	assert.JSONEq(t, want, text(t, res))
	sc, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(sc))

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"forecast"}, seen, "the call ran through the registry")
}

// errorInfo decodes the {"error": ...} text of an isError result.
func errorInfo(t *testing.T, res *mcpsdk.CallToolResult) tool.ErrorInfo {
	t.Helper()
	require.True(t, res.IsError, describe(res))
	assert.Nil(t, res.StructuredContent)
	var wire struct {
		Error *tool.ErrorInfo `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(text(t, res)), &wire))
	require.NotNil(t, wire.Error)
	return *wire.Error
}

func TestCallErrorsAreResults(t *testing.T) {
	reg := testRegistry(t)
	srv, err := mcp.NewServer(reg)
	require.NoError(t, err)
	cs := connect(t, srv)

	tests := []struct {
		name      string
		tool      string
		args      any
		kind      tool.Kind
		retryable bool
		message   string
		fields    []tool.Violation
	}{
		{
			name: "validation", tool: "forecast", args: map[string]any{"city": "Oslo", "days": 99, "units": "kelvin", "colour": "red"},
			kind: tool.KindInvalidInput, message: `tool "forecast": invalid input`,
			fields: []tool.Violation{
				{Field: "colour", Rule: "additionalProperties", Message: "unknown field"},
				{Field: "days", Rule: "maximum", Message: "must be <= 14, got 99"},
				{Field: "units", Rule: "enum", Message: `must be one of "metric", "imperial", got "kelvin"`},
			},
		},
		{
			name: "missing field", tool: "forecast", args: map[string]any{"city": "Oslo"},
			kind: tool.KindInvalidInput, message: "days: is required",
			fields: []tool.Violation{{Field: "days", Rule: "required", Message: "is required"}},
		},
		{name: "timeout", tool: "slow", args: map[string]any{}, kind: tool.KindTimeout, retryable: true, message: `tool "slow" timed out after 20ms`},
		{name: "panic", tool: "boom", kind: tool.KindPanic, message: "kaboom"},
		{name: "failure", tool: "fail", kind: tool.KindExecution, message: "disk full"},
		{name: "transient", tool: "flaky", kind: tool.KindTransient, retryable: true, message: "try later"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := cs.CallTool(context.Background(), &mcpsdk.CallToolParams{Name: tc.tool, Arguments: tc.args})
			require.NoError(t, err, "a tool error is not a protocol error")
			info := errorInfo(t, res)
			assert.Equal(t, tc.kind, info.Kind)
			assert.Equal(t, tc.retryable, info.Retryable)
			assert.Contains(t, info.Message, tc.message)
			assert.Equal(t, tc.fields, info.Fields)
		})
	}
}

func TestUnknownToolIsProtocolError(t *testing.T) {
	reg := testRegistry(t)
	srv, err := mcp.NewServer(reg, mcp.WithIDs("forecast"))
	require.NoError(t, err)
	cs := connect(t, srv)

	for _, name := range []string{"nope", "slow"} { // "slow" exists in reg but is not exposed
		res, err := cs.CallTool(context.Background(), &mcpsdk.CallToolParams{Name: name})
		require.Error(t, err, describe(res))
		var wire *jsonrpc.Error
		require.ErrorAs(t, err, &wire)
		assert.Equal(t, int64(jsonrpc.CodeInvalidParams), wire.Code)
		assert.Contains(t, wire.Message, name)
	}
}

func TestFilters(t *testing.T) {
	reg := testRegistry(t)
	tests := []struct {
		name string
		opts []mcp.Option
		want []string
	}{
		{"all", nil, []string{"boom", "fail", "flaky", "forecast", "slow"}},
		{"ids", []mcp.Option{mcp.WithIDs("slow", "forecast")}, []string{"forecast", "slow"}},
		{"category", []mcp.Option{mcp.WithCategory("weather")}, []string{"forecast"}},
		{"categories", []mcp.Option{mcp.WithCategory("weather", "test")}, []string{"boom", "fail", "flaky", "forecast", "slow"}},
		{"tag", []mcp.Option{mcp.WithTags("demo")}, []string{"forecast", "slow"}},
		{"tag and category", []mcp.Option{mcp.WithTags("demo"), mcp.WithCategory("test")}, []string{"slow"}},
		{"query", []mcp.Option{mcp.WithQuery(registry.Query{AllTags: []string{"offline", "demo"}})}, []string{"forecast"}},
		{"filter", []mcp.Option{mcp.WithFilter(func(t tool.Tool) bool { return t.OutputSchema() == nil })}, []string{"boom", "fail", "flaky"}},
		{"later option wins", []mcp.Option{mcp.WithIDs("boom"), mcp.WithIDs("fail")}, []string{"fail"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := mcp.NewServer(reg, tc.opts...)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, toolNames(t, connect(t, srv)))
		})
	}
}

func TestNewServerErrors(t *testing.T) {
	reg := testRegistry(t)
	_, err := mcp.NewServer(nil)
	assert.ErrorContains(t, err, "registry is nil")

	_, err = mcp.NewServer(reg, mcp.WithIDs("forecast", "nope"))
	require.ErrorIs(t, err, registry.ErrUnknownTool)
	assert.ErrorContains(t, err, `WithIDs[1] "nope"`)

	require.NoError(t, reg.RegisterFactory("broken", func() (tool.Tool, error) { return nil, errors.New("no credentials") }))
	_, err = mcp.NewServer(reg, mcp.WithIDs("broken"))
	assert.ErrorContains(t, err, `WithIDs[0] "broken"`)
	assert.ErrorContains(t, err, "no credentials")
	srv, err := mcp.NewServer(reg, mcp.WithCategory("weather"))
	require.NoError(t, err, "a failed factory is left out of the selection")
	assert.Equal(t, []string{"forecast"}, toolNames(t, connect(t, srv)))

	_, err = mcp.NewServer(reg, mcp.WithCategory("nothing"))
	assert.ErrorIs(t, err, mcp.ErrNoTools)

	odd := registry.New()
	defer odd.Close()
	f, err := tool.NewRaw(tool.Metadata{ID: "scalar", Description: "Takes a bare string"}, json.RawMessage(`{"type":"string"}`),
		func(context.Context, json.RawMessage) (any, error) { return nil, nil })
	require.NoError(t, err)
	require.NoError(t, odd.Register(f))
	_, err = mcp.NewServer(odd)
	assert.ErrorContains(t, err, `tool "scalar": input schema must be a JSON object schema`)

	_, err = mcp.AddTools(nil, reg)
	assert.ErrorContains(t, err, "server is nil")
	_, err = mcp.AddTools(mcpsdk.NewServer(&mcpsdk.Implementation{Name: "x", Version: "1"}, nil), nil)
	assert.ErrorContains(t, err, "registry is nil")
}

func TestAddToolsToExistingServer(t *testing.T) {
	reg := testRegistry(t)
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "mine", Version: "1"}, nil)
	mcpsdk.AddTool(srv, &mcpsdk.Tool{Name: "own", Description: "the user's own tool"},
		func(context.Context, *mcpsdk.CallToolRequest, struct{}) (*mcpsdk.CallToolResult, any, error) {
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "ok"}}}, nil, nil
		})
	ids, err := mcp.AddTools(srv, reg, mcp.WithCategory("weather"))
	require.NoError(t, err)
	assert.Equal(t, []string{"forecast"}, ids)

	cs := connect(t, srv)
	assert.ElementsMatch(t, []string{"own", "forecast"}, toolNames(t, cs))
	res, err := cs.CallTool(context.Background(), &mcpsdk.CallToolParams{Name: "forecast", Arguments: map[string]any{"city": "Rome", "days": 1}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"city":"Rome","highs":[10],"units":"metric"}`, text(t, res))
}

func TestOutputNotMatchingSchemaHasNoStructuredContent(t *testing.T) {
	reg := testRegistry(t)
	var logs bytes.Buffer
	srv, err := mcp.NewServer(reg, mcp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	cs := connect(t, srv)

	res, err := cs.CallTool(context.Background(), &mcpsdk.CallToolParams{Name: "forecast", Arguments: map[string]any{"city": "Nowhere", "days": 1}})
	require.NoError(t, err)
	require.False(t, res.IsError, describe(res))
	assert.JSONEq(t, `{"city":"Nowhere","highs":null,"units":"metric"}`, text(t, res))
	assert.Nil(t, res.StructuredContent)
	assert.Contains(t, logs.String(), "does not match its output schema")
	assert.Contains(t, logs.String(), "highs")
}

func TestCallCancelledByClient(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan tool.Result, 1)
	reg := registry.New(registry.WithHooks(registry.Hooks{OnEnd: func(_ context.Context, _ registry.Event, r tool.Result) { ended <- r }}))
	defer reg.Close()
	require.NoError(t, reg.Register(tool.Must(tool.New(tool.Metadata{ID: "wait", Description: "Waits for its context"},
		func(ctx context.Context, _ noIn) (any, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		}))))
	srv, err := mcp.NewServer(reg)
	require.NoError(t, err)
	cs := connect(t, srv)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err = cs.CallTool(ctx, &mcpsdk.CallToolParams{Name: "wait"})
	assert.ErrorIs(t, err, context.Canceled)
	// The client's cancellation reached the tool through the registry.
	r := <-ended
	assert.Equal(t, tool.KindCanceled, tool.KindOf(r.Err))
}
