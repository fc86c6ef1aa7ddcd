// Command customtool shows the kgas tool contract end to end: a typed tool
// is defined from a Go function, registered, listed, exported as an OpenAI
// tool definition, and called directly, through ExecuteAll, and through the
// langchaingo adapter; finally a validation error shows what a model reads
// when it gets the arguments wrong.
//
//	go run ./examples/customtool
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/langchaintool"
	"github.com/kgas-dev/kgas/tool/openaitool"
)

// ForecastIn is the tool's input; its JSON Schema comes from the tags.
type ForecastIn struct {
	City  string `json:"city" jsonschema:"description=City name,minLength=1"`
	Days  int    `json:"days" jsonschema:"description=Days ahead,minimum=1,maximum=14"`
	Units string `json:"units,omitempty" jsonschema:"enum=metric,enum=imperial"`
}

// Forecast is the tool's output.
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

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "customtool:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	weather, err := tool.New(tool.Metadata{
		ID: "forecast", Description: "Daily high temperatures for a city", Category: "weather",
		Tags: []string{"offline", "demo"}, Version: "1.0.0",
	}, forecast, tool.WithTimeout(2*time.Second), tool.WithCapabilities(tool.Capabilities{Async: true, Concurrent: true, MaxConcurrency: 4}))
	if err != nil {
		return err
	}
	reg := registry.New()
	defer reg.Close()
	if err := reg.Register(weather); err != nil {
		return err
	}
	if err := reg.InitializeAll(ctx, nil); err != nil {
		return err
	}

	fmt.Fprintln(w, "== registry")
	for _, t := range reg.List() {
		m, c := t.Metadata(), t.Capabilities()
		fmt.Fprintf(w, "%s  v%s  category=%s tags=%s concurrent=%v max=%d\n",
			m.ID, m.Version, m.Category, strings.Join(m.Tags, ","), c.Concurrent, c.MaxConcurrency)
	}

	fmt.Fprintln(w, "\n== OpenAI tool definition")
	def, err := json.MarshalIndent(openaitool.Definitions(reg.List()...), "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, string(def))

	fmt.Fprintln(w, "\n== direct call")
	res := reg.Execute(ctx, "forecast", json.RawMessage(`{"city":"Oslo","days":3}`))
	if err := printResult(w, res); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== ExecuteAll (results in call order)")
	calls := []registry.Call{
		{ID: "forecast", Input: json.RawMessage(`{"city":"Lima","days":2,"units":"imperial"}`)},
		{ID: "no-such-tool", Input: json.RawMessage(`{}`)},
		{ID: "forecast", Input: json.RawMessage(`{"city":"Kyiv","days":1}`), DryRun: true},
	}
	for _, r := range reg.ExecuteAll(ctx, calls) {
		if err := printResult(w, r); err != nil {
			return err
		}
	}

	fmt.Fprintln(w, "\n== through the langchaingo adapter")
	lc := langchaintool.New(weather)
	out, err := lc.Call(ctx, `{"city":"Accra","days":2}`)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s(...) -> %s\n", lc.Name(), out)

	fmt.Fprintln(w, "\n== a validation error, as a model would read it")
	out, err = lc.Call(ctx, `{"city":"Accra","days":99,"colour":"red"}`)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, out)
	bad := reg.Execute(ctx, "forecast", json.RawMessage(`{"city":"Accra","days":99}`))
	fmt.Fprintln(w, "error:", bad.Err)
	return nil
}

func printResult(w io.Writer, r tool.Result) error {
	r.Duration = r.Duration.Round(time.Microsecond)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, string(b))
	return nil
}
