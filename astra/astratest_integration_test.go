package astra_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
)

// newLocal starts an astratest server and a client for it.
func newLocal(t *testing.T, sopts []astratest.Option, copts ...astra.Option) (*astratest.Server, *astra.Client) {
	t.Helper()
	srv, err := astratest.NewServer(append([]astratest.Option{astratest.WithToken(testToken)}, sopts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv, newClient(t, srv.URL(), copts...)
}

func TestIntegrationCommandSet(t *testing.T) {
	for _, env := range []astra.Environment{astra.EnvironmentSelfHosted, astra.EnvironmentAstra} {
		t.Run(env.String(), func(t *testing.T) {
			_, c := newLocal(t, nil, astra.WithEnvironment(env))
			coll, err := c.CreateCollection(bg, "records_vec", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 3, Metric: astra.MetricCosine}})
			require.NoError(t, err)
			_, err = c.CreateCollection(bg, "records_vec", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 3, Metric: astra.MetricCosine}})
			require.NoError(t, err, "idempotent")
			_, err = c.CreateCollection(bg, "records_vec", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 4}})
			var ae *astra.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, astra.CodeExistingCollectionDifferentSetting, ae.ErrorCode)
			names, err := c.ListCollections(bg)
			require.NoError(t, err)
			assert.Equal(t, []string{"records_vec"}, names)
			defs, err := c.ListCollectionDefinitions(bg)
			require.NoError(t, err)
			assert.Equal(t, 3, defs[0].Options.Vector.Dimension)

			at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			docs := []astra.Document{
				{"_id": "doc1", "name": "a", "n": 1, "tags": []any{"x"}, "$vector": []float32{1, 0, 0}, "at": at},
				{"_id": "doc2", "name": "b", "n": 2, "$vector": []float32{0, 1, 0}},
				{"_id": "doc3", "name": "c", "n": 3, "$vector": []float32{0, 0, 1}},
				{"_id": astra.UUID("0190d6c5-8b8e-7c4b-9d6a-1f2e3d4c5b6a"), "name": "d", "n": 4, "$vector": []float32{0.9, 0.1, 0}},
				{"name": "e", "n": 5, "$vector": []float32{-1, 0, 0}},
			}
			res, err := coll.InsertMany(bg, docs, nil)
			require.NoError(t, err)
			assert.Len(t, res.InsertedIDs, 5)

			hits, err := coll.VectorSearch(bg, []float32{1, 0.05, 0}, 3, nil, astra.Projection{"$vector": 1, "name": 1})
			require.NoError(t, err)
			require.Len(t, hits, 3)
			assert.Equal(t, "doc1", hits[0].Document.ID())
			assert.Equal(t, []float32{1, 0, 0}, hits[0].Document.Vector())
			assert.GreaterOrEqual(t, hits[0].Similarity, hits[1].Similarity)
			assert.GreaterOrEqual(t, hits[1].Similarity, hits[2].Similarity)

			d, err := coll.FindOne(bg, astra.Filter{"_id": "doc1"}, nil)
			require.NoError(t, err)
			assert.Equal(t, at, d["at"], "$date round-trips")
			assert.Nil(t, d.Vector(), "$vector omitted by default")
			d, err = coll.FindOne(bg, astra.Filter{"_id": astra.UUID("0190d6c5-8b8e-7c4b-9d6a-1f2e3d4c5b6a")}, nil)
			require.NoError(t, err)
			assert.Equal(t, astra.UUID("0190d6c5-8b8e-7c4b-9d6a-1f2e3d4c5b6a"), d.ID())
			_, err = coll.FindOne(bg, astra.Filter{"_id": "nope"}, nil)
			assert.ErrorIs(t, err, astra.ErrNoDocument)

			n, err := coll.CountDocuments(bg, astra.Filter{"n": astra.Document{"$gt": 2}}, 100)
			require.NoError(t, err)
			assert.Equal(t, 3, n)
			est, err := coll.EstimatedDocumentCount(bg)
			require.NoError(t, err)
			assert.Equal(t, 5, est)

			up, err := coll.UpdateOne(bg, astra.Filter{"_id": "doc1"}, astra.Update{"$set": astra.Document{"name": "A"}, "$inc": astra.Document{"n": 10}, "$push": astra.Document{"tags": "y"}}, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, up.ModifiedCount)
			up, err = coll.UpdateOne(bg, astra.Filter{"_id": "doc9"}, astra.Update{"$set": astra.Document{"name": "i"}}, &astra.UpdateOptions{Upsert: true})
			require.NoError(t, err)
			assert.Equal(t, "doc9", up.UpsertedID)
			type rec struct {
				Name string   `json:"name"`
				N    int      `json:"n"`
				Tags []string `json:"tags"`
			}
			r, err := astra.FindOneAs[rec](bg, coll, astra.Filter{"_id": "doc1"}, nil)
			require.NoError(t, err)
			assert.Equal(t, rec{Name: "A", N: 11, Tags: []string{"x", "y"}}, r)

			_, err = coll.InsertOne(bg, astra.Document{"_id": "doc2"})
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, astra.CodeDocumentAlreadyExists, ae.ErrorCode)
			_, err = c.Collection("nope").CountDocuments(bg, nil, 0)
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, astra.CodeUnknownCollection, ae.ErrorCode)

			del, err := coll.DeleteMany(bg, astra.Filter{"_id": astra.Document{"$in": []any{"doc9", "doc3"}}})
			require.NoError(t, err)
			assert.Equal(t, 2, del.DeletedCount)
			require.NoError(t, c.DropCollection(bg, "records_vec"))
			require.NoError(t, c.DropCollection(bg, "records_vec"))
		})
	}
}

func TestIntegrationLoops(t *testing.T) {
	_, c := newLocal(t, nil)
	coll, err := c.CreateCollection(bg, "many", nil)
	require.NoError(t, err)
	docs := make([]astra.Document, 1005)
	for i := range docs {
		docs[i] = astra.Document{"_id": i, "n": i, "even": i%2 == 0}
	}
	_, err = coll.InsertMany(bg, docs, nil)
	require.NoError(t, err)

	cur := coll.Find(nil, nil)
	all, err := cur.ToSlice(bg)
	require.NoError(t, err)
	assert.Len(t, all, 1005)
	assert.Equal(t, 51, cur.Pages(), "pages of 20")

	n, err := coll.CountDocuments(bg, nil, 0)
	assert.ErrorIs(t, err, astra.ErrTooManyDocuments)
	assert.Equal(t, 1000, n)

	up, err := coll.UpdateMany(bg, astra.Filter{"even": true}, astra.Update{"$inc": astra.Document{"n": 1}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 503, up.ModifiedCount)
	assert.Greater(t, up.Requests, 20)
	odd, err := coll.CountDocuments(bg, astra.Filter{"n": astra.Document{"$in": []any{1, 3, 5}}}, 0)
	require.NoError(t, err)
	assert.Equal(t, 6, odd, "each even n incremented exactly once")

	del, err := coll.DeleteMany(bg, astra.Filter{"even": false})
	require.NoError(t, err)
	assert.Equal(t, 502, del.DeletedCount)
	rest, err := coll.EstimatedDocumentCount(bg)
	require.NoError(t, err)
	assert.Equal(t, 503, rest)
}

func TestIntegrationFindByIDs1000(t *testing.T) {
	srv, c := newLocal(t, nil)
	require.NoError(t, srv.CreateCollection("default_keyspace", "kv", nil))
	var load []map[string]any
	for i := range 900 {
		load = append(load, map[string]any{"_id": fmt.Sprintf("id%d", i), "v": i})
	}
	require.NoError(t, srv.Load("default_keyspace", "kv", load))
	ids := make([]any, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%d", (i*7)%1000) // ids 900..999 missing
		if i%10 == 0 {
			ids[i] = "id5" // duplicates
		}
	}
	rs, err := c.Collection("kv").FindByIDs(bg, ids, nil)
	require.NoError(t, err)
	require.Len(t, rs, 1000)
	require.NoError(t, rs.Err())
	for i, r := range rs {
		var k int
		fmt.Sscanf(ids[i].(string), "id%d", &k)
		if k >= 900 {
			assert.ErrorIs(t, r.Err, astra.ErrNoDocument, ids[i])
			continue
		}
		require.NoError(t, r.Err)
		assert.Equal(t, ids[i], r.Document.ID())
		assert.Equal(t, float64(k), r.Document["v"])
	}
}

func TestIntegrationInsertMany10000(t *testing.T) {
	srv, c := newLocal(t, nil)
	require.NoError(t, srv.CreateCollection("default_keyspace", "big", nil))
	var pre []map[string]any
	for i := 0; i < 10000; i += 997 {
		pre = append(pre, map[string]any{"_id": fmt.Sprintf("d%d", i)})
	}
	require.NoError(t, srv.Load("default_keyspace", "big", pre))
	docs := make([]astra.Document, 10000)
	for i := range docs {
		docs[i] = astra.Document{"_id": fmt.Sprintf("d%d", i), "n": i}
	}
	res, err := c.Collection("big").InsertMany(bg, docs, nil)
	var ime *astra.InsertManyError
	require.ErrorAs(t, err, &ime)
	require.Len(t, res.Failures, len(pre))
	for j, f := range res.Failures {
		assert.Equal(t, j*997, f.Index)
		var ae *astra.APIError
		require.ErrorAs(t, f.Err, &ae)
		assert.Equal(t, astra.CodeDocumentAlreadyExists, ae.ErrorCode)
	}
	assert.Len(t, res.InsertedIDs, 10000-len(pre))
	stored, err := srv.Documents("default_keyspace", "big")
	require.NoError(t, err)
	assert.Len(t, stored, 10000)

	// Ordered: stops at the first failure.
	require.NoError(t, srv.CreateCollection("default_keyspace", "ord", nil))
	require.NoError(t, srv.Load("default_keyspace", "ord", []map[string]any{{"_id": "d120"}}))
	res, err = c.Collection("ord").InsertMany(bg, docs[:300], &astra.InsertManyOptions{Ordered: true})
	require.Error(t, err)
	assert.Len(t, res.InsertedIDs, 120)
	require.Len(t, res.Failures, 180)
	assert.Equal(t, 120, res.Failures[0].Index)
	for _, f := range res.Failures[1:] {
		assert.ErrorIs(t, f.Err, astra.ErrNotAttempted)
	}
}

func TestIntegrationRetrySafety(t *testing.T) {
	// The first insert is applied, then its answer is lost (502).
	fault := astratest.FaultRule{Kind: astratest.FaultBadGateway, Commands: []string{"insertOne"}, From: 1, To: 2, AfterApply: true}
	srv, c := newLocal(t, []astratest.Option{astratest.WithFaults(fault)})
	require.NoError(t, srv.CreateCollection("default_keyspace", "w", nil))
	coll := c.Collection("w")
	_, err := coll.InsertOne(bg, astra.Document{"a": 1})
	var he *apiclient.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 502, he.StatusCode)
	stored, err := srv.Documents("default_keyspace", "w")
	require.NoError(t, err)
	assert.Len(t, stored, 1, "a write without _id is not re-sent: stored once")

	// With an _id the retry is safe and meets the applied first attempt.
	_, err = coll.InsertOne(bg, astra.Document{"_id": "x"})
	var ae *astra.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, astra.CodeDocumentAlreadyExists, ae.ErrorCode)
	assert.Equal(t, 2, ae.Attempts, "the caller can tell the duplicate may be its own")
	stored, err = srv.Documents("default_keyspace", "w")
	require.NoError(t, err)
	assert.Len(t, stored, 2)
}

func TestIntegrationCancelMidCursor(t *testing.T) {
	srv, c := newLocal(t, []astratest.Option{astratest.WithLatency(20 * time.Millisecond)})
	require.NoError(t, srv.CreateCollection("default_keyspace", "p", nil))
	var load []map[string]any
	for i := range 500 {
		load = append(load, map[string]any{"_id": i})
	}
	require.NoError(t, srv.Load("default_keyspace", "p", load))
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	n := 0
	var last error
	for _, err := range c.Collection("p").Find(nil, nil).All(ctx) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 45 {
			go func() { time.Sleep(5 * time.Millisecond); cancel() }()
		}
	}
	assert.ErrorIs(t, last, context.Canceled)
	assert.Less(t, n, 500)
	assert.GreaterOrEqual(t, n, 45)
}
