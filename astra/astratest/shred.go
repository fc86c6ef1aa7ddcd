package astratest

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// shredded is a validated document ready to store.
type shredded struct {
	key string
	doc map[string]any
	vec []float32
}

// shred validates doc against the collection and the document limits
// (spec §2, §6), normalizes Extended JSON values in place and generates a
// missing _id (unless id is given, which replaces any _id in doc).
func (s *Server) shred(def *collDef, doc map[string]any, id any) (*shredded, *apiError) {
	if id != nil {
		doc["_id"] = id
	}
	rawID, has := doc["_id"]
	if !has {
		rawID = s.generateID(def.defaultID)
		doc["_id"] = rawID
	} else if m, ok := rawID.(map[string]any); ok {
		k := ejsonKind(m)
		if k == "" || k == ejBinary {
			return nil, errf("SHRED_BAD_DOCID_TYPE",
				"Bad type for '_id' property: Document Id must be a JSON String, Number, Boolean, NULL or an Extended JSON $date, $uuid or $objectId value; got %s.", string(appendJSON(nil, m)))
		}
		n, ok := normalizeEJSON(k, m[k])
		if !ok {
			return nil, errf("SHRED_BAD_EJSON_VALUE", "Bad Extended JSON value for '_id': %s.", string(appendJSON(nil, m)))
		}
		rawID = n
		doc["_id"] = n
	}
	key, ok := idKey(rawID)
	if !ok {
		return nil, errf("SHRED_BAD_DOCID_TYPE",
			"Bad type for '_id' property: Document Id must be a JSON String, Number, Boolean, NULL or an Extended JSON $date, $uuid or $objectId value.")
	}
	out := &shredded{key: key, doc: doc}
	if v, ok := doc["$vector"]; ok {
		if v == nil {
			delete(doc, "$vector")
		} else {
			if def.dimension == 0 {
				return nil, withID(errf("VECTOR_SEARCH_NOT_SUPPORTED",
					"Vector search is not enabled for the collection; '$vector' cannot be used."), rawID)
			}
			vec, verr := decodeVector(v)
			if verr != nil {
				return nil, withID(errf(verr.code, "%s", verr.msg), rawID)
			}
			if len(vec) > s.cfg.limits.MaxVectorDimension {
				return nil, withID(errf("SHRED_DOC_LIMIT_VIOLATION",
					"Document size limitation violated: number of elements in '$vector' (%d) exceeds maximum allowed (%d).",
					len(vec), s.cfg.limits.MaxVectorDimension), rawID)
			}
			if len(vec) != def.dimension {
				return nil, withID(errf("INVALID_VECTOR_LENGTH",
					"Length of vector parameter different from declared '$vector' dimension: root document: %d vs expected %d.",
					len(vec), def.dimension), rawID)
			}
			doc["$vector"] = vec
			out.vec = vec
		}
	}
	if _, ok := doc["$vectorize"]; ok {
		return nil, withID(errf("VECTOR_SEARCH_NOT_SUPPORTED",
			"'$vectorize' needs an embedding service, which astratest does not provide."), rawID)
	}
	w := walker{s: s, def: def}
	size := 2
	for k, v := range doc {
		if k == "_id" || k == "$vector" {
			size += len(k) + 3 + 20
			continue
		}
		if k != "$lexical" {
			if e := w.checkName(k); e != nil {
				return nil, withID(e, rawID)
			}
		}
		nv, e := w.walk(escapeSegment(k), v, 1)
		if e != nil {
			return nil, withID(e, rawID)
		}
		doc[k] = nv
		size += len(k) + 3
	}
	size += w.size
	if len(doc) > s.cfg.limits.MaxObjectProperties {
		return nil, withID(errf("SHRED_DOC_LIMIT_VIOLATION",
			"Document size limitation violated: number of properties an indexable Object (root) has (%d) exceeds maximum allowed (%d).",
			len(doc), s.cfg.limits.MaxObjectProperties), rawID)
	}
	if w.props+len(doc) > s.cfg.limits.MaxDocumentProperties {
		return nil, withID(errf("SHRED_DOC_LIMIT_VIOLATION",
			"Document size limitation violated: total number of indexed properties (%d) in document exceeds maximum allowed (%d).",
			w.props+len(doc), s.cfg.limits.MaxDocumentProperties), rawID)
	}
	if size > s.cfg.limits.MaxDocumentSize {
		return nil, withID(errf("SHRED_DOC_LIMIT_VIOLATION",
			"Document size limitation violated: document size (%d chars) exceeds maximum allowed (%d).",
			size, s.cfg.limits.MaxDocumentSize), rawID)
	}
	return out, nil
}

func withID(e *apiError, id any) *apiError {
	e.ids = []any{id}
	return e
}

// walker validates nested values, counting properties and size.
type walker struct {
	s     *Server
	def   *collDef
	props int
	size  int
}

func (w *walker) checkName(k string) *apiError {
	if k == "" || strings.HasPrefix(k, "$") {
		return errf("SHRED_BAD_FIELD_NAME",
			"Document field name invalid: field name '%s' is empty or starts with '$'.", k)
	}
	return nil
}

func (w *walker) walk(path string, v any, depth int) (any, *apiError) {
	l := &w.s.cfg.limits
	if depth > l.MaxDepth {
		return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
			"Document size limitation violated: document depth exceeds maximum allowed (%d).", l.MaxDepth)
	}
	if len(path) > l.MaxPathLength {
		return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
			"Document size limitation violated: property path length (%d) exceeds maximum allowed (%d).", len(path), l.MaxPathLength)
	}
	switch x := v.(type) {
	case string:
		w.size += len(x) + 2
		if len(x) > l.MaxStringBytes && w.def.indexed(path) {
			return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
				"Document size limitation violated: indexed String value length (%d bytes) at '%s' exceeds maximum allowed (%d bytes).",
				len(x), path, l.MaxStringBytes)
		}
	case json.Number:
		w.size += len(x)
		if len(x) > l.MaxNumberLength {
			return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
				"Document size limitation violated: Number value length (%d) exceeds maximum allowed (%d).", len(x), l.MaxNumberLength)
		}
	case bool, nil:
		w.size += 5
	case []any:
		w.size += 2 + len(x)
		if len(x) > l.MaxArrayLength && w.def.indexed(path) {
			return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
				"Document size limitation violated: number of elements an indexable Array ('%s') has (%d) exceeds maximum allowed (%d).",
				path, len(x), l.MaxArrayLength)
		}
		for i, e := range x {
			nv, err := w.walk(path, e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = nv
		}
	case map[string]any:
		if k := ejsonKind(x); k != "" {
			n, ok := normalizeEJSON(k, x[k])
			if !ok {
				return nil, errf("SHRED_BAD_EJSON_VALUE", "Bad Extended JSON value at '%s': %s.", path, string(appendJSON(nil, x)))
			}
			w.size += 30
			return n, nil
		}
		if len(x) > l.MaxObjectProperties {
			return nil, errf("SHRED_DOC_LIMIT_VIOLATION",
				"Document size limitation violated: number of properties an indexable Object ('%s') has (%d) exceeds maximum allowed (%d).",
				path, len(x), l.MaxObjectProperties)
		}
		w.props += len(x)
		w.size += 2 + len(x)
		for k, e := range x {
			if err := w.checkName(k); err != nil {
				return nil, err
			}
			w.size += len(k) + 3
			nv, err := w.walk(path+"."+escapeSegment(k), e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = nv
		}
	}
	return v, nil
}

// escapeSegment escapes '&' and '.' of a field name for use in a path.
func escapeSegment(k string) string {
	if !strings.ContainsAny(k, "&.") {
		return k
	}
	return strings.NewReplacer("&", "&&", ".", "&.").Replace(k)
}

// dupError is the DOCUMENT_ALREADY_EXISTS error for id.
func dupError(id any) *apiError {
	return withID(errf("DOCUMENT_ALREADY_EXISTS",
		"Cannot insert the document: a document already exists with given '_id' (%s). Resend the command using a different '_id'.",
		string(appendJSON(nil, id))), id)
}

// generateID makes a new _id for the collection's defaultId type
// (spec §2): a plain UUIDv4 string when unset.
func (s *Server) generateID(kind string) any {
	switch kind {
	case "uuid":
		return map[string]any{ejUUID: newUUIDv4()}
	case "uuidv6", "uuidv7":
		return map[string]any{ejUUID: newTimeUUID(kind == "uuidv7")}
	case "objectId":
		var b [12]byte
		binary.BigEndian.PutUint32(b[:4], uint32(time.Now().Unix()))
		_, _ = rand.Read(b[4:9])
		c := s.oidCount.Add(1)
		b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
		return map[string]any{ejObjectID: hex.EncodeToString(b[:])}
	}
	return newUUIDv4()
}

// newTimeUUID makes a UUIDv7 (Unix ms) or a UUIDv6 (Gregorian 100 ns).
func newTimeUUID(v7 bool) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	now := time.Now()
	if v7 {
		ms := uint64(now.UnixMilli())
		for i := 0; i < 6; i++ {
			b[i] = byte(ms >> (40 - 8*i))
		}
		b[6] = b[6]&0x0f | 0x70
	} else {
		ts := uint64(now.UnixNano()/100) + 0x01B21DD213814000
		binary.BigEndian.PutUint32(b[0:4], uint32(ts>>28))
		binary.BigEndian.PutUint16(b[4:6], uint16(ts>>12))
		binary.BigEndian.PutUint16(b[6:8], uint16(ts&0x0fff)|0x6000)
	}
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}
