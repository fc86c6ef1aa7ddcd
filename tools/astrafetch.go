package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/tool"
)

// AstraFetchID is the ID of the astra_fetch tool.
const AstraFetchID = "astra_fetch"

// MaxAstraFetchIDs is the most ids one astra_fetch call accepts.
const MaxAstraFetchIDs = 1000

// AstraFetchInput is astra_fetch's input.
type AstraFetchInput struct {
	Collection string         `json:"collection" jsonschema:"description=Name of the Astra DB collection,minLength=1,maxLength=48"`
	IDs        []string       `json:"ids" jsonschema:"description=Document _id values to fetch (results come back in this order),minItems=1,maxItems=1000"`
	Projection map[string]any `json:"projection,omitempty" jsonschema:"description=Data API projection selecting fields, for example {\"title\": 1}"`
}

// AstraFetchOutput is astra_fetch's result: one entry per input id, in
// input order.
type AstraFetchOutput struct {
	Results []AstraFetchResult `json:"results"`
	Found   int                `json:"found"`
	Missing int                `json:"missing"`
	Failed  int                `json:"failed"`
}

// AstraFetchResult is the outcome for one id: the document, or
// found=false, or the error of the request that should have fetched it.
type AstraFetchResult struct {
	ID       string         `json:"id"`
	Found    bool           `json:"found"`
	Document map[string]any `json:"document,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// AstraFetchConfig is astra_fetch's configuration; every key is optional.
type AstraFetchConfig struct {
	// Collections, when set, is the only collections the tool may read;
	// any other name is an input error.
	Collections []string `json:"collections,omitempty"`
}

// AstraFetch returns the astra_fetch tool over client. Ids are fetched with
// Collection.FindByIDs: distinct ids in concurrent $in requests within the
// server's limit, one result per id whatever fails.
func AstraFetch(client *astra.Client) (*tool.Func, error) {
	if client == nil {
		return nil, errors.New("tools: astra_fetch: client is nil")
	}
	var allowed atomic.Pointer[[]string] // set by Initialize; nil: any collection
	meta := tool.Metadata{
		ID:          AstraFetchID,
		Name:        "Astra DB fetch",
		Description: "Fetch documents from an Astra DB collection by their _id values, in the order given, up to 1000 per call. Each id gets a result: the document, found=false when no document has that id, or the error that prevented fetching it.",
		Category:    "database",
		Tags:        []string{"astra", "fetch", "batch"},
		Version:     "1.0.0",
	}
	fn := func(ctx context.Context, in AstraFetchInput) (AstraFetchOutput, error) {
		if list := allowed.Load(); list != nil && !slices.Contains(*list, in.Collection) {
			return AstraFetchOutput{}, invalidInput("collection",
				fmt.Sprintf("collection %q is not one of the configured collections %v", in.Collection, *list))
		}
		ids := make([]any, len(in.IDs))
		for i, id := range in.IDs {
			ids[i] = id
		}
		var opts *astra.FindByIDsOptions
		if len(in.Projection) > 0 {
			opts = &astra.FindByIDsOptions{Projection: astra.Projection(in.Projection)}
		}
		res, err := client.Collection(in.Collection).FindByIDs(ctx, ids, opts)
		if err != nil {
			var ie *astra.InvalidInputError
			if errors.As(err, &ie) {
				return AstraFetchOutput{}, invalidInput(ie.Field, err.Error())
			}
			return AstraFetchOutput{}, transientIf(err)
		}
		out := AstraFetchOutput{Results: make([]AstraFetchResult, len(res))}
		for i, r := range res {
			e := AstraFetchResult{ID: in.IDs[i]}
			switch {
			case r.Err == nil:
				e.Found, e.Document = true, r.Document
				out.Found++
			case errors.Is(r.Err, astra.ErrNoDocument):
				out.Missing++
			default:
				e.Error = r.Err.Error()
				out.Failed++
			}
			out.Results[i] = e
		}
		return out, nil
	}
	return tool.New(meta, fn,
		tool.WithCapabilities(tool.Capabilities{Async: true, Batch: true, RequiresAuth: true, Concurrent: true}),
		tool.WithConfig(func(_ context.Context, c AstraFetchConfig) error {
			for i, name := range c.Collections {
				if name == "" {
					return fmt.Errorf("collections[%d]: empty collection name", i)
				}
			}
			if len(c.Collections) == 0 {
				allowed.Store(nil)
				return nil
			}
			list := slices.Clone(c.Collections)
			allowed.Store(&list)
			return nil
		}))
}
