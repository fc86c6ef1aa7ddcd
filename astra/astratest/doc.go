// Package astratest is an in-process Astra DB Data API server (collections)
// for tests, benchmarks and offline development. It speaks the protocol
// described in the kgas reference (shared/reference/astra-data-api.md)
// closely enough that Data API clients written by others (astra-db-ts,
// astrapy, the kgas astra package) work against it unchanged.
//
//	srv, err := astratest.NewServer(astratest.WithToken("AstraCS:test"),
//		astratest.WithLatency(50*time.Millisecond))
//	if err != nil { ... }
//	defer srv.Close()
//	// ASTRA_DB_API_ENDPOINT=srv.URL(), keyspace "default_keyspace"
//
// # Transport
//
// Every command is POST {"<command>": {...}} with Content-Type
// application/json (anything else: HTTP 415 UNSUPPORTED_CONTENT_TYPE) to
// one of three levels, in the Astra shape /api/json/v1/{keyspace}/{collection}
// or the self-hosted shape /v1/{keyspace}/{collection}:
//
//   - database (/v1): createKeyspace, dropKeyspace, findKeyspaces (and the
//     deprecated *Namespace(s) aliases, answered with a DEPRECATED_COMMAND
//     warning in status.warnings);
//   - keyspace (/v1/{ks}): createCollection (vector dimension, metric and
//     sourceModel, indexing allow or deny, defaultId; idempotent when the
//     options match, EXISTING_COLLECTION_DIFFERENT_SETTINGS otherwise),
//     findCollections (names, or definitions with explain), deleteCollection;
//   - collection (/v1/{ks}/{coll}): insertOne, insertMany, find, findOne,
//     updateOne, updateMany, deleteOne, deleteMany, countDocuments,
//     estimatedDocumentCount, findOneAndUpdate, findOneAndReplace,
//     findOneAndDelete.
//
// With [WithToken], the Token header (or X-Cassandra-Token) must carry the
// token: HTTP 401 with MISSING_AUTHENTICATION_TOKEN or UNAUTHENTICATED_REQUEST
// otherwise. Unknown paths get 404, other methods 405, bodies over
// Limits.MaxBodyBytes 413. All other errors are HTTP 200 with an errors
// array of {id, family, scope, errorCode, title, message[, documentIds]}
// objects, possibly beside partial results.
//
// # Documents
//
// Documents are JSON objects; numbers keep their exact text, duplicate keys
// are rejected (REQUEST_NOT_JSON), field names may not be empty or start
// with '$' (except $vector and $lexical). _id may be a string, number,
// boolean, null, {"$date": ms}, {"$uuid": "..."} or {"$objectId": "..."};
// a missing _id is generated per the collection's defaultId (a plain UUIDv4
// string when unset). $date, $uuid and $objectId values round-trip
// ($date text is normalized to epoch milliseconds, uuids and objectIds to
// lower case). $vector is accepted as a number array or as
// {"$binary": base64 of big-endian float32} and returned as a number array,
// only when projected. Responses write _id first and the other fields in
// key order.
//
// # Reads
//
// Filters support implicit and explicit $eq (a scalar also matches an
// array holding it; an array needs an equal array), $ne, $in, $nin,
// $exists, $gt, $gte, $lt, $lte (numbers, strings, $date), $size, $all,
// $and, $or, $not, dotted paths with the &. and && escapes, and numeric
// array indexes. Projections are inclusions or exclusions (not mixed,
// except _id), {"*":1} and {"*":0}, and $slice; $vector is left out unless
// projected. Unsorted reads go in storage (insertion) order in pages of
// Limits.PageSize with an opaque nextPageState that is always present
// (null on the last page); limit spans pages. A $vector sort returns one
// page of at most Limits.MaxVectorSortLimit documents ordered by the
// collection metric's similarity (cosine (1+cos)/2, dot_product (1+dot)/2,
// euclidean 1/(1+d²), float32), with $similarity when includeSimilarity
// is set and status.sortVector when includeSortVector is set (which also
// suppresses nextPageState, as the real server does). A field sort is an
// in-memory sort returned as one page of min(limit, PageSize) documents.
// Any sort with a pageState is SORT_CLAUSE_INVALID.
//
// # Writes
//
// insertMany takes at most Limits.MaxInsertMany documents; ordered stops
// at the first failure (the rest SKIPPED), unordered tries each document;
// returnDocumentResponses selects documentResponses (OK, ERROR with
// errorsIdx, SKIPPED) over insertedIds. updateMany and deleteMany act on at
// most MaxUpdateMany/MaxDeleteMany documents and then answer moreData
// (updateMany also nextPageState, to send back as options.pageState);
// deleteMany with an empty filter truncates and answers -1.
// countDocuments stops at MaxCount with moreData. Update operators: $set,
// $unset, $inc, $mul, $min, $max, $push and $addToSet (with $each and
// $position), $pop, $pullAll, $rename, $currentDate, $setOnInsert; upserts
// start from the filter's equality conditions.
//
// # Testing aids
//
// [Server.Load] and [Server.CreateCollection] pre-load data without HTTP,
// [Server.Documents] reads it back, [Server.Stats] counts requests per
// command, errors per code, statuses, faults and in-flight requests.
// [WithLatency] and [WithJitter] delay responses without holding locks;
// [WithFaults] injects gateway statuses, 429s, server errors in 200
// bodies, connection resets and slow responses by ordinal, command and
// seeded probability. [WithLimits] lowers any limit for tests.
//
// The server binds loopback addresses only, keeps no package-level mutable
// state and never prints. The astra-local command (cmd/astra-local) runs
// it as a process.
package astratest
