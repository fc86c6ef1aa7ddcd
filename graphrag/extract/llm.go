package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// LLMExtractor extracts entities and relations with a chat model,
// constrained by an ontology. It is safe for concurrent use.
//
// Every chunk of a document is sent at once (or WithConcurrency at a
// time); the model client paces and bounds the calls (llm/openai's
// apiclient: rate limits, concurrency, retries honouring retry-after).
// Identical chunks in flight at the same time, in one document or across
// concurrent Extract calls, share one request; with WithCache, chunks seen
// before cost no request at all.
type LLMExtractor struct {
	model     llm.ChatModel
	cfg       *config
	val       *validator
	prompt    *prompter
	ontHash   string
	modelName string

	mu       sync.Mutex
	inflight map[string]*flight
	onShare  func() // test hook: a chunk joined a request in flight
}

// flight is a request shared by identical chunks.
type flight struct {
	done chan struct{}
	run  chunkRun
}

// NewLLMExtractor returns an extractor that asks model, constrained by
// ont (copied: later changes to ont do not affect it).
func NewLLMExtractor(model llm.ChatModel, ont *kg.Ontology, opts ...Option) (*LLMExtractor, error) {
	if model == nil {
		return nil, fmt.Errorf("extract: NewLLMExtractor: model is nil")
	}
	o, err := copyOntology(ont)
	if err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	p, err := newPrompter(o, cfg.output)
	if err != nil {
		return nil, err
	}
	name := cfg.model
	if named, ok := model.(interface{ ChatModelName() string }); ok && name == "" {
		name = named.ChatModelName()
	}
	return &LLMExtractor{model: model, cfg: cfg, val: newValidator(o, cfg), prompt: p,
		ontHash: OntologyHash(o), modelName: name, inflight: map[string]*flight{}}, nil
}

// Request returns the first-pass chat request for a chunk's text: the
// ontology in the system prompt and, with OutputSchema, in the response
// format's JSON Schema.
func (x *LLMExtractor) Request(text string) llm.ChatRequest {
	req := llm.ChatRequest{
		Model:          x.cfg.model,
		Messages:       []llm.Message{llm.System(x.prompt.system), llm.User(userPrompt(text))},
		ResponseFormat: x.prompt.format,
		MaxTokens:      x.cfg.maxTokens,
	}
	if t := x.cfg.temperature; t >= 0 {
		req.Temperature = &t
	}
	return req
}

func (d *Document) validate() error {
	if d.ID == "" {
		return fmt.Errorf("%w (Document.ID)", errNoDocumentID)
	}
	return nil
}

// Extract implements Extractor.
func (x *LLMExtractor) Extract(ctx context.Context, doc Document) (*Result, error) {
	if err := doc.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	chunks, err := x.cfg.chunker.Chunk(doc.ID, doc.Text)
	if err != nil {
		return nil, err
	}
	tChunk := time.Now()
	runs := make([]chunkRun, len(chunks))
	fanOut(ctx, len(chunks), x.cfg.concurrency, func(i int) { runs[i] = x.runChunk(ctx, &chunks[i]) },
		func(i int) { runs[i] = failedRun(ctx.Err()) })
	tExtract := time.Now()
	res := assemble(ctx, x.val, x.cfg, doc, chunks, runs)
	res.Timings.Chunking = tChunk.Sub(start)
	res.Timings.Extraction = tExtract.Sub(tChunk)
	res.Timings.Total = time.Since(start)
	res.Timings.Validation = res.Timings.Total - res.Timings.Chunking - res.Timings.Extraction - res.Timings.Resolution
	return res, ctx.Err()
}

// fanOut runs work(i) for i in [0, n) on min(n, limit) goroutines (n when
// limit is 0), in index order; once ctx ends, the indexes not started get
// cancel(i) instead.
func fanOut(ctx context.Context, n, limit int, work, cancel func(i int)) {
	workers := n
	if limit > 0 && limit < n {
		workers = limit
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if ctx.Err() != nil {
					cancel(i)
					continue
				}
				work(i)
			}
		})
	}
	wg.Wait()
}

func failedRun(err error) chunkRun {
	return chunkRun{outcome: ChunkOutcome{Status: ChunkFailed, Err: err}}
}

// runChunk gets the chunk's replies: from the cache, from an identical
// chunk in flight, or from the model.
func (x *LLMExtractor) runChunk(ctx context.Context, ch *Chunk) chunkRun {
	if strings.TrimSpace(ch.Text) == "" {
		return chunkRun{outcome: ChunkOutcome{Status: ChunkSkipped}}
	}
	key := CacheKey(ch.Text, x.ontHash, x.modelName, x.cfg.output, x.cfg.gleaning)
	if x.cfg.cache != nil {
		e, ok, err := x.cfg.cache.Get(ctx, key)
		if err != nil {
			x.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "extract: cache get", slog.String("chunk", ch.ID), slog.String("error", err.Error()))
		}
		if ok {
			return chunkRun{outcome: ChunkOutcome{Status: ChunkOK, Cached: true}, replies: e.Replies}
		}
	}
	for {
		x.mu.Lock()
		f, shared := x.inflight[key]
		if !shared {
			f = &flight{done: make(chan struct{})}
			x.inflight[key] = f
		}
		x.mu.Unlock()
		if !shared {
			f.run = x.call(ctx, ch.Text)
			x.mu.Lock()
			delete(x.inflight, key)
			x.mu.Unlock()
			close(f.done)
			if x.cfg.cache != nil && f.run.outcome.Status == ChunkOK && !f.run.outcome.Truncated {
				e := CacheEntry{Replies: f.run.replies, Usage: f.run.outcome.Usage, Model: x.modelName}
				if err := x.cfg.cache.Put(ctx, key, e); err != nil {
					x.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "extract: cache put", slog.String("chunk", ch.ID), slog.String("error", err.Error()))
				}
			}
			return f.run
		}
		if x.onShare != nil {
			x.onShare()
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return failedRun(ctx.Err())
		}
		if err := f.run.outcome.Err; err != nil && isContextErr(err) && ctx.Err() == nil {
			continue // the leader's caller gave up; ask again ourselves
		}
		run := f.run // the leader paid: no usage, no calls here
		run.outcome.Usage, run.outcome.Calls, run.outcome.Duration = llm.Usage{}, 0, 0
		run.outcome.Cached = run.outcome.Status != ChunkFailed
		return run
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// call asks the model about text: the first pass, then the gleaning
// rounds in the same conversation.
func (x *LLMExtractor) call(ctx context.Context, text string) chunkRun {
	start := time.Now()
	var run chunkRun
	o := &run.outcome
	req := x.Request(text)
	for round := 0; round <= x.cfg.gleaning; round++ {
		if round > 0 {
			req.Messages = append(req.Messages, llm.Assistant(run.replies[len(run.replies)-1]), llm.User(GleaningPrompt))
		}
		resp, err := x.model.Chat(ctx, req)
		o.Calls++
		o.Usage.PromptTokens += resp.Usage.PromptTokens
		o.Usage.CompletionTokens += resp.Usage.CompletionTokens
		o.Usage.TotalTokens += resp.Usage.TotalTokens
		if err == nil && resp.FinishReason == llm.FinishLength {
			o.Truncated = true
		}
		if err == nil {
			if _, perr := ParseReply(resp.Message.Content); perr != nil {
				err = perr
			}
		}
		if err != nil {
			if round == 0 {
				o.Status, o.Err = ChunkFailed, err
			} else {
				o.Status, o.Err = ChunkPartial, fmt.Errorf("gleaning round %d: %w", round, err)
			}
			break
		}
		run.replies = append(run.replies, resp.Message.Content)
		o.Status = ChunkOK
	}
	o.Duration = time.Since(start)
	return run
}
