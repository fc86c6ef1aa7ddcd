// Command bench runs the kgas benchmark suites. Each suite runs its
// scenarios against local test servers, with kgas and with baselines in the
// same process, and prints the measured wall time beside the scenario's
// theoretical bound.
//
//	go run ./examples/bench -suite client          # a table
//	go run ./examples/bench -suite client -json    # one JSON line per scenario and client
//	go run ./examples/bench -suite client -scenario storm,quota
//
// JSON lines carry scenario, client, n, ok, failed, attempts, wall_s,
// bound_s and ratio (= wall_s / bound_s), plus suite-specific fields. The
// bounds are documented in docs/benchmarks.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// record is one (scenario, client) result.
type record struct {
	Scenario string
	Client   string
	N        int
	OK       int
	Failed   int
	Attempts int64 // attempts the server received
	WallS    float64
	BoundS   float64
	Extra    map[string]any // suite-specific fields
}

func (r record) ratio() float64 {
	if r.BoundS <= 0 {
		return 0
	}
	return r.WallS / r.BoundS
}

// MarshalJSON writes the stable fields first, then the extras by name.
func (r record) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	fields := []struct {
		k string
		v any
	}{
		{"scenario", r.Scenario}, {"client", r.Client}, {"n", r.N}, {"ok", r.OK}, {"failed", r.Failed},
		{"attempts", r.Attempts}, {"wall_s", round(r.WallS)}, {"bound_s", round(r.BoundS)}, {"ratio", round(r.ratio())},
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fields = append(fields, struct {
			k string
			v any
		}{k, r.Extra[k]})
	}
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(f.k)
		vb, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func round(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

// suite is a named set of scenarios.
type suite struct {
	name      string
	scenarios []scenario
}

// scenario runs one workload with every client it supports.
type scenario struct {
	name string
	desc string
	run  func(ctx context.Context, emit func(record)) error
}

func suites() []suite {
	return []suite{{name: "client", scenarios: clientScenarios()}, {name: "embed", scenarios: embedScenarios()}, {name: "astra", scenarios: astraScenarios()}, {name: "store", scenarios: storeScenarios()}, {name: "extract", scenarios: extractScenarios()}, {name: "graphrag", scenarios: graphragScenarios()}}
}

func main() {
	var (
		suiteName = flag.String("suite", "client", "suite to run: "+suiteNames())
		asJSON    = flag.Bool("json", false, "print one JSON line per scenario and client")
		only      = flag.String("scenario", "", "comma-separated scenarios to run (default: all)")
		list      = flag.Bool("list", false, "list the scenarios of the suite and exit")
	)
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *suiteName, *only, *asJSON, *list); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func suiteNames() string {
	var names []string
	for _, s := range suites() {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

func run(ctx context.Context, w io.Writer, suiteName, only string, asJSON, list bool) error {
	var s *suite
	for _, c := range suites() {
		if c.name == suiteName {
			s = &c
		}
	}
	if s == nil {
		return fmt.Errorf("unknown -suite %q (have: %s)", suiteName, suiteNames())
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	for n := range want {
		found := false
		for _, sc := range s.scenarios {
			found = found || sc.name == n
		}
		if !found {
			return fmt.Errorf("unknown -scenario %q in suite %s", n, s.name)
		}
	}
	if list {
		for _, sc := range s.scenarios {
			fmt.Fprintf(w, "%-10s %s\n", sc.name, sc.desc)
		}
		return nil
	}
	if !asJSON {
		fmt.Fprintf(w, "%-9s %-10s %5s %5s %6s %8s %8s %8s %6s  %s\n", "scenario", "client", "n", "ok", "failed", "attempts", "wall_s", "bound_s", "ratio", "extra")
	}
	emit := func(r record) {
		if asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				return
			}
			fmt.Fprintln(w, string(b))
			return
		}
		extra, _ := json.Marshal(r.Extra)
		fmt.Fprintf(w, "%-9s %-10s %5d %5d %6d %8d %8.3f %8.3f %6.3f  %s\n", r.Scenario, r.Client, r.N, r.OK, r.Failed, r.Attempts, r.WallS, r.BoundS, r.ratio(), extra)
	}
	for _, sc := range s.scenarios {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		if err := sc.run(ctx, emit); err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
	}
	return nil
}
