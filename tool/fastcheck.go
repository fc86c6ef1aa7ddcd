package tool

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastCheck is a compiled subset of JSON Schema used to accept valid input
// quickly. It is only ever trusted to say "valid": when it cannot decide,
// or finds a problem, the full validator runs and produces the verdict and
// the messages. So the fast path can make validation faster, never
// different. A schema using any keyword outside the subset gets no fast
// check at all.
type fastCheck struct {
	types      []string // empty: any
	props      map[string]*fastCheck
	required   []string
	additional *fastCheck // used when allowAdd and not nil
	allowAdd   bool
	items      *fastCheck
	enum       []any
	min, max   *float64
	exMin      *float64
	exMax      *float64
	minLen     int
	maxLen     int // -1: none
	minItems   int
	maxItems   int // -1: none
	pattern    *regexp.Regexp
}

var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true,
	"default": true, "examples": true, "deprecated": true, "readOnly": true, "writeOnly": true, "format": true,
}

// compileFast returns nil when the schema uses anything outside the subset.
func compileFast(v any) *fastCheck {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	c := &fastCheck{allowAdd: true, maxLen: -1, maxItems: -1}
	for k, val := range m {
		switch {
		case annotationKeywords[k]:
		case k == "type":
			switch t := val.(type) {
			case string:
				c.types = []string{t}
			case []any:
				for _, x := range t {
					s, ok := x.(string)
					if !ok {
						return nil
					}
					c.types = append(c.types, s)
				}
			default:
				return nil
			}
		case k == "properties":
			ps, ok := val.(map[string]any)
			if !ok {
				return nil
			}
			c.props = make(map[string]*fastCheck, len(ps))
			for name, p := range ps {
				if c.props[name] = compileFast(p); c.props[name] == nil {
					return nil
				}
			}
		case k == "required":
			rs, ok := val.([]any)
			if !ok {
				return nil
			}
			for _, r := range rs {
				s, ok := r.(string)
				if !ok {
					return nil
				}
				c.required = append(c.required, s)
			}
		case k == "additionalProperties":
			switch a := val.(type) {
			case bool:
				c.allowAdd = a
			default:
				if c.additional = compileFast(a); c.additional == nil {
					return nil
				}
			}
		case k == "items":
			if c.items = compileFast(val); c.items == nil {
				return nil
			}
		case k == "enum":
			es, ok := val.([]any)
			if !ok {
				return nil
			}
			for _, e := range es {
				if _, ok := e.(string); !ok {
					return nil // only string enums take the fast path
				}
			}
			c.enum = es
		case k == "minimum", k == "maximum", k == "exclusiveMinimum", k == "exclusiveMaximum":
			f, ok := simpleNumber(val)
			if !ok {
				return nil
			}
			switch k {
			case "minimum":
				c.min = &f
			case "maximum":
				c.max = &f
			case "exclusiveMinimum":
				c.exMin = &f
			default:
				c.exMax = &f
			}
		case k == "minLength", k == "maxLength", k == "minItems", k == "maxItems":
			f, ok := simpleNumber(val)
			if !ok || f < 0 || f != math.Trunc(f) {
				return nil
			}
			switch k {
			case "minLength":
				c.minLen = int(f)
			case "maxLength":
				c.maxLen = int(f)
			case "minItems":
				c.minItems = int(f)
			default:
				c.maxItems = int(f)
			}
		case k == "pattern":
			s, ok := val.(string)
			if !ok {
				return nil
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return nil
			}
			c.pattern = re
		default:
			return nil
		}
	}
	return c
}

// simpleNumber reads a JSON number in plain decimal notation that a
// float64 holds exactly enough for comparisons; anything else (exponents,
// long digit strings) is left to the full validator.
func simpleNumber(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	s := string(n)
	if len(s) > 15 || strings.ContainsAny(s, "eE") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// ok reports whether v certainly satisfies the schema.
func (c *fastCheck) ok(v any) bool {
	kind, num, isInt, simple := "", 0.0, false, true
	switch x := v.(type) {
	case nil:
		kind = "null"
	case bool:
		kind = "boolean"
	case string:
		kind = "string"
	case json.Number:
		kind = "number"
		num, simple = simpleNumber(x)
		if !simple {
			return false
		}
		isInt = num == math.Trunc(num)
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	default:
		return false
	}
	if len(c.types) > 0 && !typeMatches(c.types, kind, isInt) {
		return false
	}
	switch kind {
	case "number":
		return (c.min == nil || num >= *c.min) && (c.max == nil || num <= *c.max) &&
			(c.exMin == nil || num > *c.exMin) && (c.exMax == nil || num < *c.exMax) && c.enum == nil
	case "string":
		s := v.(string)
		if c.minLen > 0 || c.maxLen >= 0 {
			n := utf8.RuneCountInString(s)
			if n < c.minLen || (c.maxLen >= 0 && n > c.maxLen) {
				return false
			}
		}
		if c.pattern != nil && !c.pattern.MatchString(s) {
			return false
		}
		if c.enum != nil {
			for _, e := range c.enum {
				if e == s {
					return true
				}
			}
			return false
		}
		return true
	case "array":
		a := v.([]any)
		if len(a) < c.minItems || (c.maxItems >= 0 && len(a) > c.maxItems) || c.enum != nil {
			return false
		}
		if c.items != nil {
			for _, it := range a {
				if !c.items.ok(it) {
					return false
				}
			}
		}
		return true
	case "object":
		if c.enum != nil {
			return false
		}
		return c.objectOK(v.(map[string]any))
	}
	return c.enum == nil
}

func (c *fastCheck) objectOK(o map[string]any) bool {
	for _, r := range c.required {
		if _, ok := o[r]; !ok {
			return false
		}
	}
	for k, val := range o {
		if p, ok := c.props[k]; ok {
			if !p.ok(val) {
				return false
			}
			continue
		}
		if !c.allowAdd {
			return false
		}
		if c.additional != nil && !c.additional.ok(val) {
			return false
		}
	}
	return true
}

func typeMatches(types []string, kind string, isInt bool) bool {
	for _, t := range types {
		if t == kind || (t == "integer" && kind == "number" && isInt) {
			return true
		}
	}
	return false
}
