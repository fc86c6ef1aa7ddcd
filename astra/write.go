package astra

import (
	"context"
	"fmt"
)

// UpdateOptions are per-call options of UpdateOne and UpdateMany; nil
// means none.
type UpdateOptions struct {
	// Upsert inserts a document built from the filter's equalities and the
	// update when nothing matches.
	Upsert bool
	// Sort chooses which matching document UpdateOne updates (ignored by
	// UpdateMany).
	Sort Sort
}

// UpdateResult is the outcome of UpdateOne or UpdateMany.
type UpdateResult struct {
	// MatchedCount and ModifiedCount are summed over every request.
	MatchedCount, ModifiedCount int
	// UpsertedID is the inserted document's _id when an upsert happened.
	UpsertedID any
	// Requests is the number of requests sent (UpdateMany follows moreData).
	Requests int
	// Warnings are the API's warnings.
	Warnings []Warning
}

// DeleteResult is the outcome of DeleteOne or DeleteMany.
type DeleteResult struct {
	// DeletedCount is the number of documents deleted; -1 when DeleteMany
	// with an empty filter truncated the collection (count unknown).
	DeletedCount int
	// Requests is the number of requests sent (DeleteMany follows
	// moreData).
	Requests int
	// Warnings are the API's warnings.
	Warnings []Warning
}

// updateOperators are the update operators of the Data API.
var updateOperators = map[string]bool{
	"$set": true, "$unset": true, "$inc": true, "$mul": true, "$min": true, "$max": true,
	"$push": true, "$addToSet": true, "$pop": true, "$pullAll": true, "$rename": true,
	"$currentDate": true, "$setOnInsert": true,
}

func validateUpdate(filter Filter, update Update, dim int) error {
	if filter == nil {
		return &InvalidInputError{Field: "filter", Reason: "nil filter: use Filter{} to match every document"}
	}
	if len(update) == 0 {
		return &InvalidInputError{Field: "update", Reason: "no update operator"}
	}
	for op, v := range update {
		if !updateOperators[op] {
			return &InvalidInputError{Field: "update." + op, Reason: "unknown update operator (want $set, $unset, $inc, $push, ...)"}
		}
		if m, ok := v.(map[string]any); ok {
			if vec, ok := m["$vector"]; ok && op == "$set" {
				if err := validateVector("update.$set.$vector", vec, dim); err != nil {
					return err
				}
			}
		}
		if d, ok := v.(Document); ok {
			if vec, ok := d["$vector"]; ok && op == "$set" {
				if err := validateVector("update.$set.$vector", vec, dim); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// UpdateOne updates the first document matching filter (updateOne). filter
// must not be nil. It is never retried (see the package documentation).
func (coll *Collection) UpdateOne(ctx context.Context, filter Filter, update Update, opts *UpdateOptions) (*UpdateResult, error) {
	if err := validateUpdate(filter, update, coll.dim); err != nil {
		return nil, err
	}
	p := map[string]any{"filter": filter, "update": update}
	options := map[string]any{}
	if opts != nil {
		if len(opts.Sort) > 0 {
			p["sort"] = opts.Sort
		}
		if opts.Upsert {
			options["upsert"] = true
		}
	}
	p["options"] = options
	r, err := coll.send(ctx, "updateOne", p, false)
	if r == nil {
		return nil, err
	}
	res := &UpdateResult{Requests: 1}
	res.add(r)
	return res, err
}

func (res *UpdateResult) add(r *response) {
	s := r.Status
	if s.MatchedCount != nil {
		res.MatchedCount += int(*s.MatchedCount)
	}
	if s.ModifiedCount != nil {
		res.ModifiedCount += int(*s.ModifiedCount)
	}
	if s.HasUpsertedID {
		res.UpsertedID = s.UpsertedID
	}
	res.Warnings = append(res.Warnings, s.Warnings...)
}

// UpdateMany updates every document matching filter (updateMany). The
// server updates at most 20 documents per request and answers moreData
// with a nextPageState; UpdateMany re-sends the command with that page
// state until moreData is gone. On an error the counts so far come back
// with it. filter must not be nil. It is never retried.
func (coll *Collection) UpdateMany(ctx context.Context, filter Filter, update Update, opts *UpdateOptions) (*UpdateResult, error) {
	if err := validateUpdate(filter, update, coll.dim); err != nil {
		return nil, err
	}
	res := &UpdateResult{}
	state := ""
	for {
		options := map[string]any{}
		if opts != nil && opts.Upsert {
			options["upsert"] = true
		}
		if state != "" {
			options["pageState"] = state
		}
		r, err := coll.send(ctx, "updateMany", map[string]any{"filter": filter, "update": update, "options": options}, false)
		if r == nil {
			return res, err
		}
		res.Requests++
		res.add(r)
		if err != nil || !r.Status.MoreData {
			return res, err
		}
		if r.Status.NextPageState == "" || r.Status.NextPageState == state {
			return res, badResponse("updateMany", "moreData without a new nextPageState; stopped after %d documents matched", res.MatchedCount)
		}
		state = r.Status.NextPageState
	}
}

// DeleteOne deletes the first document matching filter (deleteOne); sort
// (nil for none) chooses which. filter must not be nil. It is never
// retried.
func (coll *Collection) DeleteOne(ctx context.Context, filter Filter, sort Sort) (*DeleteResult, error) {
	if filter == nil {
		return nil, &InvalidInputError{Field: "filter", Reason: "nil filter: use Filter{} to match any document"}
	}
	p := map[string]any{"filter": filter}
	if len(sort) > 0 {
		if err := validateVector("sort.$vector", sort["$vector"], coll.dim); err != nil {
			return nil, err
		}
		p["sort"] = sort
	}
	r, err := coll.send(ctx, "deleteOne", p, false)
	if r == nil {
		return nil, err
	}
	res := &DeleteResult{Requests: 1, Warnings: r.Status.Warnings}
	if r.Status.DeletedCount != nil {
		res.DeletedCount = int(*r.Status.DeletedCount)
	}
	return res, err
}

// DeleteMany deletes every document matching filter (deleteMany),
// re-sending the command while the server answers moreData (it deletes at
// most 20 documents per request). filter must not be nil; Filter{}
// truncates the collection (DeletedCount -1). On an error the count so far
// comes back with it. It is never retried.
func (coll *Collection) DeleteMany(ctx context.Context, filter Filter) (*DeleteResult, error) {
	if filter == nil {
		return nil, &InvalidInputError{Field: "filter", Reason: "nil filter: use Filter{} to delete every document"}
	}
	res := &DeleteResult{}
	for {
		r, err := coll.send(ctx, "deleteMany", map[string]any{"filter": filter}, false)
		if r == nil {
			return res, err
		}
		res.Requests++
		res.Warnings = append(res.Warnings, r.Status.Warnings...)
		n := 0
		if r.Status.DeletedCount != nil {
			n = int(*r.Status.DeletedCount)
		}
		if n < 0 {
			res.DeletedCount = -1
		} else if res.DeletedCount >= 0 {
			res.DeletedCount += n
		}
		if err != nil || !r.Status.MoreData {
			return res, err
		}
		if n == 0 {
			return res, badResponse("deleteMany", "moreData without progress (deletedCount 0)")
		}
	}
}

// CountDocuments counts the documents matching filter (nil for all)
// (countDocuments). The server stops counting at ServerCountLimit: then,
// or when the count exceeds upperBound (if > 0), it returns the count
// reached with a *TooManyDocumentsError (errors.Is ErrTooManyDocuments).
func (coll *Collection) CountDocuments(ctx context.Context, filter Filter, upperBound int) (int, error) {
	if upperBound < 0 {
		return 0, &InvalidInputError{Field: "upperBound", Reason: fmt.Sprintf("%d: want ≥ 0 (0 for none)", upperBound)}
	}
	if filter == nil {
		filter = Filter{}
	}
	r, err := coll.send(ctx, "countDocuments", map[string]any{"filter": filter}, true)
	if err != nil {
		return 0, err
	}
	if r.Status.Count == nil {
		return 0, badResponse("countDocuments", "no status.count")
	}
	n := int(*r.Status.Count)
	switch {
	case r.Status.MoreData:
		return n, &TooManyDocumentsError{Count: n, UpperBound: upperBound, ServerCapped: true}
	case upperBound > 0 && n > upperBound:
		return n, &TooManyDocumentsError{Count: n, UpperBound: upperBound}
	}
	return n, nil
}

// EstimatedDocumentCount returns the server's estimate of the collection's
// size (estimatedDocumentCount); it can be stale.
func (coll *Collection) EstimatedDocumentCount(ctx context.Context) (int, error) {
	r, err := coll.send(ctx, "estimatedDocumentCount", map[string]any{}, true)
	if err != nil {
		return 0, err
	}
	if r.Status.Count == nil {
		return 0, badResponse("estimatedDocumentCount", "no status.count")
	}
	return int(*r.Status.Count), nil
}
