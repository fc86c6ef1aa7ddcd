package local

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// Record versions: 1 kept properties and metadata as JSON; 2 (written
// now) keeps them in the binary value encoding of props.go. Both are read.
const (
	recordVersionJSON = 1
	recordVersion     = 2
)

var errCorrupt = errors.New("local: corrupt record")

// enc appends record fields to a byte slice.
type enc struct{ b []byte }

func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }

func (e *enc) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *enc) vec(v []float32) {
	e.uvarint(uint64(len(v)))
	for _, f := range v {
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(f))
	}
}

// props appends m in the binary value encoding, after normalising it
// through JSON (so it reads back exactly as a JSON round trip would, and
// values JSON cannot hold fail here).
func (e *enc) props(m map[string]any) error {
	if len(m) == 0 {
		e.bytes(nil)
		return nil
	}
	js, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var norm any
	if err := json.Unmarshal(js, &norm); err != nil {
		return err
	}
	var tmp enc
	tmp.value(norm)
	e.bytes(tmp.b)
	return nil
}

// dec reads record fields; the first error sticks.
type dec struct {
	b   []byte
	err error
	ver byte // record version, set by version
}

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if uint64(len(d.b)) < n {
		d.err = errCorrupt
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *dec) str() string { return string(d.raw()) }

// strAs reads a string, returning known when the bytes equal it.
func (d *dec) strAs(known string) string {
	p := d.raw()
	if string(p) == known {
		return known
	}
	return string(p)
}

func (d *dec) strs() []string {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// littleEndian reports a little-endian CPU, where a stored vector is
// copied as bytes.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func (d *dec) vec() []float32 {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return nil
	}
	if uint64(len(d.b)) < 4*n {
		d.err = errCorrupt
		return nil
	}
	out := make([]float32, n)
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*n), d.b)
	} else {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[4*i:]))
		}
	}
	d.b = d.b[4*n:]
	return out
}

// props reads properties or metadata: JSON in version 1 records, the
// binary value encoding in version 2.
func (d *dec) props() map[string]any {
	p := d.raw()
	if d.err != nil || len(p) == 0 {
		return nil
	}
	if d.ver == recordVersionJSON {
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil {
			d.err = fmt.Errorf("%w: %v", errCorrupt, err)
		}
		return m
	}
	v, rest, err := decodeValue(p, 0)
	if err != nil || len(rest) != 0 {
		d.err = errCorrupt
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.err = errCorrupt
	}
	return m
}

func (d *dec) version() {
	if len(d.b) == 0 || (d.b[0] != recordVersion && d.b[0] != recordVersionJSON) {
		d.err = errCorrupt
		return
	}
	d.ver = d.b[0]
	d.b = d.b[1:]
}

func encodeNode(n *kg.Node) ([]byte, error) {
	e := enc{b: make([]byte, 0, 64+4*len(n.Embedding))}
	e.b = append(e.b, recordVersion)
	e.str(n.ID)
	e.str(n.Type)
	e.str(n.Name)
	if err := e.props(n.Properties); err != nil {
		return nil, err
	}
	e.vec(n.Embedding)
	e.strs(n.ChunkIDs)
	return e.b, nil
}

func decodeNode(b []byte) (*kg.Node, error) {
	d := dec{b: b}
	d.version()
	n := &kg.Node{ID: d.str(), Type: d.str(), Name: d.str()}
	n.Properties = d.props()
	n.Embedding = d.vec()
	n.ChunkIDs = d.strs()
	return n, d.err
}

func encodeEdge(x *kg.Edge) ([]byte, error) {
	e := enc{b: make([]byte, 0, 64)}
	e.b = append(e.b, recordVersion)
	e.str(x.ID)
	e.str(x.From)
	e.str(x.To)
	e.str(x.Type)
	if err := e.props(x.Properties); err != nil {
		return nil, err
	}
	e.strs(x.ChunkIDs)
	return e.b, nil
}

func decodeEdge(b []byte) (*kg.Edge, error) {
	x := &kg.Edge{}
	return x, decodeEdgeInto(x, b)
}

func decodeEdgeInto(x *kg.Edge, b []byte) error {
	return decodeEdgeKnown(x, b, "", "", "")
}

// decodeEdgeKnown is decodeEdgeInto reusing from, to and typ, strings the
// caller already holds, when the record's fields equal them (no
// allocation for those fields).
func decodeEdgeKnown(x *kg.Edge, b []byte, from, to, typ string) error {
	d := dec{b: b}
	d.version()
	*x = kg.Edge{ID: d.str(), From: d.strAs(from), To: d.strAs(to), Type: d.strAs(typ)}
	x.Properties = d.props()
	x.ChunkIDs = d.strs()
	return d.err
}

func encodeChunk(c *kg.Chunk) []byte {
	e := enc{b: make([]byte, 0, 32+len(c.Text)+4*len(c.Embedding))}
	e.b = append(e.b, recordVersion)
	e.str(c.ID)
	e.str(c.DocumentID)
	e.str(c.Text)
	e.uvarint(uint64(c.Start))
	e.uvarint(uint64(c.End))
	e.vec(c.Embedding)
	return e.b
}

func decodeChunk(b []byte) (*kg.Chunk, error) {
	d := dec{b: b}
	d.version()
	c := &kg.Chunk{ID: d.str(), DocumentID: d.str(), Text: d.str()}
	c.Start = int(d.uvarint())
	c.End = int(d.uvarint())
	c.Embedding = d.vec()
	return c, d.err
}

func encodeDocument(x *kg.Document) ([]byte, error) {
	e := enc{b: make([]byte, 0, 64)}
	e.b = append(e.b, recordVersion)
	e.str(x.ID)
	e.str(x.ContentHash)
	if err := e.props(x.Metadata); err != nil {
		return nil, err
	}
	return e.b, nil
}

func decodeDocument(b []byte) (*kg.Document, error) {
	d := dec{b: b}
	d.version()
	x := &kg.Document{ID: d.str(), ContentHash: d.str()}
	x.Metadata = d.props()
	return x, d.err
}

// u64 encodes a key big-endian, so keys sort in allocation order.
func u64(k uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), k) }

// lenPrefixed returns uvarint(len(s)) | s: an exact-match prefix for s.
func lenPrefixed(s string, extra int) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(s)+extra)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// adjKey is nodeKey | type | 0x00 | otherID | 0x00 | edgeKey.
func adjKey(node uint64, typ, other string, edge uint64) []byte {
	b := make([]byte, 0, 8+len(typ)+len(other)+10)
	b = binary.BigEndian.AppendUint64(b, node)
	b = append(b, typ...)
	b = append(b, 0)
	b = append(b, other...)
	b = append(b, 0)
	return binary.BigEndian.AppendUint64(b, edge)
}

// parseAdjKey splits an adjacency key; the type holds no 0x00 and the edge
// key is the last 8 bytes, so the other ID may hold anything.
func parseAdjKey(k []byte) (typ, other string, edge uint64, ok bool) {
	if len(k) < 8+1+1+8 {
		return "", "", 0, false
	}
	rest := k[8 : len(k)-9]
	for i, c := range rest {
		if c == 0 {
			return string(rest[:i]), string(rest[i+1:]), binary.BigEndian.Uint64(k[len(k)-8:]), true
		}
	}
	return "", "", 0, false
}
