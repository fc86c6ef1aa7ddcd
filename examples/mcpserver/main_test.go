package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// exercise lists the tools and calls forecast, well and badly.
func exercise(t *testing.T, cs *mcpsdk.ClientSession) {
	t.Helper()
	ctx := context.Background()
	res, err := cs.ListTools(ctx, nil)
	require.NoError(t, err)
	var names []string
	var fc *mcpsdk.Tool
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
		if tl.Name == "forecast" {
			fc = tl
		}
	}
	assert.ElementsMatch(t, []string{"forecast", "graph_query", "vector_search", "ontology_extractor"}, names)
	require.NotNil(t, fc)
	schema, err := json.Marshal(fc.InputSchema)
	require.NoError(t, err)
	assert.Contains(t, string(schema), `"enum":["metric","imperial"]`)
	assert.Contains(t, string(schema), `"required":["city","days"]`)

	out, err := cs.CallTool(ctx, &mcpsdk.CallToolParams{Name: "forecast", Arguments: map[string]any{"city": "Oslo", "days": 2}})
	require.NoError(t, err)
	require.False(t, out.IsError)
	sc, err := json.Marshal(out.StructuredContent)
	require.NoError(t, err)
	assert.JSONEq(t, `{"city":"Oslo","highs":[23,16],"units":"metric"}`, string(sc))

	out, err = cs.CallTool(ctx, &mcpsdk.CallToolParams{Name: "forecast", Arguments: map[string]any{"city": "Oslo", "days": 99}})
	require.NoError(t, err)
	require.True(t, out.IsError)
	require.Len(t, out.Content, 1)
	assert.Contains(t, out.Content[0].(*mcpsdk.TextContent).Text, `"field":"days","rule":"maximum"`)

	// A built-in tool: GraphRAG over the demo reports.
	out, err = cs.CallTool(ctx, &mcpsdk.CallToolParams{Name: "graph_query", Arguments: map[string]any{"question": "Which rig drilled well 41/4-3 A?"}})
	require.NoError(t, err)
	require.False(t, out.IsError)
	assert.Contains(t, out.Content[0].(*mcpsdk.TextContent).Text, "Iron Compass")
}

func TestStdioInProcess(t *testing.T) {
	ct, st := mcpsdk.NewInMemoryTransports()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), nil, env{stdio: st, stderr: &logs}) }()

	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test", Version: "0"}, nil).Connect(context.Background(), ct, nil)
	require.NoError(t, err)
	exercise(t, cs)
	require.NoError(t, cs.Close())
	require.NoError(t, <-done, "a closed connection is a clean stop")
	assert.Contains(t, logs.String(), `reason="stdin closed"`)
}

func TestHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0"}, env{stderr: &logs, listening: func(a string) { addrs <- a }})
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	}

	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test", Version: "0"}, nil).
		Connect(ctx, &mcpsdk.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", HTTPClient: hc, MaxRetries: -1}, nil)
	require.NoError(t, err)
	exercise(t, cs)

	// Stop the server with the session still open (its event stream too):
	// run must return on its own.
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), "serving MCP over streamable HTTP")
	_ = cs.Close()
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-http", "0.0.0.0:0"}, "must be a loopback address"},
		{[]string{"-http", "example.com:80"}, "must be a loopback address"},
		{[]string{"-http", "nohostport"}, `-http "nohostport"`},
		{[]string{"-tools", "forecast,nope"}, `"nope"`},
		{[]string{"-category", "none"}, "no tools selected"},
		{[]string{"-bogus"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			var logs syncBuffer
			err := run(context.Background(), tc.args, env{stderr: &logs})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// buildServer compiles the command for the subprocess tests.
func buildServer(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found:", err)
	}
	bin := filepath.Join(t.TempDir(), "mcpserver")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestSubprocess runs the real binary over stdio: a client started with
// the SDK's CommandTransport lists and calls the tools, then closes stdin,
// and the server exits cleanly on its own.
func TestSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildServer(t)

	t.Run("stdin EOF", func(t *testing.T) {
		var stderr syncBuffer
		cmd := exec.Command(bin)
		cmd.Stderr = &stderr
		cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test", Version: "0"}, nil).
			Connect(context.Background(), &mcpsdk.CommandTransport{Command: cmd}, nil)
		require.NoError(t, err)
		exercise(t, cs)
		// Close closes stdin and waits; a non-zero exit is an error here.
		require.NoError(t, cs.Close())
		assert.Contains(t, stderr.String(), `reason="stdin closed"`, "it stopped because of EOF, not the SDK's SIGTERM")
	})

	t.Run("SIGINT", func(t *testing.T) {
		// The guard only turns a hang into a failure; it is not a speed check.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var stderr syncBuffer
		cmd := exec.CommandContext(ctx, bin)
		cmd.Stderr = &stderr
		stdin, err := cmd.StdinPipe() // kept open: only the signal can stop it
		require.NoError(t, err)
		defer stdin.Close()
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// Wait until it serves: answer one request.
		_, err = stdin.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n"))
		require.NoError(t, err)
		line := make([]byte, 256)
		n, err := stdout.Read(line)
		require.NoError(t, err)
		assert.Contains(t, string(line[:n]), `"id":1`)

		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
		assert.Contains(t, stderr.String(), `reason=signal`)
	})
}
