package llm

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// WithDiskCache adds a persistent layer: a bbolt file at path (created if
// missing) that outlives the process, so a re-run does not pay for vectors
// it already fetched. Default: none.
//
// Each entry is keyed by SHA-256 of model, dimension and text, and its
// value carries the model, the dimension and a CRC-32C checksum; an entry
// that fails any check is a miss (refetched and overwritten), never a
// vector. Vectors fetched in one upstream call are written in one
// transaction, committed (fsync) before they are handed out. Only one
// process may hold the file: opening waits up to a second for its lock.
func WithDiskCache(path string) CacheOption { return func(c *cacheConfig) { c.diskPath = path } }

const (
	diskBucket   = "kgas.llm.embeddings"
	diskVersion  = 1
	diskLockWait = time.Second
)

// diskKey is SHA-256 of the length-prefixed model, the dimension and the
// text: stable across processes.
type diskKey [sha256.Size]byte

type diskCache struct {
	db     *bolt.DB
	model  string
	dim    int
	prefix []byte // length-prefixed model and dimension, hashed before the text
	crc    *crc32.Table
}

func openDiskCache(path, model string, dim int) (*diskCache, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: diskLockWait})
	if err != nil {
		return nil, fmt.Errorf("llm: cached embedder: open disk cache %q: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(diskBucket))
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("llm: cached embedder: open disk cache %q: %w", path, err)
	}
	p := binary.AppendUvarint(nil, uint64(len(model)))
	p = append(p, model...)
	p = binary.AppendUvarint(p, uint64(dim))
	return &diskCache{db: db, model: model, dim: dim, prefix: p, crc: crc32.MakeTable(crc32.Castagnoli)}, nil
}

func (d *diskCache) key(text string) diskKey {
	h := sha256.New()
	h.Write(d.prefix)
	_, _ = io.WriteString(h, text)
	var k diskKey
	h.Sum(k[:0])
	return k
}

// get reads keys in one transaction: a vector per key, nil for a miss or a
// refused entry (counted in corrupt).
func (d *diskCache) get(keys []diskKey) (vecs [][]float32, corrupt int, err error) {
	vecs = make([][]float32, len(keys))
	err = d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(diskBucket))
		if b == nil {
			return fmt.Errorf("bucket %q missing", diskBucket)
		}
		for i := range keys {
			val := b.Get(keys[i][:])
			if val == nil {
				continue
			}
			if vecs[i] = d.decode(keys[i], val); vecs[i] == nil {
				corrupt++
			}
		}
		return nil
	})
	return vecs, corrupt, err
}

// put writes vecs under keys in one transaction.
func (d *diskCache) put(keys []diskKey, vecs [][]float32) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(diskBucket))
		if b == nil {
			return fmt.Errorf("bucket %q missing", diskBucket)
		}
		for i := range keys {
			if err := b.Put(keys[i][:], d.encode(keys[i], vecs[i])); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *diskCache) close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("llm: cached embedder: close disk cache: %w", err)
	}
	return nil
}

// Value layout (little endian):
//
//	version   1 byte
//	dimension uint32
//	model     uint16 length, bytes
//	vector    dimension × float32 bits
//	checksum  uint32 CRC-32C of the key and all bytes above
func (d *diskCache) encode(k diskKey, v []float32) []byte {
	b := make([]byte, 0, 1+4+2+len(d.model)+4*len(v)+4)
	b = append(b, diskVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(d.model)))
	b = append(b, d.model...)
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	sum := crc32.Update(crc32.Checksum(k[:], d.crc), d.crc, b)
	return binary.LittleEndian.AppendUint32(b, sum)
}

// decode returns the vector stored in val, or nil if val fails any check.
// It copies: val belongs to the transaction.
func (d *diskCache) decode(k diskKey, val []byte) []float32 {
	want := 1 + 4 + 2 + len(d.model) + 4*d.dim + 4
	if len(val) != want || val[0] != diskVersion {
		return nil
	}
	body, sum := val[:want-4], binary.LittleEndian.Uint32(val[want-4:])
	if crc32.Update(crc32.Checksum(k[:], d.crc), d.crc, body) != sum {
		return nil
	}
	if binary.LittleEndian.Uint32(body[1:]) != uint32(d.dim) ||
		binary.LittleEndian.Uint16(body[5:]) != uint16(len(d.model)) ||
		string(body[7:7+len(d.model)]) != d.model {
		return nil
	}
	raw := body[7+len(d.model):]
	v := make([]float32, d.dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}
