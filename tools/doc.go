// Package tools holds kgas's built-in tools, each a thin typed wrapper over
// another kgas package:
//
//   - vector_search: the k nodes of a graph store nearest to a text or a
//     vector, with a type and property filter (graphrag/kg.Store).
//   - astra_fetch: documents of an Astra DB collection by id, in input
//     order, one result per id (astra.Collection.FindByIDs).
//   - ontology_extractor: entities and relations of a text, constrained by
//     an ontology (graphrag/extract), through an LLM or offline rules.
//   - graph_query: a GraphRAG question answered with citations and the
//     step trace (graphrag.Engine.Query).
//
// Register adds every tool whose dependencies are given in Deps to a
// registry; the constructors (VectorSearch, AstraFetch, ...) build one tool
// for callers who register tools themselves. Every tool validates its input
// against the JSON Schema of its input struct before it runs and takes an
// optional configuration, validated by Initialize, whose keys are listed in
// the tool's config type (for example VectorSearchConfig). A configured
// tool must be initialized before use: call registry.InitializeAll with nil
// configs to take the defaults.
package tools
