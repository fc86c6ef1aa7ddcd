// Package extract is kgas's ontology-guided entity and relation extraction:
// chunking, prompts, concurrent LLM calls, robust parsing of replies,
// validation against the ontology, grounding of mentions, de-duplication
// and entity resolution; and an offline rule extractor driven by the same
// ontology. It imports graphrag/kg and llm only.
//
// # Extractors
//
// Both extractors implement Extractor: Extract(ctx, Document) (*Result,
// error).
//
//   - NewLLMExtractor asks an llm.ChatModel. The ontology goes into the
//     request itself: the system prompt lists entity types (descriptions,
//     properties, examples) and relation types with their source → target
//     types, and by default (OutputSchema) the response format is a JSON
//     Schema whose enums are the entity types and, per relation type, its
//     allowed source and target types, so the model is constrained, not
//     merely filtered afterwards. Every chunk is in flight at once (bound
//     them with WithConcurrency); the model client paces them. An optional
//     gleaning pass (WithGleaning) asks for what was missed.
//   - NewRuleExtractor needs no model: gazetteers (EntityType.Examples),
//     regular expressions (EntityType.Patterns) and same-sentence
//     co-occurrence constrained by the relation types' domain and range,
//     disambiguated by cue words. It is what ingestion uses offline.
//
// # Chunking
//
// A Chunker splits text at sentence boundaries into chunks of at most
// Size bytes or runes, with an optional overlap. Offsets are byte offsets
// into the document; without overlap the chunks' texts concatenated are
// the document exactly, and with overlap their cores are.
//
// # From reply to result
//
// ParseReply accepts JSON alone, in code fences or inside prose, with
// trailing commas and other slips, cut short (complete items kept) or as
// several values (merged). Validation then, per chunk:
//
//   - maps types loosely ("WELL", "drilled by") to the ontology's names;
//   - prunes entities of unknown types, relations of unknown types,
//     relations outside their domain and range, entities missing a
//     required property (strict, the default), or keeps and flags them
//     (WithLenient); undeclared or ill-typed properties are dropped
//     (flagged when lenient); values are converted where lossless ("21.5"
//     to 21.5 for a number);
//   - flips a relation given in the wrong direction when the reverse is
//     valid (WithFlipReversed, default on; else it is invalid);
//   - prunes, in both modes, nameless entities, relations whose endpoints
//     are not extracted entities of the chunk, and self-loops;
//   - grounds each mention: the model's character offset is checked
//     against the chunk text and, when wrong, the mention is located
//     (nearest occurrence, then ignoring case, dashes and whitespace);
//     mentions that cannot be found are flagged. Offsets in the Result are
//     byte offsets in the document.
//
// Every pruned, flagged, flipped or corrected item is an Issue with its
// Reason; ChunkOutcome and Result.Counts count them. A chunk that fails
// never loses the others: its outcome carries the error.
//
// Entities are merged over the document by EntityID (type and normalised
// name), uniting mentions, properties, aliases and chunks; WithResolver adds
// fuzzy merging (Jaro–Winkler or trigram similarity, and/or embeddings),
// which compares candidates with a cluster's canonical entity only, so that
// merges never chain. Resolver.Resolve also resolves new entities against
// existing ones (a store's nodes, via EntityFromNode).
//
// Result.Nodes, Result.Edges and Result.KGChunks convert a result to the
// graph model.
//
// # Caching
//
// WithCache keeps model replies keyed by CacheKey (chunk text, ontology,
// model, output mode, gleaning, PromptVersion), so re-ingesting unchanged
// text costs no call. MemoryCache is an LRU, DirCache JSON files on disk.
// Identical chunks in flight at once share one request.
package extract
