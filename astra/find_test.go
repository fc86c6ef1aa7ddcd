package astra_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
)

// pagedServer serves total documents {"_id": "d<i>"} in pages of size,
// with the offset as page state.
func pagedServer(total, size int) handler {
	return func(c call, _ int64) (int, string) {
		opts, _ := c.Payload["options"].(map[string]any)
		start := 0
		if s, ok := opts["pageState"].(string); ok {
			start, _ = strconv.Atoi(s)
		}
		var docs []string
		for i := start; i < min(start+size, total); i++ {
			docs = append(docs, fmt.Sprintf(`{"_id":"d%d","n":%d}`, i, i))
		}
		next := "null"
		if start+size < total {
			next = strconv.Quote(strconv.Itoa(start + size))
		}
		return 200, `{"data":{"documents":[` + strings.Join(docs, ",") + `],"nextPageState":` + next + `}}`
	}
}

func TestCursorPaging(t *testing.T) {
	tests := []struct {
		name        string
		total, size int
		pages       int
	}{
		{"empty", 0, 20, 1},
		{"one page", 5, 20, 1},
		{"exact pages", 40, 20, 2},
		{"many pages", 1001, 20, 51},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, pagedServer(tc.total, tc.size))
			cur := newClient(t, f.URL).Collection("c").Find(astra.Filter{"a": 1}, &astra.FindOptions{Limit: 5000})
			i := 0
			for doc, err := range cur.All(bg) {
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("d%d", i), doc.ID())
				i++
			}
			assert.Equal(t, tc.total, i)
			assert.Equal(t, tc.pages, cur.Pages())
			calls := f.all()
			require.Len(t, calls, tc.pages)
			for p, cl := range calls {
				assert.Equal(t, map[string]any{"a": float64(1)}, cl.Payload["filter"], "same filter on every page")
				opts := cl.Payload["options"].(map[string]any)
				assert.Equal(t, float64(5000), opts["limit"], "limit re-sent on every page")
				if p == 0 {
					assert.NotContains(t, opts, "pageState")
				} else {
					assert.Equal(t, strconv.Itoa(p*tc.size), opts["pageState"])
				}
			}
		})
	}
}

func TestCursorNextDecodeAndResume(t *testing.T) {
	f := newFake(t, pagedServer(30, 20))
	coll := newClient(t, f.URL).Collection("c")
	cur := coll.Find(nil, &astra.FindOptions{IncludeSortVector: true})
	require.True(t, cur.Next(bg))
	var v struct {
		ID string `json:"_id"`
		N  int    `json:"n"`
	}
	require.NoError(t, cur.Decode(&v))
	assert.Equal(t, "d0", v.ID)
	assert.Equal(t, "20", cur.PageState())
	// Resume from the state in a new cursor.
	rest, err := coll.Find(nil, &astra.FindOptions{PageState: cur.PageState()}).ToSlice(bg)
	require.NoError(t, err)
	assert.Len(t, rest, 10)
	calls := f.all()
	assert.Equal(t, true, calls[0].Payload["options"].(map[string]any)["includeSortVector"])
}

func TestCursorCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	f := newFake(t, func(c call, n int64) (int, string) {
		if n == 3 {
			cancel() // cancel mid-cursor, while the third page is in flight
			return -1, ""
		}
		return pagedServer(1000, 10)(c, n)
	})
	cur := newClient(t, f.URL).Collection("c").Find(nil, nil)
	n := 0
	var last error
	for _, err := range cur.All(ctx) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	assert.Equal(t, 20, n)
	assert.ErrorIs(t, last, context.Canceled)
	assert.ErrorIs(t, cur.Err(), context.Canceled)
	assert.False(t, cur.Next(ctx))

	// Breaking out early sends no more requests.
	f2 := newFake(t, pagedServer(1000, 10))
	for range newClient(t, f2.URL).Collection("c").Find(nil, nil).All(bg) {
		break
	}
	assert.Equal(t, int64(1), f2.n.Load())
}

func TestCursorBadAnswers(t *testing.T) {
	f := newFake(t, fixed(`{"data":{"documents":[{"_id":"a"}],"nextPageState":"same"}}`))
	docs, err := newClient(t, f.URL).Collection("c").Find(nil, &astra.FindOptions{PageState: "same"}).ToSlice(bg)
	assert.ErrorIs(t, err, astra.ErrBadResponse)
	assert.Len(t, docs, 1, "the documents of the page still come")
	f2 := newFake(t, fixed(`{"status":{}}`))
	_, err = newClient(t, f2.URL).Collection("c").Find(nil, nil).ToSlice(bg)
	assert.ErrorIs(t, err, astra.ErrBadResponse)
}

func TestInputValidation(t *testing.T) {
	f := newFake(t, okAnswer)
	c := newClient(t, f.URL)
	coll := c.Collection("c").WithDimension(3)
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"empty collection name", func() error { _, err := c.Collection("").CountDocuments(bg, nil, 0); return err }, "collection"},
		{"bad collection name", func() error { _, err := c.CreateCollection(bg, "1abc", nil); return err }, "collection"},
		{"dimension", func() error {
			_, err := c.CreateCollection(bg, "v", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 5000}})
			return err
		}, "options.vector.dimension"},
		{"metric", func() error {
			_, err := c.CreateCollection(bg, "v", &astra.CollectionOptions{Vector: &astra.VectorOptions{Dimension: 3, Metric: "manhattan"}})
			return err
		}, "options.vector.metric"},
		{"allow and deny", func() error {
			_, err := c.CreateCollection(bg, "v", &astra.CollectionOptions{IndexingAllow: []string{"a"}, IndexingDeny: []string{"b"}})
			return err
		}, "options.indexing"},
		{"k too large", func() error { _, err := coll.VectorSearch(bg, []float32{1, 2, 3}, 1001, nil, nil); return err }, "k"},
		{"k zero", func() error { _, err := coll.VectorSearch(bg, []float32{1, 2, 3}, 0, nil, nil); return err }, "k"},
		{"vector dimension mismatch", func() error { _, err := coll.VectorSearch(bg, []float32{1, 2}, 3, nil, nil); return err }, "vector"},
		{"document vector mismatch", func() error {
			_, err := coll.InsertOne(bg, astra.Document{"$vector": []float32{1}})
			return err
		}, "document.$vector"},
		{"NaN in vector", func() error {
			_, err := c.Collection("c").InsertMany(bg, []astra.Document{{"$vector": []float64{1, nanValue()}}}, nil)
			return err
		}, "documents[0].$vector[1]"},
		{"dollar field", func() error { _, err := coll.InsertOne(bg, astra.Document{"$bad": 1}); return err }, "document.$bad"},
		{"nil filter on delete", func() error { _, err := coll.DeleteMany(bg, nil); return err }, "filter"},
		{"nil filter on update", func() error {
			_, err := coll.UpdateMany(bg, nil, astra.Update{"$set": astra.Document{"a": 1}}, nil)
			return err
		}, "filter"},
		{"unknown update operator", func() error {
			_, err := coll.UpdateOne(bg, astra.Filter{}, astra.Update{"$frobnicate": astra.Document{"a": 1}}, nil)
			return err
		}, "update.$frobnicate"},
		{"find limit over vector limit", func() error {
			_, err := coll.Find(nil, &astra.FindOptions{Sort: astra.Sort{"$vector": []float32{1, 2, 3}}, Limit: 2000}).ToSlice(bg)
			return err
		}, "Limit"},
		{"bad id", func() error { _, err := coll.FindByIDs(bg, []any{"a", []int{1}}, nil); return err }, "ids[1]"},
		{"negative upper bound", func() error { _, err := coll.CountDocuments(bg, nil, -1); return err }, "upperBound"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var ie *astra.InvalidInputError
			require.ErrorAs(t, err, &ie)
			assert.ErrorIs(t, err, astra.ErrInvalidInput)
			assert.Equal(t, tc.field, ie.Field)
		})
	}
	assert.Zero(t, f.n.Load(), "nothing was sent")
	_, err := coll.VectorSearch(bg, []float32{1, 2, 3}, 1001, nil, nil)
	assert.Contains(t, err.Error(), "1000")
}
