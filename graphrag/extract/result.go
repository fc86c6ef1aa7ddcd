package extract

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
)

// Document is the input of an Extractor.
type Document struct {
	// ID identifies the document; chunk IDs derive from it. Required.
	ID string `json:"id"`
	// Text is the document's content.
	Text string `json:"text"`
}

// Extractor turns a document into entities and relations. Both the LLM
// extractor (NewLLMExtractor) and the offline rule extractor
// (NewRuleExtractor) implement it.
//
// Extract returns an error only for invalid input, or together with the
// partial result when ctx ends. A chunk that fails (its request failed
// after retries, its reply could not be parsed) is recorded in
// Result.Chunks with its error; the other chunks' results are kept.
type Extractor interface {
	Extract(ctx context.Context, doc Document) (*Result, error)
}

// Mention is one occurrence of an entity in the source document.
type Mention struct {
	ChunkID string `json:"chunk_id"`
	// Text is the source's text at [Start, End) when Grounded; otherwise
	// the text the model claimed.
	Text string `json:"text"`
	// Start and End are byte offsets in the document (chunk start plus
	// the offset within the chunk); -1 when not Grounded.
	Start int `json:"start"`
	End   int `json:"end"`
	// Grounded reports that the mention was found in the chunk's text.
	Grounded bool `json:"grounded"`
	// Corrected reports that the model's offsets were wrong and the
	// mention was located in the text instead.
	Corrected bool `json:"corrected,omitempty"`
}

// Entity is an extracted entity, merged over every chunk that mentions it.
type Entity struct {
	// ID is EntityID(Type, Name): stable across runs and documents, usable
	// as a kg.Node ID.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Name is the first name seen (or, for gazetteer matches, the
	// ontology's spelling).
	Name string `json:"name"`
	// Aliases are other surface forms merged into this entity.
	Aliases    []string       `json:"aliases,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Mentions   []Mention      `json:"mentions,omitempty"`
	// ChunkIDs are the chunks the entity was found in, in document order.
	ChunkIDs []string `json:"chunk_ids,omitempty"`
	// Flags lists the ontology rules the entity breaks (lenient mode).
	Flags []Reason `json:"flags,omitempty"`
}

// Relation is an extracted relation between two entities.
type Relation struct {
	// ID is kg.EdgeID(From, Type, To).
	ID   string `json:"id"`
	Type string `json:"type"`
	// From and To are entity IDs.
	From       string         `json:"from"`
	To         string         `json:"to"`
	Properties map[string]any `json:"properties,omitempty"`
	ChunkIDs   []string       `json:"chunk_ids,omitempty"`
	// Flipped reports that the model gave the relation in the wrong
	// direction and it was reversed (WithFlipReversed).
	Flipped bool `json:"flipped,omitempty"`
	// Flags lists the ontology rules the relation breaks (lenient mode).
	Flags []Reason `json:"flags,omitempty"`
}

// ChunkStatus is how a chunk's extraction ended.
type ChunkStatus string

// Chunk statuses.
const (
	// ChunkOK: extracted (from the model, the cache, or the rules).
	ChunkOK ChunkStatus = "ok"
	// ChunkPartial: the first pass succeeded and a gleaning pass failed;
	// the first pass's results are kept and Err says what failed.
	ChunkPartial ChunkStatus = "partial"
	// ChunkFailed: nothing could be extracted; Err says why.
	ChunkFailed ChunkStatus = "failed"
	// ChunkSkipped: the chunk holds only whitespace; nothing was sent.
	ChunkSkipped ChunkStatus = "skipped"
)

// ChunkOutcome reports one chunk's extraction.
type ChunkOutcome struct {
	ChunkID string      `json:"chunk_id"`
	Index   int         `json:"index"`
	Status  ChunkStatus `json:"status"`
	// Err is set for ChunkFailed and ChunkPartial.
	Err error `json:"-"`
	// Error is Err's message, for JSON.
	Error string `json:"error,omitempty"`
	// Cached reports that the model's replies came from the cache or from
	// an identical chunk already in flight (no tokens spent).
	Cached bool `json:"cached,omitempty"`
	// Calls is the number of model calls made (first pass and gleaning).
	Calls int `json:"calls,omitempty"`
	// Truncated reports a reply cut short (finish reason "length" or an
	// unterminated JSON value); the complete items were kept.
	Truncated bool `json:"truncated,omitempty"`
	// Entities and Relations count what the chunk contributed after
	// validation, before merging.
	Entities  int `json:"entities"`
	Relations int `json:"relations"`
	// Pruned and Flagged count the chunk's issues by reason.
	Pruned  map[Reason]int `json:"pruned,omitempty"`
	Flagged map[Reason]int `json:"flagged,omitempty"`
	Usage   llm.Usage      `json:"usage"`
	// Duration is the time from the chunk's first call to its last reply.
	Duration time.Duration `json:"duration_ns"`
}

// Timings break an extraction's wall time down.
type Timings struct {
	// Chunking is the time to split the document.
	Chunking time.Duration `json:"chunking_ns"`
	// Extraction is the wall time of the per-chunk work (model calls or
	// rules), all chunks together.
	Extraction time.Duration `json:"extraction_ns"`
	// Validation covers parsing, validation, grounding and exact merging.
	Validation time.Duration `json:"validation_ns"`
	// Resolution is the fuzzy resolver's time (0 without one).
	Resolution time.Duration `json:"resolution_ns"`
	// Total is the whole Extract call.
	Total time.Duration `json:"total_ns"`
}

// Result is what an extraction found in one document.
type Result struct {
	DocumentID string `json:"document_id"`
	// Chunks are the document's chunks, in order.
	Chunks []Chunk `json:"chunks"`
	// Outcomes has one entry per chunk, in chunk order.
	Outcomes  []ChunkOutcome `json:"outcomes"`
	Entities  []Entity       `json:"entities"`
	Relations []Relation     `json:"relations"`
	// Issues lists everything pruned, flagged, flipped or corrected.
	Issues []Issue `json:"issues,omitempty"`
	// Merges lists the fuzzy resolver's merges (WithResolver).
	Merges []Merge `json:"merges,omitempty"`
	// ResolutionErr is set when the resolver failed (an embedding call);
	// the entities are then merged exactly only.
	ResolutionErr error `json:"-"`
	// Usage sums the tokens of every model call.
	Usage   llm.Usage `json:"usage"`
	Timings Timings   `json:"timings"`
}

// Failed returns the outcomes of failed and partial chunks.
func (r *Result) Failed() []ChunkOutcome {
	var out []ChunkOutcome
	for _, o := range r.Outcomes {
		if o.Status == ChunkFailed || o.Status == ChunkPartial {
			out = append(out, o)
		}
	}
	return out
}

// Err joins the errors of failed and partial chunks, each prefixed with the
// chunk ID; nil when every chunk succeeded.
func (r *Result) Err() error {
	var errs []error
	for _, o := range r.Failed() {
		errs = append(errs, fmt.Errorf("chunk %s: %w", o.ChunkID, o.Err))
	}
	return errors.Join(errs...)
}

// Counts returns how many issues were recorded per action and reason.
func (r *Result) Counts() map[Action]map[Reason]int {
	out := map[Action]map[Reason]int{}
	for _, is := range r.Issues {
		if out[is.Action] == nil {
			out[is.Action] = map[Reason]int{}
		}
		out[is.Action][is.Reason]++
	}
	return out
}

// Entity returns the entity with the given ID.
func (r *Result) Entity(id string) (Entity, bool) {
	i := slices.IndexFunc(r.Entities, func(e Entity) bool { return e.ID == id })
	if i < 0 {
		return Entity{}, false
	}
	return r.Entities[i], true
}

// Nodes converts the entities to graph nodes: ID, type, name, a copy of
// the properties (plus "aliases" when there are any) and chunk IDs.
func (r *Result) Nodes() []kg.Node {
	out := make([]kg.Node, len(r.Entities))
	for i, e := range r.Entities {
		out[i] = e.Node()
	}
	return out
}

// Node converts e to a graph node (see Result.Nodes).
func (e *Entity) Node() kg.Node {
	props := maps.Clone(e.Properties)
	if len(e.Aliases) > 0 {
		if props == nil {
			props = map[string]any{}
		}
		aliases := make([]any, len(e.Aliases))
		for i, a := range e.Aliases {
			aliases[i] = a
		}
		props["aliases"] = aliases
	}
	return kg.Node{ID: e.ID, Type: e.Type, Name: e.Name, Properties: props, ChunkIDs: slices.Clone(e.ChunkIDs)}
}

// Edges converts the relations to graph edges.
func (r *Result) Edges() []kg.Edge {
	out := make([]kg.Edge, len(r.Relations))
	for i, rel := range r.Relations {
		out[i] = kg.Edge{ID: rel.ID, From: rel.From, To: rel.To, Type: rel.Type,
			Properties: maps.Clone(rel.Properties), ChunkIDs: slices.Clone(rel.ChunkIDs)}
	}
	return out
}

// KGChunks converts the chunks to graph chunks (without embeddings).
func (r *Result) KGChunks() []kg.Chunk {
	out := make([]kg.Chunk, len(r.Chunks))
	for i := range r.Chunks {
		out[i] = r.Chunks[i].KG()
	}
	return out
}
