// Package loopback serves an http.Handler on a loopback listener for the
// project's in-process test servers (llm/llmtest, astra/astratest): it
// starts the server, and Close stops it and waits until every handler,
// hijacked connections included, has returned.
package loopback
