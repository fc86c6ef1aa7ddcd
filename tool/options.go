package tool

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// TimeoutBehavior says what a timed-out call means for the caller.
type TimeoutBehavior int

const (
	// TimeoutAsResult (the default): the timeout is an ordinary error
	// result (kind "timeout", retryable) that a batch or an agent carries
	// on with, for example by showing it to the model.
	TimeoutAsResult TimeoutBehavior = iota
	// TimeoutFails: the timeout is also marked ErrFatal, so that a batch
	// (registry ExecuteAll) cancels its other calls and an agent ends its
	// run.
	TimeoutFails
)

// Option configures a tool built by [New], [NewRaw] or [Wrap].
type Option func(*options)

type options struct {
	caps        *Capabilities
	timeout     time.Duration
	onTimeout   TimeoutBehavior
	attempts    int
	backoff     time.Duration
	maxBackoff  time.Duration
	config      *configSpec
	closeFn     func() error
	optionError error
}

func (o *options) fail(err error) {
	if o.optionError == nil {
		o.optionError = err
	}
}

// WithCapabilities sets the tool's capabilities. Default for [New] and
// [NewRaw]: Async and Concurrent set, no concurrency bound; for [Wrap]:
// the wrapped tool's own.
func WithCapabilities(c Capabilities) Option {
	return func(o *options) {
		if c.MaxConcurrency < 0 {
			o.fail(fmt.Errorf("tool: capabilities: max_concurrency must be >= 0, got %d", c.MaxConcurrency))
		}
		if c.MaxConcurrency > 1 && !c.Concurrent {
			o.fail(fmt.Errorf("tool: capabilities: max_concurrency %d needs concurrent: true (a tool that is not concurrent runs one call at a time)", c.MaxConcurrency))
		}
		o.caps = &c
	}
}

// WithTimeout bounds each call (all its attempts together) to d. Default:
// no timeout beyond the caller's context. The call returns at the
// deadline even if the function ignores its context; the function's
// concurrency slot is released only when it really returns.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.fail(fmt.Errorf("tool: timeout must be >= 0, got %s", d))
		}
		o.timeout = d
	}
}

// WithTimeoutBehavior chooses what a timeout means; default
// [TimeoutAsResult].
func WithTimeoutBehavior(b TimeoutBehavior) Option {
	return func(o *options) {
		if b != TimeoutAsResult && b != TimeoutFails {
			o.fail(fmt.Errorf("tool: unknown timeout behavior %d", b))
		}
		o.onTimeout = b
	}
}

// WithRetry runs the function up to attempts times while it returns
// errors marked with [Transient], waiting an exponential backoff that
// starts at base, doubles, is capped at 30×base, and carries ±50% jitter.
// Default: 1 attempt (no retries).
func WithRetry(attempts int, base time.Duration) Option {
	return func(o *options) {
		if attempts < 1 {
			o.fail(fmt.Errorf("tool: retry attempts must be >= 1, got %d", attempts))
		}
		if base <= 0 {
			o.fail(fmt.Errorf("tool: retry base backoff must be > 0, got %s", base))
		}
		o.attempts, o.backoff, o.maxBackoff = attempts, base, 30*base
	}
}

// WithClose sets the function Close runs (once) to release resources.
func WithClose(fn func() error) Option {
	return func(o *options) { o.closeFn = fn }
}

// configSpec is a typed configuration: its schema and how to apply it.
type configSpec struct {
	schema    json.RawMessage
	validator *Validator
	apply     func(ctx context.Context, raw json.RawMessage) error
}

// WithConfig gives the tool a typed configuration C. Initialize validates
// the config map against C's JSON Schema (unknown keys and missing
// required keys are [*ConfigError]s naming the key), decodes it into a C
// and calls apply. A tool with a config must be initialized before
// Execute, which otherwise returns [ErrNotInitialized].
func WithConfig[C any](apply func(ctx context.Context, cfg C) error) Option {
	return func(o *options) {
		if apply == nil {
			o.fail(fmt.Errorf("tool: WithConfig: apply is nil"))
			return
		}
		schema, err := schemaForType(reflect.TypeFor[C]())
		if err != nil {
			o.fail(err)
			return
		}
		v, err := NewValidator(schema)
		if err != nil {
			o.fail(err)
			return
		}
		o.config = &configSpec{schema: schema, validator: v, apply: func(ctx context.Context, raw json.RawMessage) error {
			var cfg C
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return err
			}
			return apply(ctx, cfg)
		}}
	}
}
