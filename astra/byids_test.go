package astra_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/astra"
)

// idsServer answers $in finds with the requested ids that exist, in a
// shuffled order decided by perm, in pages of pageSize (0: one page).
func idsServer(exists func(id string) bool, pageSize int) handler {
	return func(c call, _ int64) (int, string) {
		var found []string
		for _, id := range payloadIDs(c) {
			if s := fmt.Sprint(id); exists(s) {
				found = append(found, s)
			}
		}
		// Reverse to prove the client reorders.
		for i, j := 0, len(found)-1; i < j; i, j = i+1, j-1 {
			found[i], found[j] = found[j], found[i]
		}
		start := 0
		if opts, _ := c.Payload["options"].(map[string]any); opts["pageState"] != nil {
			fmt.Sscan(opts["pageState"].(string), &start)
		}
		end, next := len(found), "null"
		if pageSize > 0 && start+pageSize < len(found) {
			end, next = start+pageSize, fmt.Sprintf(`"%d"`, start+pageSize)
		}
		var docs []string
		for _, id := range found[start:end] {
			docs = append(docs, fmt.Sprintf(`{"_id":%q,"v":%q}`, id, "val-"+id))
		}
		return 200, `{"data":{"documents":[` + strings.Join(docs, ",") + `],"nextPageState":` + next + `}}`
	}
}

func TestFindByIDs(t *testing.T) {
	exists := func(id string) bool { return !strings.HasPrefix(id, "missing") }
	t.Run("order, missing and duplicates", func(t *testing.T) {
		f := newFake(t, idsServer(exists, 0))
		ids := []any{"b", "missing1", "a", "b", "c", "missing1"}
		rs, err := newClient(t, f.URL).Collection("c").FindByIDs(bg, ids, nil)
		require.NoError(t, err)
		require.Len(t, rs, len(ids))
		for i, r := range rs {
			assert.Equal(t, ids[i], r.ID)
			if strings.HasPrefix(ids[i].(string), "missing") {
				assert.ErrorIs(t, r.Err, astra.ErrNoDocument)
				assert.Nil(t, r.Document)
				continue
			}
			require.NoError(t, r.Err)
			assert.Equal(t, ids[i], r.Document.ID())
		}
		assert.Equal(t, []any{"missing1", "missing1"}, rs.Missing())
		assert.Len(t, rs.Documents(), 4)
		assert.NoError(t, rs.Err())
		rs[0].Document["x"] = 1
		assert.NotContains(t, rs[3].Document, "x", "duplicates do not share a map")
		calls := f.all()
		require.Len(t, calls, 1)
		assert.Equal(t, []any{"b", "missing1", "a", "c"}, payloadIDs(calls[0]), "duplicates sent once")
	})
	t.Run("1000 ids in 50 requests of 20", func(t *testing.T) {
		f := newFake(t, idsServer(exists, 0))
		ids := make([]any, 1000)
		for i := range ids {
			ids[i] = fmt.Sprintf("id%d", i)
			if i%7 == 0 {
				ids[i] = fmt.Sprintf("missing%d", i)
			}
		}
		rs, err := newClient(t, f.URL).Collection("c").FindByIDs(bg, ids, nil)
		require.NoError(t, err)
		require.Len(t, rs, 1000)
		for i, r := range rs {
			assert.Equal(t, ids[i], r.ID)
			if i%7 == 0 {
				assert.ErrorIs(t, r.Err, astra.ErrNoDocument)
			} else {
				assert.Equal(t, "val-"+ids[i].(string), r.Document["v"])
			}
		}
		calls := f.all()
		assert.Len(t, calls, 1000/astra.DefaultIDsChunkSize)
		for _, cl := range calls {
			assert.Len(t, payloadIDs(cl), astra.DefaultIDsChunkSize)
		}
		assert.LessOrEqual(t, f.maxIn.Load(), int64(astra.DefaultIDsConcurrency))
	})
	t.Run("pages within a request are followed", func(t *testing.T) {
		f := newFake(t, idsServer(exists, 7))
		ids := make([]any, 250)
		for i := range ids {
			ids[i] = fmt.Sprintf("id%d", i)
		}
		rs, err := newClient(t, f.URL).Collection("c").FindByIDs(bg, ids, &astra.FindByIDsOptions{Projection: astra.Projection{"v": 1}})
		require.NoError(t, err)
		require.Len(t, rs.Documents(), 250)
		// 3 requests of 100, 100 and 50 ids, each paged by 7.
		assert.Len(t, f.all(), 15+15+8)
	})
	t.Run("a failed request fails only its ids", func(t *testing.T) {
		h := idsServer(exists, 0)
		f := newFake(t, func(c call, n int64) (int, string) {
			if payloadIDs(c)[0] == "id0" {
				return 400, `{"message":"nope"}`
			}
			return h(c, n)
		})
		ids := []any{"id0", "id1", "id2", "id3"}
		rs, err := newClient(t, f.URL).Collection("c").FindByIDs(bg, ids, &astra.FindByIDsOptions{ChunkSize: 2})
		require.NoError(t, err)
		assert.Error(t, rs[0].Err)
		assert.Error(t, rs[1].Err)
		assert.NotErrorIs(t, rs[0].Err, astra.ErrNoDocument)
		assert.NoError(t, rs[2].Err)
		assert.NoError(t, rs[3].Err)
		assert.Error(t, rs.Err())
	})
	t.Run("typed ids match", func(t *testing.T) {
		f := newFake(t, fixed(`{"data":{"documents":[{"_id":1},{"_id":{"$uuid":"ABC"}},{"_id":{"$date":5}},{"_id":2.5}],"nextPageState":null}}`))
		ids := []any{int64(1), astra.UUID("abc"), astra.UUID("zzz"), 2.5}
		rs, err := newClient(t, f.URL).Collection("c").FindByIDs(bg, ids, nil)
		require.NoError(t, err)
		assert.NoError(t, rs[0].Err)
		assert.NoError(t, rs[1].Err)
		assert.ErrorIs(t, rs[2].Err, astra.ErrNoDocument)
		assert.NoError(t, rs[3].Err)
		assert.JSONEq(t, `{"find":{"filter":{"_id":{"$in":[1,{"$uuid":"abc"},{"$uuid":"zzz"},2.5]}},"options":{}}}`, f.all()[0].Body)
	})
}

// TestFindByIDsProperty: under random ids (with duplicates), random
// existence, page sizes, chunk sizes and failures, FindByIDs returns
// len(ids) results in input order, each exactly one of a matching
// document, ErrNoDocument for a missing id, or a request error.
func TestFindByIDsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(rt, "n")
		universe := rapid.IntRange(1, 400).Draw(rt, "universe")
		ids := make([]any, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("k%d", rapid.IntRange(0, universe).Draw(rt, "id"))
		}
		existing := map[string]bool{}
		for i := 0; i <= universe; i++ {
			existing[fmt.Sprintf("k%d", i)] = rapid.Bool().Draw(rt, "exists")
		}
		pageSize := rapid.IntRange(0, 30).Draw(rt, "pageSize")
		failEvery := rapid.IntRange(0, 5).Draw(rt, "failEvery")
		chunk := rapid.IntRange(1, 100).Draw(rt, "chunk")
		h := idsServer(func(id string) bool { return existing[id] }, pageSize)
		var mu sync.Mutex
		failed := map[string]bool{}
		f := newFake(t, func(c call, k int64) (int, string) {
			if failEvery > 0 && k%int64(failEvery) == 0 {
				mu.Lock()
				for _, id := range payloadIDs(c) {
					failed[id.(string)] = true
				}
				mu.Unlock()
				return 400, `{"message":"injected"}`
			}
			return h(c, k)
		})
		defer f.Close()
		c, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(f.URL))
		require.NoError(rt, err)
		defer c.Close()
		rs, err := c.Collection("c").FindByIDs(bg, ids, &astra.FindByIDsOptions{ChunkSize: chunk, Concurrency: 3})
		require.NoError(rt, err)
		require.Len(rt, rs, n)
		for i, r := range rs {
			id := ids[i].(string)
			require.Equal(rt, id, r.ID)
			switch {
			case r.Err == nil:
				require.True(rt, existing[id])
				require.Equal(rt, id, r.Document.ID())
			case r.Err == astra.ErrNoDocument:
				require.False(rt, existing[id], "id %s exists", id)
			default:
				require.True(rt, failed[id], "id %s failed without a failed request", id)
			}
		}
	})
}
