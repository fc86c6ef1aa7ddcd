package extract

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Unit says how chunk sizes and overlaps are measured.
type Unit int

const (
	// Bytes measures UTF-8 bytes (the default).
	Bytes Unit = iota
	// Runes measures Unicode code points.
	Runes
)

// String names the unit.
func (u Unit) String() string {
	switch u {
	case Bytes:
		return "bytes"
	case Runes:
		return "runes"
	}
	return "Unit(" + strconv.Itoa(int(u)) + ")"
}

// Chunking defaults and limits.
const (
	// DefaultChunkSize is the largest chunk, in the chunker's unit.
	DefaultChunkSize = 4000
	// DefaultChunkOverlap is the overlap between consecutive chunks.
	DefaultChunkOverlap = 0
	// MinChunkSize is the smallest size NewChunker accepts.
	MinChunkSize = 16
)

// Span is a byte range [Start, End) of a text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Chunk is a piece of a document's text. Text is exactly the document's
// bytes [Start, End). CoreStart ≥ Start is where the chunk's own text
// begins: [Start, CoreStart) repeats the end of the previous chunk (the
// overlap), and the cores [CoreStart, End) of consecutive chunks tile the
// document with no gap and no repetition.
type Chunk struct {
	// ID is ChunkID(DocumentID, Index).
	ID         string `json:"id"`
	DocumentID string `json:"document_id"`
	// Index is the chunk's position in the document, from 0.
	Index     int    `json:"index"`
	Start     int    `json:"start"`
	CoreStart int    `json:"core_start"`
	End       int    `json:"end"`
	Text      string `json:"text"`
}

// KG converts c to the graph model's chunk.
func (c *Chunk) KG() kg.Chunk {
	return kg.Chunk{ID: c.ID, DocumentID: c.DocumentID, Text: c.Text, Start: c.Start, End: c.End}
}

// ChunkID is the ID of a document's index-th chunk: "docID#index". It is
// stable across runs for the same document and chunker settings.
func ChunkID(docID string, index int) string { return docID + "#" + strconv.Itoa(index) }

// Chunker splits text into sentence-aligned chunks of bounded size.
//
// Sentences (see Sentences) are packed greedily into chunks of at most
// Size−Overlap units; a sentence longer than that is split at word starts,
// and a word longer than that at the last rune boundary that fits. Then
// every chunk but the first is extended backwards by at most Overlap units,
// starting at the earliest sentence start (else word start, else rune
// boundary) in that window. So every chunk's text is at most Size units,
// chunks never cut a UTF-8 sequence, and without overlap the chunks'
// texts concatenated are the source exactly.
//
// A Chunker is immutable and safe for concurrent use.
type Chunker struct {
	size, overlap int
	unit          Unit
}

// ChunkOption configures NewChunker.
type ChunkOption func(*Chunker) error

// WithChunkSize sets the largest chunk (default DefaultChunkSize; at
// least MinChunkSize).
func WithChunkSize(n int) ChunkOption {
	return func(c *Chunker) error {
		if n < MinChunkSize {
			return fmt.Errorf("extract: chunk size %d: must be at least %d", n, MinChunkSize)
		}
		c.size = n
		return nil
	}
}

// WithChunkOverlap sets how much of the previous chunk's end each chunk
// repeats (default DefaultChunkOverlap, none). It must be less than half
// the chunk size.
func WithChunkOverlap(n int) ChunkOption {
	return func(c *Chunker) error {
		if n < 0 {
			return fmt.Errorf("extract: chunk overlap %d: must not be negative", n)
		}
		c.overlap = n
		return nil
	}
}

// WithChunkUnit sets the unit of size and overlap (default Bytes).
func WithChunkUnit(u Unit) ChunkOption {
	return func(c *Chunker) error {
		if u != Bytes && u != Runes {
			return fmt.Errorf("extract: chunk unit %d: must be Bytes or Runes", int(u))
		}
		c.unit = u
		return nil
	}
}

// NewChunker returns a Chunker configured by opts.
func NewChunker(opts ...ChunkOption) (*Chunker, error) {
	c := &Chunker{size: DefaultChunkSize, overlap: DefaultChunkOverlap, unit: Bytes}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.overlap >= (c.size+1)/2 { // 2·overlap ≥ size, without overflow
		return nil, fmt.Errorf("extract: chunk overlap %d: must be less than half the chunk size %d", c.overlap, c.size)
	}
	return c, nil
}

// Size reports the largest chunk, in Unit.
func (c *Chunker) Size() int { return c.size }

// Overlap reports the chunk overlap.
func (c *Chunker) Overlap() int { return c.overlap }

// Unit reports the unit of Size and Overlap.
func (c *Chunker) Unit() Unit { return c.unit }

// errNoDocumentID: a document has an empty ID.
var errNoDocumentID = errors.New("extract: document id is empty")

// Chunk splits text, the content of document docID, into chunks. Empty
// text gives no chunk.
func (c *Chunker) Chunk(docID, text string) ([]Chunk, error) {
	if docID == "" {
		return nil, errNoDocumentID
	}
	sents := Sentences(text)
	cores := c.cores(text, sents)
	out := make([]Chunk, len(cores))
	for i, core := range cores {
		start := core.Start
		if i > 0 && c.overlap > 0 {
			start = c.overlapStart(text, core.Start, sents)
		}
		out[i] = Chunk{ID: ChunkID(docID, i), DocumentID: docID, Index: i,
			Start: start, CoreStart: core.Start, End: core.End, Text: text[start:core.End]}
	}
	return out, nil
}

// measure is the length of s in the chunker's unit.
func (c *Chunker) measure(s string) int {
	if c.unit == Runes {
		return utf8.RuneCountInString(s)
	}
	return len(s)
}

// cores tiles text with spans of at most size−overlap units.
func (c *Chunker) cores(text string, sents []Span) []Span {
	limit := c.size - c.overlap
	var out []Span
	cur := Span{}
	curLen := 0
	flush := func() {
		if cur.End > cur.Start {
			out = append(out, cur)
		}
	}
	for _, s := range sents {
		for _, p := range c.pieces(text, s, limit) {
			n := c.measure(text[p.Start:p.End])
			if curLen+n > limit && cur.End > cur.Start {
				flush()
				cur, curLen = Span{Start: p.Start, End: p.Start}, 0
			}
			cur.End = p.End
			curLen += n
		}
	}
	flush()
	return out
}

// pieces splits the sentence s into spans of at most limit units: the
// whole sentence when it fits, else runs of words, else hard cuts at rune
// boundaries.
func (c *Chunker) pieces(text string, s Span, limit int) []Span {
	if c.measure(text[s.Start:s.End]) <= limit {
		return []Span{s}
	}
	var out []Span
	for pos := s.Start; pos < s.End; {
		hi := c.advance(text, pos, s.End, limit)
		if hi >= s.End {
			out = append(out, Span{pos, s.End})
			break
		}
		cut := lastWordStart(text, pos, hi)
		if cut <= pos {
			cut = hi
		}
		out = append(out, Span{pos, cut})
		pos = cut
	}
	return out
}

// advance returns the furthest rune boundary in (pos, end] at most limit
// units after pos; at least one rune is always taken.
func (c *Chunker) advance(text string, pos, end, limit int) int {
	if c.unit == Runes {
		i := pos
		for n := 0; (n < limit || i == pos) && i < end; n++ {
			_, size := utf8.DecodeRuneInString(text[i:end])
			i += size
		}
		return i
	}
	i := min(pos+limit, end)
	if i < end {
		i = floorRune(text, pos, i)
	}
	if i <= pos {
		_, size := utf8.DecodeRuneInString(text[pos:end])
		i = pos + size
	}
	return i
}

// floorRune moves i back to the start of the UTF-8 sequence it falls in,
// not before lo. Stray continuation bytes (invalid UTF-8) are their own
// runes, as utf8.DecodeRune treats them.
func floorRune(text string, lo, i int) int {
	for j := i; j >= lo && i-j < utf8.UTFMax; j-- {
		if !utf8.RuneStart(text[j]) {
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if j+size > i && (r != utf8.RuneError || size > 1) {
			return j // i is inside (or at) the valid sequence starting at j
		}
		return i
	}
	return i
}

// lastWordStart returns the last position in (lo, hi] where a word starts
// (a non-space rune after a space), or lo when there is none. hi is a rune
// boundary.
func lastWordStart(text string, lo, hi int) int {
	for i := hi; i > lo; {
		pr, size := utf8.DecodeLastRuneInString(text[lo:i])
		if isSpace(pr) && i < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[i:]); !isSpace(r) {
				return i
			}
		}
		i -= size
	}
	return lo
}

// overlapStart picks where the chunk whose core starts at core begins:
// within the last overlap units before core, the earliest sentence start,
// else the earliest word start, else the earliest rune boundary.
func (c *Chunker) overlapStart(text string, core int, sents []Span) int {
	lo := core
	for n := 0; n < c.overlap && lo > 0; {
		_, size := utf8.DecodeLastRuneInString(text[:lo])
		if c.unit == Bytes && n+size > c.overlap {
			break
		}
		lo -= size
		if c.unit == Bytes {
			n += size
		} else {
			n++
		}
	}
	if lo == core {
		return core
	}
	// The first sentence starting inside the window, if any.
	if k, _ := slices.BinarySearchFunc(sents, lo, func(s Span, t int) int { return cmp.Compare(s.Start, t) }); k < len(sents) && sents[k].Start < core {
		return sents[k].Start
	}
	for i := lo; i < core; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if i > 0 && !isSpace(r) {
			pr, _ := utf8.DecodeLastRuneInString(text[:i])
			if isSpace(pr) {
				return i
			}
		}
		i += size
	}
	return lo
}
