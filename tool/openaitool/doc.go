// Package openaitool turns kgas tools into OpenAI tool definitions for
// github.com/sashabaranov/go-openai, with the tool's real JSON Schema as
// the function's parameters.
package openaitool
