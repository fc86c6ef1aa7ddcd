package extract

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// stopWords are left out of cue words taken from relation examples and
// descriptions (relation names keep theirs: "in" of located_in).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but of to in on at by for from with without into onto
		over under through than then that this these those it its is are was were be been being has have had
		do does did not no as so such which who whom whose what when where while also both each other some any
		all can could may might will would shall should must very more most less least there here their they
		them he she his her we our you your i me my one two three first second well`) {
		m[w] = true
	}
	return m
}()

// nameStopWords are dropped from relation-name cues.
var nameStopWords = map[string]bool{"has": true, "have": true, "is": true, "are": true, "the": true,
	"a": true, "an": true, "to": true, "and": true, "or": true}

// clauseBreak separates clauses: a relation is not read across one.
var clauseBreak = regexp.MustCompile(`(?i);|\bwhile\b|\bwhereas\b|\bbut\b|\balthough\b|\bhowever\b`)

// listGlue is what may stand between items of a list ("A, B and C").
var listGlue = regexp.MustCompile(`(?i)^(?:\s|,|&|/|\band\b|\bor\b|\bas well as\b|\bthe\b)*$`)

// maxAdjacentWords is how far apart two adjacent entities may be for a
// relation with no cue word.
const maxAdjacentWords = 4

// Cue weights: a content word, and a function word of a relation's name
// ("in" of located_in, "by" of drilled_by).
const (
	cueContent  = 2
	cueFunction = 1
)

// stem is a crude English stemmer: lower case, one common suffix off.
func stem(w string) string {
	w = strings.ToLower(w)
	for _, suf := range [...]string{"ing", "ion", "ed", "es", "s", "y"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 4 {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// words splits s into words (letters and digits).
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// splitName splits a relation name into words: "drilled_by",
// "drilledBy" and "DRILLED BY" give drilled, by.
func splitName(name string) []string {
	var b strings.Builder
	prevLower := false
	for _, r := range name {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte(' ')
		}
		prevLower = unicode.IsLower(r)
		b.WriteRune(r)
	}
	return words(b.String())
}

// cueWords collects the cue stems of a relation type and their weights.
func (x *RuleExtractor) cueWords(rt kg.RelationType) map[string]int {
	cues := map[string]int{}
	for _, w := range splitName(rt.Name) {
		switch lw := strings.ToLower(w); {
		case nameStopWords[lw]:
		case stopWords[lw]:
			cues[stem(lw)] = cueFunction
		default:
			cues[stem(lw)] = cueContent
		}
	}
	typeWords := map[string]bool{}
	for _, et := range x.ont.EntityTypes {
		for _, w := range splitName(et.Name) {
			typeWords[stem(w)] = true
		}
	}
	for _, ex := range rt.Examples {
		rest, last := strings.Builder{}, 0
		for _, e := range x.entities(ex) { // drop the entity names
			rest.WriteString(ex[last:e.Start])
			rest.WriteByte(' ')
			last = e.End
		}
		rest.WriteString(ex[last:])
		for _, w := range words(rest.String()) {
			if lw := strings.ToLower(w); isCueWord(lw) && !typeWords[stem(lw)] {
				cues[stem(lw)] = cueContent
			}
		}
	}
	for _, w := range words(rt.Description) {
		if lw := strings.ToLower(w); len(lw) >= 5 && isCueWord(lw) && !typeWords[stem(lw)] {
			cues[stem(lw)] = cueContent
		}
	}
	return cues
}

// cueScore sums the weights of the words of s that are cues.
func cueScore(cues map[string]int, s string) int {
	n := 0
	for _, w := range words(s) {
		n += cues[stem(w)]
	}
	return n
}

// relations applies the co-occurrence heuristic (see RuleExtractor) to the
// entities ents of the sentence s of text.
func (x *RuleExtractor) relations(text string, s Span, ents []span) []RawRelation {
	if len(ents) < 2 {
		return nil
	}
	// The sentence with entity mentions blanked out, so that names never
	// count as cue words.
	masked := []byte(text[s.Start:s.End])
	blank := func(from, to int) {
		for k := from - s.Start; k < to-s.Start; k++ {
			masked[k] = ' '
		}
	}
	for _, e := range ents {
		blank(e.Start, e.End)
	}
	plain := string(masked)
	var out []RawRelation
	for i := range ents {
		for j := i + 1; j < len(ents); j++ {
			a, b := ents[i], ents[j]
			if a.entityID == b.entityID {
				continue
			}
			between := plain[a.End-s.Start : b.Start-s.Start]
			if clauseBreak.MatchString(text[a.End:b.Start]) || x.blocked(text, ents[i+1:j], b) {
				continue
			}
			around := plain[:a.Start-s.Start] + " " + plain[b.End-s.Start:]
			type cand struct {
				rel        string
				dir        direction
				between, s int
			}
			var cands []cand
			ta, tb := x.types[a.typ].et.Name, x.types[b.typ].et.Name
			for _, rt := range x.ont.RelationTypes {
				d := directionOf(rt, ta, tb)
				if d == dirNone {
					continue
				}
				cb := cueScore(x.cues[rt.Name], between)
				cands = append(cands, cand{rel: rt.Name, dir: d, between: cb, s: 2*cb + cueScore(x.cues[rt.Name], around)})
			}
			var pick *cand
			switch {
			case len(cands) == 1:
				adjacent := j == i+1 && len(words(between)) <= maxAdjacentWords && !x.otherCue(cands[0].rel, between)
				if cands[0].between >= cueContent || adjacent {
					pick = &cands[0]
				}
			case len(cands) > 1:
				best, second := 0, 0
				for k := range cands {
					if cands[k].s > cands[best].s {
						best = k
					}
				}
				for k := range cands {
					if k != best {
						second = max(second, cands[k].s)
					}
				}
				if cands[best].s > second {
					pick = &cands[best]
				}
			}
			if pick == nil {
				continue
			}
			src, dst := a, b
			if pick.dir == dirBackward {
				src, dst = b, a
			}
			out = append(out, RawRelation{Source: src.name, SourceType: x.types[src.typ].et.Name, Type: pick.rel,
				Target: dst.name, TargetType: x.types[dst.typ].et.Name})
		}
	}
	return out
}

// otherCue reports whether s holds a content cue of a relation type other
// than rel (then s states that relation, not rel).
func (x *RuleExtractor) otherCue(rel, s string) bool {
	for name, cues := range x.cues {
		if name == rel {
			continue
		}
		for _, w := range words(s) {
			if cues[stem(w)] >= cueContent {
				return true
			}
		}
	}
	return false
}

// blocked reports whether the entities mid between a and b hold one of b's
// type that is not part of a list ending at b.
func (x *RuleExtractor) blocked(text string, mid []span, b span) bool {
	for k, m := range mid {
		if m.typ != b.typ {
			continue
		}
		// From m to b, only list glue and further entities may stand.
		pos := m.End
		for _, n := range mid[k+1:] {
			if !listGlue.MatchString(text[pos:n.Start]) {
				return true
			}
			pos = n.End
		}
		if !listGlue.MatchString(text[pos:b.Start]) {
			return true
		}
	}
	return false
}
