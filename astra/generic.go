package astra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Decode decodes a document into a value of type T through encoding/json
// (struct tags apply): time values decode into time.Time fields, UUID and
// ObjectID into string, UUID or ObjectID fields, $vector into []float32
// or []float64.
func Decode[T any](doc Document) (T, error) {
	var v T
	err := decodeInto(doc, &v)
	return v, err
}

// decodeInto decodes doc into the pointer v.
func decodeInto(doc Document, v any) error {
	if doc == nil {
		return errors.New("astra: decode: no document")
	}
	b, err := json.Marshal(plain(doc))
	if err != nil {
		return fmt.Errorf("astra: decode: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("astra: decode into %T: %w", v, err)
	}
	return nil
}

// ToDocument converts a value (a struct, a map) into a Document through
// encoding/json, reading Extended JSON wrappers back (UUID and ObjectID
// fields stay typed). Note that time.Time struct fields become RFC 3339
// strings this way; put time.Time values in the Document to store dates.
func ToDocument(v any) (Document, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("astra: to document: %w", err)
	}
	d, err := decodeDocument(b)
	if err != nil {
		return nil, fmt.Errorf("astra: to document: %w", err)
	}
	return d, nil
}

// FindAll runs Find and decodes every document into T.
func FindAll[T any](ctx context.Context, coll *Collection, filter Filter, opts *FindOptions) ([]T, error) {
	var out []T
	cur := coll.Find(filter, opts)
	for doc, err := range cur.All(ctx) {
		if err != nil {
			return out, err
		}
		v, err := Decode[T](doc)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FindOneAs runs FindOne and decodes the document into T (ErrNoDocument
// when nothing matches).
func FindOneAs[T any](ctx context.Context, coll *Collection, filter Filter, opts *FindOneOptions) (T, error) {
	var zero T
	doc, err := coll.FindOne(ctx, filter, opts)
	if err != nil {
		return zero, err
	}
	return Decode[T](doc)
}
