package extract

import (
	"fmt"
	"log/slog"
)

// OutputMode says how an LLM request constrains the reply's shape.
type OutputMode int

const (
	// OutputSchema sends a JSON Schema response format whose enums list
	// the ontology's entity types and, per relation type, its allowed
	// source and target types (structured output). The default.
	OutputSchema OutputMode = iota
	// OutputJSONObject asks for any JSON object (JSON mode) and describes
	// the shape and the ontology in the prompt.
	OutputJSONObject
	// OutputPrompt sets no response format: for providers that support
	// neither; the prompt alone describes the shape and the ontology.
	OutputPrompt
)

// String names the mode.
func (m OutputMode) String() string {
	switch m {
	case OutputSchema:
		return "schema"
	case OutputJSONObject:
		return "json_object"
	case OutputPrompt:
		return "prompt"
	}
	return fmt.Sprintf("OutputMode(%d)", int(m))
}

// Option configures NewLLMExtractor and NewRuleExtractor. Options only an
// LLM extractor uses (marked "LLM only") are accepted and ignored by the
// rule extractor.
type Option func(*config) error

type config struct {
	chunker          *Chunker
	concurrency      int
	output           OutputMode
	gleaning         int
	lenient          bool
	flip             bool
	requireGrounding bool
	cache            Cache
	model            string
	maxTokens        int
	temperature      float64
	resolver         *Resolver
	logger           *slog.Logger
}

func newConfig(opts []Option) (*config, error) {
	c := &config{flip: true, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.chunker == nil {
		ch, err := NewChunker()
		if err != nil {
			return nil, err
		}
		c.chunker = ch
	}
	return c, nil
}

// WithChunker sets how documents are split (default: NewChunker() with
// its defaults, DefaultChunkSize bytes and no overlap).
func WithChunker(c *Chunker) Option {
	return func(cfg *config) error {
		if c == nil {
			return fmt.Errorf("extract: WithChunker: chunker is nil")
		}
		cfg.chunker = c
		return nil
	}
}

// WithConcurrency bounds how many chunks are extracted at once (LLM
// only). The default, 0, starts every chunk at once and lets the model
// client's concurrency bound and pacing (apiclient under llm/openai)
// decide; 1 extracts chunk after chunk.
func WithConcurrency(n int) Option {
	return func(cfg *config) error {
		if n < 0 {
			return fmt.Errorf("extract: WithConcurrency(%d): must not be negative", n)
		}
		cfg.concurrency = n
		return nil
	}
}

// WithOutputMode sets how requests constrain replies (LLM only; default
// OutputSchema).
func WithOutputMode(m OutputMode) Option {
	return func(cfg *config) error {
		if m < OutputSchema || m > OutputPrompt {
			return fmt.Errorf("extract: WithOutputMode(%d): unknown mode", int(m))
		}
		cfg.output = m
		return nil
	}
}

// WithGleaning adds up to rounds follow-up requests per chunk asking the
// model for entities and relations it missed (LLM only; default 0, off).
// Each round continues the chunk's conversation; a failed round keeps
// what earlier rounds found and marks the chunk ChunkPartial.
func WithGleaning(rounds int) Option {
	return func(cfg *config) error {
		if rounds < 0 || rounds > 5 {
			return fmt.Errorf("extract: WithGleaning(%d): must be between 0 and 5", rounds)
		}
		cfg.gleaning = rounds
		return nil
	}
}

// WithLenient keeps items that break the ontology (unknown types,
// relations outside their domain and range, missing required or invalid
// properties) and flags them (Entity.Flags, Relation.Flags, ActionFlagged
// issues) instead of pruning them. Default false (strict). Entities with
// no name or no type, relations whose endpoints are not extracted
// entities, and self-loops are pruned in both modes.
func WithLenient(on bool) Option { return func(cfg *config) error { cfg.lenient = on; return nil } }

// WithFlipReversed sets what happens to a relation that is valid only in
// the other direction ("Statoil drilled_by 15/9-13" for Well drilled_by
// Company): reversed and reported as ActionFlipped (true, the default), or
// treated as invalid (false: pruned, or flagged when lenient).
func WithFlipReversed(on bool) Option { return func(cfg *config) error { cfg.flip = on; return nil } }

// WithRequireGrounding prunes entities none of whose mentions is found in
// the chunk's text (default false: such mentions are only flagged).
func WithRequireGrounding(on bool) Option {
	return func(cfg *config) error { cfg.requireGrounding = on; return nil }
}

// WithCache reuses model replies for unchanged chunks (LLM only; default
// none). Entries are keyed by the chunk text, the ontology, the model,
// the output mode, gleaning and PromptVersion.
func WithCache(c Cache) Option {
	return func(cfg *config) error {
		if c == nil {
			return fmt.Errorf("extract: WithCache: cache is nil")
		}
		cfg.cache = c
		return nil
	}
}

// WithModel sets ChatRequest.Model (LLM only; default "": the client's
// default model, whose name is taken for cache keys from a
// ChatModelName() method when the model has one).
func WithModel(name string) Option { return func(cfg *config) error { cfg.model = name; return nil } }

// WithMaxTokens bounds each reply's completion tokens (LLM only; default
// 0: the provider's default). Token-rate pacing charges this allowance per
// request, so a tight value admits more requests per minute; a reply cut
// short keeps its complete items.
func WithMaxTokens(n int) Option {
	return func(cfg *config) error {
		if n < 0 {
			return fmt.Errorf("extract: WithMaxTokens(%d): must not be negative", n)
		}
		cfg.maxTokens = n
		return nil
	}
}

// WithTemperature sets the sampling temperature, in [0, 2] (LLM only;
// default 0). A negative t sends none, leaving the provider's default (for
// models that accept no other, such as reasoning models).
func WithTemperature(t float64) Option {
	return func(cfg *config) error {
		if t > 2 {
			return fmt.Errorf("extract: WithTemperature(%v): must be at most 2", t)
		}
		cfg.temperature = t
		return nil
	}
}

// WithResolver merges near-duplicate entities of the result with r after
// the exact merge by EntityID (default: none, exact merge only).
func WithResolver(r *Resolver) Option {
	return func(cfg *config) error {
		if r == nil {
			return fmt.Errorf("extract: WithResolver: resolver is nil")
		}
		cfg.resolver = r
		return nil
	}
}

// WithLogger logs failed chunks and cache problems (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l == nil {
			return fmt.Errorf("extract: WithLogger: logger is nil")
		}
		cfg.logger = l
		return nil
	}
}
