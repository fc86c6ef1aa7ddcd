package extract

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting in the lenient parser (deeper values fail to
// parse, so hostile input cannot exhaust the stack).
const maxJSONDepth = 64

// lenient is a forgiving JSON parser for model output. Beyond JSON it
// accepts trailing and missing commas, single-quoted strings, bare object
// keys, // and /* */ comments, raw newlines in strings, Python's
// True/False/None, and input that ends mid-value: an array keeps its
// complete elements, an object its complete members (and members holding
// a partial array or object), and the value is reported incomplete.
type lenient struct {
	s     string
	i     int
	depth int
}

// value parses the value at p.i. ok is false on a syntax error (p.i is
// then meaningless); complete is false when the input ended inside it.
func (p *lenient) value() (v any, complete, ok bool) {
	p.skip()
	if p.i >= len(p.s) {
		return nil, false, true
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || c == '\'':
		s, complete := p.str()
		return s, complete, true
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		w := p.word()
		switch w {
		case "true", "True":
			return true, true, true
		case "false", "False":
			return false, true, true
		case "null", "None", "nil":
			return nil, true, true
		}
		if p.i >= len(p.s) && w != "" && strings.HasPrefix("true false null", w) {
			return nil, false, true // cut inside a literal
		}
		return nil, false, false
	}
}

func (p *lenient) object() (any, bool, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false, false
	}
	defer func() { p.depth-- }()
	p.i++ // {
	obj := map[string]any{}
	for {
		p.skip()
		if p.i >= len(p.s) {
			return obj, false, true
		}
		switch p.s[p.i] {
		case '}':
			p.i++
			return obj, true, true
		case ',':
			p.i++
			continue
		}
		var key string
		switch c := p.s[p.i]; {
		case c == '"' || c == '\'':
			k, complete := p.str()
			if !complete {
				return obj, false, true
			}
			key = k
		default:
			key = p.word()
			if key == "" {
				return nil, false, false
			}
		}
		p.skip()
		if p.i >= len(p.s) {
			return obj, false, true
		}
		if p.s[p.i] != ':' && p.s[p.i] != '=' {
			return nil, false, false
		}
		p.i++
		v, complete, ok := p.value()
		if !ok {
			return nil, false, false
		}
		if !complete {
			switch v.(type) {
			case map[string]any, []any:
				obj[key] = v
			}
			return obj, false, true
		}
		obj[key] = v
	}
}

func (p *lenient) array() (any, bool, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false, false
	}
	defer func() { p.depth-- }()
	p.i++ // [
	arr := []any{}
	for {
		p.skip()
		if p.i >= len(p.s) {
			return arr, false, true
		}
		switch p.s[p.i] {
		case ']':
			p.i++
			return arr, true, true
		case ',':
			p.i++
			continue
		}
		v, complete, ok := p.value()
		if !ok {
			return nil, false, false
		}
		if !complete {
			return arr, false, true // the cut element is dropped
		}
		arr = append(arr, v)
	}
}

// str parses a quoted string; complete is false when the input ends first.
func (p *lenient) str() (string, bool) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), true
		case c == '\\' && p.i+1 < len(p.s):
			p.i += 2
			switch e := p.s[p.i-1]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				b.WriteRune(p.unicodeEscape())
			default: // \" \\ \/ \' and unknown escapes: the character itself
				b.WriteByte(e)
			}
		case c == '\\':
			p.i++ // a lone backslash at the end
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
	return b.String(), false
}

// unicodeEscape reads the hex digits after \u (and a low surrogate's
// \uXXXX when the first is a high surrogate).
func (p *lenient) unicodeEscape() rune {
	hex4 := func() (rune, bool) {
		if p.i+4 > len(p.s) {
			return 0, false
		}
		n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
		if err != nil {
			return 0, false
		}
		p.i += 4
		return rune(n), true
	}
	r, ok := hex4()
	if !ok {
		return utf8.RuneError
	}
	if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], `\u`) {
		save := p.i
		p.i += 2
		if r2, ok := hex4(); ok {
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				return d
			}
		}
		p.i = save
	}
	if utf16.IsSurrogate(r) {
		return utf8.RuneError
	}
	return r
}

func (p *lenient) number() (any, bool, bool) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	lit := p.s[start:p.i]
	f, err := strconv.ParseFloat(strings.TrimPrefix(lit, "+"), 64)
	if err != nil {
		if p.i >= len(p.s) {
			return nil, false, true // cut inside a number ("1e")
		}
		return nil, false, false
	}
	// A number at the very end may be cut ("12" of "123"): incomplete.
	return f, p.i < len(p.s), true
}

// word reads a bare identifier.
func (p *lenient) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '-' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

// skip passes whitespace and comments.
func (p *lenient) skip() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case strings.HasPrefix(p.s[p.i:], "//"):
			if j := strings.IndexByte(p.s[p.i:], '\n'); j >= 0 {
				p.i += j + 1
			} else {
				p.i = len(p.s)
			}
		case strings.HasPrefix(p.s[p.i:], "/*"):
			if j := strings.Index(p.s[p.i+2:], "*/"); j >= 0 {
				p.i += j + 4
			} else {
				p.i = len(p.s)
			}
		default:
			return
		}
	}
}
