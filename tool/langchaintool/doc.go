// Package langchaintool adapts kgas tools to github.com/tmc/langchaingo.
//
// [New] wraps a kgas [tool.Tool] as a langchaingo tools.Tool (JSON text in
// and out), and [Definition] gives the llms.Tool definition that carries
// the tool's real parameter schema for llms.WithTools. langchaingo's own
// functions agent describes every tool as a single "__arg1" string; the
// adapter accepts that wrapping too, but models given [Definition]s send
// the real arguments.
package langchaintool
