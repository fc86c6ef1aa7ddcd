// Package astra is a client for the Astra DB Data API (collections), the
// JSON-over-HTTP API of DataStax Astra DB and of self-hosted Data API
// servers (HCD, DSE, Cassandra), and of astra/astratest for offline work.
//
// # Configuration
//
// New reads options first, then the environment for anything no option
// set (unless WithoutEnvironment):
//
//	ASTRA_DB_API_ENDPOINT       the endpoint, e.g. https://{db}-{region}.apps.astra.datastax.com
//	ASTRA_DB_APPLICATION_TOKEN  the token, sent as the Token header
//	ASTRA_DB_KEYSPACE           the keyspace (default "default_keyspace")
//
// Astra endpoints are addressed as {endpoint}/api/json/v1/{keyspace}/...,
// self-hosted Data API servers as {endpoint}/v1/{keyspace}/...
// EnvironmentAuto (the default) picks the Astra shape for hosts under
// astra.datastax.com (and the -dev/-test variants) and the self-hosted
// shape otherwise; an endpoint whose path already ends in /api/json/v1 or
// /v1 is used as given. WithEnvironment and WithAPIPath override it.
//
// The token is a secret: it travels only in the Token header (which
// apiclient redacts from its logs and hook events) and never appears in
// errors, logs or String output.
//
// # Transport and retries
//
// Every request goes through one *apiclient.Client: pacing, the
// concurrency bound, retries with backoff, the retry budget, the circuit
// breaker and timeouts all apply (WithAPIClient, WithAPIClientOptions).
//
// Retry-safety rule: a request is re-sent after a transport error, a
// timeout or a retryable HTTP status only when sending it twice cannot do
// anything that sending it once would not:
//
//   - reads and counts (find, findOne, countDocuments,
//     estimatedDocumentCount, findCollections) are always retried;
//   - insertOne and each insertMany chunk are retried only when every
//     document in that request carries an _id: a duplicate is then
//     rejected by the server (DOCUMENT_ALREADY_EXISTS) instead of being
//     stored twice. Documents without _id get a server-generated id, so a
//     re-sent request could store them twice: such requests are sent once;
//   - createCollection and deleteCollection are retried: the Data API
//     treats a repeated createCollection with identical settings, and a
//     repeated deleteCollection, as successes;
//   - updateOne, updateMany, deleteOne and deleteMany are never retried
//     ($inc and $push are not idempotent, and deleteOne with a filter that
//     matches several documents would delete a second one).
//
// Requests that must not be retried are marked with apiclient.WithoutRetry,
// so they still share the Client's pacing, concurrency bound and breaker.
// Beyond HTTP-level retries, a safe request whose answer carries a
// SERVER-family error saying "It is safe to retry this request" is re-sent
// up to twice after a short backoff.
//
// A retried insert can meet its own first attempt: if that attempt was
// applied but its answer was lost, the retry reports DOCUMENT_ALREADY_EXISTS
// for documents that were in fact inserted by it. Such failures are marked
// InsertFailure.AfterRetry (and APIError.Attempts > 1 for InsertOne) so
// callers can tell them apart.
//
// # Documents and values
//
// Documents are Document values (map[string]any). When decoding, numbers
// become float64 (integers beyond ±2^53 stay json.Number so no precision is
// lost), {"$date": ms} becomes time.Time (UTC), {"$uuid": s} a UUID and
// {"$objectId": s} an ObjectID, and $vector ([]float32) is read from either
// a number array or {"$binary": base64 of big-endian float32}. When
// encoding, time.Time becomes {"$date": ms}, UUID and ObjectID their
// wrappers, and a top-level $vector (or a $vector sort) of []float32 or
// []float64 is sent as {"$binary": ...} unless WithNumericVectors.
// Decode, FindAll and FindOneAs decode documents into the caller's types.
//
// # Errors
//
// An answer whose errors array is non-empty (the Data API answers most
// errors with HTTP 200) becomes an *APIError carrying the error code,
// family, scope, title, message and document ids; partial results (for
// insertMany, updateMany and deleteMany) are returned beside it. HTTP
// errors and transport failures are *apiclient.Error values (StatusCode 0
// for transport failures), matched with errors.As and the apiclient
// sentinels. Inputs rejected before sending give an *InvalidInputError
// naming the field (errors.Is(err, ErrInvalidInput)); malformed answers
// wrap ErrBadResponse. Warnings in status.warnings are logged at Warn and
// returned on results.
package astra
