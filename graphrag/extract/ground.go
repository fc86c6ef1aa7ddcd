package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// grounding is where a claimed mention was found in a chunk.
type grounding struct {
	span      Span // bytes, relative to the chunk
	found     bool
	corrected bool // a claimed offset was given and was wrong
}

// ground locates mention in text (a chunk). claimed is the model's
// character (rune) offset of its start, or -1. The claimed place wins when
// the text is there; otherwise the exact occurrence nearest the claimed
// place (the first when none was claimed); otherwise the nearest
// occurrence ignoring case, dash variants and whitespace differences.
// Occurrences that cut a word ("15/9-1" inside "15/9-13") never count.
func ground(text, mention string, claimed int) grounding {
	if mention == "" {
		return grounding{}
	}
	hint := -1
	if claimed >= 0 {
		hint = runeToByte(text, claimed)
	}
	if hint >= 0 && strings.HasPrefix(text[hint:], mention) && bounded(text, hint, hint+len(mention), mention) {
		return grounding{span: Span{hint, hint + len(mention)}, found: true}
	}
	best, bestEnd := -1, -1
	consider := func(start, end int) {
		if best < 0 || dist(start, hint) < dist(best, hint) {
			best, bestEnd = start, end
		}
	}
	for i := 0; i <= len(text)-len(mention); {
		j := strings.Index(text[i:], mention)
		if j < 0 {
			break
		}
		if bounded(text, i+j, i+j+len(mention), mention) {
			consider(i+j, i+j+len(mention))
			if hint < 0 {
				break // the first one
			}
		}
		_, size := utf8.DecodeRuneInString(text[i+j:])
		i += j + size
	}
	if best < 0 {
		for i := 0; i < len(text); {
			if end := matchLoose(text, i, mention); end > i {
				consider(i, end)
				if hint < 0 || i > hint {
					break // later ones are further away
				}
			}
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
	}
	if best < 0 {
		return grounding{}
	}
	return grounding{span: Span{best, bestEnd}, found: true, corrected: claimed >= 0}
}

// dist is how far start is from hint (from 0 without a hint, so the first
// occurrence wins).
func dist(start, hint int) int {
	if hint < 0 {
		return start
	}
	if start > hint {
		return start - hint
	}
	return hint - start
}

// runeToByte converts a rune offset in text to a byte offset; -1 past the
// end.
func runeToByte(text string, n int) int {
	i := 0
	for k := 0; k < n; k++ {
		if i >= len(text) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	if i > len(text) {
		return -1
	}
	return i
}

// matchLoose matches mention against text at i, ignoring case (Unicode
// simple folding), treating dash variants alike, and letting a whitespace
// run in either match a whitespace run in the other. It returns the end of
// the match in text, or -1. The match must not cut a word (bounded).
func matchLoose(text string, i int, mention string) int {
	t, m := i, 0
	for m < len(mention) {
		if t >= len(text) {
			return -1
		}
		mr, ms := utf8.DecodeRuneInString(mention[m:])
		tr, ts := utf8.DecodeRuneInString(text[t:])
		switch {
		case isSpace(mr):
			if !isSpace(tr) {
				return -1
			}
			m = skipSpace(mention, m)
			t = skipSpace(text, t)
			continue
		case isDash(mr) && isDash(tr), equalFold(mr, tr):
		default:
			return -1
		}
		m += ms
		t += ts
	}
	if !bounded(text, i, t, mention) {
		return -1
	}
	return t
}

// bounded reports whether text[start:end], a match of mention, does not
// cut a word: a mention starting (ending) with a letter or digit must not
// be preceded (followed) by one.
func bounded(text string, start, end int, mention string) bool {
	if start > 0 {
		fr, _ := utf8.DecodeRuneInString(mention)
		if pr, _ := utf8.DecodeLastRuneInString(text[:start]); wordRune(fr) && wordRune(pr) {
			return false
		}
	}
	if end < len(text) {
		lr, _ := utf8.DecodeLastRuneInString(mention)
		if nr, _ := utf8.DecodeRuneInString(text[end:]); wordRune(lr) && wordRune(nr) {
			return false
		}
	}
	return true
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isDash(r rune) bool {
	switch r {
	case '-', '‐', '‑', '‒', '–', '—', '−':
		return true
	}
	return false
}

// equalFold reports whether a and b are equal under simple case folding.
func equalFold(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
