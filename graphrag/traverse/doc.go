// Package traverse retrieves nodes from a kg.Store by graph traversal: a
// vector search finds the start set, and a pluggable Strategy decides which
// discovered nodes become results and which are expanded along their links.
// It implements the traversal of the graph-rag reference
// (datastax/graph-rag's graph_retriever) on kgas stores, and imports only
// graphrag/kg.
//
//	link := traverse.Link("keywords", "keywords") // animals sharing a keyword
//	edges, err := traverse.MetadataEdges(nodes, link)
//	// handle err; then once: err = store.UpsertEdges(ctx, edges)
//	res, err := traverse.Run(ctx, store, queryEmbedding, traverse.NewMMR(),
//		traverse.WithEdges(link), traverse.WithSelectK(10), traverse.WithMaxDepth(2))
//	for _, r := range res {
//		fmt.Println(r.ID, r.Depth, r.Similarity, r.Score, r.Redundancy)
//	}
//
// # Links
//
// An EdgeSpec is either a metadata link, where node A links to node B when
// B's Target property equals or contains a value of A's Source property
// (MetadataEdges stores these links as edges for kg.Store.Neighbors), or a
// relation that follows the store's edges of one type. A link is followed at
// most once per traversal, and has the depth of the node that first
// followed it plus one.
//
// # Rounds
//
// Run starts from the start_k nodes most similar to the query (with the
// filter) and the initial roots, at depth 0. Each round the Strategy sees
// the newly discovered nodes, selects results and marks nodes for
// expansion through a Tracker (only nodes below the maximum depth, each
// once). The marked nodes' new links reach candidates; those that pass the
// filter and have an embedding are ranked by similarity to the query
// together with already discovered ones, the adjacent_k best are kept, and
// the new ones among them are the next round's discoveries. The traversal
// ends when select_k nodes are selected or a round marks nothing.
//
// # Strategies
//
// Eager selects and expands everything breadth-first. MMR picks by maximal
// marginal relevance, one expansion per marked pick, recording each pick's
// MMR score and redundancy. Scored ranks all discovered nodes by a Scorer.
// Other strategies implement Strategy and Selector.
//
// Run makes its store calls one after another in the calling goroutine and
// starts no goroutine; it checks ctx between rounds, and each store call
// takes ctx.
package traverse
