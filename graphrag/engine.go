package graphrag

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// Engine runs GraphRAG queries over a kg.Store. It is safe for
// concurrent use. Create one with New and release it with Close.
type Engine struct {
	store kg.Store
	emb   llm.Embedder
	// cache is the CachedEmbedder New created (closed by Close); nil when
	// the caller's embedder is used as given.
	cache *llm.CachedEmbedder
	cfg   config
	log   *slog.Logger

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// ErrClosed is returned by Query after Close.
var ErrClosed = errors.New("graphrag: engine closed")

// New returns an Engine on store, embedding questions (and chunks that
// have no stored embedding) with emb. emb must be the embedder the store's
// node embeddings were made with, from NodeText.
//
// Unless WithoutEmbeddingCache is given, emb is wrapped in an
// llm.CachedEmbedder (when it is not one already), which Close releases.
// The store stays the caller's: Close does not close it.
func New(store kg.Store, emb llm.Embedder, opts ...Option) (*Engine, error) {
	if store == nil {
		return nil, invalid("store", "is nil")
	}
	if emb == nil {
		return nil, invalid("emb", "is nil")
	}
	if emb.Dimension() <= 0 {
		return nil, invalid("emb", "dimension %d is not positive", emb.Dimension())
	}
	cfg := defaultConfig()
	for i, o := range opts {
		if o == nil {
			return nil, invalid(fmt.Sprintf("opts[%d]", i), "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	e := &Engine{store: store, emb: emb, cfg: cfg, log: cfg.logger}
	if _, cached := emb.(*llm.CachedEmbedder); !cached && !cfg.noCache {
		c, err := llm.NewCachedEmbedder(emb, cfg.cacheOpts...)
		if err != nil {
			return nil, fmt.Errorf("graphrag: embedding cache: %w", err)
		}
		e.cache, e.emb = c, c
	}
	return e, nil
}

// Close releases what the Engine owns (the embedding cache New created);
// queries still running then fail. It does not close the store or the
// caller's embedder. Later calls return the first call's result.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	e.closeOnce.Do(func() {
		e.closed.Store(true)
		if e.cache != nil {
			e.closeErr = e.cache.Close()
		}
	})
	return e.closeErr
}

// Store returns the store the Engine reads.
func (e *Engine) Store() kg.Store { return e.store }

// Embedder returns the embedder the Engine uses (the cache around the
// caller's embedder, unless WithoutEmbeddingCache).
func (e *Engine) Embedder() llm.Embedder { return e.emb }

// QueryDefaults returns the options Query uses for a nil *QueryOptions:
// a copy to modify and pass to Query.
func (e *Engine) QueryDefaults() QueryOptions {
	q := e.cfg.queryDef
	q.EdgeTypes = slices.Clone(q.EdgeTypes)
	return q
}

// Node text limits.
const (
	nodeTextProps    = 8   // properties NodeText includes
	nodeTextValueLen = 120 // bytes of one property value
)

// NodeText is the text a node is embedded from, and the text the query
// compares with the question: its type and name, then up to 8 properties
// in key order as "key value" pairs, each value cut at 120 bytes (nested
// values as compact JSON). For example:
//
//	Well 41/7-3: spud_date 2 February 2000; total_depth_m 2880
//
// Ingest embeds nodes from this text, so that queries and stored vectors
// agree.
func NodeText(n kg.Node) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(n.Type))
	if name := strings.TrimSpace(n.Name); name != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
	}
	keys := make([]string, 0, len(n.Properties))
	for k := range n.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > nodeTextProps {
		keys = keys[:nodeTextProps]
	}
	for i, k := range keys {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteByte(' ')
		b.WriteString(valueText(n.Properties[k], nodeTextValueLen))
	}
	return b.String()
}

// valueText renders a JSON-like value: strings as they are, other values
// as compact JSON, cut at max bytes (at a rune boundary).
func valueText(v any, max int) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case nil:
		s = "null"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// utf8Start reports whether b starts a UTF-8 encoded rune.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
