package astratest

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Vector metrics (spec §3).
const (
	metricCosine    = "cosine"
	metricDot       = "dot_product"
	metricEuclidean = "euclidean"
)

var sourceModels = map[string]bool{"other": true, "ada002": true, "bert": true, "cohere-v3": true,
	"gecko": true, "nv-qa-4": true, "openai-v3-large": true, "openai-v3-small": true}

var defaultIDTypes = map[string]bool{"uuid": true, "uuidv6": true, "uuidv7": true, "objectId": true}

// collDef is a collection's resolved definition.
type collDef struct {
	dimension int // 0: no vector
	metric    string
	allow     []string // nil: unset
	deny      []string // nil: unset
	defaultID string   // "" = plain UUIDv4 string
	options   map[string]any
}

// indexed reports whether a dotted (escaped) path is indexed.
func (d *collDef) indexed(path string) bool {
	under := func(list []string) bool {
		for _, p := range list {
			if p == "*" || p == path || strings.HasPrefix(path, p+".") {
				return true
			}
		}
		return false
	}
	if d.deny != nil {
		return !under(d.deny)
	}
	if d.allow != nil {
		return path == "_id" || under(d.allow)
	}
	return true
}

// parseCollDef validates createCollection options and returns the
// definition with its normalized options (defaults filled in).
func (s *Server) parseCollDef(opts map[string]any) (*collDef, *apiError) {
	d := &collDef{options: map[string]any{}}
	if v, ok := opts["vector"]; ok && v != nil {
		vm, ok := v.(map[string]any)
		if !ok {
			return nil, errf("INVALID_CREATE_COLLECTION_OPTIONS", "The provided options are invalid: 'vector' must be an object.")
		}
		for k := range vm {
			if k != "dimension" && k != "metric" && k != "sourceModel" && k != "service" {
				return nil, errf("COMMAND_FIELD_UNKNOWN", "Provided command field unknown: No \"%s\" field in \"vector\".", k)
			}
		}
		if vm["service"] != nil {
			return nil, errf("INVALID_CREATE_COLLECTION_OPTIONS",
				"The provided options are invalid: vectorize ('vector.service') is not supported by astratest.")
		}
		n, _ := vm["dimension"].(json.Number)
		dim, err := strconv.Atoi(string(n))
		if err != nil || dim <= 0 {
			return nil, errf("INVALID_CREATE_COLLECTION_OPTIONS",
				"The provided options are invalid: 'vector.dimension' must be a positive integer.")
		}
		if dim > s.cfg.limits.MaxVectorDimension {
			return nil, errf("VECTOR_SEARCH_TOO_BIG_VALUE",
				"Vector embedding property 'dimension' too big: %d (max %d).", dim, s.cfg.limits.MaxVectorDimension)
		}
		metric, model := metricCosine, "other"
		if m, ok := vm["metric"]; ok && m != nil {
			ms, _ := m.(string)
			if ms != metricCosine && ms != metricDot && ms != metricEuclidean {
				return nil, errf("UNKNOWN_VECTOR_METRIC", "Unknown vector metric %s: use one of cosine, euclidean, dot_product.",
					string(appendJSON(nil, m)))
			}
			metric = ms
		}
		if m, ok := vm["sourceModel"]; ok && m != nil {
			ms, _ := m.(string)
			if !sourceModels[ms] {
				return nil, errf("UNKNOWN_VECTOR_SOURCE_MODEL", "Unknown vector source model %s.", string(appendJSON(nil, m)))
			}
			model = ms
		}
		d.dimension, d.metric = dim, metric
		d.options["vector"] = map[string]any{"dimension": json.Number(strconv.Itoa(dim)), "metric": metric, "sourceModel": model}
	}
	if v, ok := opts["indexing"]; ok && v != nil {
		im, ok := v.(map[string]any)
		bad := errf("INVALID_INDEXING_DEFINITION",
			"Invalid indexing definition: 'indexing' needs exactly one of 'allow' or 'deny', an array of paths.")
		if !ok || len(im) != 1 {
			return nil, bad
		}
		for k, list := range im {
			arr, ok := list.([]any)
			if !ok || k != "allow" && k != "deny" {
				return nil, bad
			}
			paths := make([]string, 0, len(arr))
			for _, p := range arr {
				ps, ok := p.(string)
				if !ok || ps == "" {
					return nil, bad
				}
				paths = append(paths, ps)
			}
			if k == "allow" {
				d.allow = paths
			} else {
				d.deny = paths
			}
		}
		d.options["indexing"] = im
	}
	if v, ok := opts["defaultId"]; ok && v != nil {
		dm, _ := v.(map[string]any)
		t, _ := dm["type"].(string)
		if dm == nil || len(dm) != 1 || !defaultIDTypes[t] {
			return nil, errf("INVALID_CREATE_COLLECTION_OPTIONS",
				"The provided options are invalid: 'defaultId.type' must be one of uuid, uuidv6, uuidv7, objectId.")
		}
		d.defaultID = t
		d.options["defaultId"] = dm
	}
	for _, k := range []string{"lexical", "rerank"} {
		if v, ok := opts[k]; ok && v != nil {
			d.options[k] = v
		}
	}
	return d, nil
}

func (s *Server) createCollection(x *exec) *result {
	name, err := x.str("name")
	if err != nil {
		return fail(err)
	}
	if !validName(name) {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID",
			"Invalid collection name '%s': must match [A-Za-z][A-Za-z0-9_]* and be at most 48 characters.", name))
	}
	def, err := s.parseCollDef(x.opts)
	if err != nil {
		return fail(err)
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ks := s.db.keyspaces[x.rt.keyspace]
	if ks == nil {
		return fail(errf("UNKNOWN_KEYSPACE", "Unknown keyspace '%s', you must create it first.", x.rt.keyspace))
	}
	if old := ks[name]; old != nil {
		if valuesEqual(old.def.options, def.options) {
			return ok1()
		}
		return fail(errf("EXISTING_COLLECTION_DIFFERENT_SETTINGS",
			"Collection '%s' already exists but with settings different from the ones passed with 'createCollection' command.", name))
	}
	if s.db.countCollections() >= s.cfg.limits.MaxCollections {
		return fail(errf("TOO_MANY_COLLECTIONS",
			"Too many collections: number of collections in database cannot exceed %d, already have %d.",
			s.cfg.limits.MaxCollections, s.db.countCollections()))
	}
	ks[name] = newCollection(name, def)
	return ok1()
}

func (s *Server) findCollections(x *exec) *result {
	explain, err := x.optBool("explain")
	if err != nil {
		return fail(err)
	}
	s.db.mu.RLock()
	ks := s.db.keyspaces[x.rt.keyspace]
	names := make([]string, 0, len(ks))
	for n := range ks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]any, len(names))
	for i, n := range names {
		if explain {
			out[i] = obj{{"name", n}, {"options", ks[n].def.options}}
		} else {
			out[i] = n
		}
	}
	s.db.mu.RUnlock()
	return &result{status: obj{{"collections", out}}}
}

func (s *Server) deleteCollection(x *exec) *result {
	name, err := x.str("name")
	if err != nil {
		return fail(err)
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	delete(s.db.keyspaces[x.rt.keyspace], name)
	return ok1()
}

// deprecated adds the DEPRECATED_COMMAND warning to the *Namespace aliases.
func deprecated(x *exec, res *result, replacement string) *result {
	if strings.HasSuffix(x.name, "Namespace") || strings.HasSuffix(x.name, "Namespaces") {
		res.warnings = append(res.warnings, errf("DEPRECATED_COMMAND",
			"The deprecated command '%s' was used instead of '%s'.", x.name, replacement))
	}
	return res
}

func (s *Server) createKeyspace(x *exec) *result {
	name, err := x.str("name")
	if err != nil {
		return fail(err)
	}
	if !validName(name) {
		return fail(errf("COMMAND_FIELD_VALUE_INVALID", "Invalid keyspace name '%s'.", name))
	}
	s.db.mu.Lock()
	if s.db.keyspaces[name] == nil {
		s.db.keyspaces[name] = map[string]*collection{}
	}
	s.db.mu.Unlock()
	return deprecated(x, ok1(), "createKeyspace")
}

func (s *Server) dropKeyspace(x *exec) *result {
	name, err := x.str("name")
	if err != nil {
		return fail(err)
	}
	s.db.mu.Lock()
	delete(s.db.keyspaces, name)
	s.db.mu.Unlock()
	return deprecated(x, ok1(), "dropKeyspace")
}

func (s *Server) findKeyspaces(x *exec) *result {
	s.db.mu.RLock()
	names := make([]any, 0, len(s.db.keyspaces))
	for n := range s.db.keyspaces {
		names = append(names, n)
	}
	s.db.mu.RUnlock()
	sort.Slice(names, func(i, j int) bool { return names[i].(string) < names[j].(string) })
	key := "keyspaces"
	if x.name == "findNamespaces" {
		key = "namespaces"
	}
	return deprecated(x, &result{status: obj{{key, names}}}, "findKeyspaces")
}
