package tool

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Tool is the contract every kgas tool satisfies. Implementations must be
// safe to call from several goroutines when [Capabilities.Concurrent] is
// set; the framework serialises calls to tools that do not set it.
//
// Most users never implement Tool by hand: [New] and [NewRaw] build one
// from a Go function, and [Wrap] adds the framework's policy (validation,
// timeout, concurrency bound, retries, panic recovery) to a hand-written
// implementation.
type Tool interface {
	// Metadata describes the tool. It must not change after registration.
	Metadata() Metadata
	// Capabilities reports what the tool supports.
	Capabilities() Capabilities
	// InputSchema returns the JSON Schema of the tool's input (a JSON
	// object schema). It is never nil; a tool with no input has an object
	// schema with no properties.
	InputSchema() json.RawMessage
	// OutputSchema returns the JSON Schema of the tool's data, or nil when
	// the output is untyped.
	OutputSchema() json.RawMessage
	// Initialize validates and applies config. Unknown keys and missing
	// required keys are errors naming the key ([*ConfigError]).
	Initialize(ctx context.Context, config Config) error
	// Execute runs the tool on a JSON input. Every outcome, including
	// invalid input, cancellation and panics, is reported in the Result.
	Execute(ctx context.Context, input json.RawMessage) Result
	// Close releases what Initialize acquired. Calling it more than once is
	// safe and returns nil after the first call.
	Close() error
}

// Config is a tool's configuration as decoded from JSON or YAML: keys are
// the JSON names of the tool's configuration fields.
type Config map[string]any

// Metadata describes a tool.
type Metadata struct {
	// ID is stable, unique in a registry, and made of lowercase letters,
	// digits, '_' and '-' (at most 64, starting with a letter or digit), so
	// that it is also a valid OpenAI function name.
	ID string `json:"id"`
	// Name is a human-readable name; it defaults to ID.
	Name string `json:"name"`
	// Description tells a model (and a person) what the tool does and when
	// to use it.
	Description string `json:"description"`
	// Category groups tools, for example "search" or "graph".
	Category string `json:"category,omitempty"`
	// Tags are free-form labels used by registry lookups.
	Tags []string `json:"tags,omitempty"`
	// Version is the tool's version, for example "1.0.0".
	Version string `json:"version,omitempty"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate reports whether m is usable: an ID of the documented form and
// a non-empty description. The error names the offending field.
func (m Metadata) Validate() error {
	if !idPattern.MatchString(m.ID) {
		return fmt.Errorf("tool: metadata id %q: must match %s", m.ID, idPattern)
	}
	if strings.TrimSpace(m.Description) == "" {
		return fmt.Errorf("tool: metadata %q: description is required", m.ID)
	}
	for i, t := range m.Tags {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("tool: metadata %q: tags[%d] is empty", m.ID, i)
		}
	}
	return nil
}

// HasTag reports whether m carries tag.
func (m Metadata) HasTag(tag string) bool { return slices.Contains(m.Tags, tag) }

// Capabilities reports what a tool supports and how it may be scheduled.
type Capabilities struct {
	// Async: the tool may run at the same time as other tools.
	Async bool `json:"async"`
	// Batch: the tool accepts many inputs in one call.
	Batch bool `json:"batch"`
	// Streaming: the tool can deliver partial output.
	Streaming bool `json:"streaming"`
	// RequiresAuth: the tool needs credentials in its configuration.
	RequiresAuth bool `json:"requires_auth"`
	// Concurrent: the tool is safe to call from many goroutines at once.
	// When false the framework runs one call at a time.
	Concurrent bool `json:"concurrent"`
	// MaxConcurrency bounds the calls in flight (0 = unbounded; ignored,
	// and taken as 1, when Concurrent is false).
	MaxConcurrency int `json:"max_concurrency,omitempty"`
}

// Limit returns the effective bound on calls in flight: 1 for a tool that
// is not Concurrent, MaxConcurrency otherwise (0 = unbounded).
func (c Capabilities) Limit() int {
	if !c.Concurrent {
		return 1
	}
	if c.MaxConcurrency < 0 {
		return 0
	}
	return c.MaxConcurrency
}

// Has reports whether c offers every capability set in want (the boolean
// flags only; MaxConcurrency is ignored).
func (c Capabilities) Has(want Capabilities) bool {
	return (!want.Async || c.Async) && (!want.Batch || c.Batch) &&
		(!want.Streaming || c.Streaming) && (!want.RequiresAuth || c.RequiresAuth) &&
		(!want.Concurrent || c.Concurrent)
}
