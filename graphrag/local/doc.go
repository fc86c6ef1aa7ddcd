// Package local is the embedded default kg.Store of kgas: one bbolt file on
// disk, zero set-up, an in-memory vector index, batch fetches and
// neighbour scans.
//
// # Durability and concurrency
//
// Every upsert and DeleteDocument is one bbolt read-write transaction,
// committed with fsync before the call returns (unless WithNoSync, meant for
// benchmarks only): a write is durable when the call returns, and a batch is
// applied completely or not at all. There is one writer at a time and any
// number of concurrent readers. The file is locked (flock) while a Store is
// open; a second Open of the same file, from this or another process, waits
// WithTimeout and then fails with an error matching ErrLocked.
//
// # On-disk layout
//
// Records are keyed by internal uint64 keys (8 bytes, big-endian), taken
// from a per-bucket sequence so bulk loads append at the end of the B+tree.
// User IDs map to keys in *_ids buckets; node_ids is also mirrored in
// memory (rebuilt on Open, updated after each commit), so reads resolve node
// IDs without a B+tree lookup.
//
//	meta                "version" -> 2, "dim" -> uint32 embedding dimension
//	nodes, edges,
//	chunks, docs        key -> record (binary, see below)
//	node_ids, edge_ids,
//	chunk_ids, doc_ids  user ID -> key
//	out                 fromKey | type | 0x00 | toID   | 0x00 | edgeKey -> edge record
//	in                  toKey   | type | 0x00 | fromID | 0x00 | edgeKey -> edge record
//	doc_chunks          uvarint(len(docID)) | docID | chunkKey -> ""
//	support             uvarint(len(chunkID)) | chunkID | 'n'|'e' | key -> ""
//
// So a node's edges of one type are one prefix scan of out or in, already
// ordered by the other node's ID, and yields the edges themselves (each
// edge record is stored three times: in edges and as the value of its two
// adjacency entries; layout 1 files, with empty values, are migrated on
// Open); a document's chunks are one prefix scan of
// doc_chunks, and the nodes and edges a chunk supports one prefix scan of
// support. A node key is allocated when the node is first stored or first
// named by an edge, so edges may refer to nodes not stored yet.
//
// A record is a version byte followed by fields: strings as uvarint length
// and bytes, properties and metadata in a tagged binary encoding of the
// JSON value (normalised through encoding/json on write, so they read back
// as a JSON round trip would; version 1 records, with JSON, are still read),
// embeddings as a uvarint dimension and little-endian float32 values.
//
// # Vector search
//
// Node embeddings live in memory in a vecindex.Index (exact cosine top-k
// over one contiguous normalised float32 matrix), rebuilt from the records
// on Open, beside a table of each embedded node's ID, type and properties,
// so VectorSearch filters with kg.Filter.Match without reading records from
// disk; only the k hits are read.
//
// WithIndex chooses the index: IndexExact (vecindex.Exact, the default),
// IndexHNSW (vecindex.HNSW, approximate), or IndexAuto, which uses HNSW
// when the store holds more than DefaultHNSWThreshold (50,000) nodes at
// Open. HNSW is not the default because its first build is slow (measured:
// the first Open of a 100k-node store took 70 s with IndexAuto, later ones
// 0.94 s from the snapshot; the exact index rebuilds in about a second). An HNSW index is written on Close to Path()+".hnsw" (temporary file,
// fsync, rename) and loaded by the next Open only when its key count and
// KeysDigest match the embedded node records; otherwise it is rebuilt. Open
// removes the snapshot once read, so after a crash (or any Open that does
// not end in a clean Close) the next Open rebuilds instead of trusting
// vectors that may have changed since.
//
// # Measured figures
//
// On the 2-core development machine, 100,000 nodes with 384-dimension
// embeddings and 1,000,000 edges (BenchmarkRead100k, store built once with
// WithNoSync):
//
//	go test -run '^$' -bench Read100k -benchtime 3s -count 2 -benchmem ./graphrag/local/
//
//	Nodes of 1,000 random IDs        2.3-3.0 ms/op (target <= 3 ms)
//	Neighbors of one node, 10 edges  p50 8.2 µs, p99 31 µs, mean 12 µs (target p50 <= 10 µs)
//	Neighbors, Both, ~20 edges       p50 19-22 µs, mean 27-30 µs
package local
