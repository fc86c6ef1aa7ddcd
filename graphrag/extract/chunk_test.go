package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func texts(chunks []Chunk) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = c.Text
	}
	return out
}

// checkChunks asserts every chunking invariant for text.
func checkChunks(t require.TestingT, c *Chunker, text string, chunks []Chunk) {
	measure := func(s string) int {
		if c.Unit() == Runes {
			return utf8.RuneCountInString(s)
		}
		return len(s)
	}
	var cores strings.Builder
	prevEnd := 0
	for i, ch := range chunks {
		require.Equal(t, i, ch.Index)
		require.Equal(t, ChunkID("doc", i), ch.ID)
		require.Equal(t, "doc", ch.DocumentID)
		require.Equal(t, prevEnd, ch.CoreStart, "chunk %d core must start where the previous ended", i)
		require.LessOrEqual(t, ch.Start, ch.CoreStart)
		require.Less(t, ch.CoreStart, ch.End, "chunk %d is empty", i)
		require.Equal(t, text[ch.Start:ch.End], ch.Text)
		require.LessOrEqual(t, measure(ch.Text), c.Size(), "chunk %d too long", i)
		require.LessOrEqual(t, measure(text[ch.Start:ch.CoreStart]), c.Overlap())
		if i == 0 {
			require.Equal(t, 0, ch.Start)
		}
		if utf8.ValidString(text) {
			require.True(t, utf8.ValidString(ch.Text), "chunk %d cuts a rune", i)
		}
		cores.WriteString(text[ch.CoreStart:ch.End])
		prevEnd = ch.End
	}
	require.Equal(t, text, cores.String(), "cores must tile the text")
	if c.Overlap() == 0 {
		require.Equal(t, text, strings.Join(texts(chunks), ""))
	}
}

func TestChunkerOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []ChunkOption
		err  string
	}{
		{"defaults", nil, ""},
		{"too small", []ChunkOption{WithChunkSize(8)}, "chunk size 8"},
		{"negative overlap", []ChunkOption{WithChunkOverlap(-1)}, "chunk overlap -1"},
		{"overlap too large", []ChunkOption{WithChunkSize(100), WithChunkOverlap(50)}, "less than half"},
		{"bad unit", []ChunkOption{WithChunkUnit(Unit(7))}, "chunk unit 7"},
		{"runes", []ChunkOption{WithChunkUnit(Runes), WithChunkSize(64), WithChunkOverlap(10)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChunker(tt.opts...)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Positive(t, c.Size())
		})
	}
	c, err := NewChunker()
	require.NoError(t, err)
	_, err = c.Chunk("", "text")
	require.ErrorContains(t, err, "document id is empty")
}

func TestChunkerCases(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		opts []ChunkOption
		text string
		want []string
	}{
		{"empty", nil, "", []string{}},
		{"one sentence fits", []ChunkOption{WithChunkSize(64)}, "One short sentence.", []string{"One short sentence."}},
		{"sentences packed", []ChunkOption{WithChunkSize(30)},
			"First one here. Second one here. Third.", []string{"First one here. ", "Second one here. Third."}},
		{"no punctuation splits at words", []ChunkOption{WithChunkSize(16)},
			"alpha beta gamma delta epsilon", []string{"alpha beta ", "gamma delta ", "epsilon"}},
		{"hard split of a long word", []ChunkOption{WithChunkSize(40)}, long, []string{long[:40], long[40:80], long[80:]}},
		{"runes never cut", []ChunkOption{WithChunkSize(16)}, strings.Repeat("é", 12),
			[]string{strings.Repeat("é", 8), strings.Repeat("é", 4)}},
		{"rune unit", []ChunkOption{WithChunkSize(16), WithChunkUnit(Runes)}, strings.Repeat("é", 20),
			[]string{strings.Repeat("é", 16), strings.Repeat("é", 4)}},
		{"overlap starts at a sentence", []ChunkOption{WithChunkSize(40), WithChunkOverlap(12)},
			"Aaaa bbbb cccc. Dd ee. Ffff gggg hhhh iiii. Jj.",
			[]string{"Aaaa bbbb cccc. Dd ee. ", "Dd ee. Ffff gggg hhhh iiii. Jj."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChunker(tt.opts...)
			require.NoError(t, err)
			chunks, err := c.Chunk("doc", tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, append([]string{}, texts(chunks)...))
			checkChunks(t, c, tt.text, chunks)
		})
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"basic", "One. Two! Three? Four", []string{"One. ", "Two! ", "Three? ", "Four"}},
		{"decimal and abbreviation", "Porosity is 21.5 %, e.g. in the Hugin Fm. sandstone. Next one.",
			[]string{"Porosity is 21.5 %, e.g. in the Hugin Fm. sandstone. ", "Next one."}},
		{"initials", "J. R. Smith drilled it. Done.", []string{"J. R. Smith drilled it. ", "Done."}},
		{"middle initial", "John F. Kennedy flew. Done.", []string{"John F. Kennedy flew. ", "Done."}},
		{"initial after a year", "In 1963 J. F. Kennedy flew. Done.", []string{"In 1963 J. F. Kennedy flew. ", "Done."}},
		{"unit letter", "The temperature was 148 °C. Core analysis followed.", []string{"The temperature was 148 °C. ", "Core analysis followed."}},
		{"sidetrack letter", "It was drilled as 41/4-3 A. The original well was plugged.", []string{"It was drilled as 41/4-3 A. ", "The original well was plugged."}},
		{"quotes", `He said "stop." Then left.`, []string{`He said "stop." `, "Then left."}},
		{"paragraphs", "Heading\n\nBody text without end\nwraps here because this line is quite long indeed\nand goes on.",
			[]string{"Heading\n\n", "Body text without end\n", "wraps here because this line is quite long indeed\nand goes on."}},
		{"list items", "Wells drilled in the long and winding campaign of 1993:\n- 15/9-19 SR\n- 15/9-19 A",
			[]string{"Wells drilled in the long and winding campaign of 1993:\n", "- 15/9-19 SR\n", "- 15/9-19 A"}},
		{"cjk", "油井已钻探。储层很好。", []string{"油井已钻探。", "储层很好。"}},
		{"leading space", "  A b. C d.", []string{"  A b. ", "C d."}},
		{"ellipsis", "Wait… Then go.", []string{"Wait… ", "Then go."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Sentences(tt.text) {
				got = append(got, tt.text[s.Start:s.End])
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Empty(t, Sentences(""))
}

// textGen draws texts mixing words, punctuation, newlines, long words and
// multi-byte runes.
func textGen() *rapid.Generator[string] {
	piece := rapid.SampledFrom([]string{"word", "Well", "15/9-13", " ", " ", "  ", ". ", "! ", "? ", "\n", "\n\n",
		"é", "ß", "油井", "。", "😀", "e.g. ", "3.5", "- ", "\t", strings.Repeat("z", 70), "…", "\"", ")"})
	return rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOfN(piece, 0, 120).Draw(t, "pieces"), "")
	})
}

func TestChunkerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		unit := rapid.SampledFrom([]Unit{Bytes, Runes}).Draw(t, "unit")
		size := rapid.IntRange(MinChunkSize, 200).Draw(t, "size")
		overlap := rapid.IntRange(0, (size-1)/2).Draw(t, "overlap")
		c, err := NewChunker(WithChunkSize(size), WithChunkOverlap(overlap), WithChunkUnit(unit))
		require.NoError(t, err)
		text := textGen().Draw(t, "text")
		chunks, err := c.Chunk("doc", text)
		require.NoError(t, err)
		checkChunks(t, c, text, chunks)
	})
}

func TestSentencesTile(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := textGen().Draw(t, "text")
		var b strings.Builder
		prev := 0
		for _, s := range Sentences(text) {
			require.Equal(t, prev, s.Start)
			require.Less(t, s.Start, s.End)
			b.WriteString(text[s.Start:s.End])
			prev = s.End
		}
		require.Equal(t, text, b.String())
	})
}

func FuzzChunker(f *testing.F) {
	for _, s := range []string{"", "One. Two.", strings.Repeat("é", 50), "a\xffb\x80c. d", "油井。储层。", "x y z"} {
		f.Add(s, 16, 4, false)
	}
	f.Fuzz(func(t *testing.T, text string, size, overlap int, runes bool) {
		unit := Bytes
		if runes {
			unit = Runes
		}
		c, err := NewChunker(WithChunkSize(size), WithChunkOverlap(overlap), WithChunkUnit(unit))
		if err != nil {
			return
		}
		if c.Size() > 4096 {
			return
		}
		chunks, err := c.Chunk("doc", text)
		require.NoError(t, err)
		checkChunks(t, c, text, chunks)
	})
}
