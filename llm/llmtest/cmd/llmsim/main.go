// Command llmsim runs the llmtest OpenAI-compatible simulator as a process.
//
//	go run ./llm/llmtest/cmd/llmsim -addr 127.0.0.1:0 -rpm 600 -tpm 40000 -window 1s \
//		-latency lognormal:400ms,0.5 -fault overloaded,p=0.1,delay=50ms
//
// It prints the base URL (ending in /v1) on stdout and serves until SIGINT
// or SIGTERM. -fault may be repeated; its syntax is
// KIND[,key=value...] with keys p (probability), from, to, every (request
// ordinals), after, before (durations since start), endpoint (chat or
// embeddings), retry_after, delay, stall_for (durations) and should_retry
// (true or false). KIND is one of the llmtest.FaultKind values, e.g.
// server_error, bad_gateway, overloaded, insufficient_quota,
// request_too_large, rate_limited, error_in_200, malformed_json,
// reset_before_headers, reset_mid_body, truncated, stall.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kgas-dev/kgas/llm/llmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "llmsim:", err)
		os.Exit(2)
	}
}

// faultList collects repeated -fault flags.
type faultList []llmtest.FaultRule

func (f *faultList) String() string { return fmt.Sprint(len(*f), " rules") }

func (f *faultList) Set(s string) error {
	r, err := parseFault(s)
	if err != nil {
		return err
	}
	*f = append(*f, r)
	return nil
}

// run parses args, starts the server, writes its URL to stdout and serves
// until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("llmsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg llmtest.Config
	var latency string
	var faults faultList
	fs.StringVar(&cfg.Addr, "addr", llmtest.DefaultAddr, "listen address (loopback only)")
	fs.Uint64Var(&cfg.Seed, "seed", llmtest.DefaultSeed, "seed of every random decision")
	fs.IntVar(&cfg.Limits.Requests, "rpm", 0, "request bucket capacity per window (0 = unlimited)")
	fs.IntVar(&cfg.Limits.Tokens, "tpm", 0, "token bucket capacity per window (0 = unlimited)")
	fs.DurationVar(&cfg.Limits.Window, "window", llmtest.DefaultWindow, "refill window of the buckets")
	fs.StringVar(&latency, "latency", "0", "latency: 100ms, uniform:50ms-200ms or lognormal:400ms,0.5")
	fs.DurationVar(&cfg.TokenDelay, "token-delay", 0, "inter-token latency")
	fs.IntVar(&cfg.DefaultMaxTokens, "default-max-tokens", llmtest.DefaultMaxTokens, "completion allowance charged when max_tokens is absent")
	fs.IntVar(&cfg.EmbeddingDims, "embedding-dims", llmtest.DefaultEmbeddingDims, "default embedding size")
	fs.IntVar(&cfg.TimelineCap, "timeline-cap", llmtest.DefaultTimelineCap, "records kept in the stats timeline")
	fs.BoolVar(&cfg.RejectUnknownModels, "reject-unknown-models", false, "404 for models not listed")
	fs.BoolVar(&cfg.Headers.OmitRateLimit, "no-ratelimit-headers", false, "omit x-ratelimit-* headers")
	fs.BoolVar(&cfg.Headers.OmitRetryAfter, "no-retry-after", false, "omit retry-after")
	fs.BoolVar(&cfg.Headers.OmitRetryAfterMs, "no-retry-after-ms", false, "omit retry-after-ms")
	fs.BoolVar(&cfg.Headers.OmitShouldRetry, "no-should-retry", false, "omit x-should-retry on request-too-large")
	fs.Var(&faults, "fault", "fault rule KIND[,key=value...] (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, err := llmtest.ParseLatency(latency)
	if err != nil {
		return err
	}
	cfg.Latency, cfg.Faults = l, faults
	srv, err := llmtest.NewServer(cfg)
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

// parseFault parses KIND[,key=value...].
func parseFault(s string) (llmtest.FaultRule, error) {
	parts := strings.Split(s, ",")
	r := llmtest.FaultRule{Fault: llmtest.Fault{Kind: llmtest.FaultKind(strings.TrimSpace(parts[0]))}}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return r, fmt.Errorf("fault %q: %q is not key=value", s, p)
		}
		var err error
		dur := func(d *time.Duration) { *d, err = time.ParseDuration(v) }
		num := func(n *int64) { *n, err = strconv.ParseInt(v, 10, 64) }
		switch k {
		case "p":
			r.Probability, err = strconv.ParseFloat(v, 64)
		case "from":
			num(&r.FromRequest)
		case "to":
			num(&r.ToRequest)
		case "every":
			num(&r.EveryNth)
		case "after":
			dur(&r.After)
		case "before":
			dur(&r.Before)
		case "endpoint":
			r.Endpoint = v
		case "retry_after":
			dur(&r.RetryAfter)
		case "delay":
			dur(&r.Delay)
		case "stall_for":
			dur(&r.StallFor)
		case "should_retry":
			r.ShouldRetry = v
		default:
			return r, fmt.Errorf("fault %q: unknown key %q", s, k)
		}
		if err != nil {
			return r, fmt.Errorf("fault %q: %s: %w", s, k, err)
		}
	}
	return r, nil
}
