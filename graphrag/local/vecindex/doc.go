// Package vecindex holds the in-memory vector indexes of the embedded
// GraphRAG store: an exact index (Exact) and an approximate one (HNSW),
// both behind the Index interface so the store can pick one by size or
// option.
//
// Vectors are keyed by uint64 IDs (the store's internal keys) and compared
// by cosine similarity. Every vector is normalised to unit length when it is
// added, so a score is the dot product of two unit vectors, in [-1, 1].
//
// Zero vectors: a vector whose norm is zero (or a query whose norm is zero)
// is kept as all zeros and scores 0 against everything. It is a valid entry,
// not an error. Vectors containing NaN or ±Inf are rejected with
// ErrNonFinite.
//
// Ranking: hits are ordered by descending score; equal scores are ordered by
// ascending ID, so results are deterministic.
//
// Concurrency: each index allows many concurrent readers (Search, Len,
// Dimension, KeysDigest, WriteTo) and one writer at a time (Add, Delete,
// Rebuild, ReadFrom); the indexes guard themselves with a sync.RWMutex. The
// accept callback given to Search runs while the index holds its read lock,
// possibly from several goroutines at once: it must be safe for concurrent
// use and must not call the index's write methods.
//
// The dot-product kernel is github.com/viterin/vek (AVX2/FMA assembly) when
// the CPU supports it, and an 8-way unrolled Go loop otherwise.
package vecindex
