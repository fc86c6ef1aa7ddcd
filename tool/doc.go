// Package tool defines the kgas tool contract: what a tool is, how it is
// described to a model, how its input is validated, and how a call is run.
//
// A [Tool] carries [Metadata] (a stable lowercase ID, name, description,
// category, tags and version), [Capabilities] (async, batch, streaming,
// requires-auth, concurrent, and a concurrency bound), an input JSON Schema
// and, where typed, an output schema. Its lifecycle is
// [Tool.Initialize] → [Tool.Execute] (any number of times) → [Tool.Close].
//
// Most tools are written as plain Go functions and turned into a Tool by
// [New]:
//
//	type ForecastIn struct {
//		City string `json:"city" jsonschema:"description=City name"`
//		Days int    `json:"days" jsonschema:"minimum=1,maximum=14"`
//	}
//	forecast := tool.New(tool.Metadata{ID: "forecast", Description: "Weather forecast"},
//		func(ctx context.Context, in ForecastIn) (Forecast, error) { ... })
//
// The input schema is derived from the input type with
// github.com/invopop/jsonschema (struct tags give descriptions, enums,
// bounds; fields without `omitempty` are required). Raw JSON input is
// validated against that schema before it is decoded, and a failure is an
// [*InputError] naming each offending field and rule, for example
// "days: must be <= 14, got 99". Unknown fields and wrong types are
// rejected.
//
// The framework, not each tool, enforces the per-tool policy set by
// [Option]s: a timeout ([WithTimeout], [WithTimeoutBehavior]), a concurrency
// bound (from [Capabilities]), retries of errors the tool marks with
// [Transient] ([WithRetry]), and panic recovery: a tool that panics yields
// an error [Result] carrying a [*PanicError], never a crashed caller.
// [Wrap] applies the same policy to a hand-written Tool.
//
// Execute never returns a Go error: every outcome is a [Result] with a
// [Status], the data, the error, the duration and the tool's ID. Errors are
// values for errors.Is and errors.As ([ErrNotInitialized], [ErrTimeout],
// [ErrInvalidInput], [ErrPanic], [ErrTransient], [ErrFatal]); [KindOf]
// names an error's kind for a model to read.
//
// Adapters to other ecosystems live in sub-packages: tool/langchaintool for
// github.com/tmc/langchaingo and tool/openaitool for OpenAI tool
// definitions.
package tool
