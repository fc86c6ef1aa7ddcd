package kg

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestNodeValidate(t *testing.T) {
	tests := []struct {
		name string
		node Node
		want string // substring of the error; "" means valid
	}{
		{"ok", Node{ID: "a", Type: "T"}, ""},
		{"empty id", Node{Type: "T"}, "id is empty"},
		{"empty type", Node{ID: "a"}, `node "a": type is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.node.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEdgeValidate(t *testing.T) {
	tests := []struct {
		name string
		edge Edge
		want string
	}{
		{"ok", Edge{ID: "e", From: "a", To: "b", Type: "R"}, ""},
		{"empty id", Edge{From: "a", To: "b", Type: "R"}, "a->b: id is empty"},
		{"empty from", Edge{ID: "e", To: "b", Type: "R"}, `"e": from is empty`},
		{"empty to", Edge{ID: "e", From: "a", Type: "R"}, `"e": to is empty`},
		{"empty type", Edge{ID: "e", From: "a", To: "b"}, `"e": type is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.edge.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestChunkValidate(t *testing.T) {
	tests := []struct {
		name  string
		chunk Chunk
		want  string
	}{
		{"ok", Chunk{ID: "c", DocumentID: "d", Start: 0, End: 5}, ""},
		{"empty range ok", Chunk{ID: "c", DocumentID: "d", Start: 3, End: 3}, ""},
		{"empty id", Chunk{DocumentID: "d"}, "chunk: id is empty"},
		{"empty document", Chunk{ID: "c"}, `"c": document_id is empty`},
		{"negative start", Chunk{ID: "c", DocumentID: "d", Start: -1, End: 2}, "[-1,2)"},
		{"end before start", Chunk{ID: "c", DocumentID: "d", Start: 4, End: 2}, "[4,2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.chunk.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEdgeID(t *testing.T) {
	assert.Equal(t, "a|knows|b", EdgeID("a", "knows", "b"))
}

func TestMergeNode(t *testing.T) {
	old := &Node{ID: "n", Type: "Person", Name: "Ada", Properties: map[string]any{"a": 1.0, "b": "x"},
		Embedding: []float32{1, 0}, ChunkIDs: []string{"c1", "c2"}}
	tests := []struct {
		name string
		old  *Node
		upd  Node
		want Node
	}{
		{"new node dedupes chunks", nil, Node{ID: "n", Type: "T", ChunkIDs: []string{"c1", "c1", "c2"}},
			Node{ID: "n", Type: "T", ChunkIDs: []string{"c1", "c2"}}},
		{"new node empty properties normalised", nil, Node{ID: "n", Type: "T", Properties: map[string]any{}},
			Node{ID: "n", Type: "T"}},
		{"empty update keeps everything", old, Node{ID: "n"}, *old},
		{"overlay and union", old, Node{ID: "n", Properties: map[string]any{"b": "y", "c": true}, ChunkIDs: []string{"c3", "c1"}},
			Node{ID: "n", Type: "Person", Name: "Ada", Properties: map[string]any{"a": 1.0, "b": "y", "c": true},
				Embedding: []float32{1, 0}, ChunkIDs: []string{"c1", "c2", "c3"}}},
		{"replace type name embedding", old, Node{ID: "n", Type: "Scientist", Name: "Ada L.", Embedding: []float32{0, 1}},
			Node{ID: "n", Type: "Scientist", Name: "Ada L.", Properties: map[string]any{"a": 1.0, "b": "x"},
				Embedding: []float32{0, 1}, ChunkIDs: []string{"c1", "c2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MergeNode(tt.old, tt.upd))
		})
	}
	t.Run("does not modify old", func(t *testing.T) {
		o := &Node{ID: "n", Type: "T", Properties: map[string]any{"a": 1.0}, ChunkIDs: []string{"c1"}}
		_ = MergeNode(o, Node{ID: "n", Properties: map[string]any{"a": 2.0}, ChunkIDs: []string{"c2"}})
		assert.Equal(t, map[string]any{"a": 1.0}, o.Properties)
		assert.Equal(t, []string{"c1"}, o.ChunkIDs)
	})
	t.Run("does not alias the update's properties", func(t *testing.T) {
		upd := Node{ID: "n", Type: "T", Properties: map[string]any{"a": 1.0}}
		got := MergeNode(nil, upd)
		upd.Properties["a"] = 2.0
		assert.Equal(t, 1.0, got.Properties["a"])
	})
}

func TestMergeEdge(t *testing.T) {
	old := &Edge{ID: "e", From: "a", To: "b", Type: "R", Properties: map[string]any{"w": 1.0}, ChunkIDs: []string{"c1"}}
	got := MergeEdge(old, Edge{ID: "e", From: "a", To: "c", Type: "S", Properties: map[string]any{"v": 2.0}, ChunkIDs: []string{"c2", "c1"}})
	assert.Equal(t, Edge{ID: "e", From: "a", To: "c", Type: "S", Properties: map[string]any{"w": 1.0, "v": 2.0},
		ChunkIDs: []string{"c1", "c2"}}, got)
	assert.Equal(t, Edge{ID: "e", From: "a", To: "b", Type: "R", ChunkIDs: []string{"x"}},
		MergeEdge(nil, Edge{ID: "e", From: "a", To: "b", Type: "R", Properties: map[string]any{}, ChunkIDs: []string{"x", "x"}}))
}

func TestUnionStringsLarge(t *testing.T) {
	var a, b []string
	for i := range 40 {
		a = append(a, string(rune('A'+i)))
		b = append(b, string(rune('A'+i+20)))
	}
	got := unionStrings(a, b)
	assert.Len(t, got, 60)
	assert.Equal(t, a, got[:40])
}

func genNode(t *rapid.T, label string) Node {
	ids := rapid.SampledFrom([]string{"c1", "c2", "c3", "c4"})
	keys := rapid.SampledFrom([]string{"a", "b", "c"})
	vals := rapid.OneOf(rapid.Just[any]("x"), rapid.Just[any](1.0), rapid.Just[any](true), rapid.Just[any]([]any{"p"}))
	n := Node{
		ID:       "n",
		Type:     rapid.SampledFrom([]string{"", "A", "B"}).Draw(t, label+"type"),
		Name:     rapid.SampledFrom([]string{"", "x", "y"}).Draw(t, label+"name"),
		ChunkIDs: rapid.SliceOfN(ids, 0, 6).Draw(t, label+"chunks"),
	}
	if rapid.Bool().Draw(t, label+"hasProps") {
		n.Properties = rapid.MapOfN(keys, vals, 0, 3).Draw(t, label+"props")
	}
	if rapid.Bool().Draw(t, label+"hasEmb") {
		n.Embedding = []float32{rapid.Float32Range(-1, 1).Draw(t, label+"emb"), 1}
	}
	return n
}

func TestMergeNodeIdempotent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var old *Node
		if rapid.Bool().Draw(t, "hasOld") {
			o := MergeNode(nil, genNode(t, "old")) // as stored: chunks de-duplicated
			old = &o
		}
		upd := genNode(t, "upd")
		once := MergeNode(old, upd)
		twice := MergeNode(&once, upd)
		if !assert.ObjectsAreEqual(once, twice) {
			t.Fatalf("merging twice differs:\nonce  %+v\ntwice %+v", once, twice)
		}
		// Every chunk of old and upd is kept, once.
		seen := map[string]int{}
		for _, c := range once.ChunkIDs {
			seen[c]++
		}
		for c, n := range seen {
			if n != 1 {
				t.Fatalf("chunk %s appears %d times", c, n)
			}
		}
		if old != nil {
			for _, c := range old.ChunkIDs {
				if seen[c] == 0 {
					t.Fatalf("old chunk %s lost", c)
				}
			}
		}
		for _, c := range upd.ChunkIDs {
			if seen[c] == 0 {
				t.Fatalf("new chunk %s lost", c)
			}
		}
	})
}

func TestMergeEdgeIdempotent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n1, n2 := genNode(t, "old"), genNode(t, "upd")
		stored := MergeEdge(nil, Edge{ID: "e", From: "a", To: "b", Type: "R", Properties: n1.Properties, ChunkIDs: n1.ChunkIDs})
		old := &stored
		upd := Edge{ID: "e", From: "a", To: "c", Type: "S", Properties: n2.Properties, ChunkIDs: n2.ChunkIDs}
		if rapid.Bool().Draw(t, "nilOld") {
			old = nil
		}
		once := MergeEdge(old, upd)
		twice := MergeEdge(&once, upd)
		if !assert.ObjectsAreEqual(once, twice) {
			t.Fatalf("merging twice differs:\nonce  %+v\ntwice %+v", once, twice)
		}
	})
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{ErrClosed, ErrDimension, ErrInvalid, ErrOntology}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b))
		}
	}
}

func TestCopyJSON(t *testing.T) {
	in := map[string]any{"n": 1, "nested": map[string]any{"a": []any{"x"}}}
	out, err := CopyJSON(in, "node \"a\"")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"n": float64(1), "nested": map[string]any{"a": []any{"x"}}}, out)
	out["nested"].(map[string]any)["a"] = nil
	assert.Equal(t, []any{"x"}, in["nested"].(map[string]any)["a"], "the copy shares nothing")
	empty, err := CopyJSON(map[string]any{}, "x")
	require.NoError(t, err)
	assert.Nil(t, empty)
	_, err = CopyJSON(map[string]any{"f": func() {}}, `node "b": properties`)
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `node "b": properties`)
}
