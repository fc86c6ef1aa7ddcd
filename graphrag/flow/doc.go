// Package flow runs a graph of steps: each step declares the steps whose
// results it needs, and starts the moment they have all finished, so every
// step whose inputs are ready overlaps with the others. It is the executor
// under the kgas GraphRAG query and ingest pipelines, and imports nothing of
// kgas.
//
// # Building a graph
//
// Steps are added with typed constructors that return a typed *Future:
//
//	g := flow.New()
//	emb := flow.Go(g, "embed", embed)                    // no dependencies
//	seeds := flow.Then(g, "search", emb, search)         // reads emb's value
//	props := flow.Then(g, "props", seeds, fetchProps)    // props and neighbors
//	nbrs := flow.Then(g, "neighbors", seeds, fetchNbrs)  // run concurrently
//	ans := flow.Join2(g, "rerank", props, nbrs, rerank)
//	trace, err := g.Run(ctx)
//	hits, err := ans.Get()
//
// Join3 takes three dependencies, and Step any number: its function reads
// them with Future.Value. A step can only depend on a step already added to
// the same graph, so a graph has no cycles. Invalid graphs (an empty or
// duplicate step name, a nil function or dependency, a dependency from
// another graph) are reported by Run, before any step starts, with an error
// naming the step and matching ErrInvalid.
//
// # Errors and cancellation
//
// The first step that fails (returns an error or panics) cancels the context
// of the steps still running, no further step starts, and Run returns that
// failure as a *StepError naming the step (errors.Is and errors.As see the
// step's own error through it; a panic is a *PanicError with its stack, and
// runtime.Goexit in a step is a failure too, never a hang).
// Canceling the context given to Run does the same, and Run returns an
// error wrapping the context's cause. Run always waits for every step it started to return, so
// no goroutine outlives it; a step should therefore watch its context.
//
// # Trace
//
// Run returns a Trace: for each step its start and end as offsets from the
// start of the run, its duration and its Outcome (ok, failed, canceled, or
// skipped: never started), the wall time of the run, the sum of the step
// durations, and the critical path. Trace.String prints a compact text
// timeline; the fields are exported and JSON-serialisable with stable
// snake_case names, for tests, logs and tracing exporters. WithHooks calls
// functions at each step's start and end (LogHooks logs them with log/slog;
// an OpenTelemetry exporter can open and close a span there).
//
// The critical path is the chain of dependencies that determined when the
// run ended. It is computed from the recorded times and the dependency
// edges: start from the step that ended last; then, repeatedly, move to the
// dependency of the current step that ended last (that dependency gated the
// current step's start); stop at a step without dependencies; reverse. Ties
// go to the step added later. Only started steps are considered. Shortening
// a step off the critical path does not make the run end sooner; shortening
// one on it may. With WithMaxConcurrency a step may also have waited for a
// free slot after its last dependency ended; the path still follows
// dependency edges.
package flow
