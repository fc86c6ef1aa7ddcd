// Package registry is the kgas plugin mechanism: a set of tools found by
// ID, category, tag or capability, initialized from configuration, and
// executed one call or many concurrently.
//
// A [Registry] is made with [New]. Plugins that register themselves at
// init time use the package-level [Register] and [RegisterFactory], which
// add to the [Default] registry, in the way database/sql drivers do;
// unlike sql.Register, a duplicate ID is an error, never a panic.
//
// Every tool is run under the framework's policy ([tool.Wrap]): its input
// is validated against its schema, panics become error results, and its
// timeout and concurrency bound apply. [Registry.ExecuteAll] runs many
// calls at once, bounded globally ([WithMaxConcurrency]) and by each
// tool's own bound, and returns exactly one [tool.Result] per call, in
// call order, whatever the tools do: fail, panic, time out, or be
// cancelled with the context.
//
// [Hooks] observe the start and end of every execution, for tracing and
// metrics. A Registry is safe for concurrent use.
package registry
