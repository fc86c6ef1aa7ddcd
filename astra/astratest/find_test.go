package astratest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra/astratest"
)

// people is a small collection for filter tests.
func people(t *testing.T) *harness {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"p","options":{"vector":{"dimension":3}}}}`)
	h.ok(ks+"/p", `{"insertMany":{"documents":[
		{"_id":"a","name":"ann","age":30,"tags":["x","y"],"addr":{"city":"Oslo","zip":"0150"},"when":{"$date":1000},"$vector":[1,0,0]},
		{"_id":"b","name":"bob","age":25.5,"tags":["y"],"addr":{"city":"Rome"},"when":{"$date":2000}},
		{"_id":"c","name":"cid","age":40,"tags":[],"nick":null},
		{"_id":"d","name":"dee","age":"40","tags":[["x"]],"addr":{"city":"Oslo","zip":"0151"}},
		{"_id":5,"name":"num","flag":true}
	],"options":{"ordered":true}}}`)
	return h
}

func TestFilterOperators(t *testing.T) {
	h := people(t)
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`{}`, []string{"a", "b", "c", "d", "5"}},
		{`{"name":"ann"}`, []string{"a"}},
		{`{"name":{"$eq":"ann"}}`, []string{"a"}},
		{`{"_id":5}`, []string{"5"}},
		{`{"_id":5.0}`, []string{"5"}},
		{`{"tags":"x"}`, []string{"a"}},                          // array contains
		{`{"tags":["y"]}`, []string{"b"}},                        // exact array
		{`{"tags":["x"]}`, nil},                                  // an array operand needs an equal array (d holds ["x"] as an element)
		{`{"tags":["y","x"]}`, nil},                              // order matters
		{`{"addr":{"zip":"0150","city":"Oslo"}}`, []string{"a"}}, // sub-document, any key order
		{`{"addr":{"city":"Oslo"}}`, nil},                        // sub-document must match exactly
		{`{"addr.city":"Oslo"}`, []string{"a", "d"}},
		{`{"tags.0":"y"}`, []string{"b"}},
		{`{"name":{"$ne":"ann"}}`, []string{"b", "c", "d", "5"}},
		{`{"addr.city":{"$ne":"Oslo"}}`, []string{"b", "c", "5"}},
		{`{"age":{"$in":[30,40]}}`, []string{"a", "c"}},
		{`{"_id":{"$in":["d","a","zz",5]}}`, []string{"a", "d", "5"}},
		{`{"tags":{"$in":["x"]}}`, []string{"a"}},
		{`{"age":{"$nin":[30,40]}}`, []string{"b", "d", "5"}},
		{`{"age":{"$in":[]}}`, nil},
		{`{"nick":{"$exists":true}}`, []string{"c"}},
		{`{"nick":null}`, []string{"c"}},
		{`{"addr":{"$exists":false}}`, []string{"c", "5"}},
		{`{"$vector":{"$exists":true}}`, []string{"a"}},
		{`{"age":{"$gt":25.5}}`, []string{"a", "c"}},
		{`{"age":{"$gte":25.5,"$lt":40}}`, []string{"a", "b"}},
		{`{"age":{"$lte":30}}`, []string{"a", "b"}},
		{`{"age":{"$gt":"3"}}`, []string{"d"}}, // strings only compare with strings
		{`{"name":{"$gte":"bob","$lt":"dee"}}`, []string{"b", "c"}},
		{`{"when":{"$gt":{"$date":1500}}}`, []string{"b"}},
		{`{"when":{"$lte":{"$date":1500}}}`, []string{"a"}},
		{`{"tags":{"$size":0}}`, []string{"c"}},
		{`{"tags":{"$size":2}}`, []string{"a"}},
		{`{"tags":{"$all":["y","x"]}}`, []string{"a"}},
		{`{"tags":{"$all":["y"]}}`, []string{"a", "b"}},
		{`{"$and":[{"addr.city":"Oslo"},{"age":30}]}`, []string{"a"}},
		{`{"$or":[{"name":"bob"},{"age":40}]}`, []string{"b", "c"}},
		{`{"$not":{"tags":{"$size":0}}}`, []string{"a", "b", "d", "5"}},
		{`{"$not":{"$or":[{"name":"ann"},{"flag":true}]}}`, []string{"b", "c", "d"}},
		{`{"flag":true,"name":"num"}`, []string{"5"}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			env := h.ok(ks+"/p", `{"find":{"filter":`+tc.filter+`,"options":{}}}`)
			var got []string
			for _, d := range docs(env) {
				got = append(got, fmt.Sprint(d["_id"]))
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFilterErrors(t *testing.T) {
	h := people(t)
	in101 := "[" + strings.TrimSuffix(strings.Repeat(`"x",`, 101), ",") + "]"
	var many []string
	for i := range 65 {
		many = append(many, fmt.Sprintf(`"f%d":1`, i))
	}
	for _, tc := range []struct{ filter, code string }{
		{`{"name":{"$regex":"a"}}`, "FILTER_UNSUPPORTED_OPERATOR"},
		{`{"$nor":[{"a":1}]}`, "FILTER_UNSUPPORTED_OPERATOR"},
		{`{"name":{"$in":"x"}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"_id":{"$in":` + in101 + `}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"name":{"$nin":` + in101 + `}}`, "FILTER_INVALID_EXPRESSION"},
		{`{` + strings.Join(many, ",") + `}`, "FILTER_FIELDS_LIMIT_VIOLATION"},
		{`{"$or":[{"_id":"a"},{"name":"bob"}]}`, "FILTER_INVALID_EXPRESSION"},
		{`{"$and":[{"_id":"a"},{"_id":"b"}]}`, "FILTER_MULTIPLE_ID_FILTER"},
		{`{"name":{"$exists":1}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"tags":{"$size":-1}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"age":{"$gt":[1]}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"$vector":[1,0,0]}`, "FILTER_INVALID_EXPRESSION"},
		{`{"$and":[]}`, "FILTER_INVALID_EXPRESSION"},
		{`{"$and":{"a":1}}`, "FILTER_INVALID_EXPRESSION"},
		{`{"a..b":1}`, "FILTER_INVALID_EXPRESSION"},
		{`{"a&b":1}`, "FILTER_INVALID_EXPRESSION"},
		{`{"a":{"$eq":1,"b":2}}`, "FILTER_INVALID_EXPRESSION"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			assert.Equal(t, tc.code, h.errorCode(ks+"/p", `{"find":{"filter":`+tc.filter+`}}`))
		})
	}
	// Exactly at the limits is fine.
	in100 := "[" + strings.TrimSuffix(strings.Repeat(`"x",`, 100), ",") + "]"
	h.ok(ks+"/p", `{"find":{"filter":{"_id":{"$in":`+in100+`}}}}`)
	h.ok(ks+"/p", `{"find":{"filter":{`+strings.Join(many[:64], ",")+`}}}`)
}

func TestProjection(t *testing.T) {
	h := people(t)
	for _, tc := range []struct{ projection, want string }{
		{`null`, `{"_id":"a","name":"ann","age":30,"tags":["x","y"],"addr":{"city":"Oslo","zip":"0150"},"when":{"$date":1000}}`},
		{`{"name":1,"addr.city":1}`, `{"_id":"a","name":"ann","addr":{"city":"Oslo"}}`},
		{`{"name":1,"_id":0}`, `{"name":"ann"}`},
		{`{"name":0,"addr":0,"when":0}`, `{"_id":"a","age":30,"tags":["x","y"]}`},
		{`{"addr.zip":0,"tags":0,"when":0,"_id":0}`, `{"name":"ann","age":30,"addr":{"city":"Oslo"}}`},
		{`{"$vector":1,"name":1}`, `{"_id":"a","$vector":[1,0,0],"name":"ann"}`},
		{`{"$vector":1}`, `{"_id":"a","$vector":[1,0,0]}`},
		{`{"*":1}`, `{"_id":"a","$vector":[1,0,0],"name":"ann","age":30,"tags":["x","y"],"addr":{"city":"Oslo","zip":"0150"},"when":{"$date":1000}}`},
		{`{"*":0}`, `{}`},
		{`{"tags":{"$slice":1},"name":1}`, `{"_id":"a","tags":["x"],"name":"ann"}`},
		{`{"tags":{"$slice":-1},"addr":0,"when":0,"age":0,"name":0}`, `{"_id":"a","tags":["y"]}`},
		{`{"tags":{"$slice":[1,5]},"name":1}`, `{"_id":"a","tags":["y"],"name":"ann"}`},
	} {
		t.Run(tc.projection, func(t *testing.T) {
			h.jsonEq(ks+"/p", `{"findOne":{"filter":{"_id":"a"},"projection":`+tc.projection+`}}`, `{"data":{"document":`+tc.want+`}}`)
		})
	}
	for _, bad := range []string{`{"name":1,"age":0}`, `{"*":1,"name":1}`, `{"name":"yes"}`, `{"tags":{"$elemMatch":{}}}`} {
		assert.Equal(t, "UNSUPPORTED_PROJECTION_PARAM", h.errorCode(ks+"/p", `{"find":{"projection":`+bad+`}}`), bad)
	}
}

func TestFindOne(t *testing.T) {
	h := people(t)
	h.jsonEq(ks+"/p", `{"findOne":{"filter":{"_id":"nope"},"options":{}}}`, `{"data":{"document":null}}`)
	h.jsonEq(ks+"/p", `{"findOne":{"filter":{"age":{"$gte":30}},"sort":{"age":-1},"projection":{"name":1}}}`,
		`{"data":{"document":{"_id":"c","name":"cid"}}}`)
	h.jsonEq(ks+"/p", `{"findOne":{"filter":{},"options":{"includeSimilarity":true},"sort":{"$vector":{"$binary":"AAAAAAAAAAA/gAAA"}},"projection":{"name":1}}}`,
		`{"data":{"document":{"_id":"a","name":"ann","$similarity":0.5}}}`)
}

func TestFieldSort(t *testing.T) {
	h := start(t, astratest.WithLimits(astratest.Limits{PageSize: 4}))
	h.ok(ks, `{"createCollection":{"name":"s"}}`)
	h.ok(ks+"/s", `{"insertMany":{"documents":[{"_id":"1","n":3,"g":"b"},{"_id":"2","n":1,"g":"a"},{"_id":"3","n":2,"g":"b"},
		{"_id":"4","g":"a"},{"_id":"5","n":"x","g":"a"},{"_id":"6","n":0.5,"g":"c"}]}}`)
	for _, tc := range []struct {
		sort, options string
		want          []string
	}{
		{`{"n":1}`, `{}`, []string{"4", "6", "2", "3"}}, // missing first, page size 4, numbers before strings
		{`{"n":-1}`, `{"limit":2}`, []string{"5", "1"}},
		{`{"n":1}`, `{"skip":4}`, []string{"1", "5"}},
		{`{"g":1,"n":-1}`, `{}`, []string{"5", "2", "4", "1"}},
	} {
		env := h.ok(ks+"/s", `{"find":{"filter":{},"sort":`+tc.sort+`,"options":`+tc.options+`}}`)
		assert.Equal(t, tc.want, ids(env), tc.sort+tc.options)
		assert.Nil(t, env["data"].(map[string]any)["nextPageState"], "a sorted find is one page")
	}
	assert.Equal(t, "SORT_CLAUSE_INVALID", h.errorCode(ks+"/s", `{"find":{"sort":{"n":2}}}`))
	assert.Equal(t, "SORT_CLAUSE_PATH_INVALID", h.errorCode(ks+"/s", `{"find":{"sort":{"$x":1}}}`))
	assert.Equal(t, "SORT_CLAUSE_INVALID", h.errorCode(ks+"/s", `{"find":{"sort":{"n":1},"options":{"pageState":"MjA="}}}`))
	small := start(t, astratest.WithLimits(astratest.Limits{MaxSortDocuments: 3}))
	require.NoError(t, small.srv.Load(ks, "s", []map[string]any{{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}}))
	assert.Equal(t, "OVERLOADED_SORT_ROW_LIMIT", small.errorCode(ks+"/s", `{"find":{"sort":{"n":1}}}`))
}

func TestPaging(t *testing.T) {
	h := start(t) // default page size 20
	h.ok(ks, `{"createCollection":{"name":"records_paged"}}`)
	var all []map[string]any
	for i := range 25 {
		all = append(all, map[string]any{"_id": fmt.Sprintf("d%02d", i), "i": i, "when": map[string]any{"$date": 1704067200000 + i}})
	}
	require.NoError(t, h.srv.Load(ks, "records_paged", all))

	// The astra-db-ts cursor: page 1, then the same command with pageState
	// and includeSortVector:false.
	env := h.ok(ks+"/records_paged", `{"find":{"filter":{},"options":{}}}`)
	require.Len(t, docs(env), 20)
	state := env["data"].(map[string]any)["nextPageState"]
	require.IsType(t, "", state)
	env = h.ok(ks+"/records_paged", `{"find":{"filter":{},"options":{"includeSortVector":false,"pageState":"`+state.(string)+`"}}}`)
	require.Len(t, docs(env), 5)
	data := env["data"].(map[string]any)
	v, present := data["nextPageState"]
	assert.True(t, present, "nextPageState is always present")
	assert.Nil(t, v)

	// limit spans pages; skip applies once.
	for _, tc := range []struct {
		options string
		pages   []int
		first   string
	}{
		{`"limit":22`, []int{20, 2}, "d00"},
		{`"limit":20`, []int{20}, "d00"},
		{`"limit":5`, []int{5}, "d00"},
		{`"skip":3`, []int{20, 2}, "d03"},
		{`"includeSortVector":true`, []int{20}, "d00"}, // the quirk: no nextPageState
	} {
		var sizes []int
		var first string
		ps := ""
		for {
			opts := tc.options
			if ps != "" {
				opts += `,"pageState":"` + ps + `"`
			}
			env := h.ok(ks+"/records_paged", `{"find":{"filter":{"i":{"$gte":0}},"options":{`+opts+`}}}`)
			if first == "" {
				first = ids(env)[0]
			}
			sizes = append(sizes, len(docs(env)))
			next := env["data"].(map[string]any)["nextPageState"]
			if next == nil {
				break
			}
			ps = next.(string)
		}
		assert.Equal(t, tc.pages, sizes, tc.options)
		assert.Equal(t, tc.first, first, tc.options)
	}
	// An empty collection or no match: an empty page with a null state.
	h.jsonEq(ks+"/records_paged", `{"find":{"filter":{"i":-1}}}`, `{"data":{"documents":[],"nextPageState":null}}`)
}

func TestVectorSort(t *testing.T) {
	q := []float32{1, 0.05, 0}
	vecs := map[string][]float32{"doc1": {1, 0, 0}, "doc2": {0, 1, 0}, "doc3": {0.5, 0.5, 0}, "doc4": {-1, 0, 0}, "doc5": {2, 0.1, 0}}
	for _, metric := range []string{"cosine", "dot_product", "euclidean"} {
		t.Run(metric, func(t *testing.T) {
			h := start(t)
			h.vectorColl("records_vec", metric)
			var sb []string
			for _, id := range []string{"doc1", "doc2", "doc3", "doc4", "doc5"} {
				v := vecs[id]
				sb = append(sb, `{"_id":"`+id+`","name":"`+id+`","$vector":`+binVec(v...)+`}`)
			}
			h.ok(ks+"/records_vec", `{"insertMany":{"documents":[`+strings.Join(sb, ",")+`,{"_id":"novec"}],"options":{"returnDocumentResponses":true,"ordered":false}}}`)
			env := h.ok(ks+"/records_vec", `{"find":{"filter":{},"sort":{"$vector":`+binVec(q...)+`},"options":{"includeSimilarity":true,"limit":3}}}`)
			got := docs(env)
			require.Len(t, got, 3)
			assert.Nil(t, env["data"].(map[string]any)["nextPageState"])
			prev := math.Inf(1)
			for _, d := range got {
				assert.NotContains(t, d, "$vector")
				sim, err := d["$similarity"].(json.Number).Float64()
				require.NoError(t, err)
				assert.InDelta(t, expectedSim(metric, q, vecs[d["_id"].(string)]), sim, 1e-6)
				assert.LessOrEqual(t, sim, prev)
				prev = sim
			}
			// Without includeSimilarity there is no $similarity; the default
			// limit is 1000 and documents without a vector are left out.
			env = h.ok(ks+"/records_vec", `{"find":{"filter":{"name":{"$ne":"doc2"}},"sort":{"$vector":[1,0.05,0]}}}`)
			assert.Len(t, docs(env), 4)
			for _, d := range docs(env) {
				assert.NotContains(t, d, "$similarity")
			}
		})
	}
}

func expectedSim(metric string, a, b []float32) float64 {
	var dot, na, nb, d2 float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot, na, nb, d2 = dot+x*y, na+x*x, nb+y*y, d2+(x-y)*(x-y)
	}
	switch metric {
	case "dot_product":
		return (1 + dot) / 2
	case "euclidean":
		return 1 / (1 + d2)
	}
	return (1 + dot/math.Sqrt(na*nb)) / 2
}

func TestVectorSortOptionsAndErrors(t *testing.T) {
	h := start(t)
	h.vectorColl("records_vec", "cosine")
	h.ok(ks, `{"createCollection":{"name":"plain"}}`)
	h.ok(ks+"/records_vec", `{"insertMany":{"documents":[{"_id":"doc1","name":"a","$vector":[1,0,0]},{"_id":"doc2","name":"b","$vector":[0,1,0]}]}}`)
	// The spec's includeSortVector example.
	h.jsonEq(ks+"/records_vec", `{"find":{"filter":{},"projection":{"$vector":1,"name":1},"sort":{"$vector":{"$binary":"P4AAAD1MzM0AAAAA"}},"options":{"includeSortVector":true,"limit":2}}}`,
		`{"data":{"documents":[{"_id":"doc1","$vector":[1,0,0],"name":"a"},{"_id":"doc2","$vector":[0,1,0],"name":"b"}],"nextPageState":null},
		  "status":{"sortVector":[1,0.05,0]}}`)
	h.jsonEq(ks+"/records_vec", `{"find":{"filter":{"_id":"doc2"},"options":{"includeSortVector":true}}}`,
		`{"data":{"documents":[{"_id":"doc2","name":"b"}],"nextPageState":null},"status":{"sortVector":null}}`)
	h.jsonEq(ks+"/records_vec", `{"find":{"filter":{"_id":"doc2"},"options":{"includeSimilarity":true}}}`,
		`{"data":{"documents":[{"_id":"doc2","name":"b"}],"nextPageState":null}}`)
	for _, tc := range []struct{ body, code string }{
		{`{"find":{"sort":{"$vector":[1,0,0]},"options":{"limit":1001}}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{`{"find":{"sort":{"$vector":[1,0,0]},"options":{"skip":1}}}`, "COMMAND_FIELD_VALUE_INVALID"},
		{`{"find":{"sort":{"$vector":[1,0,0]},"options":{"pageState":"MjA="}}}`, "SORT_CLAUSE_INVALID"},
		{`{"find":{"sort":{"$vector":[1,0,0],"name":1}}}`, "CANNOT_SORT_ON_SPECIAL_WITH_OTHERS"},
		{`{"find":{"sort":{"$vector":[1,0]}}}`, "INVALID_VECTOR_LENGTH"},
		{`{"find":{"sort":{"$vector":"text"}}}`, "SORT_CLAUSE_INVALID"},
		{`{"find":{"sort":{"$vectorize":"text"}}}`, "SORT_CLAUSE_INVALID"},
	} {
		assert.Equal(t, tc.code, h.errorCode(ks+"/records_vec", tc.body), tc.body)
	}
	h.ok(ks+"/records_vec", `{"find":{"sort":{"$vector":[1,0,0]},"options":{"limit":1000}}}`)
	assert.Equal(t, "VECTOR_SEARCH_NOT_SUPPORTED", h.errorCode(ks+"/plain", `{"find":{"sort":{"$vector":[1,0,0]}}}`))
}
