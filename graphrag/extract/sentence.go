package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// shortLine is the length (in runes, trimmed) below which a line ended by a
// single newline is a sentence of its own (headings, table rows, list
// items); longer lines are taken as hard-wrapped prose.
const shortLine = 40

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "vs": true, "fig": true, "figs": true, "approx": true,
	"no": true, "nos": true, "mr": true, "mrs": true, "ms": true, "dr": true, "prof": true,
	"st": true, "inc": true, "ltd": true, "corp": true, "co": true, "al": true, "cf": true,
	"ca": true, "eq": true, "ref": true, "vol": true, "pp": true, "jr": true, "sr": true,
}

// Sentences splits text into sentences that tile it: consecutive spans,
// the first starting at 0 and the last ending at len(text), each sentence
// including the whitespace after it. Empty text gives none.
//
// A sentence ends after a run of terminators (. ! ? …, and the CJK 。！？,
// which need no space after them), optional closing quotes or brackets,
// and whitespace — except after an abbreviation ("e.g.", "approx.") or an
// initial ("J."), or before a lowercase letter. A blank line always ends
// one; a single newline ends one when the line is short (a heading, a table
// row) or the next line starts a list item. Text with no punctuation is
// one sentence (the chunker splits it further at word boundaries).
func Sentences(text string) []Span {
	if text == "" {
		return nil
	}
	var out []Span
	start, lineStart := 0, 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			end := skipSpace(text, i)
			if strings.Count(text[i:end], "\n") >= 2 || end == len(text) ||
				utf8.RuneCountInString(strings.TrimSpace(text[lineStart:i])) < shortLine || listItem(text[end:]) {
				if end < len(text) && strings.TrimSpace(text[start:end]) != "" {
					out = append(out, Span{start, end})
					start = end
				}
			}
			lineStart = i + strings.LastIndexByte(text[i:end], '\n') + 1
			i = end
			continue
		case isTerminator(r):
			end, ok := sentenceEnd(text, i)
			if ok && end < len(text) {
				out = append(out, Span{start, end})
				start = end
				if n := strings.LastIndexByte(text[i:end], '\n'); n >= 0 {
					lineStart = i + n + 1
				}
			}
			if end > i {
				i = end
				continue
			}
		}
		i += size
	}
	return append(out, Span{start, len(text)})
}

// sentenceEnd looks at the terminator at i and returns where the next
// sentence starts and true when one ends here; otherwise the end of the
// terminator run and closers (so they are not examined again) and false.
func sentenceEnd(text string, i int) (end int, ok bool) {
	j := i
	cjk := false
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isTerminator(r) {
			break
		}
		cjk = cjk || r == '。' || r == '！' || r == '？' || r == '｡'
		j += size
	}
	run := text[i:j]
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !strings.ContainsRune("\"')]}»”’」』", r) {
			break
		}
		j += size
	}
	k := skipSpace(text, j)
	if k == j && !cjk && j < len(text) {
		return j, false // "3.5", "e.g.x", "a.b": no space, no sentence end
	}
	if run == "." {
		w := wordBefore(text, i)
		if abbreviations[strings.ToLower(w)] {
			return j, false
		}
		if r, _ := utf8.DecodeRuneInString(w); utf8.RuneCountInString(w) == 1 && unicode.IsUpper(r) && initial(text, i-len(w)) {
			return j, false // an initial
		}
	}
	if k < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[k:]); unicode.IsLower(r) {
			return j, false
		}
	}
	return k, true
}

// initial reports whether the single capital letter at p reads as an
// initial ("J. Smith", "in 1963 J. F. Kennedy") rather than a unit or a
// name's last part ("148 °C.", "well 41/4-3 A."): it must stand alone
// (start of text, or after whitespace or an opening bracket), and the
// word before it must not be a code of digits joined by '/' or '-'.
func initial(text string, p int) bool {
	if p == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:p])
	if !unicode.IsSpace(r) && !strings.ContainsRune("([{\"'“‘", r) {
		return false
	}
	q := strings.TrimRightFunc(text[:p], unicode.IsSpace)
	w := q[strings.LastIndexFunc(q, unicode.IsSpace)+1:]
	return !strings.ContainsFunc(w, unicode.IsDigit) || !strings.ContainsAny(w, "/-")
}

// wordBefore returns the letters and inner periods right before i ("e.g"
// before the final period of "e.g.").
func wordBefore(text string, i int) string {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		j -= size
	}
	return strings.TrimLeft(text[j:i], ".")
}

// listItem reports whether s starts with a list marker: a bullet or a
// number of up to three digits followed by "." or ")", then a space.
func listItem(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if strings.ContainsRune("-*•–·▪", r) {
		n, _ := utf8.DecodeRuneInString(s[size:])
		return n == ' ' || n == '\t'
	}
	d := 0
	for d < len(s) && d < 4 && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	return d > 0 && d < 4 && len(s) > d+1 && (s[d] == '.' || s[d] == ')') && (s[d+1] == ' ' || s[d+1] == '\t')
}

func isTerminator(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？', '｡':
		return true
	}
	return false
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// skipSpace returns the end of the whitespace run starting at i.
func skipSpace(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	return i
}
