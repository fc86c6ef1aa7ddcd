package graphrag

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the text matching of extractive answers: tokens, a light
// stemmer, and entity mentions found by name.

// stopWords are left out of a question's terms.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after all also am an and any are as at be been before
being below between both but by can could did do does doing during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor not
of off on once only or other our ours out over own same she should so some such than that the their
theirs them then there these they this those through to too under until up very was we were what
when where which while who whom whose why will with would you your yours tell give list name please
show find know many much`) {
		m[w] = true
	}
	return m
}()

// tokens splits s into lower-case runs of letters, digits and marks.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

// stemSuffixes are stripped by stem, longest first.
var stemSuffixes = []string{"ions", "ings", "ion", "ing", "ies", "ied", "ers", "ors", "ed", "es", "er", "or", "ly", "s", "y", "e"}

// stem reduces an English word to a crude stem, so that "operates",
// "operated" and "operator", or "spud" and "spudded", compare equal: one
// suffix is stripped (leaving at least three letters), then a doubled
// final consonant is halved. Words with digits are kept as they are.
func stem(w string) string {
	if strings.ContainsFunc(w, unicode.IsDigit) {
		return w
	}
	for _, suf := range stemSuffixes {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w)-utf8.RuneCountInString(suf) >= 3 {
			w = strings.TrimSuffix(w, suf)
			if suf == "ies" || suf == "ied" {
				w += "y"
			}
			break
		}
	}
	if n := len(w); n >= 4 && w[n-1] == w[n-2] && w[n-1] < utf8.RuneSelf && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		w = w[:n-1]
	}
	return w
}

// stemsMatch reports whether two stems name the same word: equal, or one
// of at least five bytes a prefix of the other, at most two bytes shorter
// ("produc", "product"; not "reserv", "reservoir").
func stemsMatch(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 5 && len(b)-len(a) <= 2 && strings.HasPrefix(b, a)
}

// nameEntry is a name that entities go by.
type nameEntry struct {
	lower string   // the name, lower case
	ids   []string // the nodes called so
}

// entityIndex finds entity mentions in text by name.
type entityIndex struct {
	// byFirst holds the names by their first word, longest first.
	byFirst map[string][]nameEntry
	// other holds the names that do not start with a word, longest first.
	other []nameEntry
	types map[string]string
}

// isWordRune reports whether r belongs to a word (a letter, digit or mark).
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// firstWord returns the run of word runes s starts with ("" if none).
func firstWord(s string) string {
	for i, r := range s {
		if !isWordRune(r) {
			return s[:i]
		}
	}
	return s
}

// normalise lower-cases s and folds runs of white space into one space.
func normalise(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// newEntityIndex indexes the names (of two or more runes) of nodes,
// given as id → name, and their types.
func newEntityIndex(names, types map[string]string) *entityIndex {
	byName := map[string][]string{}
	for id, n := range names {
		if l := normalise(n); utf8.RuneCountInString(l) >= 2 {
			byName[l] = append(byName[l], id)
		}
	}
	x := &entityIndex{byFirst: map[string][]nameEntry{}, types: types}
	for l, ids := range byName {
		slices.Sort(ids)
		e := nameEntry{lower: l, ids: ids}
		if w := firstWord(l); w != "" {
			x.byFirst[w] = append(x.byFirst[w], e)
		} else {
			x.other = append(x.other, e)
		}
	}
	longestFirst := func(a, b nameEntry) int {
		if c := cmp.Compare(len(b.lower), len(a.lower)); c != 0 {
			return c
		}
		return cmp.Compare(a.lower, b.lower)
	}
	for _, list := range x.byFirst {
		slices.SortFunc(list, longestFirst)
	}
	slices.SortFunc(x.other, longestFirst)
	return x
}

// mentions returns the IDs of the entities named in text and text with
// the names blanked out. A name matches case-insensitively, with spaces
// for any run of white space, and not inside a longer word or number;
// scanning from the left, the longest name that matches at a place wins,
// and the scan goes on after it.
func (x *entityIndex) mentions(text string) (ids []string, rest string) {
	ids, _, rest = x.mentionSpans(text)
	return ids, rest
}

// span is a matched name: its byte range in the normalised text and the
// entities so named.
type span struct {
	start, end int
	ids        []string
}

// mentionSpans is mentions with the matched spans. Names that do not
// start with a word are matched first, then the others word by word, so
// the cost grows with the words of text, not with the number of names.
func (x *entityIndex) mentionSpans(text string) (ids []string, spans []span, rest string) {
	lower := []byte(normalise(text))
	seen := map[string]bool{}
	match := func(e nameEntry, i int) {
		end := i + len(e.lower)
		blank(lower, i, end)
		spans = append(spans, span{start: i, end: end, ids: e.ids})
		for _, id := range e.ids {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	for _, e := range x.other {
		for from := 0; from < len(lower); {
			i := strings.Index(string(lower[from:]), e.lower)
			if i < 0 {
				break
			}
			i += from
			if boundary(lower, i, i+len(e.lower)) {
				match(e, i)
				from = i + len(e.lower)
			} else {
				from = i + 1
			}
		}
	}
	prevWord := false
	for i := 0; i < len(lower); {
		r, size := utf8.DecodeRune(lower[i:])
		word := isWordRune(r)
		if !word || prevWord {
			prevWord = word
			i += size
			continue
		}
		w := firstWord(string(lower[i:]))
		next := i + len(w)
		for _, e := range x.byFirst[w] {
			if end := i + len(e.lower); end <= len(lower) && string(lower[i:end]) == e.lower && boundary(lower, i, end) {
				match(e, i)
				next = end
				break
			}
		}
		prevWord = next == i+len(w) // still inside the word when no name matched
		i = next
	}
	return ids, spans, string(lower)
}

// questionEntities returns the entities the question names and the rest
// of its text: the names blanked out, and so are the words right before or
// after a name that are its entity's type ("well" in "well 41/7-3",
// "field" in "the Ormsund field"), which add nothing to the name.
func (x *entityIndex) questionEntities(q string) (ids []string, rest string) {
	ids, spans, rest := x.mentionSpans(q)
	b := []byte(rest)
	for _, sp := range spans {
		var typeStems []string
		for _, id := range sp.ids {
			for _, t := range tokens(x.types[id]) {
				typeStems = append(typeStems, stem(t))
			}
		}
		isType := func(w string) bool {
			s := stem(strings.ToLower(w))
			return slices.ContainsFunc(typeStems, func(t string) bool { return stemsMatch(s, t) })
		}
		// The word before the name.
		i := sp.start
		for i > 0 && b[i-1] == ' ' {
			i--
		}
		j := i
		for j > 0 && isWordByte(b[j-1]) {
			j--
		}
		if j < i && isType(string(b[j:i])) {
			blank(b, j, i)
		}
		// The word after it.
		i = sp.end
		for i < len(b) && b[i] == ' ' {
			i++
		}
		j = i
		for j < len(b) && isWordByte(b[j]) {
			j++
		}
		if j > i && isType(string(b[i:j])) {
			blank(b, i, j)
		}
	}
	return ids, string(b)
}

// isWordByte reports whether b belongs to a word: an ASCII letter or
// digit, or a byte of a multi-byte rune.
func isWordByte(b byte) bool {
	return b >= utf8.RuneSelf || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func blank(b []byte, i, j int) {
	for k := i; k < j; k++ {
		b[k] = ' '
	}
}

// boundary reports whether s[i:end] is not inside a longer word: the
// runes before and after it, if any, are not word runes.
func boundary(s []byte, i, end int) bool {
	if i > 0 {
		if r, _ := utf8.DecodeLastRune(s[:i]); isWordRune(r) {
			return false
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRune(s[end:]); isWordRune(r) {
			return false
		}
	}
	return true
}
