package graphrag_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/kg/kgtest"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// corpusDocs reads the demo corpus as Ingest documents, in file order.
func corpusDocs(t testing.TB) ([]graphrag.Document, *kg.Ontology) {
	t.Helper()
	ont, err := kg.LoadOntology(filepath.Join(corpusDir, "ontology.yaml"))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(corpusDir, "docs", "*.md"))
	require.NoError(t, err)
	sort.Strings(files)
	docs := make([]graphrag.Document, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		docs[i] = graphrag.Document{ID: strings.TrimSuffix(filepath.Base(f), ".md"), Text: string(b)}
	}
	return docs, ont
}

// countingExtractor counts Extract calls and fails the documents whose ID
// is in fail.
type countingExtractor struct {
	inner extract.Extractor
	calls atomic.Int64
	fail  map[string]bool
}

func (c *countingExtractor) Extract(ctx context.Context, d extract.Document) (*extract.Result, error) {
	c.calls.Add(1)
	if c.fail[d.ID] {
		return nil, errors.New("model unavailable")
	}
	return c.inner.Extract(ctx, d)
}

func ruleExtractor(t testing.TB, ont *kg.Ontology) *countingExtractor {
	t.Helper()
	x, err := extract.NewRuleExtractor(ont)
	require.NoError(t, err)
	return &countingExtractor{inner: x}
}

// TestIngestCorpusAnswers ingests the demo corpus with the offline rule
// extractor and answers its sample questions from what was ingested: the
// main job's path, end to end, on the embedded store and on a store that
// cannot return documents (change detection by chunks).
func TestIngestCorpusAnswers(t *testing.T) {
	docs, ont := corpusDocs(t)
	stores := map[string]func(t *testing.T) kg.Store{
		"local": func(t *testing.T) kg.Store { return openLocal(t) },
		"mem": func(t *testing.T) kg.Store {
			st := kgtest.NewMemStore()
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			x := ruleExtractor(t, ont)
			e := engine(t, st, graphrag.WithExtractor(x))
			var progress []graphrag.Progress
			rep, err := e.Ingest(t.Context(), docs, &graphrag.IngestOptions{
				Progress: func(p graphrag.Progress) { progress = append(progress, p) },
			})
			require.NoError(t, err)
			require.NoError(t, rep.Err())
			require.Len(t, rep.Documents, len(docs))
			for i, d := range rep.Documents {
				assert.Equal(t, i, d.Index)
				assert.Equal(t, docs[i].ID, d.ID)
				assert.Equal(t, graphrag.DocAdded, d.Status, d.ID)
				assert.Positive(t, d.Chunks, d.ID)
			}
			assert.Equal(t, len(docs), rep.Totals.Added)
			require.Len(t, progress, len(docs), "one progress call per document")
			for i, p := range progress {
				assert.Equal(t, i+1, p.Documents)
			}
			stats, err := st.Stats(t.Context())
			require.NoError(t, err)
			assert.Equal(t, rep.Totals.Chunks, stats.Chunks)
			assert.Positive(t, stats.Edges)

			for _, exp := range loadExpected(t) {
				ans, err := e.Query(t.Context(), exp.Question, nil)
				require.NoError(t, err, exp.Question)
				for _, want := range exp.AnswerContains {
					assert.Contains(t, ans.Text, want, exp.Question)
				}
				require.GreaterOrEqual(t, len(ans.Sources), len(exp.Sources), "%s: %v", exp.Question, ans.Sources)
				assert.ElementsMatch(t, exp.Sources, ans.Sources[:len(exp.Sources)], "%s\n%s", exp.Question, ans.Text)
			}

			// Again: nothing changed, nothing written; with stored hashes
			// not even extracted.
			before := x.calls.Load()
			rep, err = e.Ingest(t.Context(), docs, nil)
			require.NoError(t, err)
			assert.Equal(t, len(docs), rep.Totals.Unchanged)
			if name == "local" {
				assert.Equal(t, before, x.calls.Load(), "unchanged documents are not extracted again")
			}

			// One document changes: it is replaced, not duplicated.
			changed := cloneDocs(docs)
			i := indexOf(changed, "well-44-1-2")
			require.GreaterOrEqual(t, i, 0)
			changed[i].Text = strings.ReplaceAll(changed[i].Text, "23 %", "27 %")
			rep, err = e.Ingest(t.Context(), changed, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, rep.Totals.Updated)
			assert.Equal(t, len(docs)-1, rep.Totals.Unchanged)
			after, err := st.Stats(t.Context())
			require.NoError(t, err)
			assert.Equal(t, stats.Chunks, after.Chunks, "the new version's chunks replace the old ones")
			ans, err := e.Query(t.Context(), "What is the porosity of the Brenna Formation in well 44/1-2?", nil)
			require.NoError(t, err)
			assert.Contains(t, ans.Text, "27 %")
			assert.NotContains(t, ans.Text, "23 %")
		})
	}
}

func cloneDocs(d []graphrag.Document) []graphrag.Document {
	return append([]graphrag.Document(nil), d...)
}

func indexOf(d []graphrag.Document, id string) int {
	for i := range d {
		if d[i].ID == id {
			return i
		}
	}
	return -1
}

// TestIngestFailuresIsolated: bad input, a failing extraction and an
// iterator error each fail their document only; every document gets
// exactly one report, in input order.
func TestIngestFailuresIsolated(t *testing.T) {
	docs, ont := corpusDocs(t)
	docs = docs[:6]
	st := openLocal(t)
	x := ruleExtractor(t, ont)
	x.fail = map[string]bool{docs[2].ID: true}
	e := engine(t, st, graphrag.WithExtractor(x))
	input := append(cloneDocs(docs), graphrag.Document{ID: ""}, docs[0])
	seq := func(yield func(graphrag.Document, error) bool) {
		for i, d := range input {
			if i == 4 {
				if !yield(graphrag.Document{}, errors.New("unreadable file")) {
					return
				}
				continue
			}
			if !yield(d, nil) {
				return
			}
		}
	}
	rep, err := e.IngestSeq(t.Context(), seq, &graphrag.IngestOptions{Workers: 3, BatchSize: 7})
	require.NoError(t, err)
	require.Len(t, rep.Documents, len(input))
	want := []graphrag.DocStatus{graphrag.DocAdded, graphrag.DocAdded, graphrag.DocFailed, graphrag.DocAdded,
		graphrag.DocFailed, graphrag.DocAdded, graphrag.DocFailed, graphrag.DocFailed}
	for i, d := range rep.Documents {
		assert.Equal(t, i, d.Index)
		assert.Equal(t, want[i], d.Status, "index %d (%s): %v", i, d.ID, d.Err)
	}
	assert.Contains(t, rep.Documents[2].Error, "model unavailable")
	assert.Contains(t, rep.Documents[4].Error, "unreadable file")
	assert.Contains(t, rep.Documents[6].Error, "Document.ID")
	assert.Contains(t, rep.Documents[7].Error, "given again")
	assert.Equal(t, 4, rep.Totals.Failed)
	require.Error(t, rep.Err())
	assert.Contains(t, rep.Err().Error(), docs[2].ID)
}

// failingStore fails every node upsert.
type failingStore struct{ kg.Store }

func (failingStore) UpsertNodes(context.Context, []kg.Node) error { return errors.New("disk full") }

func TestIngestStoreFailure(t *testing.T) {
	docs, ont := corpusDocs(t)
	st := openLocal(t)
	e := engine(t, failingStore{st}, graphrag.WithExtractor(ruleExtractor(t, ont)))
	rep, err := e.Ingest(t.Context(), docs[:5], nil)
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Totals.Failed)
	for _, d := range rep.Documents {
		assert.Contains(t, d.Error, "disk full")
	}
	// The content hash is written last, so a retry does not take the
	// half-written documents for unchanged ones.
	e2 := engine(t, st, graphrag.WithExtractor(ruleExtractor(t, ont)))
	rep, err = e2.Ingest(t.Context(), docs[:5], nil)
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Totals.Added+rep.Totals.Updated, "%+v", rep.Totals)
}

// TestIngestProgressPanic: a panicking Progress callback stops the ingest
// and reaches the caller; no goroutine is left behind (goleak).
func TestIngestProgressPanic(t *testing.T) {
	docs, ont := corpusDocs(t)
	e := engine(t, openLocal(t), graphrag.WithExtractor(ruleExtractor(t, ont)))
	assert.PanicsWithValue(t, "boom", func() {
		_, _ = e.Ingest(t.Context(), docs, &graphrag.IngestOptions{Workers: 2, Progress: func(graphrag.Progress) { panic("boom") }})
	})
}

// failingDocs fails every document upsert; it hides the store's
// Documents method, like a store that cannot return documents.
type failingDocs struct{ kg.Store }

func (failingDocs) UpsertDocuments(context.Context, []kg.Document) error {
	return errors.New("documents collection unavailable")
}

// TestIngestStoreFailureWithoutDocuments: on a store that cannot return
// documents, the chunks are written last, so a document whose record
// failed is not taken for unchanged by the next run.
func TestIngestStoreFailureWithoutDocuments(t *testing.T) {
	docs, ont := corpusDocs(t)
	st := kgtest.NewMemStore()
	t.Cleanup(func() { _ = st.Close() })
	e := engine(t, failingDocs{st}, graphrag.WithExtractor(ruleExtractor(t, ont)))
	rep, err := e.Ingest(t.Context(), docs[:3], nil)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Totals.Failed)
	e2 := engine(t, st, graphrag.WithExtractor(ruleExtractor(t, ont)))
	rep, err = e2.Ingest(t.Context(), docs[:3], nil)
	require.NoError(t, err)
	assert.Zero(t, rep.Totals.Unchanged, "%+v", rep.Totals)
	assert.Equal(t, 3, rep.Totals.Added+rep.Totals.Updated)
}

func TestIngestOptionsInvalid(t *testing.T) {
	docs, ont := corpusDocs(t)
	st := openLocal(t)
	bare := engine(t, st)
	with := engine(t, st, graphrag.WithExtractor(ruleExtractor(t, ont)))
	tests := []struct {
		name  string
		e     *graphrag.Engine
		opts  *graphrag.IngestOptions
		field string
	}{
		{"no extractor", bare, nil, "opts.Extractor"},
		{"negative workers", with, &graphrag.IngestOptions{Workers: -1}, "opts.Workers"},
		{"negative batch", with, &graphrag.IngestOptions{BatchSize: -2}, "opts.BatchSize"},
		{"too many workers", with, &graphrag.IngestOptions{Workers: graphrag.MaxIngestWorkers + 1}, "opts.Workers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.e.Ingest(t.Context(), docs[:1], tc.opts)
			invalidField(t, err, tc.field)
		})
	}
	_, err := graphrag.New(st, lexical.New(), graphrag.WithExtractor(nil))
	invalidField(t, err, "WithExtractor")
	_, err = with.IngestSeq(t.Context(), nil, nil)
	invalidField(t, err, "docs")
}

// TestIngestCancel: cancelling mid-run returns the context's error, every
// document seen has exactly one report, and no goroutine is left (goleak
// in TestMain).
func TestIngestCancel(t *testing.T) {
	docs, ont := corpusDocs(t)
	st := openLocal(t)
	e := engine(t, st, graphrag.WithExtractor(ruleExtractor(t, ont)))
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	rep, err := e.Ingest(ctx, docs, &graphrag.IngestOptions{Workers: 2, Progress: func(graphrag.Progress) {
		if n++; n == 3 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	for i, d := range rep.Documents {
		assert.Equal(t, i, d.Index, "one report per document seen, none missing")
	}
	assert.GreaterOrEqual(t, len(rep.Documents), 3)
	assert.Less(t, len(rep.Documents), len(docs)+1)
}
