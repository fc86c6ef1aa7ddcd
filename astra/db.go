package astra

import (
	"context"
	"encoding/json"
	"fmt"
)

// Metric is a vector similarity metric.
type Metric string

// Vector metrics.
const (
	// MetricCosine scores (1+cos)/2 (the server's default).
	MetricCosine Metric = "cosine"
	// MetricDotProduct scores (1+dot)/2; use it with normalised vectors.
	MetricDotProduct Metric = "dot_product"
	// MetricEuclidean scores 1/(1+d²).
	MetricEuclidean Metric = "euclidean"
)

// DefaultIDType is the type of the _id the server generates for documents
// inserted without one.
type DefaultIDType string

// Default id types; unset means a plain UUIDv4 string.
const (
	// DefaultIDUUID generates {"$uuid": ...} version 4 ids.
	DefaultIDUUID DefaultIDType = "uuid"
	// DefaultIDUUIDv6 generates {"$uuid": ...} version 6 ids.
	DefaultIDUUIDv6 DefaultIDType = "uuidv6"
	// DefaultIDUUIDv7 generates {"$uuid": ...} version 7 ids.
	DefaultIDUUIDv7 DefaultIDType = "uuidv7"
	// DefaultIDObjectID generates {"$objectId": ...} ids.
	DefaultIDObjectID DefaultIDType = "objectId"
)

// CollectionOptions are a collection's settings. The zero value is a
// collection without vectors, every field indexed, and UUIDv4 string ids.
type CollectionOptions struct {
	// Vector enables vector search; nil for none.
	Vector *VectorOptions
	// IndexingAllow lists the only paths indexed (["*"] for all); it
	// excludes IndexingDeny.
	IndexingAllow []string
	// IndexingDeny lists paths not indexed.
	IndexingDeny []string
	// DefaultID is the type of generated ids ("" for UUIDv4 strings).
	DefaultID DefaultIDType
}

// VectorOptions configure a collection's vectors.
type VectorOptions struct {
	// Dimension is the vectors' length, 1..MaxVectorDimension.
	Dimension int
	// Metric is the similarity metric ("" means the server's default,
	// MetricCosine).
	Metric Metric
	// SourceModel hints the embedding model ("" for the server's "other").
	SourceModel string
}

// CollectionDefinition is a collection as ListCollectionDefinitions
// reports it.
type CollectionDefinition struct {
	// Name is the collection's name.
	Name string
	// Options are the settings the client understands.
	Options CollectionOptions
	// Raw is the server's options object as sent (with lexical, rerank
	// and vectorize settings the client does not model).
	Raw json.RawMessage
}

// Collection is a handle on a collection; creating one sends nothing.
type Collection struct {
	c    *Client
	name string
	dim  int
}

// Collection returns a handle on the named collection in the client's
// keyspace. The name is checked when the handle is used.
func (c *Client) Collection(name string) *Collection { return &Collection{c: c, name: name} }

// WithDimension returns a copy of the handle that checks vectors against
// dimension n before sending (handles from CreateCollection know it).
func (coll *Collection) WithDimension(n int) *Collection {
	cp := *coll
	cp.dim = n
	return &cp
}

// Name returns the collection's name.
func (coll *Collection) Name() string { return coll.name }

// Dimension returns the vector dimension the handle checks, 0 if unknown.
func (coll *Collection) Dimension() int { return coll.dim }

// CreateCollection creates a collection (createCollection) and returns its
// handle. Creating an existing collection with the same settings
// succeeds; different settings give an *APIError with code
// EXISTING_COLLECTION_DIFFERENT_SETTINGS. opts may be nil.
func (c *Client) CreateCollection(ctx context.Context, name string, opts *CollectionOptions) (*Collection, error) {
	if err := validName("collection", name); err != nil {
		return nil, err
	}
	options := map[string]any{}
	coll := &Collection{c: c, name: name}
	if opts != nil {
		if v := opts.Vector; v != nil {
			if v.Dimension < 1 || v.Dimension > MaxVectorDimension {
				return nil, &InvalidInputError{Field: "options.vector.dimension", Reason: fmt.Sprintf("%d: want 1..%d", v.Dimension, MaxVectorDimension)}
			}
			vec := map[string]any{"dimension": v.Dimension}
			switch v.Metric {
			case "":
			case MetricCosine, MetricDotProduct, MetricEuclidean:
				vec["metric"] = string(v.Metric)
			default:
				return nil, &InvalidInputError{Field: "options.vector.metric", Reason: fmt.Sprintf("%q: want cosine, dot_product or euclidean", v.Metric)}
			}
			if v.SourceModel != "" {
				vec["sourceModel"] = v.SourceModel
			}
			options["vector"] = vec
			coll.dim = v.Dimension
		}
		switch {
		case opts.IndexingAllow != nil && opts.IndexingDeny != nil:
			return nil, &InvalidInputError{Field: "options.indexing", Reason: "allow and deny are exclusive"}
		case opts.IndexingAllow != nil:
			options["indexing"] = map[string]any{"allow": opts.IndexingAllow}
		case opts.IndexingDeny != nil:
			options["indexing"] = map[string]any{"deny": opts.IndexingDeny}
		}
		switch opts.DefaultID {
		case "":
		case DefaultIDUUID, DefaultIDUUIDv6, DefaultIDUUIDv7, DefaultIDObjectID:
			options["defaultId"] = map[string]any{"type": string(opts.DefaultID)}
		default:
			return nil, &InvalidInputError{Field: "options.defaultId.type", Reason: fmt.Sprintf("%q: want uuid, uuidv6, uuidv7 or objectId", opts.DefaultID)}
		}
	}
	if _, err := c.send(ctx, "", "createCollection", map[string]any{"name": name, "options": options}, true); err != nil {
		return nil, err
	}
	return coll, nil
}

// ListCollections returns the names of the keyspace's collections
// (findCollections with explain false).
func (c *Client) ListCollections(ctx context.Context) ([]string, error) {
	r, err := c.send(ctx, "", "findCollections", map[string]any{"options": map[string]any{"explain": false}}, true)
	if err != nil {
		return nil, err
	}
	names := []string{}
	if len(r.Status.Collections) == 0 {
		return nil, badResponse("findCollections", "no status.collections")
	}
	if err := json.Unmarshal(r.Status.Collections, &names); err != nil {
		return nil, badResponse("findCollections", "status.collections: %v", err)
	}
	return names, nil
}

// ListCollectionDefinitions returns the keyspace's collections with their
// settings (findCollections with explain true).
func (c *Client) ListCollectionDefinitions(ctx context.Context) ([]CollectionDefinition, error) {
	r, err := c.send(ctx, "", "findCollections", map[string]any{"options": map[string]any{"explain": true}}, true)
	if err != nil {
		return nil, err
	}
	if len(r.Status.Collections) == 0 {
		return nil, badResponse("findCollections", "no status.collections")
	}
	var wire []struct {
		Name    string          `json:"name"`
		Options json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(r.Status.Collections, &wire); err != nil {
		return nil, badResponse("findCollections", "status.collections: %v", err)
	}
	defs := make([]CollectionDefinition, 0, len(wire))
	for i, w := range wire {
		d := CollectionDefinition{Name: w.Name, Raw: w.Options}
		if len(w.Options) > 0 && string(w.Options) != "null" {
			var o struct {
				Vector *struct {
					Dimension   int    `json:"dimension"`
					Metric      string `json:"metric"`
					SourceModel string `json:"sourceModel"`
				} `json:"vector"`
				Indexing *struct {
					Allow []string `json:"allow"`
					Deny  []string `json:"deny"`
				} `json:"indexing"`
				DefaultID *struct {
					Type string `json:"type"`
				} `json:"defaultId"`
			}
			if err := json.Unmarshal(w.Options, &o); err != nil {
				return nil, badResponse("findCollections", "status.collections[%d].options: %v", i, err)
			}
			if o.Vector != nil {
				d.Options.Vector = &VectorOptions{Dimension: o.Vector.Dimension, Metric: Metric(o.Vector.Metric), SourceModel: o.Vector.SourceModel}
			}
			if o.Indexing != nil {
				d.Options.IndexingAllow, d.Options.IndexingDeny = o.Indexing.Allow, o.Indexing.Deny
			}
			if o.DefaultID != nil {
				d.Options.DefaultID = DefaultIDType(o.DefaultID.Type)
			}
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// DropCollection deletes a collection and its documents
// (deleteCollection). Dropping a missing collection succeeds.
func (c *Client) DropCollection(ctx context.Context, name string) error {
	if err := validName("collection", name); err != nil {
		return err
	}
	_, err := c.send(ctx, "", "deleteCollection", map[string]any{"name": name}, true)
	return err
}

// send sends a collection command after checking the collection's name.
func (coll *Collection) send(ctx context.Context, command string, payload any, safe bool) (*response, error) {
	if err := validName("collection", coll.name); err != nil {
		return nil, err
	}
	return coll.c.send(ctx, coll.name, command, payload, safe)
}
