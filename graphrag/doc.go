// Package graphrag is the GraphRAG engine of kgas: it answers questions
// from a knowledge graph held in a kg.Store (the embedded graphrag/local
// store, Astra DB through graphrag/astrastore, or your own).
//
// # Query
//
// Engine.Query runs each question as a graph of steps (graphrag/flow),
// every step starting the moment its inputs exist:
//
//	question → embed (cached) → vector search for seed nodes
//	  → in parallel: the seeds' source chunks, and the neighbours hop by hop
//	    (one batched Neighbors call per hop for the whole frontier, one Nodes
//	    call for the nodes it reached, one Chunks call for their chunks)
//	  → re-rank (cosine to the question, or MMR for diversity)
//	  → context within a token budget → answer
//
// With a chat model (WithChatModel) the answer is generated from numbered
// context items that carry their IDs; the model cites them as [c:<chunk>],
// [n:<node>] or [e:<edge>], and every citation is checked against the
// context (unknown ones are reported in Answer.InvalidCitations). Offline,
// the answer is extractive: the sentences and facts of the context that
// cover the question best, each with its source document, following the
// entities that link them for two-hop questions.
//
// The Answer carries the text, the citations and source documents, the
// context and sub-graph used, and the flow.Trace of the steps with the
// critical path.
//
//	eng, err := graphrag.New(store, lexical.New())
//	if err != nil { ... }
//	defer eng.Close()
//	ans, err := eng.Query(ctx, "Who operates the field that well 41/7-3 is located in?", nil)
//	fmt.Println(ans.Text, ans.Sources)
//
// Nodes are compared with the question through the embeddings of their
// NodeText, which ingest uses to embed them.
package graphrag
