package graphrag_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// corpusDir is the demo corpus of examples/graphrag.
const corpusDir = "../examples/graphrag/corpus"

// corpusGraph is the demo corpus turned into a graph by simple rules, as a
// stand-in for the ingest pipeline: one chunk per document, entities found
// by the ontology's gazetteer and patterns, a relation wherever a sentence
// names two entities of the relation's source and target types with one of
// its cue words between them.
type corpusGraph struct {
	chunks []kg.Chunk
	nodes  []kg.Node
	edges  []kg.Edge
}

type mention struct {
	start, end int
	typ, name  string
}

func buildCorpus(t testing.TB) corpusGraph {
	t.Helper()
	ont, err := kg.LoadOntology(filepath.Join(corpusDir, "ontology.yaml"))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(corpusDir, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sort.Strings(files)
	emb := lexical.New()

	var g corpusGraph
	nodes := map[string]*kg.Node{}
	var nodeOrder []string
	edges := map[string]*kg.Edge{}
	var edgeOrder []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(b)
		doc := strings.TrimSuffix(filepath.Base(f), ".md")
		chunkID := doc + "#0"
		g.chunks = append(g.chunks, kg.Chunk{ID: chunkID, DocumentID: doc, Text: text, Start: 0, End: len(text)})
		for _, sp := range extract.Sentences(text) {
			sent := text[sp.Start:sp.End]
			ms := findMentions(ont, sent)
			for _, m := range ms {
				id := m.typ + ":" + m.name
				n, ok := nodes[id]
				if !ok {
					n = &kg.Node{ID: id, Type: m.typ, Name: m.name}
					nodes[id] = n
					nodeOrder = append(nodeOrder, id)
				}
				if !slices.Contains(n.ChunkIDs, chunkID) {
					n.ChunkIDs = append(n.ChunkIDs, chunkID)
				}
			}
			lower := strings.ToLower(sent)
			for _, rt := range ont.RelationTypes {
				for i, a := range ms {
					for _, b := range ms[i+1:] {
						// The cue must stand between the two names.
						between := lower[a.end:b.start]
						if !slices.ContainsFunc(rt.Examples, func(cue string) bool { return strings.Contains(between, strings.ToLower(cue)) }) {
							continue
						}
						from, to := a, b
						if !(slices.Contains(rt.Source, a.typ) && slices.Contains(rt.Target, b.typ)) {
							if !(slices.Contains(rt.Source, b.typ) && slices.Contains(rt.Target, a.typ)) {
								continue
							}
							from, to = b, a
						}
						fid, tid := from.typ+":"+from.name, to.typ+":"+to.name
						if fid == tid {
							continue
						}
						id := kg.EdgeID(fid, rt.Name, tid)
						e, ok := edges[id]
						if !ok {
							e = &kg.Edge{ID: id, From: fid, To: tid, Type: rt.Name}
							edges[id] = e
							edgeOrder = append(edgeOrder, id)
						}
						if !slices.Contains(e.ChunkIDs, chunkID) {
							e.ChunkIDs = append(e.ChunkIDs, chunkID)
						}
					}
				}
			}
		}
	}
	for _, id := range nodeOrder {
		n := nodes[id]
		n.Embedding = emb.Vector(graphrag.NodeText(*n))
		g.nodes = append(g.nodes, *n)
	}
	for _, id := range edgeOrder {
		g.edges = append(g.edges, *edges[id])
	}
	return g
}

// findMentions returns the entity names in sent, longest first where they
// overlap, in text order.
func findMentions(ont *kg.Ontology, sent string) []mention {
	var all []mention
	for _, et := range ont.EntityTypes {
		for _, ex := range et.Examples {
			re := regexp.MustCompile(`\b` + regexp.QuoteMeta(ex) + `\b`)
			for _, loc := range re.FindAllStringIndex(sent, -1) {
				all = append(all, mention{loc[0], loc[1], et.Name, ex})
			}
		}
		for _, re := range ont.Patterns(et.Name) {
			for _, loc := range re.FindAllStringIndex(sent, -1) {
				all = append(all, mention{loc[0], loc[1], et.Name, sent[loc[0]:loc[1]]})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].end-all[i].start > all[j].end-all[j].start })
	var kept []mention
	for _, m := range all {
		if !slices.ContainsFunc(kept, func(k mention) bool { return m.start < k.end && k.start < m.end }) {
			kept = append(kept, m)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	return kept
}

// load writes g into st.
func (g corpusGraph) load(t testing.TB, st kg.Store) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.UpsertChunks(ctx, g.chunks))
	require.NoError(t, st.UpsertNodes(ctx, g.nodes))
	require.NoError(t, st.UpsertEdges(ctx, g.edges))
}

type expectation struct {
	Question       string   `json:"question"`
	Hops           int      `json:"hops"`
	Sources        []string `json:"sources"`
	AnswerContains []string `json:"answer_contains"`
}

func loadExpected(t testing.TB) []expectation {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	require.NoError(t, err)
	var exp []expectation
	require.NoError(t, json.Unmarshal(b, &exp))
	require.Len(t, exp, 8)
	return exp
}

// TestCorpusQuestions answers the demo corpus's sample questions offline
// on the embedded store: every answer holds the expected text, and its
// first sources are exactly the expected documents, for one- and two-hop
// questions. With a chat model, the context it is given holds the
// expected documents' chunks.
func TestCorpusQuestions(t *testing.T) {
	g := buildCorpus(t)
	st := openLocal(t)
	g.load(t, st)
	offline := engine(t, st)
	withModel := engine(t, st, graphrag.WithChatModel(echoModel{}, ""))

	for _, exp := range loadExpected(t) {
		t.Run(exp.Question, func(t *testing.T) {
			ans, err := offline.Query(t.Context(), exp.Question, nil)
			require.NoError(t, err)
			t.Logf("answer: %s\nsources: %v", ans.Text, ans.Sources)
			assert.True(t, ans.Offline)
			for _, want := range exp.AnswerContains {
				assert.Contains(t, ans.Text, want)
			}
			require.GreaterOrEqual(t, len(ans.Sources), len(exp.Sources))
			assert.ElementsMatch(t, exp.Sources, ans.Sources[:len(exp.Sources)])
			assert.LessOrEqual(t, len(ans.Citations), 3)
			assert.LessOrEqual(t, ans.Stats.ContextTokens, graphrag.DefaultTokenBudget)
			checkCited(t, ans)

			ans, err = withModel.Query(t.Context(), exp.Question, nil)
			require.NoError(t, err)
			assert.False(t, ans.Offline)
			var docs []string
			for _, it := range ans.Context {
				docs = append(docs, it.DocumentID)
			}
			for _, src := range exp.Sources {
				assert.Contains(t, docs, src)
			}
		})
	}
}

// echoModel is a ChatModel that answers with its prompt's first line.
type echoModel struct{}

func (echoModel) Chat(_ context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := req.Validate(); err != nil {
		return llm.ChatResponse{}, err
	}
	last := req.Messages[len(req.Messages)-1].Content
	first, _, _ := strings.Cut(last, "\n")
	return llm.ChatResponse{Message: llm.Assistant(first), FinishReason: llm.FinishStop}, nil
}

func (m echoModel) ChatStream(ctx context.Context, req llm.ChatRequest, fn func(llm.ChatDelta) error) (llm.ChatResponse, error) {
	return m.Chat(ctx, req)
}
