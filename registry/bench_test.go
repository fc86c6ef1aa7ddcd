package registry_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
)

type benchIn struct {
	City string `json:"city" jsonschema:"minLength=1"`
	Days int    `json:"days" jsonschema:"minimum=1,maximum=14"`
}

type benchOut struct {
	City string `json:"city"`
	Days int    `json:"days"`
}

func forecast(_ context.Context, in benchIn) (benchOut, error) {
	return benchOut(in), nil
}

var benchInput = json.RawMessage(`{"city":"Paris","days":3}`)

// BenchmarkDirect is the baseline: decode the same JSON and call the Go
// function, with no validation and no framework.
func BenchmarkDirect(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var in benchIn
		if err := json.Unmarshal(benchInput, &in); err != nil {
			b.Fatal(err)
		}
		if _, err := forecast(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToolExecute is a typed tool called directly: schema validation,
// decoding, the policy wrapper.
func BenchmarkToolExecute(b *testing.B) {
	f := tool.Must(tool.New(tool.Metadata{ID: "forecast", Description: "d"}, forecast))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := f.Execute(ctx, benchInput); !r.OK() {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkRegistryExecute adds the registry: lookup, global and per-tool
// slots, hooks, result bookkeeping. The difference to BenchmarkDirect is
// the framework overhead per call.
func BenchmarkRegistryExecute(b *testing.B) {
	r := registry.New()
	if err := r.Register(tool.Must(tool.New(tool.Metadata{ID: "forecast", Description: "d"}, forecast))); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Execute(ctx, "forecast", benchInput); !res.OK() {
			b.Fatal(res.Err)
		}
	}
}

// BenchmarkRegistryExecuteCancelable is the same with a cancelable
// context, where the call runs on its own goroutine so that it can be
// abandoned at the deadline.
func BenchmarkRegistryExecuteCancelable(b *testing.B) {
	r := registry.New()
	if err := r.Register(tool.Must(tool.New(tool.Metadata{ID: "forecast", Description: "d"}, forecast))); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Execute(ctx, "forecast", benchInput); !res.OK() {
			b.Fatal(res.Err)
		}
	}
}
