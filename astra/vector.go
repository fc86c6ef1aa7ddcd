package astra

import (
	"context"
	"fmt"
)

// ScoredDocument is a VectorSearch match.
type ScoredDocument struct {
	// Document is the matched document (with $similarity, as the server
	// sent it).
	Document Document
	// Similarity is the score in [0, 1], higher is closer (for the
	// collection's metric: cosine (1+cos)/2, dot product (1+dot)/2,
	// euclidean 1/(1+d²)).
	Similarity float64
}

// VectorSearch returns the k documents nearest to vector among those
// matching filter (nil for all), with their similarity, nearest first
// (find with a $vector sort and includeSimilarity, one request). k must be
// in 1..MaxVectorSearchLimit. projection may be nil (all fields but
// $vector; Projection{"$vector": 1} adds it).
func (coll *Collection) VectorSearch(ctx context.Context, vector []float32, k int, filter Filter, projection Projection) ([]ScoredDocument, error) {
	if len(vector) == 0 {
		return nil, &InvalidInputError{Field: "vector", Reason: "empty vector"}
	}
	if err := validateVector("vector", vector, coll.dim); err != nil {
		return nil, err
	}
	if k < 1 || k > MaxVectorSearchLimit {
		return nil, &InvalidInputError{Field: "k", Reason: fmt.Sprintf("%d: want 1..%d (the Data API's vector search limit is %d)", k, MaxVectorSearchLimit, MaxVectorSearchLimit)}
	}
	if err := validName("collection", coll.name); err != nil {
		return nil, err
	}
	o := FindOptions{Projection: projection, Sort: Sort{"$vector": vector}, Limit: k, IncludeSimilarity: true}
	r, err := coll.send(ctx, "find", findPayload(filter, o, "", true), true)
	if err != nil {
		return nil, err
	}
	if !r.HasDocuments {
		return nil, badResponse("find", "no data.documents")
	}
	out := make([]ScoredDocument, 0, len(r.Documents))
	for i, d := range r.Documents {
		s, ok := d.Similarity()
		if !ok {
			return nil, badResponse("find", "data.documents[%d] has no numeric $similarity", i)
		}
		out = append(out, ScoredDocument{Document: d, Similarity: s})
		if len(out) == k {
			break
		}
	}
	return out, nil
}
