package lexical

import (
	"math"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Feature families. They seed the hash and sit in the low two bits of a
// table key, so a key is never zero (zero marks an empty slot).
const (
	famWord   = 1
	famBigram = 2
	famChar   = 3
	nFamilies = 4
)

// familyWeight is the weight of a family: the features of each family are
// normalised together and scaled by it before summing.
func familyWeight(f int) float64 {
	if f == famBigram {
		return 0.5
	}
	return 1
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// leftMark and rightMark wrap a token for character n-grams; they are
	// never part of a token.
	leftMark  = '<'
	rightMark = '>'
)

// seed returns the FNV-1a start state of a family.
func seed(fam uint64) uint64 { return (fnvOffset ^ fam) * fnvPrime }

// step feeds one code point to an FNV-1a state.
func step(h uint64, r rune) uint64 { return (h ^ uint64(uint32(r))) * fnvPrime }

// fmix64 is MurmurHash3's finaliser: every input bit affects every output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// scratch is the per-call working memory, reused through a sync.Pool.
type scratch struct {
	keys  []uint64 // open-addressing table; 0 = empty
	cnt   []uint32
	used  []int32 // occupied slots, in insertion order
	runes []rune  // leftMark + current token
}

func newScratch() *scratch {
	s := &scratch{runes: make([]rune, 0, 64)}
	s.alloc(256)
	return s
}

func (s *scratch) alloc(n int) {
	s.keys = make([]uint64, n)
	s.cnt = make([]uint32, n)
	s.used = s.used[:0]
}

// reset empties the table, shrinking it if a huge text grew it.
func (s *scratch) reset() {
	if len(s.keys) > 1<<16 {
		s.alloc(256)
		return
	}
	for _, i := range s.used {
		s.keys[i] = 0
		s.cnt[i] = 0
	}
	s.used = s.used[:0]
}

// add counts one occurrence of feature h of family fam.
func (s *scratch) add(fam, h uint64) {
	key := (fmix64(h) &^ 3) | fam
	mask := uint64(len(s.keys) - 1)
	for i := key >> 2 & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case key:
			s.cnt[i]++
			return
		case 0:
			s.keys[i] = key
			s.cnt[i] = 1
			s.used = append(s.used, int32(i))
			if 4*len(s.used) > 3*len(s.keys) {
				s.grow()
			}
			return
		}
	}
}

func (s *scratch) grow() {
	oldKeys, oldCnt, oldUsed := s.keys, s.cnt, s.used
	s.keys = make([]uint64, 2*len(oldKeys))
	s.cnt = make([]uint32, 2*len(oldKeys))
	s.used = make([]int32, 0, 2*len(oldUsed))
	mask := uint64(len(s.keys) - 1)
	for _, j := range oldUsed {
		key := oldKeys[j]
		i := key >> 2 & mask
		for s.keys[i] != 0 {
			i = (i + 1) & mask
		}
		s.keys[i] = key
		s.cnt[i] = oldCnt[j]
		s.used = append(s.used, int32(i))
	}
}

// extract fills s with the features of text. When skipStop is set, stop
// words contribute no feature; it reports how many stop words it skipped.
func (e *Embedder) extract(s *scratch, text string, skipStop bool) (skipped int) {
	var prev uint64 // hash of the previous content word, 0 at start
	tok := s.runes[:0]
	tok = append(tok, leftMark)
	flush := func() {
		if len(tok) == 1 {
			return
		}
		h := seed(famWord)
		for _, r := range tok[1:] {
			h = step(h, r)
		}
		if skipStop {
			if _, stop := e.stop[h]; stop {
				skipped++
				tok = tok[:1]
				return
			}
		}
		s.add(famWord, h)
		if e.cfg.bigrams && prev != 0 {
			s.add(famBigram, seed(famBigram)^(prev*fnvPrime)^h)
		}
		prev = h | 1
		if e.cfg.maxN > 0 {
			tok = append(tok, rightMark)
			e.charGrams(s, tok)
		}
		tok = tok[:1]
	}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		i += size
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				tok = append(tok, r)
			case 'A' <= r && r <= 'Z':
				tok = append(tok, r+'a'-'A')
			default:
				flush()
			}
		case r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			tok = append(tok, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	s.runes = tok[:0]
	return skipped
}

// charGrams adds the character n-grams of seq (the token with its markers).
func (e *Embedder) charGrams(s *scratch, seq []rune) {
	minN, maxN := e.cfg.minN, e.cfg.maxN
	for i := 0; i+minN <= len(seq); i++ {
		h := seed(famChar)
		end := min(i+maxN, len(seq))
		for j := i; j < end; j++ {
			h = step(h, seq[j])
			if j-i+1 >= minN {
				s.add(famChar, h)
			}
		}
	}
}

// project writes the weighted, signed and hashed features of s into v
// (zeroed, of the embedder's dimension) and L2-normalises it.
func (e *Embedder) project(s *scratch, v []float32) {
	var sumSq [nFamilies]float64
	for _, i := range s.used {
		w := e.tfWeight(s.cnt[i])
		sumSq[s.keys[i]&3] += float64(w * w) // conversion: no FMA, same bits on every platform
	}
	var scale [nFamilies]float64
	for f := 1; f < nFamilies; f++ {
		if sumSq[f] > 0 {
			scale[f] = familyWeight(f) / math.Sqrt(sumSq[f])
		}
	}
	dim := uint64(len(v))
	for _, i := range s.used {
		key := s.keys[i]
		w := e.tfWeight(s.cnt[i]) * scale[key&3]
		// High bits pick the coordinate (multiply-shift, unbiased enough
		// for any dimension), bit 2 the sign (bits 0-1 hold the family).
		idx, _ := bits.Mul64(key, dim)
		if key&4 != 0 {
			w = -w
		}
		v[idx] += float32(w)
	}
	var norm float64
	for _, x := range v {
		norm += float64(float64(x) * float64(x))
	}
	if norm == 0 {
		return
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
}

// tfWeight is the sublinear term frequency 1+ln(tf), rounded to float32 so
// that a last-bit difference between math.Log implementations on different
// platforms does not change the vector.
func tfWeight(tf uint32) float64 {
	if tf == 1 {
		return 1
	}
	return float64(float32(1 + math.Log(float64(tf))))
}

// tfTableSize is the number of term frequencies whose weight an Embedder
// precomputes.
const tfTableSize = 64

// tfWeight is tfWeight(tf) from the embedder's table when tf is small.
func (e *Embedder) tfWeight(tf uint32) float64 {
	if tf < tfTableSize {
		return e.tf[tf]
	}
	return tfWeight(tf)
}
