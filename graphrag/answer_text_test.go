package graphrag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

func TestStem(t *testing.T) {
	same := [][]string{
		{"operates", "operated", "operator", "operators"},
		{"spud", "spudded"},
		{"drill", "drilled", "drilling"},
		{"discovery", "discovered"},
		{"penetrates", "penetrated"},
		{"located", "location"},
		{"formation", "formations"},
		{"reach", "reached", "reaches"},
	}
	for _, g := range same {
		for _, w := range g[1:] {
			assert.True(t, stemsMatch(stem(g[0]), stem(w)), "%s ~ %s (%s, %s)", g[0], w, stem(g[0]), stem(w))
		}
	}
	for _, p := range [][2]string{{"reservoir", "reserves"}, {"well", "wall"}, {"41", "4"}, {"rig", "right"}} {
		assert.False(t, stemsMatch(stem(p[0]), stem(p[1])), "%s !~ %s", p[0], p[1])
	}
	assert.Equal(t, "41", stem("41"))
	assert.Equal(t, "2017s", stem("2017s"), "words with digits are kept")
}

func TestMentions(t *testing.T) {
	x := newEntityIndex(
		map[string]string{"w1": "41/4-3", "w2": "41/4-3 A", "f": "Brannfjell", "o": "Nordvik  Energi", "short": "A", "dot": ".NET Rig"},
		map[string]string{"w1": "Well", "w2": "Well", "f": "Field", "o": "Operator", "short": "X", "dot": "Rig"},
	)
	// In text order; at each place the longest name.
	tests := []struct {
		text string
		want []string
	}{
		{"Well 41/4-3 A reached 3,870 m.", []string{"w2"}},
		{"Well 41/4-3 and well 41/4-3 A.", []string{"w1", "w2"}},
		{"Well 41/4-3 And more", []string{"w1"}},
		{"The brannfjell field is operated by NORDVIK\nENERGI.", []string{"f", "o"}},
		{"Brannfjellet is another word", nil},
		{"141/4-3 is another well", nil},
		{"A single letter is no name", nil},
		{"The .net rig drilled well 41/4-3.", []string{"dot", "w1"}},
		{"The x.NET Rig is not it", nil},
	}
	for _, tt := range tests {
		got, _ := x.mentions(tt.text)
		assert.Equal(t, tt.want, got, tt.text)
	}

	ids, rest := x.questionEntities("Who operates the field that well 41/4-3 A is in, near the Brannfjell field?")
	assert.ElementsMatch(t, []string{"w2", "f"}, ids)
	assert.Equal(t, []string{"operat", "field", "near"}, questionTerms(rest), "type words next to a name go with it")
}

// A mention is always a case-insensitive, word-bounded occurrence of the
// entity's name.
func TestMentionsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		words := []string{"Alpha", "Beta", "Alpha Beta", "A-1", "well", "field", "x"}
		names := map[string]string{}
		for i, w := range rapid.SliceOfNDistinct(rapid.SampledFrom(words), 1, 5, func(s string) string { return s }).Draw(t, "names") {
			names[string(rune('a'+i))] = w
		}
		x := newEntityIndex(names, map[string]string{})
		text := strings.Join(rapid.SliceOfN(rapid.SampledFrom(append(words, ".", ",", "Alphas", "A-12")), 0, 12).Draw(t, "text"), " ")
		ids, _ := x.mentions(text)
		lower := " " + strings.ToLower(text) + " "
		for _, id := range ids {
			n := strings.ToLower(names[id])
			found := false
			for i := strings.Index(lower, n); i >= 0 && !found; {
				end := i + len(n)
				found = !isWordByte(lower[i-1]) && !isWordByte(lower[end])
				j := strings.Index(lower[i+1:], n)
				if j < 0 {
					break
				}
				i += 1 + j
			}
			if !found {
				t.Fatalf("%q mentions %q (%s) without a bounded occurrence", text, names[id], id)
			}
		}
	})
}
