package astra_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/astra"
)

// insertServer answers insertMany like the Data API with
// returnDocumentResponses: documents whose _id starts with "bad" fail with
// DOCUMENT_ALREADY_EXISTS; ordered requests skip what follows a failure;
// documents without _id get generated ids.
func insertServer(gen *atomic.Int64) handler {
	return func(c call, _ int64) (int, string) {
		docs, _ := c.Payload["documents"].([]any)
		opts, _ := c.Payload["options"].(map[string]any)
		ordered := opts["ordered"] == true
		var drs, errs []string
		failed := false
		for _, d := range docs {
			m, _ := d.(map[string]any)
			id, has := m["_id"]
			if !has {
				id = fmt.Sprintf("gen-%d", gen.Add(1))
			}
			idj, _ := json.Marshal(id)
			switch {
			case failed && ordered:
				drs = append(drs, fmt.Sprintf(`{"_id":%s,"status":"SKIPPED"}`, idj))
			case strings.HasPrefix(fmt.Sprint(id), "bad"):
				failed = true
				drs = append(drs, fmt.Sprintf(`{"_id":%s,"status":"ERROR","errorsIdx":%d}`, idj, len(errs)))
				errs = append(errs, fmt.Sprintf(`{"family":"REQUEST","scope":"DOCUMENT","errorCode":"DOCUMENT_ALREADY_EXISTS","message":"exists","documentIds":[%s]}`, idj))
			default:
				drs = append(drs, fmt.Sprintf(`{"_id":%s,"status":"OK"}`, idj))
			}
		}
		body := `{"status":{"documentResponses":[` + strings.Join(drs, ",") + `]}`
		if len(errs) > 0 {
			body += `,"errors":[` + strings.Join(errs, ",") + `]`
		}
		return 200, body + "}"
	}
}

func docsWithIDs(ids ...string) []astra.Document {
	out := make([]astra.Document, len(ids))
	for i, id := range ids {
		out[i] = astra.Document{"_id": id, "i": i}
	}
	return out
}

func TestInsertManyPartialFailure(t *testing.T) {
	// 7 documents in chunks of 3: [a b bad1] [c bad2 d] [e]
	ids := []string{"a", "b", "bad1", "c", "bad2", "d", "e"}
	tests := []struct {
		name         string
		ordered      bool
		inserted     []int
		failed       map[int]error
		requests     int
		wantInserted []any
	}{
		{
			name: "unordered tries everything", ordered: false,
			inserted: []int{0, 1, 3, 5, 6},
			failed:   map[int]error{2: nil, 4: nil},
			requests: 3, wantInserted: []any{"a", "b", "c", "d", "e"},
		},
		{
			name: "ordered stops at the first failure", ordered: true,
			inserted: []int{0, 1},
			failed:   map[int]error{2: nil, 3: astra.ErrNotAttempted, 4: astra.ErrNotAttempted, 5: astra.ErrNotAttempted, 6: astra.ErrNotAttempted},
			requests: 1, wantInserted: []any{"a", "b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gen atomic.Int64
			f := newFake(t, insertServer(&gen))
			c := newClient(t, f.URL)
			res, err := c.Collection("c").InsertMany(bg, docsWithIDs(ids...), &astra.InsertManyOptions{Ordered: tc.ordered, ChunkSize: 3})
			require.Error(t, err)
			var ime *astra.InsertManyError
			require.ErrorAs(t, err, &ime)
			assert.Same(t, res, ime.Result)
			assert.Equal(t, tc.inserted, res.InsertedIndexes)
			assert.Equal(t, tc.wantInserted, res.InsertedIDs)
			require.Len(t, res.Failures, len(tc.failed))
			for _, fl := range res.Failures {
				want, ok := tc.failed[fl.Index]
				require.True(t, ok, "unexpected failure at %d", fl.Index)
				assert.Equal(t, ids[fl.Index], fl.ID)
				if want != nil {
					assert.ErrorIs(t, fl.Err, want)
					continue
				}
				var ae *astra.APIError
				require.ErrorAs(t, fl.Err, &ae)
				assert.Equal(t, astra.CodeDocumentAlreadyExists, ae.ErrorCode)
				assert.Equal(t, []any{ids[fl.Index]}, ae.DocumentIDs)
			}
			var ae *astra.APIError
			assert.ErrorAs(t, err, &ae, "errors.As reaches a per-document error")
			assert.Len(t, f.all(), tc.requests)
			assert.Equal(t, len(ids), len(res.InsertedIndexes)+len(res.Failures), "every document accounted for")
		})
	}
}

func TestInsertManyChunksAndConcurrency(t *testing.T) {
	var gen atomic.Int64
	f := newFake(t, insertServer(&gen))
	c := newClient(t, f.URL)
	docs := make([]astra.Document, 1000)
	for i := range docs {
		docs[i] = astra.Document{"n": i} // no _id: server-generated
	}
	res, err := c.Collection("c").InsertMany(bg, docs, &astra.InsertManyOptions{Concurrency: 4})
	require.NoError(t, err)
	assert.Len(t, res.InsertedIDs, 1000)
	calls := f.all()
	assert.Len(t, calls, 1000/astra.DefaultInsertChunkSize)
	for _, cl := range calls {
		assert.LessOrEqual(t, len(cl.Payload["documents"].([]any)), astra.DefaultInsertChunkSize)
	}
	assert.LessOrEqual(t, f.maxIn.Load(), int64(4))
	seen := map[any]bool{}
	for _, id := range res.InsertedIDs {
		assert.False(t, seen[id], "duplicate id %v", id)
		seen[id] = true
	}

	_, err = c.Collection("c").InsertMany(bg, docs[:1], &astra.InsertManyOptions{ChunkSize: 101})
	assert.ErrorIs(t, err, astra.ErrInvalidInput)
	_, err = c.Collection("c").InsertMany(bg, []astra.Document{{"a": 1}, nil}, nil)
	var ie *astra.InvalidInputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "documents[1]", ie.Field)
}

// TestRetrySafety: a write that may have been applied is not re-sent; a
// read and an insert whose documents all carry _id are.
func TestRetrySafety(t *testing.T) {
	flaky := func(c call, n int64) (int, string) {
		if n == 1 {
			return 503, `{"message":"unavailable"}`
		}
		return okAnswer(c, n)
	}
	tests := []struct {
		name     string
		run      func(c *astra.Client) error
		attempts int64
		wantErr  bool
	}{
		{"insertOne without _id", func(c *astra.Client) error {
			_, err := c.Collection("c").InsertOne(bg, astra.Document{"a": 1})
			return err
		}, 1, true},
		{"insertOne with _id", func(c *astra.Client) error {
			_, err := c.Collection("c").InsertOne(bg, astra.Document{"_id": "doc2"})
			return err
		}, 2, false},
		{"insertMany with a document without _id", func(c *astra.Client) error {
			_, err := c.Collection("c").InsertMany(bg, []astra.Document{{"_id": "x"}, {"a": 1}}, nil)
			return err
		}, 1, true},
		{"insertMany all with _id", func(c *astra.Client) error {
			_, err := c.Collection("c").InsertMany(bg, docsWithIDs("x", "y"), nil)
			return err
		}, 2, false},
		{"find", func(c *astra.Client) error {
			_, err := c.Collection("c").Find(nil, nil).ToSlice(bg)
			return err
		}, 2, false},
		{"countDocuments", func(c *astra.Client) error {
			_, err := c.Collection("c").CountDocuments(bg, nil, 0)
			return err
		}, 2, false},
		{"updateOne", func(c *astra.Client) error {
			_, err := c.Collection("c").UpdateOne(bg, astra.Filter{"_id": "a"}, astra.Update{"$inc": astra.Document{"n": 1}}, nil)
			return err
		}, 1, true},
		{"updateMany", func(c *astra.Client) error {
			_, err := c.Collection("c").UpdateMany(bg, astra.Filter{}, astra.Update{"$set": astra.Document{"n": 1}}, nil)
			return err
		}, 1, true},
		{"deleteOne", func(c *astra.Client) error {
			_, err := c.Collection("c").DeleteOne(bg, astra.Filter{"a": 1}, nil)
			return err
		}, 1, true},
		{"deleteMany", func(c *astra.Client) error {
			_, err := c.Collection("c").DeleteMany(bg, astra.Filter{"a": 1})
			return err
		}, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, flaky)
			err := tc.run(newClient(t, f.URL))
			assert.Equal(t, tc.attempts, f.n.Load())
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			var he *apiclient.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, 503, he.StatusCode)
		})
	}
}

// TestInsertAfterRetry marks duplicates reported by a re-sent request.
func TestInsertAfterRetry(t *testing.T) {
	var gen atomic.Int64
	ins := insertServer(&gen)
	f := newFake(t, func(c call, n int64) (int, string) {
		if n == 1 {
			return 504, `gateway timeout`
		}
		return ins(c, n)
	})
	res, err := newClient(t, f.URL).Collection("c").InsertMany(bg, docsWithIDs("a", "bad"), nil)
	require.Error(t, err)
	require.Len(t, res.Failures, 1)
	assert.True(t, res.Failures[0].AfterRetry)
	assert.Equal(t, []any{"a"}, res.InsertedIDs)
}

// TestServerSafeToRetry re-sends a safe request answered with a
// SERVER-family error that says so, and never an unsafe one.
func TestServerSafeToRetry(t *testing.T) {
	answer := func(c call, n int64) (int, string) {
		if n == 1 {
			return 200, `{"errors":[{"family":"SERVER","scope":"DATABASE","errorCode":"TIMEOUT_READING_DATA","message":"Timed out. It is safe to retry this request."}]}`
		}
		return okAnswer(c, n)
	}
	f := newFake(t, answer)
	_, err := newClient(t, f.URL).Collection("c").CountDocuments(bg, nil, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(2), f.n.Load())

	f2 := newFake(t, answer)
	_, err = newClient(t, f2.URL).Collection("c").UpdateOne(bg, astra.Filter{}, astra.Update{"$set": astra.Document{"a": 1}}, nil)
	var ae *astra.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int64(1), f2.n.Load())
}

func TestInsertManyUnknownOutcome(t *testing.T) {
	// An answer without per-document information leaves nothing silent.
	f := newFake(t, fixed(`{"status":{"insertedIds":["a"]}}`))
	res, err := newClient(t, f.URL).Collection("c").InsertMany(bg, docsWithIDs("a", "b"), nil)
	require.Error(t, err)
	assert.Equal(t, []any{"a"}, res.InsertedIDs)
	require.Len(t, res.Failures, 1)
	assert.True(t, errors.Is(res.Failures[0].Err, astra.ErrUnknownOutcome))
}
