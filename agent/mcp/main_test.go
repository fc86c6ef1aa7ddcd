package mcp_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

// Every session a test opens is closed by its cleanup, and the server
// side is awaited, so no SDK goroutine is ignored here.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ForecastIn uses the invopop tag dialect the MCP SDK cannot read.
type ForecastIn struct {
	City  string `json:"city" jsonschema:"description=City name,minLength=1"`
	Days  int    `json:"days" jsonschema:"description=Days ahead,minimum=1,maximum=14"`
	Units string `json:"units,omitempty" jsonschema:"enum=metric,enum=imperial"`
}

// Forecast is the forecast tool's output.
type Forecast struct {
	City  string    `json:"city"`
	Highs []float64 `json:"highs"`
	Units string    `json:"units"`
}

func forecast(_ context.Context, in ForecastIn) (Forecast, error) {
	if in.Units == "" {
		in.Units = "metric"
	}
	highs := make([]float64, in.Days)
	for i := range highs {
		highs[i] = float64(10 + i)
	}
	if in.City == "Nowhere" {
		highs = nil // breaks the output schema ("highs" must be an array)
	}
	return Forecast{City: in.City, Highs: highs, Units: in.Units}, nil
}

type noIn struct{}

// testRegistry holds tools for every outcome a call can have.
func testRegistry(t *testing.T, opts ...registry.Option) *registry.Registry {
	t.Helper()
	reg := registry.New(opts...)
	t.Cleanup(func() { require.NoError(t, reg.Close()) })
	must := func(f *tool.Func, err error) {
		t.Helper()
		require.NoError(t, err)
		require.NoError(t, reg.Register(f))
	}
	must(tool.New(tool.Metadata{ID: "forecast", Name: "Weather forecast", Description: "Daily highs for a city",
		Category: "weather", Tags: []string{"offline", "demo"}}, forecast))
	must(tool.New(tool.Metadata{ID: "slow", Description: "Waits for its context", Category: "test", Tags: []string{"demo"}},
		func(ctx context.Context, _ noIn) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}, tool.WithTimeout(20*time.Millisecond)))
	must(tool.New(tool.Metadata{ID: "boom", Description: "Panics", Category: "test"},
		func(context.Context, noIn) (any, error) { panic("kaboom") }))
	must(tool.New(tool.Metadata{ID: "fail", Description: "Fails", Category: "test"},
		func(context.Context, noIn) (any, error) { return nil, errors.New("disk full") }))
	must(tool.New(tool.Metadata{ID: "flaky", Description: "Fails transiently", Category: "test"},
		func(context.Context, noIn) (any, error) { return nil, tool.Transient(errors.New("try later")) }))
	return reg
}

// connect runs srv on in-memory transports and returns a connected
// client session; cleanup closes both ends and waits for the server.
func connect(t *testing.T, srv *mcpsdk.Server) *mcpsdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	ct, st := mcpsdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	require.NoError(t, err)
	client := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test-client", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		_ = ss.Close()
		_ = ss.Wait()
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		_ = cs.Close()
		_ = ss.Wait()
	})
	return cs
}

// toolNames lists the names the server reports.
func toolNames(t *testing.T, cs *mcpsdk.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	require.NoError(t, err)
	names := make([]string, len(res.Tools))
	for i, tl := range res.Tools {
		names[i] = tl.Name
	}
	return names
}

// text returns the single text content of res.
func text(t *testing.T, res *mcpsdk.CallToolResult) string {
	t.Helper()
	require.Len(t, res.Content, 1, "content: %v", res.Content)
	tc, ok := res.Content[0].(*mcpsdk.TextContent)
	require.True(t, ok, "content is %T", res.Content[0])
	return tc.Text
}

func describe(res *mcpsdk.CallToolResult) string {
	if res == nil {
		return "<nil>"
	}
	return fmt.Sprintf("isError=%v content=%v", res.IsError, res.Content)
}
