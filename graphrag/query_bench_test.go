package graphrag_test

import (
	"testing"

	"github.com/kgas-dev/kgas/graphrag"
)

// BenchmarkQueryCorpus answers the demo corpus's sample questions offline
// on the embedded store (ingested once): the computing cost of a query,
// with no injected latency.
func BenchmarkQueryCorpus(b *testing.B) {
	docs, ont := corpusDocs(b)
	e := engine(b, openLocal(b), graphrag.WithExtractor(ruleExtractor(b, ont)))
	rep, err := e.Ingest(b.Context(), docs, nil)
	if err != nil || rep.Err() != nil {
		b.Fatal(err, rep.Err())
	}
	exp := loadExpected(b)
	i := 0
	for b.Loop() {
		if _, err := e.Query(b.Context(), exp[i%len(exp)].Question, nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
