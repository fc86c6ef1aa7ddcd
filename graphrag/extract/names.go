package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxIDName bounds the name part of an entity ID, in bytes; longer names
// are cut and suffixed with a hash of the whole.
const maxIDName = 160

// NormalizeName is the form entity names are compared in: Unicode NFKC
// (full-width and compatibility characters folded), lower case,
// apostrophes dropped, every other punctuation or symbol character except
// % & + # @ turned into a space, and whitespace collapsed. So "Hugin
// Formation", "HUGIN  formation" and "Hugin-Formation" agree, and
// "15/9-13" becomes "15 9 13": digit groups stay apart, so it never
// equals "15/9-1".
func NormalizeName(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '‘':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune("%&+#@", r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// EntityID is the stable ID of the entity of type typ called name:
// typ + ":" + NormalizeName(name) (the trimmed name itself when it
// normalises to nothing), with names over 160 bytes cut and suffixed with a
// hash of the whole. The same entity gets the same ID in every document and
// run.
func EntityID(typ, name string) string {
	n := NormalizeName(name)
	if n == "" {
		n = strings.Join(strings.Fields(name), " ")
	}
	if len(n) > maxIDName {
		sum := sha256.Sum256([]byte(n))
		cut := maxIDName - 17
		for cut > 0 && !utf8.RuneStart(n[cut]) {
			cut--
		}
		n = n[:cut] + "~" + hex.EncodeToString(sum[:8])
	}
	return typ + ":" + n
}

// cleanName trims s and collapses its whitespace runs to single spaces.
func cleanName(s string) string { return strings.Join(strings.Fields(s), " ") }

// SimilarityFunc scores how alike two normalised names are, in [0, 1]
// (1: identical).
type SimilarityFunc func(a, b string) float64

// JaroWinkler is the Jaro–Winkler similarity of a and b over runes
// (prefix scale 0.1, prefix up to 4 runes).
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	window = max(window, 0)
	ma := make([]bool, len(ra))
	mb := make([]bool, len(rb))
	matches := 0
	for i, r := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && rb[j] == r {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if ra[i] != rb[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// Trigram is the Dice coefficient of the character trigram sets of a and
// b, each padded with two spaces at both ends.
func Trigram(a, b string) float64 {
	ta, tb := trigrams(a), trigrams(b)
	if len(ta) == 0 && len(tb) == 0 {
		return 1
	}
	common := 0
	for g := range ta {
		if tb[g] {
			common++
		}
	}
	return 2 * float64(common) / float64(len(ta)+len(tb))
}

func trigrams(s string) map[string]bool {
	r := []rune("  " + s + "  ")
	out := make(map[string]bool, len(r))
	for i := 0; i+3 <= len(r); i++ {
		out[string(r[i:i+3])] = true
	}
	return out
}

// digits returns the digit runs of s joined by spaces ("15 9 13" for
// "15/9-13").
func digits(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		if unicode.IsDigit(r) {
			if !in && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			in = true
		} else {
			in = false
		}
	}
	return b.String()
}
