package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

// The test document: one chunk per paragraph (each longer than half the
// chunk size), each scripted by its first word.
var scriptedChunks = []string{
	"Alpha: Well 15/9-19 SR was drilled by Statoil in 1993 and discovered the Volve field in the North Sea.",
	"Bravo: The Hugin Formation is the main reservoir of the Volve field, with porosity near 21 % in cores.",
	"Charlie: Wells 15/9-F-11 and 15/9-F-12 are located in the Volve field, and both were drilled by Statoil.",
	"Delta: Platform Volve-A supplies power to the Volve field, according to the Statoil press office today.",
	"Echo: Norsk Hydro drilled exploration well 25/8-4 in 1992, and the well discovered the Grane oil field.",
	"Foxtrot: Esso Norge drilled 15/9-13 in 1976; that well tested the Hugin Formation sandstones at depth.",
	"Golf: This chunk's request fails on the server every time, whatever the client does about that failure.",
	"Hotel: An unscripted chunk gets a reply generated from the JSON schema by the simulator, all by itself.",
}

const scriptedChunkSize = 160

func scriptedDoc() string { return strings.Join(scriptedChunks, "\n\n") }

// ent builds a reply entity whose mention is at the claimed character
// offset (the true one when claimed is -1).
func ent(chunk int, name, typ, text string, claimed int, props map[string]any) map[string]any {
	if claimed == -1 {
		claimed = strings.Index(scriptedChunks[chunk], text)
	}
	m := map[string]any{"name": name, "type": typ, "mentions": []any{map[string]any{"text": text, "start": claimed}}}
	if props != nil {
		m["properties"] = props
	}
	return m
}

func rel(src, srcType, typ, dst, dstType string) map[string]any {
	return map[string]any{"source": src, "source_type": srcType, "type": typ, "target": dst, "target_type": dstType}
}

func replyJSON(t testing.TB, ents []map[string]any, rels []map[string]any) string {
	b, err := json.Marshal(map[string]any{"entities": ents, "relations": rels})
	require.NoError(t, err)
	return string(b)
}

func scripts(t testing.TB) []llmtest.Script {
	a := replyJSON(t, []map[string]any{
		ent(0, "15/9-19 SR", "Well", "15/9-19 SR", -1, nil), ent(0, "Statoil", "Company", "Statoil", -1, nil),
		ent(0, "Volve", "Field", "Volve", -1, nil)},
		[]map[string]any{rel("15/9-19 SR", "Well", "drilled_by", "Statoil", "Company"), rel("15/9-19 SR", "Well", "discovered", "Volve", "Field")})
	b := "Sure! Here is the extraction:\n```json\n" + replyJSON(t, []map[string]any{
		ent(1, "Hugin Formation", "Formation", "Hugin Formation", -1, nil), ent(1, "Volve", "Field", "Volve", -1, nil),
		ent(1, "21 %", "Porosity", "21 %", -1, map[string]any{"value": "21"})},
		[]map[string]any{rel("Hugin Formation", "Formation", "reservoir_of", "Volve", "Field"),
			rel("Hugin Formation", "Formation", "has_porosity", "21 %", "Porosity")}) + "\n```\nLet me know if you need more."
	full := replyJSON(t, []map[string]any{
		ent(2, "15/9-F-11", "Well", "15/9-F-11", -1, nil), ent(2, "15/9-F-12", "Well", "15/9-F-12", -1, nil),
		ent(2, "Volve", "Field", "Volve", -1, nil)}, []map[string]any{rel("15/9-F-11", "Well", "located_in", "Volve", "Field")})
	c := full[:strings.Index(full, `"Volve"`)+4] // cut inside the third entity
	d := replyJSON(t, []map[string]any{
		ent(3, "Volve-A", "Platform", "Volve-A", -1, nil), ent(3, "Volve", "Field", "Volve", -1, nil),
		ent(3, "Statoil", "Company", "Statoil", -1, nil)},
		[]map[string]any{rel("Volve-A", "Platform", "supplies", "Volve", "Field"), rel("Statoil", "Company", "sponsors", "Volve", "Field"),
			rel("Statoil", "Company", "operates", "Volve", "Field")})
	e := replyJSON(t, []map[string]any{
		ent(4, "Norsk Hydro", "Company", "Norsk Hydro", -1, nil), ent(4, "25/8-4", "Well", "25/8-4", -1, nil),
		ent(4, "Grane", "Field", "Grane", -1, nil)},
		[]map[string]any{rel("Norsk Hydro", "Company", "drilled_by", "25/8-4", "Well"), rel("25/8-4", "Well", "discovered", "Grane", "Field")})
	f := replyJSON(t, []map[string]any{
		ent(5, "Esso Norge", "Company", "Esso Norge", -1, nil), ent(5, "15/9-13", "Well", "15/9-13", 0, nil),
		ent(5, "Hugin Formation", "Formation", "Hugin Formation", 3, nil),
		ent(5, "Heimdal Formation", "Formation", "Heimdal Formation", 40, nil)},
		[]map[string]any{rel("15/9-13", "Well", "drilled_by", "Esso Norge", "Company"), rel("15/9-13", "Well", "penetrates", "Hugin Formation", "Formation")})
	out := []llmtest.Script{
		{Match: "Alpha:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: a}},
		{Match: "Bravo:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: b}},
		{Match: "Charlie:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: c, FinishReason: "stop"}},
		{Match: "Delta:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: d}},
		{Match: "Echo:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: e}},
		{Match: "Foxtrot:", Times: llmtest.Forever, Reply: llmtest.Reply{Content: f}},
		{Match: "Golf:", Times: llmtest.Forever, Reply: llmtest.Reply{Error: &llmtest.ErrorReply{Status: 500, Message: "boom", Type: "server_error"}}},
	}
	return out
}

func startServer(t testing.TB, cfg llmtest.Config) *llmtest.Server {
	t.Helper()
	srv, err := llmtest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func newClient(t testing.TB, srv *llmtest.Server, opts ...apiclient.Option) *openai.Client {
	t.Helper()
	base := []apiclient.Option{apiclient.WithBackoff(time.Millisecond, 4*time.Millisecond), apiclient.WithMaxAttempts(3)}
	c, err := openai.New(openai.WithoutEnvironment(), openai.WithBaseURL(srv.URL()), openai.WithAPIKey("sim"),
		openai.WithAPIClientOptions(append(base, opts...)...))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func scriptedChunker(t testing.TB) *Chunker {
	ch, err := NewChunker(WithChunkSize(scriptedChunkSize))
	require.NoError(t, err)
	return ch
}

func hasIssue(res *Result, action Action, reason Reason, name string) bool {
	for _, is := range res.Issues {
		if is.Action == action && is.Reason == reason && is.Name == name {
			return true
		}
	}
	return false
}

func TestLLMExtractScripted(t *testing.T) {
	srv := startServer(t, llmtest.Config{Scripts: scripts(t)})
	x, err := NewLLMExtractor(newClient(t, srv), testOntology(t), WithChunker(scriptedChunker(t)))
	require.NoError(t, err)
	doc := scriptedDoc()
	res, err := x.Extract(context.Background(), Document{ID: "doc", Text: doc})
	require.NoError(t, err)
	require.Len(t, res.Chunks, len(scriptedChunks))
	require.Len(t, res.Outcomes, len(scriptedChunks))

	// The failed chunk is reported with its error; every other is kept.
	for i, o := range res.Outcomes {
		assert.Equal(t, i, o.Index)
		if i == 6 {
			assert.Equal(t, ChunkFailed, o.Status)
			var apiErr *llm.APIError
			require.ErrorAs(t, o.Err, &apiErr)
			assert.Equal(t, 500, apiErr.StatusCode)
			assert.Contains(t, o.Error, "boom")
			continue
		}
		assert.Equal(t, ChunkOK, o.Status, "chunk %d: %v", i, o.Err)
	}
	assert.Len(t, res.Failed(), 1)
	require.ErrorContains(t, res.Err(), "chunk doc#6")
	assert.Equal(t, 3, srv.Stats().Attempts.Max, "the failing chunk was retried")
	assert.True(t, res.Outcomes[2].Truncated)
	assert.Positive(t, res.Usage.PromptTokens)

	ents, rels := resultTriples(res)
	for _, want := range []string{"Well:15/9-19 SR", "Company:Statoil", "Field:Volve", "Formation:Hugin Formation", "Porosity:21 %",
		"Well:15/9-F-11", "Well:15/9-F-12", "Company:Norsk Hydro", "Well:25/8-4", "Field:Grane", "Company:Esso Norge", "Well:15/9-13"} {
		assert.Contains(t, ents, want)
	}
	assert.NotContains(t, ents, "Platform:Volve-A")
	for _, want := range []string{"15/9-19 SR -drilled_by-> Statoil", "15/9-19 SR -discovered-> Volve",
		"Hugin Formation -reservoir_of-> Volve", "Hugin Formation -has_porosity-> 21 %", "Statoil -operates-> Volve",
		"25/8-4 -drilled_by-> Norsk Hydro", "25/8-4 -discovered-> Grane", "15/9-13 -drilled_by-> Esso Norge",
		"15/9-13 -penetrates-> Hugin Formation"} {
		assert.Contains(t, rels, want)
	}
	assert.NotContains(t, rels, "15/9-F-11 -located_in-> Volve", "the truncated reply lost its relations")

	// Fenced reply: the porosity string became the declared number.
	p, ok := res.Entity(EntityID("Porosity", "21 %"))
	require.True(t, ok)
	assert.Equal(t, 21.0, p.Properties["value"])
	// Volve was merged over three chunks (the truncated reply lost it).
	v, _ := res.Entity(EntityID("Field", "Volve"))
	assert.Equal(t, []string{"doc#0", "doc#1", "doc#3"}, v.ChunkIDs)

	// Off-ontology items, reversed relation, wrong offsets.
	assert.True(t, hasIssue(res, ActionPruned, ReasonUnknownEntityType, "Volve-A"))
	assert.True(t, hasIssue(res, ActionPruned, ReasonMissingEndpoint, "Volve-A -supplies-> Volve"))
	assert.True(t, hasIssue(res, ActionPruned, ReasonUnknownRelationType, "Statoil -sponsors-> Volve"))
	assert.True(t, hasIssue(res, ActionFlipped, ReasonWrongDirection, "Norsk Hydro -drilled_by-> 25/8-4"))
	assert.True(t, hasIssue(res, ActionCorrected, ReasonOffsetMismatch, "15/9-13"))
	assert.True(t, hasIssue(res, ActionCorrected, ReasonOffsetMismatch, "Hugin Formation"))
	assert.True(t, hasIssue(res, ActionFlagged, ReasonUngrounded, "Heimdal Formation"))
	assert.Equal(t, map[Reason]int{ReasonUnknownEntityType: 1, ReasonMissingEndpoint: 1, ReasonUnknownRelationType: 1}, res.Outcomes[3].Pruned)
	assert.Equal(t, 1, res.Counts()[ActionFlipped][ReasonWrongDirection])
	for _, r := range res.Relations {
		if r.Type == "drilled_by" && r.From == EntityID("Well", "25/8-4") {
			assert.True(t, r.Flipped)
		}
	}

	// Every grounded mention's offsets point at its text in the document.
	for _, e := range res.Entities {
		for _, m := range e.Mentions {
			if m.Grounded {
				assert.Equal(t, m.Text, doc[m.Start:m.End], "%s in %s", e.ID, m.ChunkID)
			}
		}
	}
	w, _ := res.Entity(EntityID("Well", "15/9-13"))
	require.Len(t, w.Mentions, 1)
	assert.True(t, w.Mentions[0].Corrected)
	assert.Equal(t, res.Chunks[5].Start+strings.Index(scriptedChunks[5], "15/9-13"), w.Mentions[0].Start)

	checkGraph(t, res)
}

// checkGraph asserts that the result converts to valid graph records.
func checkGraph(t *testing.T, res *Result) {
	t.Helper()
	ont := testOntology(t)
	types := map[string]string{}
	for _, n := range res.Nodes() {
		require.NoError(t, n.Validate())
		require.NoError(t, ont.ValidateNode(&n))
		types[n.ID] = n.Type
	}
	for _, e := range res.Edges() {
		require.NoError(t, e.Validate())
		require.NoError(t, ont.ValidateEdge(&e, types[e.From], types[e.To]), e.ID)
	}
	for _, c := range res.KGChunks() {
		require.NoError(t, c.Validate())
		require.Equal(t, res.DocumentID, c.DocumentID)
	}
}

func TestLLMRequestCarriesOntology(t *testing.T) {
	x, err := NewLLMExtractor(newFake(nil), testOntology(t))
	require.NoError(t, err)
	req := x.Request("Some text.")
	require.NoError(t, req.Validate())
	assert.Equal(t, llm.FormatJSONSchema, req.ResponseFormat.Type)
	assert.Contains(t, req.Messages[0].Content, "drilled_by: Well -> Company")
	var schema map[string]any
	require.NoError(t, json.Unmarshal(req.ResponseFormat.Schema, &schema))
	items := schema["properties"].(map[string]any)["relations"].(map[string]any)["items"].(map[string]any)["anyOf"].([]any)
	require.Len(t, items, 8)
	first := items[0].(map[string]any)["properties"].(map[string]any)
	assert.Equal(t, []any{"drilled_by"}, first["type"].(map[string]any)["enum"])
	assert.Equal(t, []any{"Well"}, first["source_type"].(map[string]any)["enum"])
	assert.Equal(t, []any{"Company"}, first["target_type"].(map[string]any)["enum"])
	ents := schema["properties"].(map[string]any)["entities"].(map[string]any)["items"].(map[string]any)["anyOf"].([]any)
	require.Len(t, ents, 5) // one variant per entity type: some declare properties
	assert.True(t, req.ResponseFormat.Strict)

	for _, mode := range []OutputMode{OutputJSONObject, OutputPrompt} {
		x, err := NewLLMExtractor(newFake(nil), testOntology(t), WithOutputMode(mode))
		require.NoError(t, err)
		req := x.Request("Some text.")
		require.NoError(t, req.Validate(), mode)
		assert.Contains(t, req.Messages[0].Content, `"entities":[`, mode)
		assert.Nil(t, req.ResponseFormat.Schema, mode)
	}
}

func TestLLMExtractorOptions(t *testing.T) {
	ont := testOntology(t)
	tests := []struct {
		name string
		opts []Option
		err  string
	}{
		{"negative concurrency", []Option{WithConcurrency(-1)}, "WithConcurrency(-1)"},
		{"bad mode", []Option{WithOutputMode(OutputMode(9))}, "WithOutputMode(9)"},
		{"gleaning", []Option{WithGleaning(9)}, "WithGleaning(9)"},
		{"nil cache", []Option{WithCache(nil)}, "cache is nil"},
		{"nil chunker", []Option{WithChunker(nil)}, "chunker is nil"},
		{"temperature", []Option{WithTemperature(3)}, "WithTemperature(3)"},
		{"max tokens", []Option{WithMaxTokens(-5)}, "WithMaxTokens(-5)"},
		{"nil resolver", []Option{WithResolver(nil)}, "resolver is nil"},
		{"nil logger", []Option{WithLogger(nil)}, "logger is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLLMExtractor(newFake(nil), ont, tt.opts...)
			require.ErrorContains(t, err, tt.err)
		})
	}
	_, err := NewLLMExtractor(nil, ont)
	require.ErrorContains(t, err, "model is nil")
	_, err = NewLLMExtractor(newFake(nil), nil)
	require.ErrorContains(t, err, "ontology is nil")
	_, err = NewLLMExtractor(newFake(nil), &kg.Ontology{})
	require.ErrorContains(t, err, "entity_types")
	x, err := NewLLMExtractor(newFake(nil), ont)
	require.NoError(t, err)
	_, err = x.Extract(context.Background(), Document{Text: "x"})
	require.ErrorContains(t, err, "Document.ID")
}

// A 429 storm and an RPM limit during the run: the client paces and
// retries, nothing is lost.
func TestLLMExtractRateLimited(t *testing.T) {
	srv := startServer(t, llmtest.Config{
		Limits: llmtest.RateLimits{Requests: 4, Window: 400 * time.Millisecond},
		Faults: []llmtest.FaultRule{{Fault: llmtest.Fault{Kind: llmtest.FaultRateLimited, RetryAfter: 20 * time.Millisecond},
			FromRequest: 2, ToRequest: 3}},
		Scripts: []llmtest.Script{{Match: "Chunk", Times: llmtest.Forever,
			Reply: llmtest.Reply{Content: `{"entities":[{"name":"Volve","type":"Field"}],"relations":[]}`}}},
	})
	var paras []string
	for i := range 12 {
		paras = append(paras, fmt.Sprintf("Chunk %02d: the Volve field is mentioned in this paragraph, which is long enough to stand alone.", i))
	}
	ch, err := NewChunker(WithChunkSize(120))
	require.NoError(t, err)
	x, err := NewLLMExtractor(newClient(t, srv, apiclient.WithMaxAttempts(20)), testOntology(t), WithChunker(ch))
	require.NoError(t, err)
	res, err := x.Extract(context.Background(), Document{ID: "d", Text: strings.Join(paras, "\n\n")})
	require.NoError(t, err)
	require.Len(t, res.Outcomes, 12)
	for _, o := range res.Outcomes {
		require.Equal(t, ChunkOK, o.Status, "%s: %v", o.ChunkID, o.Err)
	}
	require.Len(t, res.Entities, 1)
	assert.Len(t, res.Entities[0].ChunkIDs, 12)
	st := srv.Stats()
	assert.Positive(t, st.Outcomes[llmtest.OutcomeRateLimitedRequests], "the run met 429s")
	assert.Equal(t, int64(12), st.Outcomes[llmtest.OutcomeOK])
}

func TestLLMExtractCancel(t *testing.T) {
	f := newFake(func(llm.ChatRequest) (string, error) { return "{}", nil })
	f.barrier = 3
	f.hold = make(chan struct{}) // never released: calls end with ctx
	x, err := NewLLMExtractor(f, testOntology(t), WithChunker(scriptedChunker(t)))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-f.full // every chunk is in flight
		cancel()
	}()
	res, err := x.Extract(ctx, Document{ID: "doc", Text: strings.Join(scriptedChunks[:3], "\n\n")})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	for _, o := range res.Outcomes {
		assert.Equal(t, ChunkFailed, o.Status)
		assert.True(t, errors.Is(o.Err, context.Canceled), o.Err)
	}
}

// Every output mode is accepted by an OpenAI-compatible server and its
// reply parsed.
func TestLLMOutputModes(t *testing.T) {
	reply := `{"entities":[{"name":"Volve","type":"Field"}],"relations":[]}`
	for _, mode := range []OutputMode{OutputSchema, OutputJSONObject, OutputPrompt} {
		t.Run(mode.String(), func(t *testing.T) {
			srv := startServer(t, llmtest.Config{Scripts: []llmtest.Script{{Match: "Volve", Reply: llmtest.Reply{Content: "```\n" + reply + "\n```"}}}})
			x, err := NewLLMExtractor(newClient(t, srv), testOntology(t), WithOutputMode(mode), WithTemperature(-1), WithMaxTokens(500))
			require.NoError(t, err)
			assert.Nil(t, x.Request("x").Temperature)
			res, err := x.Extract(context.Background(), Document{ID: "d", Text: "The Volve field."})
			require.NoError(t, err)
			require.NoError(t, res.Err())
			assert.Len(t, res.Entities, 1)
			assert.Equal(t, int64(1), srv.Stats().Outcomes[llmtest.OutcomeOK])
		})
	}
}

func TestLLMRequireGrounding(t *testing.T) {
	f := newFake(func(llm.ChatRequest) (string, error) {
		return `{"entities":[{"name":"Volve","type":"Field"},{"name":"Grane","type":"Field"}]}`, nil
	})
	for _, require_ := range []bool{false, true} {
		x, err := NewLLMExtractor(f, testOntology(t), WithRequireGrounding(require_))
		require.NoError(t, err)
		res, err := x.Extract(context.Background(), Document{ID: "d", Text: "Only the Volve field is named here."})
		require.NoError(t, err)
		ents, _ := resultTriples(res)
		if require_ {
			assert.Equal(t, []string{"Field:Volve"}, ents)
			assert.True(t, hasIssue(res, ActionPruned, ReasonUngrounded, "Grane"))
		} else {
			assert.Equal(t, []string{"Field:Volve", "Field:Grane"}, ents)
			g, _ := res.Entity(EntityID("Field", "Grane"))
			assert.Equal(t, []Mention{{ChunkID: "d#0", Text: "Grane", Start: -1, End: -1}}, g.Mentions)
		}
		assert.True(t, hasIssue(res, ActionFlagged, ReasonUngrounded, "Grane"))
	}
}
