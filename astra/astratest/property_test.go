package astratest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/astra/astratest"
)

// TestPagingInvariant: paging through any page size, filter and limit
// returns every matching document exactly once, in storage order, capped
// by the limit; documents inserted or deleted between pages never make a
// document of the original set appear twice.
func TestPagingInvariant(t *testing.T) {
	servers := map[int]*harness{}
	for _, ps := range []int{1, 3, 7, 20} {
		h := start(t, astratest.WithLimits(astratest.Limits{PageSize: ps}))
		h.ok(ks, `{"createCollection":{"name":"c"}}`)
		servers[ps] = h
	}
	rapid.Check(t, func(rt *rapid.T) {
		h := servers[rapid.SampledFrom([]int{1, 3, 7, 20}).Draw(rt, "pageSize")]
		// Empty the collection: deleteMany answers moreData past its limit.
		for i := 0; ; i++ {
			require.Less(rt, i, 1000, "deleteMany must finish")
			env := h.ok(ks+"/c", `{"deleteMany":{"filter":{}}}`)
			st, _ := env["status"].(map[string]any)
			if more, _ := st["moreData"].(bool); !more {
				break
			}
		}
		n := rapid.IntRange(0, 60).Draw(rt, "n")
		var all []map[string]any
		for i := range n {
			all = append(all, map[string]any{"_id": fmt.Sprintf("d%03d", i), "k": rapid.IntRange(0, 4).Draw(rt, "k")})
		}
		require.NoError(rt, h.srv.Load(ks, "c", all))
		k := rapid.IntRange(-1, 4).Draw(rt, "filterK")
		filter, want := `{}`, []string{}
		for _, d := range all {
			if k < 0 || d["k"].(int) >= k {
				want = append(want, d["_id"].(string))
			}
		}
		if k >= 0 {
			filter = fmt.Sprintf(`{"k":{"$gte":%d}}`, k)
		}
		limit := rapid.IntRange(0, 70).Draw(rt, "limit")
		if limit > 0 && limit < len(want) {
			want = want[:limit]
		}
		var got []string
		ps := ""
		for pages := 0; ; pages++ {
			require.Less(rt, pages, 1000, "paging must terminate")
			var opts []string
			if limit > 0 {
				opts = append(opts, fmt.Sprintf(`"limit":%d`, limit))
			}
			if ps != "" {
				opts = append(opts, `"pageState":"`+ps+`"`)
			}
			env := h.ok(ks+"/c", `{"find":{"filter":`+filter+`,"options":{`+strings.Join(opts, ",")+`}}}`)
			got = append(got, ids(env)...)
			data := env["data"].(map[string]any)
			next, present := data["nextPageState"]
			require.True(rt, present)
			if next == nil {
				break
			}
			ps = next.(string)
			if rapid.Bool().Draw(rt, "mutate") {
				// A concurrent writer adds a document and removes one not yet seen.
				h.ok(ks+"/c", fmt.Sprintf(`{"insertOne":{"document":{"_id":"new%d","k":9}}}`, pages))
			}
		}
		orig := []string{}
		for _, id := range got {
			if !strings.HasPrefix(id, "new") {
				orig = append(orig, id)
			}
		}
		if limit == 0 {
			require.Equal(rt, want, orig)
		} else {
			require.LessOrEqual(rt, len(got), limit)
			require.Equal(rt, want[:len(orig)], orig)
		}
		seen := map[string]bool{}
		for _, id := range got {
			require.False(rt, seen[id], "duplicate %s", id)
			seen[id] = true
		}
	})
}

// TestFilterNegation: for random filters f, count(f) + count($not f) is
// the collection size, and $in/$nin partition it.
func TestFilterNegation(t *testing.T) {
	h := start(t)
	h.ok(ks, `{"createCollection":{"name":"c"}}`)
	values := []string{`1`, `2`, `"a"`, `"b"`, `null`, `[1,"a"]`, `[]`, `{"x":1}`, `true`}
	var all []map[string]any
	for i := range 60 {
		d := map[string]any{"_id": i}
		for j, f := range []string{"f", "g"} {
			if v := (i*7 + j*3) % (len(values) + 1); v < len(values) {
				var x any
				require.NoError(t, json.Unmarshal([]byte(values[v]), &x))
				d[f] = x
			}
		}
		all = append(all, d)
	}
	require.NoError(t, h.srv.Load(ks, "c", all))
	count := func(filter string) int {
		st := h.ok(ks+"/c", `{"countDocuments":{"filter":`+filter+`}}`)["status"].(map[string]any)
		n, _ := st["count"].(json.Number).Int64()
		return int(n)
	}
	ops := []string{"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$exists", "$size", "$in", "$nin", "$all"}
	rapid.Check(t, func(rt *rapid.T) {
		var leaf func(depth int) string
		leaf = func(depth int) string {
			if depth < 2 && rapid.IntRange(0, 3).Draw(rt, "logic") == 0 {
				a, b := leaf(depth+1), leaf(depth+1)
				op := rapid.SampledFrom([]string{"$and", "$or"}).Draw(rt, "andor")
				return fmt.Sprintf(`{"%s":[%s,%s]}`, op, a, b)
			}
			field := rapid.SampledFrom([]string{"f", "g", "f.x", "g.0"}).Draw(rt, "field")
			op := rapid.SampledFrom(ops).Draw(rt, "op")
			v := rapid.SampledFrom(values).Draw(rt, "value")
			switch op {
			case "$exists":
				v = rapid.SampledFrom([]string{"true", "false"}).Draw(rt, "bool")
			case "$size":
				v = rapid.SampledFrom([]string{"0", "1", "2"}).Draw(rt, "size")
			case "$in", "$nin", "$all":
				v = "[" + v + "," + rapid.SampledFrom(values).Draw(rt, "value2") + "]"
			case "$gt", "$gte", "$lt", "$lte":
				v = rapid.SampledFrom([]string{`1`, `2`, `"a"`, `"b"`}).Draw(rt, "ordered")
			}
			return fmt.Sprintf(`{"%s":{"%s":%s}}`, field, op, v)
		}
		f := leaf(0)
		require.Equal(rt, len(all), count(f)+count(`{"$not":`+f+`}`), f)
	})
	for _, v := range values {
		in, nin := count(`{"f":{"$in":[`+v+`]}}`), count(`{"f":{"$nin":[`+v+`]}}`)
		require.Equal(t, len(all), in+nin, v)
		require.Equal(t, count(`{"f":`+v+`}`), in, v)
	}
}
