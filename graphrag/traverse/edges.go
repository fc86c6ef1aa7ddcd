package traverse

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// IDField is the field name that stands for a node's ID in an EdgeSpec.
const IDField = "$id"

// EdgeSpec says which nodes a traversal links. It has two forms.
//
// A metadata link (Source and Target set, see Link): node A links to node B
// when B's Target property equals, or is an array holding, a scalar value of
// A's Source property. Each element of an array is a value of its own;
// objects (and objects inside arrays) make no links, and neither does a
// missing property. A field may be a dotted path into nested objects
// ("nested.a"), and IDField stands for the node's ID. The store holds the
// links as edges A→B of type EdgeType (MetadataEdges builds them), which the
// traversal reads with kg.Store.Neighbors; the link itself is the pair
// (Target, value), so each pair is followed once per traversal whichever
// node reached it first.
//
// A relation (Source and Target empty, Type set, see Relation): the store's
// edges of Type, in Direction, link a node to the node at their other end,
// and the link is that neighbour's ID.
type EdgeSpec struct {
	// Source is the property of the linking node (metadata links only).
	Source string
	// Target is the property of the linked node (metadata links only).
	Target string
	// Type is the kg edge type that holds the links. Default for a
	// metadata link: Source + "->" + Target. Required for a relation.
	Type string
	// Direction of the store edges a relation follows: kg.Outgoing (the
	// default), kg.Incoming or kg.Both. Metadata links always follow
	// outgoing edges, from Source to Target.
	Direction kg.Direction
}

// Link returns the metadata link from property source to property target,
// stored as edges of type source + "->" + target.
func Link(source, target string) EdgeSpec { return EdgeSpec{Source: source, Target: target} }

// Relation returns the spec that follows the store's edges of type typ in
// direction dir.
func Relation(typ string, dir kg.Direction) EdgeSpec { return EdgeSpec{Type: typ, Direction: dir} }

// IsRelation reports whether s follows plain store edges rather than
// metadata links.
func (s EdgeSpec) IsRelation() bool { return s.Source == "" && s.Target == "" }

// EdgeType returns the kg edge type holding s's links.
func (s EdgeSpec) EdgeType() string {
	if s.Type != "" || s.IsRelation() {
		return s.Type
	}
	return s.Source + "->" + s.Target
}

// Validate reports the first problem of s, naming the field as
// what.source, what.target, what.type or what.direction; the error matches
// kg.ErrInvalid.
func (s EdgeSpec) Validate(what string) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: traverse: %s.%s: %s", kg.ErrInvalid, what, field, fmt.Sprintf(format, args...))
	}
	switch {
	case s.IsRelation() && s.Type == "":
		return bad("type", "is empty (a relation needs an edge type; a metadata link needs source and target)")
	case !s.IsRelation() && s.Source == "":
		return bad("source", "is empty while target is %q", s.Target)
	case !s.IsRelation() && s.Target == "":
		return bad("target", "is empty while source is %q", s.Source)
	case s.Direction < kg.Outgoing || s.Direction > kg.Both:
		return bad("direction", "%d is not kg.Outgoing, kg.Incoming or kg.Both", s.Direction)
	case !s.IsRelation() && s.Direction != kg.Outgoing:
		return bad("direction", "a metadata link follows outgoing edges only")
	}
	return nil
}

// linkKey identifies a link: the target field and the canonical form of a
// value (relations use IDField and the neighbour's ID).
type linkKey struct {
	field, value string
}

func idKey(id string) linkKey { return linkKey{IDField, "s" + id} }

// fieldValues returns the scalar values of n's field (IDField: its ID),
// canonicalised; arrays give one value per scalar element.
func fieldValues(n *kg.Node, field string) []string {
	if field == IDField {
		return []string{"s" + n.ID}
	}
	v, ok := kg.Lookup(n.Properties, field)
	if !ok {
		return nil
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, el := range arr {
			if c, ok := canonical(el); ok {
				out = append(out, c)
			}
		}
		return out
	}
	if c, ok := canonical(v); ok {
		return []string{c}
	}
	return nil
}

// canonical returns a string that is equal for two scalars exactly when
// kg.Equal holds: strings and booleans by value, numbers by exact value
// whatever their Go type. Anything else (objects, arrays, nil, NaN, ±Inf)
// is not a scalar.
func canonical(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return "s" + x, true
	case bool:
		return "b" + strconv.FormatBool(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return "n" + strconv.FormatInt(int64(x), 10), true
		}
		return rat(new(big.Rat).SetFloat64(x))
	case float32:
		return rat(new(big.Rat).SetFloat64(float64(x)))
	case int:
		return "n" + strconv.FormatInt(int64(x), 10), true
	case int8:
		return "n" + strconv.FormatInt(int64(x), 10), true
	case int16:
		return "n" + strconv.FormatInt(int64(x), 10), true
	case int32:
		return "n" + strconv.FormatInt(int64(x), 10), true
	case int64:
		return "n" + strconv.FormatInt(x, 10), true
	case uint:
		return "n" + strconv.FormatUint(uint64(x), 10), true
	case uint8:
		return "n" + strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return "n" + strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return "n" + strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return "n" + strconv.FormatUint(x, 10), true
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return "", false
		}
		return rat(r)
	}
	return "", false
}

// rat formats an exact number; a nil r (NaN or ±Inf) is not a scalar.
func rat(r *big.Rat) (string, bool) {
	if r == nil {
		return "", false
	}
	return "n" + r.RatString(), true
}

// outgoing returns the links n makes through metadata spec s.
func outgoing(n *kg.Node, s EdgeSpec) []linkKey {
	vals := fieldValues(n, s.Source)
	out := make([]linkKey, len(vals))
	for i, v := range vals {
		out[i] = linkKey{s.Target, v}
	}
	return out
}

// incoming returns the links that reach n: one per scalar value of each
// metadata spec's target field, and n's ID (relations and IDField targets).
func incoming(n *kg.Node, specs []EdgeSpec) []linkKey {
	out := []linkKey{idKey(n.ID)}
	for _, s := range specs {
		if s.IsRelation() || s.Target == IDField {
			continue
		}
		for _, v := range fieldValues(n, s.Target) {
			out = append(out, linkKey{s.Target, v})
		}
	}
	return out
}

// MetadataEdges materialises metadata links as store edges: for each spec
// (in order) and each node A (in order), an edge A→B of type
// spec.EdgeType() for every other node B that A links to, in node order,
// with the ID kg.EdgeID(A, type, B). A node never links to itself. Write
// the result with kg.Store.UpsertEdges so that Run can follow the links.
// A value shared by m nodes makes m·(m−1) edges.
//
// It fails, naming the offending spec or node, when a spec is invalid or a
// relation, or when a node's ID is empty; the error matches kg.ErrInvalid.
func MetadataEdges(nodes []kg.Node, specs ...EdgeSpec) ([]kg.Edge, error) {
	for i, s := range specs {
		if err := s.Validate(fmt.Sprintf("specs[%d]", i)); err != nil {
			return nil, err
		}
		if s.IsRelation() {
			return nil, fmt.Errorf("%w: traverse: specs[%d]: relation %q has no metadata links to build", kg.ErrInvalid, i, s.Type)
		}
	}
	for i := range nodes {
		if nodes[i].ID == "" {
			return nil, fmt.Errorf("%w: traverse: nodes[%d].id is empty", kg.ErrInvalid, i)
		}
	}
	var edges []kg.Edge
	seen := map[string]bool{}
	for _, s := range specs {
		typ := s.EdgeType()
		targets := map[linkKey][]int{} // link → indexes of the nodes it reaches
		for j := range nodes {
			for _, v := range fieldValues(&nodes[j], s.Target) {
				k := linkKey{s.Target, v}
				if l := targets[k]; len(l) == 0 || l[len(l)-1] != j {
					targets[k] = append(l, j)
				}
			}
		}
		for i := range nodes {
			a := &nodes[i]
			var reach []int
			for _, k := range outgoing(a, s) {
				reach = append(reach, targets[k]...)
			}
			slices.Sort(reach) // node order
			for _, j := range slices.Compact(reach) {
				if nodes[j].ID == a.ID {
					continue
				}
				id := kg.EdgeID(a.ID, typ, nodes[j].ID)
				if !seen[id] {
					seen[id] = true
					edges = append(edges, kg.Edge{ID: id, From: a.ID, To: nodes[j].ID, Type: typ})
				}
			}
		}
	}
	return edges, nil
}
