// Package astrastore is a kg.Store on Astra DB (the Data API), through the
// kgas astra client: the path for users who outgrow the embedded store.
//
// # Collections
//
// Four collections, named with a prefix (default "kgas_"), are created on
// first write: {prefix}nodes (with $vector: the node embedding, at the
// store's dimension and metric), {prefix}edges, {prefix}chunks and
// {prefix}documents. The dimension is given up front (WithDimension) or
// learned from the first embedding. Nodes written before any embedding is
// known go to {prefix}nodes_plain (a collection without vectors: a vector
// collection cannot be created before its dimension is known); the first
// embedding creates {prefix}nodes, copies the plain collection's
// documents into it and drops it (an interrupted copy is finished by the
// next New).
//
// Document shapes:
//
//	nodes:     {_id, type, name?, properties?, chunk_ids?, has_embedding, $vector?}
//	edges:     {_id, from, to, type, properties?, chunk_ids?}
//	chunks:    {_id, document_id, text, start, end, embedding?}
//	documents: {_id, metadata?, content_hash?}
//
// # Writes
//
// Upserts merge exactly like kg.MergeNode and kg.MergeEdge: a batch is
// validated completely first (so an invalid batch sends nothing), the
// existing records are read by id (FindByIDs), merged in batch order, and
// written: records that did not exist with insertMany (chunked, every
// document carries its _id so chunks are retry-safe), records that did
// with one updateOne per record ({_id}, {$set: every field, $unset: the
// fields the new record lacks}, upsert), which is a replace. The client
// offers no findOneAndReplace, and delete+insert would make a record
// vanish for concurrent readers and lose it if the insert failed. The
// Data API has no multi-document transactions: once validation passed, a
// failure of the server in the middle of a write can leave part of the
// batch written (re-running the upsert converges, since it is
// idempotent). Writes of one Store are serialised (read-merge-write must
// not interleave); several processes writing the same records can lose
// merges.
//
// # Reads
//
// Nodes and Chunks use FindByIDs (_id lookups are never mixed with other
// filters: the Data API rejects _id inside $or). Neighbors sends
// {"from"|"to": {"$in": ids}} finds for batches of at most 100 ids (the
// server's $in limit), concurrently, and orders each node's edges by type,
// other node id, then edge id, before applying the limit. VectorSearch
// translates the kg.Filter into a Data API filter where it can (see
// Filter) and re-checks every hit with Filter.Match; when part of the
// filter stays on the client it asks for astra.MaxVectorSearchLimit
// candidates, so a search whose matching nodes lie beyond the 1000 nearest
// can return fewer than k hits. Scores come back from the Data API's
// (1+cos)/2 as cosines in [-1, 1].
//
// # Stats
//
// countDocuments stops at 1000 (astra.ServerCountLimit). Beyond it, Stats
// reports the server's estimatedDocumentCount for Documents, Chunks, Nodes
// and Edges (an estimate, possibly stale), and the lower bound 1000 for
// Embedded (no estimate exists for a filtered count).
package astrastore
