// Package lexical is kgas's offline embedder: a deterministic,
// dependency-free [Embedder] used when no embedding provider is configured.
//
// It is lexical, not semantic. Two texts are close when they share words,
// pairs of consecutive content words, or pieces of words (character
// n-grams, which also catch inflections such as "run"/"running" and
// typos); it knows nothing about synonyms ("car" and "automobile" are as
// far apart as "car" and "banana") or about meaning beyond surface form.
// Use it for tests, offline development and as a fallback; use a provider
// embedder (llm/openai, llm/watsonx) for real retrieval quality. The test
// suite measures it on hand-written related and unrelated sentence pairs
// (see quality_test.go) and the figures are logged with go test -v.
//
// # Features
//
// A text is split into tokens: maximal runs of letters, digits and
// combining marks (unicode.IsLetter, unicode.IsDigit, unicode.IsMark),
// lower-cased with unicode.ToLower. Everything else separates tokens;
// invalid UTF-8 bytes are treated as separators. Three feature families
// are drawn from the tokens:
//
//   - word unigrams (each token, except English stop words by default);
//   - word bigrams of consecutive non-stop-word tokens (off by default,
//     see WithWordBigrams);
//   - character n-grams of each non-stop-word token wrapped in boundary
//     markers, '<' + token + '>', of 3 to 5 code points by default.
//
// When a text holds only stop words ("to be or not to be") they are used
// after all, so such a text is not embedded as the zero vector.
//
// Each feature's count tf becomes the weight 1+ln(tf) (sublinear TF). The
// features of each family are normalised together to unit length and
// scaled by the family's weight (words 1, bigrams 0.5, character n-grams
// 1), then summed into the vector by signed feature hashing: a feature's
// 64-bit hash (FNV-1a over its code points, seeded per family, finished
// with the fmix64 step of MurmurHash3) picks the coordinate from its high
// bits and the sign from a low bit, so colliding features cancel on
// average instead of piling up. The result is L2-normalised.
//
// Hashing is defined on code points and integer arithmetic only, and the
// floating-point steps are written so that they round the same everywhere
// (no fused multiply-add; 1+ln(tf) rounded to float32), so a text gets the
// same vector in every process, on every platform and in any batch; a test
// pins reference checksums.
//
// The empty text, and any text without letters, digits or marks, is the
// zero vector (norm 0, not 1): callers computing cosine similarity must
// treat it as "no information".
//
// # Model names
//
// [Embedder.Model] is "kgas-lexical-v1-<dimension>" for the default
// features (e.g. "kgas-lexical-v1-384") and gains a suffix naming the
// feature options otherwise, so caches keyed by model and dimension never
// mix vectors from different configurations.
package lexical
