package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Func is a Tool built by [New], [NewRaw] or [Wrap]: a function plus the
// framework's policy (validation, dry runs, timeout, concurrency bound,
// retries, panic recovery). It is safe for concurrent use.
type Func struct {
	meta      Metadata
	caps      Capabilities
	in, out   json.RawMessage
	validator *Validator
	prepare   func(input json.RawMessage) (call, error)
	opts      options
	initFn    func(ctx context.Context, cfg Config) error
	closeFn   func() error
	sem       chan struct{} // nil when unbounded
	state     atomic.Int32  // stateNew, stateReady, stateClosed
	calls     inFlight      // calls whose function has not returned
	needInit  bool
	closeOnce sync.Once
}

const (
	stateNew int32 = iota
	stateReady
	stateClosed
)

// New builds a Tool from a typed Go function. In must be a struct (or a
// map with string keys); its JSON Schema, made by [SchemaFor], is the
// tool's input schema, and Out's is its output schema. Use struct{} for a
// tool with no input: empty input and JSON null are then accepted.
//
// The input is validated against the schema before it is decoded; see the
// package documentation for the policy options.
func New[In, Out any](meta Metadata, fn func(ctx context.Context, in In) (Out, error), opts ...Option) (*Func, error) {
	if fn == nil {
		return nil, fmt.Errorf("tool %q: function is nil", meta.ID)
	}
	inType := reflect.TypeFor[In]()
	base := inType
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Kind() != reflect.Struct && (base.Kind() != reflect.Map || base.Key().Kind() != reflect.String) {
		return nil, fmt.Errorf("tool %q: input type %s must be a struct or a map with string keys", meta.ID, inType)
	}
	in, err := schemaForType(inType)
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	if outType := reflect.TypeFor[Out](); outType.Kind() != reflect.Interface {
		if out, err = schemaForType(outType); err != nil {
			return nil, err
		}
	}
	prepare := func(input json.RawMessage) (call, error) {
		v, err := decodeInput[In](input)
		if err != nil {
			return nil, &InputError{ToolID: meta.ID, Violations: []Violation{decodeViolation(err)}}
		}
		return func(ctx context.Context) (any, error) { return fn(ctx, v) }, nil
	}
	return build(meta, in, out, prepare, opts)
}

// NewRaw builds a Tool from a function of raw JSON input with a
// hand-written input schema (nil means "takes no input"). The input is
// validated against the schema before fn sees it.
func NewRaw(meta Metadata, schema json.RawMessage, fn func(ctx context.Context, input json.RawMessage) (any, error), opts ...Option) (*Func, error) {
	if fn == nil {
		return nil, fmt.Errorf("tool %q: function is nil", meta.ID)
	}
	if len(schema) == 0 {
		schema = emptyObjectSchema
	}
	return build(meta, schema, nil, rawCall(fn), opts)
}

// Must returns t, or panics with err: for tools built at init time, where
// an error is a programming error.
func Must(t *Func, err error) *Func {
	if err != nil {
		panic(err)
	}
	return t
}

// Wrap applies the framework's policy to a hand-written Tool: its input
// is validated against its InputSchema, dry runs are answered without
// calling it, and the options' timeout, retries and concurrency bound
// (default: the tool's own Capabilities) apply; panics become error
// results. Initialize and Close are passed through. Wrapping a *Func with
// no options returns it unchanged.
func Wrap(t Tool, opts ...Option) (Tool, error) {
	if t == nil {
		return nil, errors.New("tool: Wrap: tool is nil")
	}
	if f, ok := t.(*Func); ok && len(opts) == 0 {
		return f, nil
	}
	caps := t.Capabilities()
	opts = append([]Option{WithCapabilities(caps)}, opts...)
	run := rawCall(func(ctx context.Context, input json.RawMessage) (any, error) {
		r := t.Execute(ctx, input)
		if r.Status != StatusSuccess {
			if r.Err == nil {
				return nil, fmt.Errorf("tool %q: failed without an error", t.Metadata().ID)
			}
			return nil, r.Err
		}
		return r.Data, nil
	})
	f, err := build(t.Metadata(), t.InputSchema(), t.OutputSchema(), run, opts)
	if err != nil {
		return nil, err
	}
	f.initFn = t.Initialize
	f.closeFn = t.Close
	f.needInit = false
	return f, nil
}

// call is one prepared invocation: the input is already decoded, so the
// goroutine that runs it does not grow its stack decoding.
type call func(ctx context.Context) (any, error)

func rawCall(fn func(context.Context, json.RawMessage) (any, error)) func(json.RawMessage) (call, error) {
	return func(input json.RawMessage) (call, error) {
		return func(ctx context.Context) (any, error) { return fn(ctx, input) }, nil
	}
}

func build(meta Metadata, in, out json.RawMessage, prepare func(json.RawMessage) (call, error), opts []Option) (*Func, error) {
	if meta.Name == "" {
		meta.Name = meta.ID
	}
	meta.Tags = append([]string(nil), meta.Tags...)
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	o := options{attempts: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if o.optionError != nil {
		return nil, fmt.Errorf("tool %q: %w", meta.ID, o.optionError)
	}
	v, err := NewValidator(in)
	if err != nil {
		return nil, fmt.Errorf("tool %q: input schema: %w", meta.ID, err)
	}
	caps := Capabilities{Async: true, Concurrent: true}
	if o.caps != nil {
		caps = *o.caps
	}
	f := &Func{meta: meta, caps: caps, in: in, out: out, validator: v, prepare: prepare, opts: o, closeFn: o.closeFn}
	if n := caps.Limit(); n > 0 {
		f.sem = make(chan struct{}, n)
	}
	if o.config != nil {
		f.needInit = true
		f.initFn = f.applyConfig
	}
	return f, nil
}

// Metadata implements Tool.
func (f *Func) Metadata() Metadata {
	m := f.meta
	m.Tags = append([]string(nil), m.Tags...)
	return m
}

// Capabilities implements Tool.
func (f *Func) Capabilities() Capabilities { return f.caps }

// InputSchema implements Tool.
func (f *Func) InputSchema() json.RawMessage { return f.in }

// OutputSchema implements Tool.
func (f *Func) OutputSchema() json.RawMessage { return f.out }

// ConfigSchema returns the JSON Schema of the tool's configuration, or nil
// when it takes none.
func (f *Func) ConfigSchema() json.RawMessage {
	if f.opts.config == nil {
		return nil
	}
	return f.opts.config.schema
}

// Validate checks input against the input schema without running
// anything; the error is an *InputError.
func (f *Func) Validate(input json.RawMessage) error {
	_, err := f.parse(input)
	return err
}

func (f *Func) parse(input json.RawMessage) (json.RawMessage, error) {
	norm, err := f.validator.parse(input)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			ie.ToolID = f.meta.ID
		}
		return nil, err
	}
	return norm, nil
}

// Initialize implements Tool. Without a config (see [WithConfig]) any key
// is unknown and an error.
func (f *Func) Initialize(ctx context.Context, cfg Config) error {
	if f.state.Load() == stateClosed {
		return fmt.Errorf("tool %q: %w", f.meta.ID, ErrClosed)
	}
	switch {
	case f.initFn != nil:
		if err := f.initFn(ctx, cfg); err != nil {
			return err
		}
	case len(cfg) > 0:
		keys := make([]string, 0, len(cfg))
		for k := range cfg {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return &ConfigError{ToolID: f.meta.ID, Key: keys[0], Reason: "unknown key (the tool takes no configuration)"}
	}
	f.state.CompareAndSwap(stateNew, stateReady)
	return nil
}

func (f *Func) applyConfig(ctx context.Context, cfg Config) error {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return &ConfigError{ToolID: f.meta.ID, Reason: "not JSON-encodable: " + err.Error()}
	}
	norm, err := f.opts.config.validator.parse(raw)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			errs := make([]error, len(ie.Violations))
			for i, v := range ie.Violations {
				// Configuration holds secrets: say what was expected,
				// never echo the value that was given.
				reason, _, _ := strings.Cut(v.Message, ", got ")
				if v.Rule == "additionalProperties" {
					reason = "unknown key"
				}
				errs[i] = &ConfigError{ToolID: f.meta.ID, Key: v.Field, Reason: reason}
			}
			return errors.Join(errs...)
		}
		return &ConfigError{ToolID: f.meta.ID, Reason: err.Error()}
	}
	if err := f.opts.config.apply(ctx, norm); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return err
		}
		return &ConfigError{ToolID: f.meta.ID, Reason: err.Error()}
	}
	return nil
}

// Close implements Tool: new calls fail with ErrClosed at once, Close waits
// for the calls in flight to return (a call abandoned at its timeout counts
// until its function really returns), then runs the close function, once.
// Later calls return nil.
func (f *Func) Close() error {
	var err error
	f.closeOnce.Do(func() {
		f.state.Store(stateClosed)
		f.calls.closeAndWait()
		if f.closeFn != nil {
			err = f.closeFn()
		}
	})
	return err
}

// inFlight counts running calls so that Close can wait for them.
type inFlight struct {
	mu     sync.Mutex
	cond   *sync.Cond
	n      int
	closed bool
}

// enter registers a call; false once closing has begun.
func (c *inFlight) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.n++
	return true
}

// leave ends a call registered by enter.
func (c *inFlight) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n--
	if c.n == 0 && c.cond != nil {
		c.cond.Broadcast()
	}
}

// closeAndWait refuses new calls and waits for the running ones.
func (c *inFlight) closeAndWait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.cond == nil {
		c.cond = sync.NewCond(&c.mu)
	}
	for c.n > 0 {
		c.cond.Wait()
	}
}
