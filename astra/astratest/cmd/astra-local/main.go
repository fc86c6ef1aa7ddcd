// Command astra-local runs the astratest in-process Data API server as a
// process, for offline development against the Astra DB Data API.
//
//	go run ./astra/astratest/cmd/astra-local -addr 127.0.0.1:8181 -token T -latency 50ms
//
// It prints the API endpoint (e.g. http://127.0.0.1:8181, the value of
// ASTRA_DB_API_ENDPOINT) on stdout and serves until SIGINT or SIGTERM.
// Commands go to {endpoint}/api/json/v1/{keyspace}[/{collection}] or
// {endpoint}/v1/{keyspace}[/{collection}]. Flags:
//
//	-addr       listen address, loopback only (default 127.0.0.1:8181)
//	-token      required Token header value (default: any token accepted)
//	-keyspace   keyspaces that exist at start, comma-separated (default default_keyspace)
//	-latency    delay added to every command (default 0)
//	-jitter     extra uniform random delay in [0, jitter) (default 0)
//	-seed       seed of jitter and probabilistic faults (default 1)
//	-page-size  unsorted find page size (default 20)
//	-max-collections  most collections in the database (default 5)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "astra-local:", err)
		os.Exit(2)
	}
}

// run parses args, starts the server, writes its endpoint to stdout and
// serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("astra-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8181", "listen address (loopback only)")
	token := fs.String("token", "", "required Token header value (empty: any token)")
	keyspaces := fs.String("keyspace", astratest.DefaultKeyspace, "keyspaces that exist at start, comma-separated")
	latency := fs.Duration("latency", 0, "delay added to every command")
	jitter := fs.Duration("jitter", 0, "extra uniform random delay in [0, jitter)")
	seed := fs.Uint64("seed", astratest.DefaultSeed, "seed of jitter and probabilistic faults")
	pageSize := fs.Int("page-size", astratest.DefaultLimits().PageSize, "unsorted find page size")
	maxColls := fs.Int("max-collections", astratest.DefaultLimits().MaxCollections, "most collections in the database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	srv, err := astratest.NewServer(
		astratest.WithAddr(*addr),
		astratest.WithToken(*token),
		astratest.WithKeyspaces(strings.Split(*keyspaces, ",")...),
		astratest.WithLatency(*latency),
		astratest.WithJitter(*jitter),
		astratest.WithSeed(*seed),
		astratest.WithLimits(astratest.Limits{PageSize: *pageSize, MaxCollections: *maxColls}),
	)
	if err != nil {
		return err
	}
	defer srv.Close()
	if _, err := fmt.Fprintln(stdout, srv.URL()); err != nil {
		return err
	}
	<-ctx.Done()
	return srv.Close()
}
