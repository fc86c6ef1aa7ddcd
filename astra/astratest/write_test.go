package astratest_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func TestUpdateOne(t *testing.T) {
	h := start(t)
	h.vectorColl("c", "cosine")
	h.ok(ks+"/c", `{"insertOne":{"document":{"_id":"doc1","name":"a","n":1,"tags":["x"],"sub":{"k":1}}}}`)
	h.jsonEq(ks+"/c", `{"updateOne":{"filter":{"_id":"doc1"},"update":{"$set":{"name":"A"},"$inc":{"n":10}},"options":{}}}`,
		`{"status":{"matchedCount":1,"modifiedCount":1}}`)
	h.jsonEq(ks+"/c", `{"updateOne":{"filter":{"_id":"doc1"},"update":{"$set":{"name":"A"}}}}`,
		`{"status":{"matchedCount":1,"modifiedCount":0}}`)
	h.jsonEq(ks+"/c", `{"updateOne":{"filter":{"_id":"nope"},"update":{"$set":{"name":"A"}}}}`,
		`{"status":{"matchedCount":0,"modifiedCount":0}}`)
	h.jsonEq(ks+"/c", `{"updateOne":{"filter":{"_id":"doc9"},"update":{"$set":{"name":"i"}},"options":{"upsert":true}}}`,
		`{"status":{"matchedCount":0,"modifiedCount":0,"upsertedId":"doc9"}}`)
	h.jsonEq(ks+"/c", `{"findOne":{"filter":{"_id":"doc9"}}}`, `{"data":{"document":{"_id":"doc9","name":"i"}}}`)

	for _, tc := range []struct{ update, want string }{
		{`{"$unset":{"sub":""}}`, `{"_id":"doc1","name":"A","n":11,"tags":["x"]}`},
		{`{"$set":{"sub.deep.k":2,"when":{"$date":5}}}`, `{"_id":"doc1","name":"A","n":11,"tags":["x"],"sub":{"deep":{"k":2}},"when":{"$date":5}}`},
		{`{"$mul":{"n":2},"$min":{"sub.deep.k":1},"$max":{"m":7}}`, `{"_id":"doc1","name":"A","n":22,"tags":["x"],"sub":{"deep":{"k":1}},"when":{"$date":5},"m":7}`},
		{`{"$inc":{"n":0.5}}`, `{"_id":"doc1","name":"A","n":22.5,"tags":["x"],"sub":{"deep":{"k":1}},"when":{"$date":5},"m":7}`},
		{`{"$push":{"tags":"y"},"$unset":{"sub":1,"when":1,"m":1}}`, `{"_id":"doc1","name":"A","n":22.5,"tags":["x","y"]}`},
		{`{"$push":{"tags":{"$each":["a","b"],"$position":0}}}`, `{"_id":"doc1","name":"A","n":22.5,"tags":["a","b","x","y"]}`},
		{`{"$addToSet":{"tags":{"$each":["a","z","z"]}}}`, `{"_id":"doc1","name":"A","n":22.5,"tags":["a","b","x","y","z"]}`},
		{`{"$pop":{"tags":-1},"$pullAll":{"other":[1]}}`, `{"_id":"doc1","name":"A","n":22.5,"tags":["b","x","y","z"]}`},
		{`{"$pullAll":{"tags":["x","z"]},"$rename":{"name":"title"}}`, `{"_id":"doc1","title":"A","n":22.5,"tags":["b","y"]}`},
		{`{"$set":{"tags.1":"Y","$vector":[0,0,1]},"$setOnInsert":{"ignored":true}}`, `{"_id":"doc1","title":"A","n":22.5,"tags":["b","Y"],"$vector":[0,0,1]}`},
		{`{"$set":{"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}}}`, `{"_id":"doc1","title":"A","n":22.5,"tags":["b","Y"],"$vector":[1,0,0]}`},
		{`{"$unset":{"$vector":1}}`, `{"_id":"doc1","title":"A","n":22.5,"tags":["b","Y"]}`},
	} {
		t.Run(tc.update, func(t *testing.T) {
			h.ok(ks+"/c", `{"updateOne":{"filter":{"_id":"doc1"},"update":`+tc.update+`}}`)
			h.jsonEq(ks+"/c", `{"findOne":{"filter":{"_id":"doc1"},"projection":{"*":1}}}`, `{"data":{"document":`+tc.want+`}}`)
		})
	}
	env := h.ok(ks+"/c", `{"updateOne":{"filter":{"_id":"doc1"},"update":{"$currentDate":{"at":true}}}}`)
	assert.Equal(t, json.Number("1"), env["status"].(map[string]any)["modifiedCount"])

	for _, tc := range []struct{ update, code string }{
		{`{}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"$frob":{"a":1}}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"name":"x"}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"$set":{"_id":"x"}}`, "UNSUPPORTED_UPDATE_OPERATOR_FOR_DOC_ID"},
		{`{"$push":{"$vector":1}}`, "UNSUPPORTED_UPDATE_OPERATOR_FOR_VECTOR"},
		{`{"$set":{"a":1},"$unset":{"a":1}}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"$inc":{"title":1}}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"$inc":{"n":"1"}}`, "UNSUPPORTED_UPDATE_OPERATION"},
		{`{"$set":{"$vector":[1,2]}}`, "INVALID_VECTOR_LENGTH"},
	} {
		assert.Equal(t, tc.code, h.errorCode(ks+"/c", `{"updateOne":{"filter":{"_id":"doc1"},"update":`+tc.update+`}}`), tc.update)
	}
}

func TestUpsertSeedsFromFilter(t *testing.T) {
	h := start(t, astratest.WithKeyspaces("ks1"))
	h.ok("ks1", `{"createCollection":{"name":"c","options":{"defaultId":{"type":"objectId"}}}}`)
	env := h.ok("ks1/c", `{"updateOne":{"filter":{"kind":"k","n":{"$eq":3},"$and":[{"a.b":1}],"m":{"$gt":1}},"update":{"$setOnInsert":{"new":true},"$inc":{"count":1}},"options":{"upsert":true}}}`)
	id := env["status"].(map[string]any)["upsertedId"].(map[string]any)["$objectId"].(string)
	h.jsonEq("ks1/c", `{"findOne":{"filter":{"kind":"k"},"projection":{"_id":0}}}`,
		`{"data":{"document":{"kind":"k","n":3,"a":{"b":1},"new":true,"count":1}}}`)
	assert.Len(t, id, 24)
	// The upsert of an existing _id that does not match the rest of the filter fails.
	h.ok("ks1/c", `{"insertOne":{"document":{"_id":"x","v":1}}}`)
	assert.Equal(t, "DOCUMENT_ALREADY_EXISTS", h.errorCode("ks1/c", `{"updateOne":{"filter":{"_id":"x","v":2},"update":{"$set":{"w":1}},"options":{"upsert":true}}}`))
}

func TestUpdateManyPaging(t *testing.T) {
	h := start(t) // 20 documents per updateMany request
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	var all []map[string]any
	for i := range 45 {
		all = append(all, map[string]any{"_id": i, "even": i%2 == 0, "v": 0})
	}
	require.NoError(t, h.srv.Load(ks, "c", all))
	// astra-db-ts loops on status.nextPageState.
	var matched []int
	ps := ""
	for {
		opts := `{}`
		if ps != "" {
			opts = `{"pageState":"` + ps + `"}`
		}
		st := h.ok(ks+"/c", `{"updateMany":{"filter":{},"update":{"$inc":{"v":1}},"options":`+opts+`}}`)["status"].(map[string]any)
		n, _ := st["matchedCount"].(json.Number).Int64()
		matched = append(matched, int(n))
		if st["nextPageState"] == nil {
			assert.Nil(t, st["moreData"])
			break
		}
		assert.Equal(t, true, st["moreData"])
		ps = st["nextPageState"].(string)
	}
	assert.Equal(t, []int{20, 20, 5}, matched)
	assert.Equal(t, map[string]any{"count": json.Number("45")},
		h.ok(ks+"/c", `{"countDocuments":{"filter":{"v":1}}}`)["status"])
	// astra-db-go loops on moreData without a page state; with a filter the
	// updated documents stop matching, so that terminates too.
	rounds := 0
	for {
		st := h.ok(ks+"/c", `{"updateMany":{"filter":{"even":true,"v":1},"update":{"$set":{"v":2}}}}`)["status"].(map[string]any)
		rounds++
		if st["moreData"] == nil {
			break
		}
	}
	assert.Equal(t, 2, rounds)
	h.jsonEq(ks+"/c", `{"updateMany":{"filter":{"_id":100},"update":{"$set":{"v":9}},"options":{"upsert":true}}}`,
		`{"status":{"matchedCount":0,"modifiedCount":0,"upsertedId":100}}`)
}

func TestDeleteAndCount(t *testing.T) {
	h := start(t, astratest.WithLimits(astratest.Limits{MaxCount: 30}))
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	var all []map[string]any
	for i := range 50 {
		all = append(all, map[string]any{"_id": fmt.Sprint("doc", i), "n": i})
	}
	require.NoError(t, h.srv.Load(ks, "c", all))
	h.jsonEq(ks+"/c", `{"countDocuments":{"filter":{"n":{"$gt":46}}}}`, `{"status":{"count":3}}`)
	h.jsonEq(ks+"/c", `{"countDocuments":{"filter":{}}}`, `{"status":{"count":30,"moreData":true}}`)
	h.jsonEq(ks+"/c", `{"countDocuments":{"filter":{"n":{"$lt":30}}}}`, `{"status":{"count":30}}`)
	h.jsonEq(ks+"/c", `{"estimatedDocumentCount":{}}`, `{"status":{"count":50}}`)

	h.jsonEq(ks+"/c", `{"deleteMany":{"filter":{"_id":{"$in":["doc9","doc5","nope"]}}}}`, `{"status":{"deletedCount":2}}`)
	h.jsonEq(ks+"/c", `{"deleteOne":{"filter":{"n":{"$gte":40}},"sort":{"n":-1}}}`, `{"status":{"deletedCount":1}}`)
	h.jsonEq(ks+"/c", `{"deleteOne":{"filter":{"_id":"doc49"}}}`, `{"status":{"deletedCount":0}}`)
	// deleteMany of more than 20: moreData until done (astra-db-ts and astrapy loop on it).
	var counts []string
	for {
		st := h.ok(ks+"/c", `{"deleteMany":{"filter":{"n":{"$lt":45}}}}`)["status"].(map[string]any)
		counts = append(counts, string(st["deletedCount"].(json.Number)))
		if st["moreData"] == nil {
			break
		}
		assert.Equal(t, true, st["moreData"])
	}
	assert.Equal(t, []string{"20", "20", "3"}, counts)
	h.jsonEq(ks+"/c", `{"estimatedDocumentCount":{}}`, `{"status":{"count":4}}`)
	h.jsonEq(ks+"/c", `{"deleteMany":{"filter":{}}}`, `{"status":{"deletedCount":-1}}`)
	h.jsonEq(ks+"/c", `{"estimatedDocumentCount":{}}`, `{"status":{"count":0}}`)
	assert.Equal(t, "COMMAND_ACCEPTS_NO_OPTIONS", h.errorCode(ks+"/c", `{"countDocuments":{"filter":{},"options":{"limit":1}}}`))
}

func TestFindOneAnd(t *testing.T) {
	h := start(t)
	h.vectorColl("c", "cosine")
	h.ok(ks+"/c", `{"insertMany":{"documents":[{"_id":"doc1","name":"a","$vector":[1,0,0]},{"_id":"doc2","name":"b","$vector":[0,1,0]}]}}`)
	h.jsonEq(ks+"/c", `{"findOneAndUpdate":{"filter":{"_id":"doc2"},"update":{"$set":{"name":"B"}},"options":{"returnDocument":"after","upsert":false}}}`,
		`{"data":{"document":{"_id":"doc2","name":"B"}},"status":{"matchedCount":1,"modifiedCount":1}}`)
	h.jsonEq(ks+"/c", `{"findOneAndUpdate":{"filter":{},"sort":{"$vector":[0,1,0]},"update":{"$set":{"name":"BB"}},"projection":{"name":1}}}`,
		`{"data":{"document":{"_id":"doc2","name":"B"}},"status":{"matchedCount":1,"modifiedCount":1}}`)
	h.jsonEq(ks+"/c", `{"findOneAndUpdate":{"filter":{"_id":"x"},"update":{"$set":{"name":"X"}},"options":{"returnDocument":"after","upsert":true}}}`,
		`{"data":{"document":{"_id":"x","name":"X"}},"status":{"matchedCount":0,"modifiedCount":0,"upsertedId":"x"}}`)
	h.jsonEq(ks+"/c", `{"findOneAndUpdate":{"filter":{"_id":"y"},"update":{"$set":{"name":"Y"}}}}`,
		`{"data":{"document":null},"status":{"matchedCount":0,"modifiedCount":0}}`)
	// replaceOne as astra-db-ts sends it.
	h.jsonEq(ks+"/c", `{"findOneAndReplace":{"filter":{"_id":"x"},"replacement":{"other":1},"projection":{"*":0},"options":{"returnDocument":"before"}}}`,
		`{"data":{"document":{}},"status":{"matchedCount":1,"modifiedCount":1}}`)
	h.jsonEq(ks+"/c", `{"findOne":{"filter":{"_id":"x"}}}`, `{"data":{"document":{"_id":"x","other":1}}}`)
	assert.Equal(t, "DOCUMENT_REPLACE_DIFFERENT_DOCID",
		h.errorCode(ks+"/c", `{"findOneAndReplace":{"filter":{"_id":"x"},"replacement":{"_id":"z"}}}`))
	h.jsonEq(ks+"/c", `{"findOneAndReplace":{"filter":{"_id":"r"},"replacement":{"v":1},"options":{"upsert":true,"returnDocument":"after"}}}`,
		`{"data":{"document":{"_id":"r","v":1}},"status":{"matchedCount":0,"modifiedCount":0,"upsertedId":"r"}}`)
	h.jsonEq(ks+"/c", `{"findOneAndDelete":{"filter":{},"sort":{"$vector":[1,0,0]},"projection":{"name":1},"options":{"includeSimilarity":true}}}`,
		`{"data":{"document":{"_id":"doc1","name":"a","$similarity":1}},"status":{"deletedCount":1}}`)
	h.jsonEq(ks+"/c", `{"findOneAndDelete":{"filter":{"_id":"doc1"}}}`, `{"data":{"document":null},"status":{"deletedCount":0}}`)
	assert.Equal(t, "COMMAND_FIELD_VALUE_INVALID",
		h.errorCode(ks+"/c", `{"findOneAndUpdate":{"filter":{},"update":{"$set":{"a":1}},"options":{"returnDocument":"later"}}}`))
}
