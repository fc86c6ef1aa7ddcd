package astratest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

func TestCollectionsLifecycle(t *testing.T) {
	h := start(t)
	// Request bodies as astra-db-ts sends them (spec §3).
	h.jsonEq(ks, `{"createCollection":{"name":"records_vec","options":{"vector":{"dimension":3,"metric":"cosine"}}}}`, `{"status":{"ok":1}}`)
	h.jsonEq(ks, `{"createCollection":{"name":"records_paged","options":{}}}`, `{"status":{"ok":1}}`)
	h.jsonEq(ks, `{"createCollection":{"name":"full","options":{"vector":{"dimension":3,"metric":"cosine","sourceModel":"other"},
		"indexing":{"deny":["comment"]},"defaultId":{"type":"objectId"}}}}`, `{"status":{"ok":1}}`)

	h.jsonEq(ks, `{"findCollections":{"options":{"explain":false}}}`,
		`{"status":{"collections":["full","records_paged","records_vec"]}}`)
	h.jsonEq(ks, `{"findCollections":{"options":{"explain":true}}}`, `{"status":{"collections":[
		{"name":"full","options":{"vector":{"dimension":3,"metric":"cosine","sourceModel":"other"},
			"indexing":{"deny":["comment"]},"defaultId":{"type":"objectId"}}},
		{"name":"records_paged","options":{}},
		{"name":"records_vec","options":{"vector":{"dimension":3,"metric":"cosine","sourceModel":"other"}}}]}}`)

	// Idempotent with the same settings (defaults filled in or not).
	h.jsonEq(ks, `{"createCollection":{"name":"records_vec","options":{"vector":{"dimension":3}}}}`, `{"status":{"ok":1}}`)
	assert.Equal(t, "EXISTING_COLLECTION_DIFFERENT_SETTINGS",
		h.errorCode(ks, `{"createCollection":{"name":"records_vec","options":{"vector":{"dimension":4,"metric":"cosine"}}}}`))
	assert.Equal(t, "EXISTING_COLLECTION_DIFFERENT_SETTINGS",
		h.errorCode(ks, `{"createCollection":{"name":"records_paged","options":{"indexing":{"allow":["a"]}}}}`))

	h.jsonEq(ks, `{"deleteCollection":{"name":"records_vec"}}`, `{"status":{"ok":1}}`)
	h.jsonEq(ks, `{"deleteCollection":{"name":"records_vec"}}`, `{"status":{"ok":1}}`)
	assert.Equal(t, "UNKNOWN_COLLECTION_OR_TABLE", h.errorCode(ks+"/records_vec", `{"find":{}}`))
}

func TestCreateCollectionErrors(t *testing.T) {
	h := start(t, astratest.WithLimits(astratest.Limits{MaxCollections: 2}))
	for _, tc := range []struct{ body, code string }{
		{`{"createCollection":{"name":"1bad"}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{`{"createCollection":{"name":"a_very_long_name_that_is_longer_than_forty_eight_chars"}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{`{"createCollection":{"name":"c","options":{"vector":{"dimension":0}}}}`, "INVALID_CREATE_COLLECTION_OPTIONS"},
		{`{"createCollection":{"name":"c","options":{"vector":{"dimension":4097}}}}`, "VECTOR_SEARCH_TOO_BIG_VALUE"},
		{`{"createCollection":{"name":"c","options":{"vector":{"dimension":3,"metric":"manhattan"}}}}`, "UNKNOWN_VECTOR_METRIC"},
		{`{"createCollection":{"name":"c","options":{"vector":{"dimension":3,"sourceModel":"gpt"}}}}`, "UNKNOWN_VECTOR_SOURCE_MODEL"},
		{`{"createCollection":{"name":"c","options":{"indexing":{"allow":["a"],"deny":["b"]}}}}`, "INVALID_INDEXING_DEFINITION"},
		{`{"createCollection":{"name":"c","options":{"indexing":{"allow":"a"}}}}`, "INVALID_INDEXING_DEFINITION"},
		{`{"createCollection":{"name":"c","options":{"defaultId":{"type":"serial"}}}}`, "INVALID_CREATE_COLLECTION_OPTIONS"},
		{`{"createCollection":{"name":"c","options":{"colour":1}}}`, "COMMAND_FIELD_UNKNOWN"},
	} {
		t.Run(tc.body, func(t *testing.T) { assert.Equal(t, tc.code, h.errorCode(ks, tc.body)) })
	}
	h.ok(ks, `{"createCollection":{"name":"a"}}`)
	h.ok(ks, `{"createCollection":{"name":"b"}}`)
	assert.Equal(t, "TOO_MANY_COLLECTIONS", h.errorCode(ks, `{"createCollection":{"name":"c"}}`))
	h.ok(ks, `{"createCollection":{"name":"a"}}`) // existing: still fine at the cap
}

func TestIndexing(t *testing.T) {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"deny","options":{"indexing":{"deny":["blob","meta.secret"]}}}}`)
	h.ok(ks, `{"createCollection":{"name":"allow","options":{"indexing":{"allow":["name","meta"]}}}}`)
	long := `"` + repeat("x", 9000) + `"`
	// Long strings are fine in non-indexed fields only.
	h.ok(ks+"/deny", `{"insertOne":{"document":{"_id":1,"blob":`+long+`}}}`)
	assert.Equal(t, "SHRED_DOC_LIMIT_VIOLATION", h.errorCode(ks+"/deny", `{"insertOne":{"document":{"_id":2,"text":`+long+`}}}`))
	assert.Equal(t, "FILTER_PATH_UNINDEXED", h.errorCode(ks+"/deny", `{"find":{"filter":{"blob":"x"}}}`))
	assert.Equal(t, "FILTER_PATH_UNINDEXED", h.errorCode(ks+"/deny", `{"find":{"filter":{"meta.secret.k":"x"}}}`))
	h.ok(ks+"/deny", `{"find":{"filter":{"meta.public":"x"}}}`)
	assert.Equal(t, "SORT_CLAUSE_PATH_UNINDEXED", h.errorCode(ks+"/deny", `{"find":{"sort":{"blob":1}}}`))
	h.ok(ks+"/allow", `{"find":{"filter":{"name":"x","meta.a.b":1,"_id":"q"}}}`)
	assert.Equal(t, "FILTER_PATH_UNINDEXED", h.errorCode(ks+"/allow", `{"find":{"filter":{"other":1}}}`))
	h.ok(ks, `{"createCollection":{"name":"noid","options":{"indexing":{"deny":["_id"]}}}}`)
	assert.Equal(t, "FILTER_ID_NOT_INDEXED", h.errorCode(ks+"/noid", `{"find":{"filter":{"_id":"x"}}}`))
}

func TestLoadAndDocuments(t *testing.T) {
	h := start(t)
	require.NoError(t, h.srv.CreateCollection(ks, "v", map[string]any{"vector": map[string]any{"dimension": 2}}))
	require.NoError(t, h.srv.CreateCollection(ks, "v", map[string]any{"vector": map[string]any{"dimension": 2, "metric": "cosine"}}))
	require.Error(t, h.srv.CreateCollection(ks, "v", map[string]any{"vector": map[string]any{"dimension": 3}}))
	require.NoError(t, h.srv.Load(ks, "v", []map[string]any{
		{"_id": "a", "$vector": []float32{1, 0}, "n": 1},
		{"_id": "b", "$vector": []float64{0, 1}},
	}))
	assert.ErrorContains(t, h.srv.Load(ks, "v", []map[string]any{{"_id": "a"}}), "DOCUMENT_ALREADY_EXISTS")
	assert.Error(t, h.srv.Load(ks, "v", []map[string]any{{"_id": "c", "$vector": []float32{1}}}))
	// Load creates a plain collection when needed.
	require.NoError(t, h.srv.Load(ks, "plain", []map[string]any{{"_id": 1}}))

	got, err := h.srv.Documents(ks, "v")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []float32{1, 0}, got[0]["$vector"])
	_, err = h.srv.Documents(ks, "missing")
	assert.Error(t, err)
	env := h.ok(ks+"/v", `{"find":{"sort":{"$vector":[1,0]},"options":{"limit":1}}}`)
	assert.Equal(t, []string{"a"}, ids(env))
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for range n {
		b = append(b, s...)
	}
	return string(b)
}
