package astra_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
)

// TestDecodeShapes decodes each documented response shape through the
// public API.
func TestDecodeShapes(t *testing.T) {
	t.Run("find with similarity and vectors in both forms", func(t *testing.T) {
		f := newFake(t, fixed(`{"data":{"documents":[
			{"_id":"doc1","name":"a","n":1,"tags":["x"],"$similarity":0.99937624,"$vector":[1,0,0]},
			{"_id":"doc2","$similarity":0.5,"$vector":{"$binary":"P4AAAD1MzM0AAAAA"},"at":{"$date":1704067200000},
			 "u":{"$uuid":"0190D6C5-8B8E-7C4B-9D6A-1F2E3D4C5B6A"},"o":{"$objectId":"65a1b2c3d4e5f60718293a4b"},"big":12345678901234567890,"e":1E+2}
		],"nextPageState":null},"status":{"sortVector":[1,0.05,0]}}`))
		c := newClient(t, f.URL)
		res, err := c.Collection("c").VectorSearch(bg, []float32{1, 0, 0}, 3, nil, nil)
		require.NoError(t, err)
		require.Len(t, res, 2)
		assert.InDelta(t, 0.99937624, res[0].Similarity, 1e-9)
		assert.Equal(t, []float32{1, 0, 0}, res[0].Document.Vector())
		assert.Equal(t, float64(1), res[0].Document["n"])
		assert.Equal(t, []any{"x"}, res[0].Document["tags"])
		d := res[1].Document
		assert.Equal(t, []float32{1, 0.05, 0}, d.Vector())
		assert.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), d["at"])
		assert.Equal(t, astra.UUID("0190D6C5-8B8E-7C4B-9D6A-1F2E3D4C5B6A"), d["u"])
		assert.Equal(t, astra.ObjectID("65a1b2c3d4e5f60718293a4b"), d["o"])
		assert.Equal(t, json.Number("12345678901234567890"), d["big"], "no precision lost")
		assert.Equal(t, float64(100), d["e"], "exponent notation")
	})
	t.Run("findOne null", func(t *testing.T) {
		f := newFake(t, fixed(`{"data":{"document":null}}`))
		_, err := newClient(t, f.URL).Collection("c").FindOne(bg, astra.Filter{"_id": "nope"}, nil)
		assert.ErrorIs(t, err, astra.ErrNoDocument)
	})
	t.Run("collections definitions", func(t *testing.T) {
		f := newFake(t, okAnswer)
		defs, err := newClient(t, f.URL).ListCollectionDefinitions(bg)
		require.NoError(t, err)
		require.Len(t, defs, 2)
		assert.Equal(t, "records_vec", defs[0].Name)
		assert.Equal(t, &astra.VectorOptions{Dimension: 3, Metric: astra.MetricCosine, SourceModel: "other"}, defs[0].Options.Vector)
		assert.Equal(t, []string{"comment"}, defs[0].Options.IndexingDeny)
		assert.Equal(t, astra.DefaultIDObjectID, defs[0].Options.DefaultID)
		assert.Nil(t, defs[1].Options.Vector)
		names, err := newClient(t, f.URL).ListCollections(bg)
		require.NoError(t, err)
		assert.Equal(t, []string{"records_vec", "plain"}, names)
	})
	t.Run("update upsert", func(t *testing.T) {
		f := newFake(t, fixed(`{"status":{"matchedCount":0,"modifiedCount":0,"upsertedId":{"$uuid":"abc"}}}`))
		res, err := newClient(t, f.URL).Collection("c").UpdateOne(bg, astra.Filter{"name": "x"}, astra.Update{"$set": astra.Document{"a": 1}}, &astra.UpdateOptions{Upsert: true})
		require.NoError(t, err)
		assert.Equal(t, astra.UUID("abc"), res.UpsertedID)
	})
	t.Run("truncate", func(t *testing.T) {
		f := newFake(t, fixed(`{"status":{"deletedCount":-1}}`))
		res, err := newClient(t, f.URL).Collection("c").DeleteMany(bg, astra.Filter{})
		require.NoError(t, err)
		assert.Equal(t, -1, res.DeletedCount)
	})
	t.Run("old-style error with warnings as strings", func(t *testing.T) {
		f := newFake(t, fixed(`{"errors":[{"message":"boom","errorCode":"X"}],"status":{"warnings":["careful"]}}`))
		_, err := newClient(t, f.URL).Collection("c").CountDocuments(bg, nil, 0)
		var ae *astra.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "X", ae.ErrorCode)
		assert.Equal(t, "boom", ae.Message)
	})
}

// TestAPIErrors checks the typed errors of the errors array, HTTP errors
// and transport errors.
func TestAPIErrors(t *testing.T) {
	dup := `{"status":{"insertedIds":[]},"errors":[{"id":"0f6b","family":"REQUEST","scope":"DOCUMENT","errorCode":"DOCUMENT_ALREADY_EXISTS","title":"Document the given _id already exists","message":"Cannot insert the document: a document already exists with given '_id' ('doc4').","documentIds":["doc4"]}]}`
	f := newFake(t, fixed(dup))
	_, err := newClient(t, f.URL).Collection("c").InsertOne(bg, astra.Document{"_id": "doc4"})
	var ae *astra.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "DOCUMENT_ALREADY_EXISTS", ae.ErrorCode)
	assert.Equal(t, "REQUEST", ae.Family)
	assert.Equal(t, "DOCUMENT", ae.Scope)
	assert.Equal(t, "0f6b", ae.ID)
	assert.Equal(t, "Document the given _id already exists", ae.Title)
	assert.Equal(t, []any{"doc4"}, ae.DocumentIDs)
	assert.Equal(t, "insertOne", ae.Command)
	assert.Equal(t, 200, ae.HTTPStatus)
	assert.True(t, ae.HasCode(astra.CodeDocumentAlreadyExists))
	assert.Contains(t, err.Error(), "DOCUMENT_ALREADY_EXISTS")
	assert.Equal(t, int64(1), f.n.Load(), "an API error is not retried")

	t.Run("401 with errors array", func(t *testing.T) {
		f := newFake(t, func(call, int64) (int, string) {
			return 401, `{"errors":[{"family":"REQUEST","scope":"SECURITY","errorCode":"UNAUTHENTICATED_REQUEST","message":"bad token"}]}`
		})
		_, err := newClient(t, f.URL).ListCollections(bg)
		var ae *astra.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 401, ae.HTTPStatus)
		assert.Equal(t, "SECURITY", ae.Scope)
		var he *apiclientError
		require.ErrorAs(t, err, &he, "the HTTP error stays reachable")
		assert.Equal(t, 401, he.StatusCode)
		assert.NotContains(t, err.Error(), testToken)
	})
	t.Run("502 html is an HTTP error", func(t *testing.T) {
		f := newFake(t, func(call, int64) (int, string) { return 502, `<html>bad gateway</html>` })
		_, err := newClient(t, f.URL).ListCollections(bg)
		var ae *astra.APIError
		assert.False(t, errors.As(err, &ae))
		var he *apiclientError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, 502, he.StatusCode)
		assert.Equal(t, int64(4), f.n.Load(), "a read is retried on 5xx")
	})
	t.Run("transport error", func(t *testing.T) {
		f := newFake(t, okAnswer)
		url := f.URL
		f.Close()
		_, err := newClient(t, url).ListCollections(bg)
		var he *apiclientError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, 0, he.StatusCode, "no response: a transport error")
	})
	t.Run("not JSON", func(t *testing.T) {
		f := newFake(t, fixed(`hello`))
		_, err := newClient(t, f.URL).ListCollections(bg)
		assert.ErrorIs(t, err, astra.ErrBadResponse)
	})
}

// TestBinaryVectorByteOrder pins big-endian float32.
func TestBinaryVectorByteOrder(t *testing.T) {
	f := newFake(t, fixed(`{"data":{"document":{"_id":"a","$vector":{"$binary":"P4AAAL+AAAB/wAAA"}}}}`))
	d, err := newClient(t, f.URL).Collection("c").FindOne(bg, nil, nil)
	require.NoError(t, err)
	v := d.Vector()
	require.Len(t, v, 3)
	assert.Equal(t, float32(1), v[0])
	assert.Equal(t, float32(-1), v[1])
	assert.True(t, math.IsNaN(float64(v[2])))
}

// TestDecodeGeneric decodes into caller types.
func TestDecodeGeneric(t *testing.T) {
	type rec struct {
		ID     astra.UUID `json:"_id"`
		Name   string     `json:"name"`
		N      int        `json:"n"`
		At     time.Time  `json:"at"`
		Ref    string     `json:"ref"`
		Vector []float32  `json:"$vector"`
	}
	f := newFake(t, fixed(`{"data":{"documents":[{"_id":{"$uuid":"u1"},"name":"a","n":2,"at":{"$date":1704067200000},"ref":{"$objectId":"65a1b2c3d4e5f60718293a4b"},"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}}],"nextPageState":null}}`))
	c := newClient(t, f.URL)
	recs, err := astra.FindAll[rec](bg, c.Collection("c"), nil, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, rec{ID: "u1", Name: "a", N: 2, At: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Ref: "65a1b2c3d4e5f60718293a4b", Vector: []float32{1, 0, 0}}, recs[0])

	doc, err := astra.ToDocument(recs[0])
	require.NoError(t, err)
	assert.Equal(t, astra.UUID("u1"), doc.ID())
	back, err := astra.Decode[rec](doc)
	require.NoError(t, err)
	assert.Equal(t, recs[0].ID, back.ID)

	one, err := astra.FindOneAs[map[string]any](bg, c.Collection("c"), nil, nil)
	require.Error(t, err, "the fake answers find shape to findOne")
	assert.Nil(t, one)
}

// FuzzDecodeResponse: untrusted answers never panic and give a value or an
// error.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`{"data":{"documents":[{"_id":"a","$vector":[1,2]}],"nextPageState":null}}`,
		`{"data":{"documents":[{"_id":"a","$vector":{"$binary":"P4AAAA=="}}],"nextPageState":"x"}}`,
		`{"data":{"document":null}}`,
		`{"status":{"documentResponses":[{"_id":"a","status":"ERROR","errorsIdx":0}]},"errors":[{"errorCode":"X"}]}`,
		`{"status":{"count":1000,"moreData":true,"warnings":[{"errorCode":"W"}],"sortVector":[1]}}`,
		`{"status":{"upsertedId":{"$date":"12"},"insertedIds":[{"$uuid":"u"},1,null,true]}}`,
		`{"data":{"documents":[{"a":{"$date":1e400}}]}}`,
		`{"data":{"documents":[{"$vector":{"$binary":"P4A"}}]}}`,
		`[]`, `null`, ``, `{"errors":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ok, err := astra.DecodeResponseForTest(body) // must not panic
		if ok == (err != nil) {
			t.Fatalf("want a value or an error, got value %v and error %v", ok, err)
		}
	})
}
