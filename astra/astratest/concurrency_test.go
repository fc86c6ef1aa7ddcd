package astratest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentMixedLoad runs writers, readers and pagers at once (run
// with -race) and checks the final state.
func TestConcurrentMixedLoad(t *testing.T) {
	h := start(t)
	h.vectorColl("c", "dot_product")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				var docs []string
				for j := range 10 {
					docs = append(docs, fmt.Sprintf(`{"_id":"w%d-%d-%d","w":%d,"$vector":%s}`, w, i, j, w, binVec(float32(w), float32(i), float32(j))))
				}
				h.ok(ks+"/c", `{"insertMany":{"documents":[`+joinComma(docs)+`]}}`)
				h.ok(ks+"/c", fmt.Sprintf(`{"updateMany":{"filter":{"w":%d},"update":{"$inc":{"n":1}}}}`, w))
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 10 {
				h.ok(ks+"/c", `{"find":{"sort":{"$vector":[1,1,1]},"options":{"limit":5,"includeSimilarity":true}}}`)
				h.ok(ks+"/c", `{"countDocuments":{"filter":{"n":{"$gte":1}}}}`)
				env := h.ok(ks+"/c", `{"find":{"filter":{}}}`)
				if s, ok := env["data"].(map[string]any)["nextPageState"].(string); ok {
					h.ok(ks+"/c", `{"find":{"filter":{},"options":{"pageState":"`+s+`"}}}`)
				}
				h.ok(ks+"/c", `{"deleteMany":{"filter":{"_id":{"$in":["w0-0-0","w1-0-0"]}}}}`)
			}
		})
	}
	wg.Wait()
	got, err := h.srv.Documents(ks, "c")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(got), 398)
	assert.LessOrEqual(t, len(got), 400)
	st := h.srv.Stats()
	assert.Equal(t, int64(40), st.Commands["insertMany"])
	assert.Equal(t, int64(400), st.Inserted)
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
