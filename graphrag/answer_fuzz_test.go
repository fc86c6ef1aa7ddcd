package graphrag_test

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/kgas-dev/kgas/graphrag"
)

// checkRefs fails unless every reference is well formed and appears once.
func checkRefs(t interface{ Fatalf(string, ...any) }, refs []string) {
	seen := map[string]bool{}
	for _, r := range refs {
		if len(r) < 3 || !strings.Contains("cne", r[:1]) || r[1] != ':' {
			t.Fatalf("malformed reference %q", r)
		}
		if id := r[2:]; strings.TrimSpace(id) != id || strings.ContainsAny(id, "[]\n") {
			t.Fatalf("reference %q has an untrimmed ID or a bracket or line break", r)
		}
		if seen[r] {
			t.Fatalf("reference %q twice", r)
		}
		seen[r] = true
	}
}

// Model replies are untrusted: ParseCitations never panics and returns
// well-formed references only.
func FuzzParseCitations(f *testing.F) {
	for _, s := range []string{"", "[c:a]", "x [c:a, n:b; e:c] y", "[[c:a]", "[c:]", "[C: x ]", "[c:a\n]", "]]][[[", "[c:é\xff]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkRefs(t, graphrag.ParseCitations(s))
	})
}

// Citations written into any text, alone or in lists, are all found, in
// order, once each.
func TestParseCitationsProperty(t *testing.T) {
	idGen := rapid.StringMatching(`[A-Za-z0-9#|_:/.\-]([A-Za-z0-9#|_:/. \-]{0,20}[A-Za-z0-9#|_:/.\-])?`)
	junkGen := rapid.StringMatching(`[^\[\]]{0,30}`)
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		var want []string
		groups := rapid.IntRange(0, 6).Draw(t, "groups")
		for range groups {
			b.WriteString(junkGen.Draw(t, "junk"))
			n := rapid.IntRange(1, 3).Draw(t, "refs")
			b.WriteString("[")
			for i := range n {
				if i > 0 {
					b.WriteString(rapid.SampledFrom([]string{", ", ";", " ; ", ","}).Draw(t, "sep"))
				}
				kind := rapid.SampledFrom([]string{"c", "n", "e"}).Draw(t, "kind")
				id := idGen.Draw(t, "id")
				b.WriteString(kind + ":" + id)
				if ref := kind + ":" + id; !slices.Contains(want, ref) {
					want = append(want, ref)
				}
			}
			b.WriteString("]")
		}
		b.WriteString(junkGen.Draw(t, "tail"))
		got := graphrag.ParseCitations(b.String())
		checkRefs(t, got)
		if !slices.Equal(got, want) {
			t.Fatalf("text %q: got %q, want %q", b.String(), got, want)
		}
	})
}
