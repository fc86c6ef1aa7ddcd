package kg

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Node is an entity of the graph.
type Node struct {
	// ID is unique in a store.
	ID string `json:"id"`
	// Type is the entity type (an Ontology entity type when one is set).
	Type string `json:"type"`
	// Name is the entity's display name.
	Name string `json:"name,omitempty"`
	// Properties are the entity's attributes (JSON values).
	Properties map[string]any `json:"properties,omitempty"`
	// Embedding is the node's vector; nil when it has none.
	Embedding []float32 `json:"embedding,omitempty"`
	// ChunkIDs are the chunks the node was found in (its support).
	ChunkIDs []string `json:"chunk_ids,omitempty"`
}

// Edge is a typed, directed relation between two nodes.
type Edge struct {
	// ID is unique in a store; EdgeID derives a stable one.
	ID string `json:"id"`
	// From and To are node IDs.
	From string `json:"from"`
	To   string `json:"to"`
	// Type is the relation type.
	Type string `json:"type"`
	// Properties are the relation's attributes.
	Properties map[string]any `json:"properties,omitempty"`
	// ChunkIDs are the chunks the relation was found in.
	ChunkIDs []string `json:"chunk_ids,omitempty"`
}

// EdgeID returns the conventional ID of the edge from→to of type typ.
func EdgeID(from, typ, to string) string { return from + "|" + typ + "|" + to }

// Chunk is a piece of a document's text.
type Chunk struct {
	// ID is unique in a store.
	ID string `json:"id"`
	// DocumentID is the document the chunk comes from.
	DocumentID string `json:"document_id"`
	// Text is the chunk's text.
	Text string `json:"text"`
	// Start and End are byte offsets of Text in the document's content.
	Start int `json:"start"`
	End   int `json:"end"`
	// Embedding is the chunk's vector; nil when it has none.
	Embedding []float32 `json:"embedding,omitempty"`
}

// Document is a source document.
type Document struct {
	// ID is unique in a store.
	ID string `json:"id"`
	// Metadata holds the document's attributes (title, source URL, ...).
	Metadata map[string]any `json:"metadata,omitempty"`
	// ContentHash identifies the content (for example a hex SHA-256), so an
	// unchanged document is not ingested again.
	ContentHash string `json:"content_hash,omitempty"`
}

// Validate reports the first problem of n, naming the field; the error
// matches ErrInvalid.
func (n *Node) Validate() error {
	if n.ID == "" {
		return fmt.Errorf("%w: node: id is empty", ErrInvalid)
	}
	if n.Type == "" {
		return fmt.Errorf("%w: node %q: type is empty", ErrInvalid, n.ID)
	}
	return nil
}

// Validate reports the first problem of e, naming the field; the error
// matches ErrInvalid.
func (e *Edge) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: edge %s->%s: id is empty", ErrInvalid, e.From, e.To)
	case e.From == "":
		return fmt.Errorf("%w: edge %q: from is empty", ErrInvalid, e.ID)
	case e.To == "":
		return fmt.Errorf("%w: edge %q: to is empty", ErrInvalid, e.ID)
	case e.Type == "":
		return fmt.Errorf("%w: edge %q: type is empty", ErrInvalid, e.ID)
	}
	return nil
}

// Validate reports the first problem of c, naming the field; the error
// matches ErrInvalid.
func (c *Chunk) Validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: chunk: id is empty", ErrInvalid)
	case c.DocumentID == "":
		return fmt.Errorf("%w: chunk %q: document_id is empty", ErrInvalid, c.ID)
	case c.Start < 0 || c.End < c.Start:
		return fmt.Errorf("%w: chunk %q: offsets [%d,%d) are not a range", ErrInvalid, c.ID, c.Start, c.End)
	}
	return nil
}

// MergeNode returns old updated by upd, as Store upserts do: chunk IDs
// united (in first-seen order), properties overlaid, type, name and
// embedding replaced when upd sets them. old may be nil.
func MergeNode(old *Node, upd Node) Node {
	if old == nil {
		upd.Properties = overlay(nil, upd.Properties)
		upd.ChunkIDs = unionStrings(nil, upd.ChunkIDs)
		return upd
	}
	out := *old
	if upd.Type != "" {
		out.Type = upd.Type
	}
	if upd.Name != "" {
		out.Name = upd.Name
	}
	if upd.Embedding != nil {
		out.Embedding = upd.Embedding
	}
	out.Properties = overlay(old.Properties, upd.Properties)
	out.ChunkIDs = unionStrings(old.ChunkIDs, upd.ChunkIDs)
	return out
}

// MergeEdge is MergeNode for edges; From, To and Type come from upd.
func MergeEdge(old *Edge, upd Edge) Edge {
	if old == nil {
		upd.Properties = overlay(nil, upd.Properties)
		upd.ChunkIDs = unionStrings(nil, upd.ChunkIDs)
		return upd
	}
	out := upd
	out.Properties = overlay(old.Properties, upd.Properties)
	out.ChunkIDs = unionStrings(old.ChunkIDs, upd.ChunkIDs)
	return out
}

func overlay(a, b map[string]any) map[string]any {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func unionStrings(a, b []string) []string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := slices.Clone(a)
	if len(a)+len(b) <= 32 {
		for _, s := range b {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	seen := make(map[string]bool, len(a)+len(b))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// CopyJSON deep-copies a JSON-like map through its JSON encoding, so that
// nothing is shared with the caller and the copy holds exactly what a store
// persisting JSON would return. An empty map gives nil; a value JSON cannot
// encode gives an error matching ErrInvalid that starts with what.
func CopyJSON(m map[string]any, what string) (map[string]any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, what, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, what, err)
	}
	return out, nil
}
