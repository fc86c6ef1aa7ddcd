package astra_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
)

func TestUpdateManyFollowsPageState(t *testing.T) {
	f := newFake(t, func(c call, n int64) (int, string) {
		if n < 3 {
			return 200, fmt.Sprintf(`{"status":{"matchedCount":20,"modifiedCount":19,"moreData":true,"nextPageState":"s%d"}}`, n)
		}
		return 200, `{"status":{"matchedCount":5,"modifiedCount":5}}`
	})
	res, err := newClient(t, f.URL).Collection("c").UpdateMany(bg, astra.Filter{"a": 1}, astra.Update{"$set": astra.Document{"b": 2}}, &astra.UpdateOptions{Upsert: true})
	require.NoError(t, err)
	assert.Equal(t, 45, res.MatchedCount)
	assert.Equal(t, 43, res.ModifiedCount)
	assert.Equal(t, 3, res.Requests)
	calls := f.all()
	require.Len(t, calls, 3)
	assert.JSONEq(t, `{"updateMany":{"filter":{"a":1},"update":{"$set":{"b":2}},"options":{"upsert":true}}}`, calls[0].Body)
	assert.JSONEq(t, `{"updateMany":{"filter":{"a":1},"update":{"$set":{"b":2}},"options":{"upsert":true,"pageState":"s1"}}}`, calls[1].Body)
	assert.JSONEq(t, `{"updateMany":{"filter":{"a":1},"update":{"$set":{"b":2}},"options":{"upsert":true,"pageState":"s2"}}}`, calls[2].Body)
}

func TestUpdateManyStopsWithoutPageState(t *testing.T) {
	f := newFake(t, fixed(`{"status":{"matchedCount":20,"modifiedCount":20,"moreData":true}}`))
	res, err := newClient(t, f.URL).Collection("c").UpdateMany(bg, astra.Filter{}, astra.Update{"$inc": astra.Document{"n": 1}}, nil)
	assert.ErrorIs(t, err, astra.ErrBadResponse, "re-sending an $inc without a page state would apply it twice")
	assert.Equal(t, 20, res.MatchedCount)
	assert.Equal(t, int64(1), f.n.Load())
}

func TestUpdateManyPartialError(t *testing.T) {
	f := newFake(t, func(c call, n int64) (int, string) {
		if n == 1 {
			return 200, `{"status":{"matchedCount":20,"modifiedCount":20,"moreData":true,"nextPageState":"x"}}`
		}
		return 200, `{"status":{"matchedCount":3,"modifiedCount":2},"errors":[{"errorCode":"UNSUPPORTED_UPDATE_OPERATION","documentIds":["d7"],"message":"no"}]}`
	})
	res, err := newClient(t, f.URL).Collection("c").UpdateMany(bg, astra.Filter{}, astra.Update{"$set": astra.Document{"n": 1}}, nil)
	var ae *astra.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, []any{"d7"}, ae.DocumentIDs)
	assert.Equal(t, 23, res.MatchedCount)
	assert.Equal(t, 22, res.ModifiedCount)
}

func TestDeleteManyFollowsMoreData(t *testing.T) {
	f := newFake(t, func(c call, n int64) (int, string) {
		if n < 4 {
			return 200, `{"status":{"deletedCount":20,"moreData":true}}`
		}
		return 200, `{"status":{"deletedCount":7}}`
	})
	res, err := newClient(t, f.URL).Collection("c").DeleteMany(bg, astra.Filter{"a": astra.Document{"$exists": true}})
	require.NoError(t, err)
	assert.Equal(t, 67, res.DeletedCount)
	assert.Equal(t, 4, res.Requests)
	for _, c := range f.all() {
		assert.JSONEq(t, `{"deleteMany":{"filter":{"a":{"$exists":true}}}}`, c.Body, "the same command each time")
	}

	stuck := newFake(t, fixed(`{"status":{"deletedCount":0,"moreData":true}}`))
	_, err = newClient(t, stuck.URL).Collection("c").DeleteMany(bg, astra.Filter{})
	assert.ErrorIs(t, err, astra.ErrBadResponse)
	assert.Equal(t, int64(1), stuck.n.Load())
}

func TestDeleteOne(t *testing.T) {
	f := newFake(t, fixed(`{"status":{"deletedCount":1}}`))
	res, err := newClient(t, f.URL).Collection("c").DeleteOne(bg, astra.Filter{}, astra.Sort{"$vector": []float32{1, 0}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.DeletedCount)
	assert.JSONEq(t, `{"deleteOne":{"filter":{},"sort":{"$vector":{"$binary":"P4AAAAAAAAA="}}}}`, f.all()[0].Body)
}

func TestCountDocuments(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		upperBound int
		want       int
		capped     bool
		tooMany    bool
	}{
		{"exact", `{"status":{"count":3}}`, 10, 3, false, false},
		{"no bound", `{"status":{"count":999}}`, 0, 999, false, false},
		{"over the bound", `{"status":{"count":11}}`, 10, 11, false, true},
		{"server cap", `{"status":{"count":1000,"moreData":true}}`, 5000, 1000, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fixed(tc.body))
			n, err := newClient(t, f.URL).Collection("c").CountDocuments(bg, nil, tc.upperBound)
			assert.Equal(t, tc.want, n)
			if !tc.tooMany {
				require.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, astra.ErrTooManyDocuments)
			var te *astra.TooManyDocumentsError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.capped, te.ServerCapped)
		})
	}
	f := newFake(t, fixed(`{"status":{"count":5}}`))
	n, err := newClient(t, f.URL).Collection("c").EstimatedDocumentCount(bg)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
}

func TestCreateCollectionIdempotence(t *testing.T) {
	f := newFake(t, func(c call, n int64) (int, string) {
		if n <= 2 {
			return 200, `{"status":{"ok":1}}`
		}
		return 200, `{"errors":[{"family":"REQUEST","scope":"SCHEMA","errorCode":"EXISTING_COLLECTION_DIFFERENT_SETTINGS","message":"different"}]}`
	})
	c := newClient(t, f.URL)
	opts := &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 3}}
	coll, err := c.CreateCollection(bg, "v", opts)
	require.NoError(t, err)
	assert.Equal(t, 3, coll.Dimension())
	_, err = c.CreateCollection(bg, "v", opts)
	require.NoError(t, err)
	_, err = c.CreateCollection(bg, "v", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 4}})
	var ae *astra.APIError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(astra.CodeExistingCollectionDifferentSetting))
}
