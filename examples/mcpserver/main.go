// Command mcpserver serves a kgas tool registry over the Model Context
// Protocol, so that any MCP client (Claude Desktop, an IDE, another agent)
// can list and call its tools with their kgas schemas, validation,
// timeouts and structured errors.
//
//	go run ./examples/mcpserver                          # stdio (the default)
//	go run ./examples/mcpserver -http 127.0.0.1:8080     # streamable HTTP at http://127.0.0.1:8080/mcp
//	go run ./examples/mcpserver -tools forecast          # expose only some tools (also -category, -tag)
//
// Over stdio, stdout carries the protocol and logs go to stderr; the server
// exits when its client closes stdin, or on SIGINT/SIGTERM. The HTTP
// server has no authentication, so it only listens on a loopback address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kgas-dev/kgas/agent/mcp"
	"github.com/kgas-dev/kgas/examples/internal/demokg"
	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tools"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{stdio: &mcpsdk.StdioTransport{}, stderr: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpserver:", err)
		stop()
		os.Exit(1)
	}
}

// env is what run needs from the process, so that tests can supply it.
type env struct {
	// stdio is the transport used without -http.
	stdio mcpsdk.Transport
	// stderr receives logs and flag errors.
	stderr io.Writer
	// listening, when set, is told the HTTP address once it is bound.
	listening func(addr string)
}

func run(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("mcpserver", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	httpAddr := fs.String("http", "", "serve streamable HTTP on this loopback `host:port` instead of stdio")
	ids := fs.String("tools", "", "comma-separated tool `ids` to expose (default: all)")
	category := fs.String("category", "", "expose only the tools of this `category`")
	tag := fs.String("tag", "", "expose only the tools carrying this `tag`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))

	reg, cleanup, err := newRegistry(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := reg.Close(); err != nil {
			logger.Error("closing the registry", "error", err)
		}
		cleanup()
	}()

	opts := []mcp.Option{
		mcp.WithImplementation(mcpsdk.Implementation{Name: "kgas-mcpserver", Title: "kgas tools", Version: "0.1.0"}),
		mcp.WithLogger(logger),
	}
	if *ids != "" {
		opts = append(opts, mcp.WithIDs(strings.Split(*ids, ",")...))
	}
	if *category != "" {
		opts = append(opts, mcp.WithCategory(*category))
	}
	if *tag != "" {
		opts = append(opts, mcp.WithTags(*tag))
	}
	srv, err := mcp.NewServer(reg, opts...)
	if err != nil {
		return err
	}

	if *httpAddr != "" {
		return serveHTTP(ctx, *httpAddr, srv, logger, e.listening)
	}
	logger.Info("serving MCP over stdio", "tools", reg.IDs())
	err = srv.Run(ctx, e.stdio)
	switch {
	case ctx.Err() != nil:
		logger.Info("stopped", "reason", "signal")
		return nil
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, mcpsdk.ErrConnectionClosed):
		logger.Info("stopped", "reason", "stdin closed")
		return nil
	}
	return err
}

// newRegistry holds the tools this server exposes: the forecast demo tool
// and the built-in tools over a small in-memory knowledge graph (cleanup
// releases it, after the registry is closed).
func newRegistry(ctx context.Context) (*registry.Registry, func(), error) {
	reg := registry.New()
	cleanup := func() {}
	weather, err := tool.New(tool.Metadata{
		ID: "forecast", Name: "Weather forecast", Description: "Daily high temperatures for a city (offline demo data)",
		Category: "weather", Tags: []string{"offline", "demo"}, Version: "1.0.0",
	}, forecast, tool.WithTimeout(2*time.Second), tool.WithCapabilities(tool.Capabilities{Async: true, Concurrent: true, MaxConcurrency: 4}))
	if err == nil {
		err = reg.Register(weather)
	}

	if err == nil {
		var deps tools.Deps
		var release func()
		deps, release, err = demokg.New(ctx)
		if release != nil {
			cleanup = release
		}
		if err == nil {
			_, err = tools.Register(reg, deps)
		}
	}
	if err == nil {
		err = reg.InitializeAll(ctx, nil)
	}
	if err != nil {
		err = errors.Join(err, reg.Close())
		cleanup()
		return nil, nil, err
	}
	return reg, cleanup, nil
}

// ForecastIn is the forecast tool's input; its JSON Schema comes from the
// tags (the kgas/invopop dialect), and MCP clients see exactly that schema.
type ForecastIn struct {
	City  string `json:"city" jsonschema:"description=City name,minLength=1"`
	Days  int    `json:"days" jsonschema:"description=Days ahead,minimum=1,maximum=14"`
	Units string `json:"units,omitempty" jsonschema:"enum=metric,enum=imperial"`
}

// Forecast is the forecast tool's output (sent as structuredContent too).
type Forecast struct {
	City  string    `json:"city"`
	Highs []float64 `json:"highs"`
	Units string    `json:"units"`
}

// forecast is an ordinary Go function: deterministic, offline.
func forecast(_ context.Context, in ForecastIn) (Forecast, error) {
	if in.Units == "" {
		in.Units = "metric"
	}
	highs := make([]float64, in.Days)
	for i := range highs {
		highs[i] = float64(15 + (len(in.City)*7+i*3)%10)
		if in.Units == "imperial" {
			highs[i] = highs[i]*9/5 + 32
		}
	}
	return Forecast{City: in.City, Highs: highs, Units: in.Units}, nil
}

// serveHTTP serves srv as streamable HTTP at /mcp on the loopback address
// addr until ctx is done.
func serveHTTP(ctx context.Context, addr string, srv *mcpsdk.Server, logger *slog.Logger, listening func(string)) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcpsdk.NewStreamableHTTPHandler(func(*http.Request) *mcpsdk.Server { return srv },
		&mcpsdk.StreamableHTTPOptions{Logger: logger}))
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests (including long-lived event streams) end with ctx, so
		// that Shutdown does not wait for them.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/mcp"
	logger.Info("serving MCP over streamable HTTP", "url", url)
	if listening != nil {
		listening(ln.Addr().String())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if err != nil {
		err = errors.Join(err, hs.Close())
	}
	// The handler keeps the sessions of clients that did not say goodbye.
	for ss := range srv.Sessions() {
		_ = ss.Close()
		_ = ss.Wait()
	}
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	logger.Info("stopped", "reason", "signal")
	return err
}

// checkLoopback refuses addresses other machines could reach: the server
// has no authentication.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-http %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-http %q: host must be a loopback address (127.0.0.1, ::1 or localhost); the server has no authentication", addr)
}
