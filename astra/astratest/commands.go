package astratest

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
)

// commandSpec describes one command: its handler and allowed fields.
type commandSpec struct {
	fields  []string // allowed top-level fields besides "options"
	options []string // allowed option keys; nil means no options accepted
	run     func(s *Server, x *exec) *result
}

// exec is one command being executed.
type exec struct {
	rt   route
	name string
	cmd  map[string]any
	opts map[string]any
	coll *collection // collection-level commands
}

var collectionCommands = map[string]commandSpec{
	"insertOne":              {[]string{"document"}, nil, (*Server).insertOne},
	"insertMany":             {[]string{"documents"}, []string{"ordered", "returnDocumentResponses"}, (*Server).insertMany},
	"find":                   {[]string{"filter", "projection", "sort"}, []string{"limit", "skip", "pageState", "includeSimilarity", "includeSortVector"}, (*Server).find},
	"findOne":                {[]string{"filter", "projection", "sort"}, []string{"includeSimilarity", "includeSortVector"}, (*Server).findOne},
	"updateOne":              {[]string{"filter", "update", "sort"}, []string{"upsert"}, (*Server).updateOne},
	"updateMany":             {[]string{"filter", "update"}, []string{"upsert", "pageState"}, (*Server).updateMany},
	"deleteOne":              {[]string{"filter", "sort"}, nil, (*Server).deleteOne},
	"deleteMany":             {[]string{"filter"}, nil, (*Server).deleteMany},
	"countDocuments":         {[]string{"filter"}, nil, (*Server).countDocuments},
	"estimatedDocumentCount": {nil, nil, (*Server).estimatedDocumentCount},
	"findOneAndUpdate":       {[]string{"filter", "update", "sort", "projection"}, []string{"returnDocument", "upsert", "includeSimilarity"}, (*Server).findOneAndUpdate},
	"findOneAndReplace":      {[]string{"filter", "replacement", "sort", "projection"}, []string{"returnDocument", "upsert", "includeSimilarity"}, (*Server).findOneAndReplace},
	"findOneAndDelete":       {[]string{"filter", "sort", "projection"}, []string{"includeSimilarity"}, (*Server).findOneAndDelete},
}

var keyspaceCommands = map[string]commandSpec{
	"createCollection": {[]string{"name"}, []string{"vector", "indexing", "defaultId", "lexical", "rerank"}, (*Server).createCollection},
	"findCollections":  {nil, []string{"explain"}, (*Server).findCollections},
	"deleteCollection": {[]string{"name"}, nil, (*Server).deleteCollection},
}

var databaseCommands = map[string]commandSpec{
	"createKeyspace":  {[]string{"name"}, []string{"replication"}, (*Server).createKeyspace},
	"dropKeyspace":    {[]string{"name"}, nil, (*Server).dropKeyspace},
	"findKeyspaces":   {nil, nil, (*Server).findKeyspaces},
	"createNamespace": {[]string{"name"}, []string{"replication"}, (*Server).createKeyspace},
	"dropNamespace":   {[]string{"name"}, nil, (*Server).dropKeyspace},
	"findNamespaces":  {nil, nil, (*Server).findKeyspaces},
}

// execute runs a parsed command at its route.
func (s *Server) execute(rt route, name string, cmd map[string]any) *result {
	table := [...]map[string]commandSpec{databaseCommands, keyspaceCommands, collectionCommands}[rt.depth]
	spec, ok := table[name]
	if !ok {
		return fail(errf("COMMAND_UNKNOWN", "Provided command unknown: \"%s\" not one of the commands of this endpoint.", name))
	}
	x := &exec{rt: rt, name: name, cmd: cmd}
	for k := range cmd {
		if k != "options" && !slices.Contains(spec.fields, k) {
			return fail(errf("COMMAND_FIELD_UNKNOWN", "Provided command field unknown: No \"%s\" field in \"%s\".", k, name))
		}
	}
	switch o := cmd["options"].(type) {
	case nil:
		x.opts = map[string]any{}
	case map[string]any:
		x.opts = o
	default:
		return fail(errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: '%s.options' must be an object.", name))
	}
	if spec.options == nil && len(x.opts) > 0 {
		return fail(errf("COMMAND_ACCEPTS_NO_OPTIONS", "Command accepts no options: \"%s\".", name))
	}
	keys := make([]string, 0, len(x.opts))
	for k := range x.opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(spec.options, k) {
			return fail(errf("COMMAND_FIELD_UNKNOWN", "Provided command field unknown: No option \"%s\" for \"%s\".", k, name))
		}
	}
	if rt.depth >= 1 {
		ks := s.db.keyspace(rt.keyspace)
		if ks == nil {
			return fail(errf("UNKNOWN_KEYSPACE", "Unknown keyspace '%s', you must create it first.", rt.keyspace))
		}
	}
	if rt.depth == 2 {
		x.coll = s.db.collection(rt.keyspace, rt.collection)
		if x.coll == nil {
			return fail(errf("UNKNOWN_COLLECTION_OR_TABLE",
				"Collection or table does not exist: no collection or table '%s' in keyspace '%s'.", rt.collection, rt.keyspace))
		}
	}
	return spec.run(s, x)
}

// optBool reads a boolean option (absent or null: false).
func (x *exec) optBool(key string) (bool, *apiError) {
	switch v := x.opts[key].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	}
	return false, errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: option '%s' of '%s' must be a boolean.", key, x.name)
}

// optInt reads an integer option; ok is false when absent or null.
func (x *exec) optInt(key string) (int, bool, *apiError) {
	switch v := x.opts[key].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int(i), true, nil
		}
		if f, err := v.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			return int(f), true, nil
		}
	}
	return 0, false, errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: option '%s' of '%s' must be an integer.", key, x.name)
}

// optString reads a string option (absent or null: "").
func (x *exec) optString(key string) (string, *apiError) {
	switch v := x.opts[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: option '%s' of '%s' must be a string.", key, x.name)
}

// object reads an object field of the command (absent or null: nil).
func (x *exec) object(key string) (map[string]any, *apiError) {
	switch v := x.cmd[key].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	}
	return nil, errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: '%s.%s' must be an object.", x.name, key)
}

// str reads a string field of the command.
func (x *exec) str(key string) (string, *apiError) {
	if v, ok := x.cmd[key].(string); ok {
		return v, nil
	}
	return "", errf("REQUEST_STRUCTURE_MISMATCH", "Request invalid: '%s.%s' must be a string.", x.name, key)
}

// ok1 is the {"status":{"ok":1}} result.
func ok1() *result { return &result{status: obj{{"ok", 1}}} }
