package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/agent/mcp"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// AddIn uses the SDK's own tag dialect (the whole tag is the description).
type AddIn struct {
	A int `json:"a" jsonschema:"the first addend"`
	B int `json:"b" jsonschema:"the second addend"`
}

// AddOut is the add tool's structured output.
type AddOut struct {
	Sum int `json:"sum"`
}

// remoteServer is a plain MCP server, written with the SDK only.
type remoteServer struct {
	srv   *mcpsdk.Server
	calls atomic.Int32 // handler invocations, all tools
}

func newRemoteServer() *remoteServer {
	r := &remoteServer{srv: mcpsdk.NewServer(&mcpsdk.Implementation{Name: "calc", Version: "0.1"}, nil)}
	mcpsdk.AddTool(r.srv, &mcpsdk.Tool{Name: "Add.Numbers", Title: "Add numbers", Description: "Adds two integers"},
		func(_ context.Context, _ *mcpsdk.CallToolRequest, in AddIn) (*mcpsdk.CallToolResult, AddOut, error) {
			r.calls.Add(1)
			return nil, AddOut{Sum: in.A + in.B}, nil
		})
	r.srv.AddTool(&mcpsdk.Tool{Name: "shout", Description: "Upper-cases a word",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"word":{"type":"string","enum":["hi","bye"]}},"required":["word"]}`)},
		func(_ context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			r.calls.Add(1)
			var in struct{ Word string }
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return nil, err
			}
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: in.Word + "!"}}}, nil
		})
	mcpsdk.AddTool(r.srv, &mcpsdk.Tool{Name: "divide", Description: "Divides a by b"},
		func(_ context.Context, _ *mcpsdk.CallToolRequest, in AddIn) (*mcpsdk.CallToolResult, any, error) {
			r.calls.Add(1)
			if in.B == 0 {
				return nil, nil, errors.New("division by zero")
			}
			return nil, map[string]int{"q": in.A / in.B}, nil
		})
	mcpsdk.AddTool(r.srv, &mcpsdk.Tool{Name: "hang"},
		func(ctx context.Context, _ *mcpsdk.CallToolRequest, _ struct{}) (*mcpsdk.CallToolResult, any, error) {
			r.calls.Add(1)
			<-ctx.Done()
			return nil, nil, ctx.Err()
		})
	return r
}

// dial connects a client session to srv; cleanup closes it and waits for
// the server session. The server session is returned so that a test can
// cut the connection from the server's side.
func dial(t *testing.T, srv *mcpsdk.Server) (*mcpsdk.ClientSession, *mcpsdk.ServerSession) {
	t.Helper()
	ctx := context.Background()
	ct, st := mcpsdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	require.NoError(t, err)
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "kgas", Version: "test"}, nil).Connect(ctx, ct, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cs.Close()
		_ = ss.Wait()
	})
	return cs, ss
}

func TestRegisterRemote(t *testing.T) {
	remote := newRemoteServer()
	cs, _ := dial(t, remote.srv)
	reg := registry.New()
	defer reg.Close()
	ctx := context.Background()

	ids, err := mcp.RegisterRemote(ctx, reg, cs, mcp.WithPrefix("calc_"), mcp.WithRemoteTags("math"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"calc_add_numbers", "calc_shout", "calc_divide", "calc_hang"}, ids)
	assert.ElementsMatch(t, ids, reg.IDs())

	add, err := reg.Get("calc_add_numbers")
	require.NoError(t, err)
	m := add.Metadata()
	assert.Equal(t, "Add numbers", m.Name)
	assert.Equal(t, "Adds two integers", m.Description)
	assert.Equal(t, mcp.DefaultRemoteCategory, m.Category)
	assert.Equal(t, []string{"math"}, m.Tags)
	assert.Contains(t, string(add.InputSchema()), `"the first addend"`)
	assert.Contains(t, string(add.OutputSchema()), `"sum"`)
	assert.Len(t, reg.Find(registry.Query{Category: "mcp", AnyTags: []string{"math"}}), 4)

	hang, err := reg.Get("calc_hang")
	require.NoError(t, err)
	assert.Equal(t, `Tool "hang" of calc.`, hang.Metadata().Description, "a description is made up when the server gives none")

	t.Run("structured result", func(t *testing.T) {
		r := reg.Execute(ctx, "calc_add_numbers", json.RawMessage(`{"a":2,"b":3}`))
		require.True(t, r.OK(), "%v", r.Err)
		require.IsType(t, json.RawMessage{}, r.Data)
		assert.JSONEq(t, `{"sum":5}`, string(r.Data.(json.RawMessage)))
	})
	t.Run("text result", func(t *testing.T) {
		r := reg.Execute(ctx, "calc_shout", json.RawMessage(`{"word":"hi"}`))
		require.True(t, r.OK(), "%v", r.Err)
		assert.Equal(t, "hi!", r.Data)
	})
	t.Run("kgas validates before calling", func(t *testing.T) {
		before := remote.calls.Load()
		for _, in := range []string{`{"a":2}`, `{"a":"two","b":3}`, `{"word":"hello"}`} {
			id := "calc_add_numbers"
			if in == `{"word":"hello"}` {
				id = "calc_shout"
			}
			r := reg.Execute(ctx, id, json.RawMessage(in))
			require.False(t, r.OK(), in)
			var ie *tool.InputError
			require.ErrorAs(t, r.Err, &ie, in)
			assert.Equal(t, id, ie.ToolID)
			require.NotEmpty(t, ie.Violations)
		}
		r := reg.Execute(ctx, "calc_shout", json.RawMessage(`{"word":"hello"}`))
		var ie *tool.InputError
		require.ErrorAs(t, r.Err, &ie)
		assert.Equal(t, "word", ie.Violations[0].Field)
		assert.Equal(t, "enum", ie.Violations[0].Rule)
		assert.Equal(t, before, remote.calls.Load(), "invalid input never reached the server")
	})
	t.Run("remote isError is a tool error", func(t *testing.T) {
		r := reg.Execute(ctx, "calc_divide", json.RawMessage(`{"a":1,"b":0}`))
		require.False(t, r.OK())
		var re *mcp.RemoteError
		require.ErrorAs(t, r.Err, &re)
		assert.Equal(t, "divide", re.Tool)
		assert.Equal(t, "calc_divide", re.ToolID)
		assert.Equal(t, "division by zero", re.Message)
		assert.Equal(t, tool.KindExecution, tool.KindOf(r.Err))
		assert.False(t, tool.Retryable(r.Err))
	})
	t.Run("batch through ExecuteAll", func(t *testing.T) {
		res := reg.ExecuteAll(ctx, []registry.Call{
			{ID: "calc_add_numbers", Input: json.RawMessage(`{"a":1,"b":1}`)},
			{ID: "calc_divide", Input: json.RawMessage(`{"a":9,"b":3}`)},
			{ID: "calc_shout", Input: json.RawMessage(`{"word":"bye"}`)},
		})
		require.Len(t, res, 3)
		for _, r := range res {
			require.True(t, r.OK(), "%s: %v", r.ToolID, r.Err)
		}
		assert.JSONEq(t, `{"sum":2}`, string(res[0].Data.(json.RawMessage)))
		assert.JSONEq(t, `{"q":3}`, string(res[1].Data.(json.RawMessage)))
		assert.Equal(t, "bye!", res[2].Data)
	})
	t.Run("config is rejected", func(t *testing.T) {
		err := reg.InitializeAll(ctx, map[string]tool.Config{"calc_shout": {"volume": 11}})
		var ce *tool.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "volume", ce.Key)
	})
}

func TestRemoteTimeoutCancelsTheServerCall(t *testing.T) {
	remote := newRemoteServer()
	cs, _ := dial(t, remote.srv)
	reg := registry.New()
	defer reg.Close()
	_, err := mcp.RegisterRemote(context.Background(), reg, cs, mcp.WithRemoteNames("hang"),
		mcp.WithToolOptions(tool.WithTimeout(20*time.Millisecond)))
	require.NoError(t, err)
	assert.Equal(t, []string{"hang"}, reg.IDs())

	r := reg.Execute(context.Background(), "hang", nil)
	require.False(t, r.OK())
	var te *tool.TimeoutError
	require.ErrorAs(t, r.Err, &te)
	assert.Equal(t, "hang", te.ToolID)
	// Closing the registry waits for the call to return: the SDK has
	// cancelled it on the server, whose handler returned (goleak checks).
	require.NoError(t, reg.Close())
}

func TestRemoteTransportFailureIsTransient(t *testing.T) {
	remote := newRemoteServer()
	cs, ss := dial(t, remote.srv)
	reg := registry.New()
	defer reg.Close()
	_, err := mcp.RegisterRemote(context.Background(), reg, cs)
	require.NoError(t, err)

	require.NoError(t, ss.Close())
	_ = cs.Wait()
	r := reg.Execute(context.Background(), "shout", json.RawMessage(`{"word":"hi"}`))
	require.False(t, r.OK())
	assert.ErrorIs(t, r.Err, tool.ErrTransient)
	assert.True(t, tool.Retryable(r.Err))
	assert.Equal(t, tool.KindTransient, tool.KindOf(r.Err))
	assert.ErrorContains(t, r.Err, `calling "shout"`)
}

func TestRegisterRemoteErrors(t *testing.T) {
	ctx := context.Background()
	remote := newRemoteServer()
	cs, _ := dial(t, remote.srv)

	reg := registry.New()
	defer reg.Close()
	_, err := mcp.RegisterRemote(ctx, nil, cs)
	assert.ErrorContains(t, err, "registry is nil")
	_, err = mcp.RegisterRemote(ctx, reg, nil)
	assert.ErrorContains(t, err, "session is nil")
	_, err = mcp.RegisterRemote(ctx, reg, cs, mcp.WithPrefix("Bad!"))
	assert.ErrorContains(t, err, `WithPrefix "Bad!"`)
	_, err = mcp.RegisterRemote(ctx, reg, cs, mcp.WithRemoteNames("shout", "nope"))
	assert.ErrorContains(t, err, `WithRemoteNames[1]: the server lists no tool "nope"`)
	_, err = mcp.RegisterRemote(ctx, reg, cs, mcp.WithRemoteTags(""))
	assert.ErrorContains(t, err, "WithRemoteTags[0] is empty")
	assert.Equal(t, 0, reg.Len(), "nothing registered on error")

	// A clash with a tool already in the registry: nothing is registered.
	require.NoError(t, reg.Register(tool.Must(tool.New(tool.Metadata{ID: "divide", Description: "local"},
		func(context.Context, noIn) (int, error) { return 0, nil }))))
	_, err = mcp.RegisterRemote(ctx, reg, cs)
	require.ErrorIs(t, err, registry.ErrDuplicate)
	assert.ErrorContains(t, err, `remote tool "divide"`)
	assert.Equal(t, []string{"divide"}, reg.IDs())

	// Filters leave the clash out.
	ids, err := mcp.RegisterRemote(ctx, reg, cs, mcp.WithRemoteFilter(func(t *mcpsdk.Tool) bool { return t.Name != "divide" }))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"add_numbers", "shout", "hang"}, ids)

	// Two remote names mapping to one ID.
	clash := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "clash", Version: "1"}, nil)
	for _, name := range []string{"get.user", "get_user"} {
		clash.AddTool(&mcpsdk.Tool{Name: name, Description: name, InputSchema: json.RawMessage(`{"type":"object"}`)},
			func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
				return &mcpsdk.CallToolResult{}, nil
			})
	}
	ccs, _ := dial(t, clash)
	reg2 := registry.New()
	defer reg2.Close()
	_, err = mcp.RegisterRemote(ctx, reg2, ccs)
	assert.ErrorContains(t, err, `remote tools "get.user" and "get_user" both map to the ID "get_user"`)
	assert.Equal(t, 0, reg2.Len())
}

// TestKgasToKgas serves a kgas registry over MCP and registers its tools
// into a second registry: the structured errors survive the trip.
func TestKgasToKgas(t *testing.T) {
	ctx := context.Background()
	srv, err := mcp.NewServer(testRegistry(t))
	require.NoError(t, err)
	cs, _ := dial(t, srv)
	reg := registry.New()
	defer reg.Close()
	_, err = mcp.RegisterRemote(ctx, reg, cs, mcp.WithPrefix("far-"))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"far-boom", "far-fail", "far-flaky", "far-forecast", "far-slow"}, reg.IDs())

	fc, err := reg.Get("far-forecast")
	require.NoError(t, err)
	assert.Equal(t, "Weather forecast", fc.Metadata().Name)

	r := reg.Execute(ctx, "far-forecast", json.RawMessage(`{"city":"Oslo","days":1}`))
	require.True(t, r.OK(), "%v", r.Err)
	assert.JSONEq(t, `{"city":"Oslo","highs":[10],"units":"metric"}`, string(r.Data.(json.RawMessage)))

	// The same schema rejects locally, naming the field.
	r = reg.Execute(ctx, "far-forecast", json.RawMessage(`{"city":"Oslo","days":15}`))
	var ie *tool.InputError
	require.ErrorAs(t, r.Err, &ie)
	assert.Equal(t, "days", ie.Violations[0].Field)

	// A remote timeout is reported as such and is retryable.
	r = reg.Execute(ctx, "far-slow", nil)
	var re *mcp.RemoteError
	require.ErrorAs(t, r.Err, &re)
	assert.Equal(t, tool.KindTimeout, re.Kind)
	assert.True(t, re.Retryable)
	assert.True(t, tool.Retryable(r.Err))

	r = reg.Execute(ctx, "far-boom", nil)
	require.ErrorAs(t, r.Err, &re)
	assert.Equal(t, tool.KindPanic, re.Kind)
	assert.False(t, tool.Retryable(r.Err))
	assert.Contains(t, re.Message, "kaboom")
}
