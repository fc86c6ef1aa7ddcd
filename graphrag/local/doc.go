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
// User IDs map to keys in *_ids buckets.
//
//	meta                "version" -> 1, "dim" -> uint32 embedding dimension
//	nodes, edges,
//	chunks, docs        key -> record (binary, see below)
//	node_ids, edge_ids,
//	chunk_ids, doc_ids  user ID -> key
//	out                 fromKey | type | 0x00 | toID   | 0x00 | edgeKey -> ""
//	in                  toKey   | type | 0x00 | fromID | 0x00 | edgeKey -> ""
//	doc_chunks          uvarint(len(docID)) | docID | chunkKey -> ""
//	support             uvarint(len(chunkID)) | chunkID | 'n'|'e' | key -> ""
//
// So a node's edges of one type are one prefix scan of out or in, already
// ordered by the other node's ID; a document's chunks are one prefix scan of
// doc_chunks, and the nodes and edges a chunk supports one prefix scan of
// support. A node key is allocated when the node is first stored or first
// named by an edge, so edges may refer to nodes not stored yet.
//
// A record is a version byte followed by fields: strings as uvarint length
// and bytes, properties and metadata as JSON, embeddings as a uvarint
// dimension and little-endian float32 values.
//
// # Vector search
//
// Node embeddings live in memory in a vecindex.Index (exact cosine top-k
// over one contiguous normalised float32 matrix), rebuilt from the records
// on Open, beside a table of each embedded node's ID, type and properties,
// so VectorSearch filters with kg.Filter.Match without reading records from
// disk; only the k hits are read.
package local
