package vecindex

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
)

// Snapshot format (little-endian), version 1:
//
//	magic "KGASHNSW" | version u32 | dim u32 | M u32 | efConstruction u32 |
//	efSearch u32 | seed u64 | nodes u64 | live u64 | maxLevel u32 |
//	entry i64 | rngLen u32 | rng state [rngLen]
//	per node: id u64 | deleted u8 | level u8 | vector [dim]f32 |
//	          per layer 0..level: count u32 | neighbours [count]u32
//	trailer: CRC-32C (Castagnoli) of every preceding byte, u32
const (
	snapshotMagic   = "KGASHNSW"
	snapshotVersion = 1
	maxSnapshotDim  = 1 << 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteTo writes a checksummed snapshot of the index to w. It implements
// io.WriterTo.
func (h *HNSW) WriteTo(w io.Writer) (int64, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(bw, crc)
	rng, err := h.pcg.MarshalBinary()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 0, 128)
	buf = append(buf, snapshotMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, snapshotVersion)
	for _, v := range []int{h.dim, h.cfg.M, h.cfg.EfConstruction, h.cfg.EfSearch} {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
	}
	buf = binary.LittleEndian.AppendUint64(buf, h.cfg.Seed)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(h.ids)))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(h.byID)))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(h.maxLevel))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(h.entry))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(rng)))
	buf = append(buf, rng...)
	if _, err := out.Write(buf); err != nil {
		return cw.n, err
	}
	for n := range h.ids {
		buf = buf[:0]
		buf = binary.LittleEndian.AppendUint64(buf, h.ids[n])
		var del byte
		if h.deleted[n] {
			del = 1
		}
		buf = append(buf, del, byte(len(h.links[n])-1))
		for _, f := range h.vec(uint32(n)) {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(f))
		}
		for _, list := range h.links[n] {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(list)))
			for _, nb := range list {
				buf = binary.LittleEndian.AppendUint32(buf, nb)
			}
		}
		if _, err := out.Write(buf); err != nil {
			return cw.n, err
		}
	}
	if _, err := bw.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return cw.n, err
	}
	err = bw.Flush()
	return cw.n, err
}

// snapReader reads exact byte counts, hashing them and counting them.
type snapReader struct {
	r   io.Reader
	crc hash.Hash32
	n   int64
	buf []byte
}

func (s *snapReader) read(n int, hashed bool) ([]byte, error) {
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	m, err := io.ReadFull(s.r, b)
	s.n += int64(m)
	if err != nil {
		return nil, fmt.Errorf("%w: truncated: %v", ErrCorrupt, err)
	}
	if hashed {
		s.crc.Write(b)
	}
	return b, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// ReadFrom replaces the index's contents with the snapshot read from r,
// consuming exactly the snapshot's bytes. A snapshot that is truncated,
// fails its CRC-32C, or is structurally invalid yields an error wrapping
// ErrCorrupt and leaves the index unchanged. It implements io.ReaderFrom.
func (h *HNSW) ReadFrom(r io.Reader) (int64, error) {
	sr := &snapReader{r: r, crc: crc32.New(castagnoli)}
	nh, err := readSnapshot(sr)
	if err != nil {
		return sr.n, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	nh.cfg.FloatSearch = h.cfg.FloatSearch // a search setting, not persisted
	h.dim, h.cfg, h.pcg, h.rng = nh.dim, nh.cfg, nh.pcg, nh.rng
	h.vecs, h.ids, h.links, h.deleted, h.byID = nh.vecs, nh.ids, nh.links, nh.deleted, nh.byID
	h.stride, h.q8, h.qrow = nh.stride, nh.q8, nh.qrow
	h.entry, h.maxLevel = nh.entry, nh.maxLevel
	return sr.n, nil
}

// LoadHNSW reads a snapshot written by WriteTo into a new index.
func LoadHNSW(r io.Reader) (*HNSW, error) {
	h := &HNSW{}
	if _, err := h.ReadFrom(r); err != nil {
		return nil, err
	}
	return h, nil
}

func readSnapshot(sr *snapReader) (*HNSW, error) {
	le := binary.LittleEndian
	b, err := sr.read(len(snapshotMagic)+4*5+8*3+4+8+4, true)
	if err != nil {
		return nil, err
	}
	if string(b[:8]) != snapshotMagic {
		return nil, corrupt("bad magic")
	}
	if v := le.Uint32(b[8:]); v != snapshotVersion {
		return nil, corrupt("unsupported version %d", v)
	}
	dim := int(le.Uint32(b[12:]))
	cfg := HNSWConfig{M: int(le.Uint32(b[16:])), EfConstruction: int(le.Uint32(b[20:])),
		EfSearch: int(le.Uint32(b[24:])), Seed: le.Uint64(b[28:])}
	nodes, live := le.Uint64(b[36:]), le.Uint64(b[44:])
	maxLevel := int(le.Uint32(b[52:]))
	entry := int64(le.Uint64(b[56:]))
	rngLen := int(le.Uint32(b[64:]))
	switch {
	case dim <= 0 || dim > maxSnapshotDim:
		return nil, corrupt("dimension %d out of range", dim)
	case cfg.M < 2 || cfg.M > 1<<12 || cfg.EfConstruction <= 0 || cfg.EfConstruction > 1<<20 ||
		cfg.EfSearch <= 0 || cfg.EfSearch > 1<<20:
		return nil, corrupt("parameters out of range")
	case nodes >= math.MaxUint32 || live > nodes:
		return nil, corrupt("counts %d/%d out of range", live, nodes)
	case maxLevel > maxLevelCap:
		return nil, corrupt("max level %d out of range", maxLevel)
	case (nodes == 0) != (entry == -1) || entry < -1 || entry >= int64(nodes):
		return nil, corrupt("entry %d invalid for %d nodes", entry, nodes)
	case rngLen > 64:
		return nil, corrupt("rng state too long")
	}
	rb, err := sr.read(rngLen, true)
	if err != nil {
		return nil, err
	}
	h := &HNSW{dim: dim}
	h.init(cfg)
	if err := h.pcg.UnmarshalBinary(rb); err != nil {
		return nil, corrupt("rng state: %v", err)
	}
	h.rng = rand.New(h.pcg)
	h.entry, h.maxLevel = entry, maxLevel
	pre := min(int(nodes), 1<<16) // grow with the data actually read
	h.ids = make([]uint64, 0, pre)
	h.deleted = make([]bool, 0, pre)
	h.links = make([][][]uint32, 0, pre)
	h.vecs = make([]float32, 0, pre*dim)
	for n := uint64(0); n < nodes; n++ {
		if err := h.readNode(sr, uint32(n), uint32(nodes)); err != nil {
			return nil, err
		}
	}
	if uint64(len(h.byID)) != live {
		return nil, corrupt("live count %d, header says %d", len(h.byID), live)
	}
	if entry >= 0 && len(h.links[entry])-1 != maxLevel {
		return nil, corrupt("entry level mismatch")
	}
	want := sr.crc.Sum32()
	tb, err := sr.read(4, false)
	if err != nil {
		return nil, err
	}
	if got := le.Uint32(tb); got != want {
		return nil, corrupt("checksum mismatch")
	}
	return h, nil
}

func (h *HNSW) readNode(sr *snapReader, node, nodes uint32) error {
	le := binary.LittleEndian
	b, err := sr.read(10+4*h.dim, true)
	if err != nil {
		return err
	}
	id, del, level := le.Uint64(b), b[8], int(b[9])
	if del > 1 || level > h.maxLevel {
		return corrupt("node %d: bad flags or level", node)
	}
	var ss float64
	for i := range h.dim {
		f := math.Float32frombits(le.Uint32(b[10+4*i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return corrupt("node %d: non-finite vector", node)
		}
		ss += float64(f) * float64(f)
		h.vecs = append(h.vecs, f)
	}
	if ss != 0 && math.Abs(ss-1) > 1e-3 {
		return corrupt("node %d: vector not normalised", node)
	}
	h.appendQuant(h.vecs[len(h.vecs)-h.dim:])
	h.ids = append(h.ids, id)
	h.deleted = append(h.deleted, del == 1)
	if del == 0 {
		if _, dup := h.byID[id]; dup {
			return corrupt("duplicate live id %d", id)
		}
		h.byID[id] = node
	}
	layers := make([][]uint32, level+1)
	for l := range layers {
		cb, err := sr.read(4, true)
		if err != nil {
			return err
		}
		cnt := int(le.Uint32(cb))
		if cnt > h.maxLinks(l) {
			return corrupt("node %d layer %d: %d links", node, l, cnt)
		}
		nb, err := sr.read(4*cnt, true)
		if err != nil {
			return err
		}
		list := make([]uint32, cnt, h.maxLinks(l)+1)
		for i := range list {
			list[i] = le.Uint32(nb[4*i:])
			if list[i] >= nodes || list[i] == node {
				return corrupt("node %d: bad link %d", node, list[i])
			}
		}
		layers[l] = list
	}
	h.links = append(h.links, layers)
	return nil
}
