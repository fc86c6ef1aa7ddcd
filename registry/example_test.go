package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kgas-dev/kgas/registry"
	"github.com/kgas-dev/kgas/tool"
	"github.com/kgas-dev/kgas/tool/openaitool"
)

// The README's example: a typed tool registered and called, with a
// validation error and a batch.
func Example() {
	type In struct {
		City string `json:"city" jsonschema:"description=City name"`
		Days int    `json:"days" jsonschema:"minimum=1,maximum=14"`
	}
	forecast := tool.Must(tool.New(tool.Metadata{ID: "forecast", Description: "Daily highs"},
		func(ctx context.Context, in In) ([]float64, error) { return make([]float64, in.Days), nil },
		tool.WithTimeout(5*time.Second)))

	ctx := context.Background()
	reg := registry.New()
	if err := reg.Register(forecast); err != nil {
		panic(err)
	}
	res := reg.Execute(ctx, "forecast", json.RawMessage(`{"city":"Oslo","days":99}`))
	fmt.Println(res.Err)
	results := reg.ExecuteAll(ctx, []registry.Call{{ID: "forecast", Input: json.RawMessage(`{"city":"Oslo","days":3}`)}})
	fmt.Println(results[0].Status, results[0].Data)
	tools := openaitool.Definitions(reg.List()...)
	fmt.Println(tools[0].Function.Name)
	// Output:
	// tool "forecast": invalid input: days: must be <= 14, got 99
	// success [0 0 0]
	// forecast
}
