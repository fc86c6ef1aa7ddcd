package astratest_test

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkInsertMany10k inserts 10,000 documents in chunks of 100.
func BenchmarkInsertMany10k(b *testing.B) {
	h := start(b)
	var chunks []string
	for c := range 100 {
		var docs []string
		for i := range 100 {
			docs = append(docs, fmt.Sprintf(`{"_id":"d%d","n":%d,"$vector":%s}`, c*100+i, i, binVec(float32(i), 1, 0)))
		}
		chunks = append(chunks, `{"insertMany":{"documents":[`+strings.Join(docs, ",")+`]}}`)
	}
	h.vectorColl("c", "cosine")
	b.ResetTimer()
	for range b.N {
		for _, body := range chunks {
			h.ok(ks+"/c", body)
		}
		b.StopTimer()
		h.ok(ks+"/c", `{"deleteMany":{"filter":{}}}`)
		b.StartTimer()
	}
}

// BenchmarkFindByIDs1000 fetches 1,000 ids of a 10,000-document collection
// with ten $in requests of 100.
func BenchmarkFindByIDs1000(b *testing.B) {
	h := start(b)
	var all []map[string]any
	for i := range 10000 {
		all = append(all, map[string]any{"_id": fmt.Sprint("d", i), "n": i})
	}
	if err := h.srv.Load(ks, "c", all); err != nil {
		b.Fatal(err)
	}
	var bodies []string
	for c := range 10 {
		var ids []string
		for i := range 100 {
			ids = append(ids, fmt.Sprintf(`"d%d"`, (c*100+i)*7))
		}
		bodies = append(bodies, `{"find":{"filter":{"_id":{"$in":[`+strings.Join(ids, ",")+`]}},"options":{}}}`)
	}
	b.ResetTimer()
	for range b.N {
		for _, body := range bodies {
			h.ok(ks+"/c", body)
		}
	}
}
