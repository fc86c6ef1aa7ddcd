// Package kg is the knowledge-graph model of kgas: nodes, edges, chunks and
// documents, the Ontology that constrains them, and the Store interface
// every graph store implements (the embedded default in graphrag/local,
// Astra DB in graphrag/astrastore, or your own).
//
// It is a leaf: extraction, stores and pipelines import it, and it imports
// nothing of kgas, so no import cycle can form. graphrag/kg/kgtest holds the
// conformance suite a Store implementation runs.
//
// Upserts are idempotent by ID and merge: a node or edge upserted again
// keeps the union of its source chunks, its properties are overlaid (new
// values win), and its type, name and embedding are replaced when the new
// record sets them. So the same entity found in two documents is one node
// supported by both, and deleting one document keeps it.
package kg
