package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/kgas-dev/kgas/astra/astratest"
	"github.com/kgas-dev/kgas/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// envOf is an environment made of kv only.
func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

type line struct {
	Question string          `json:"question"`
	Answer   string          `json:"answer"`
	Sources  []string        `json:"sources"`
	Trace    json.RawMessage `json:"trace"`
}

func runJSON(t *testing.T, env map[string]string, args ...string) []line {
	t.Helper()
	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), append(args, "-json"), envOf(env), &out, &errOut), errOut.String())
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var x line
		require.NoError(t, json.Unmarshal([]byte(l), &x), l)
		lines = append(lines, x)
	}
	return lines
}

type expectation struct {
	Question       string   `json:"question"`
	Sources        []string `json:"sources"`
	AnswerContains []string `json:"answer_contains"`
}

func checkAnswers(t *testing.T, lines []line) {
	t.Helper()
	b, err := os.ReadFile("corpus/expected.json")
	require.NoError(t, err)
	var exp []expectation
	require.NoError(t, json.Unmarshal(b, &exp))
	require.Len(t, lines, len(exp))
	for i, e := range exp {
		l := lines[i]
		assert.Equal(t, e.Question, l.Question)
		for _, want := range e.AnswerContains {
			assert.Contains(t, l.Answer, want, e.Question)
		}
		require.GreaterOrEqual(t, len(l.Sources), len(e.Sources), e.Question)
		assert.ElementsMatch(t, e.Sources, l.Sources[:len(e.Sources)], e.Question)
		assert.Contains(t, string(l.Trace), `"critical_path"`)
	}
}

// TestMainJob is the README's first command: the bundled corpus, offline,
// on the embedded store; the sample answers cite the right documents, and
// the second run reuses the store.
func TestMainJob(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kgas.db")
	checkAnswers(t, runJSON(t, nil, "-db", db))

	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-db", db, "-q", "Which operator runs the Sandfell field?"}, envOf(nil), &out, &errOut))
	assert.Contains(t, out.String(), "0 added, 0 updated, 50 unchanged, 0 failed")
	assert.Contains(t, out.String(), "A: The Sandfell field is operated by Greywater Offshore.")
	assert.Contains(t, out.String(), "Citations:")
	assert.Contains(t, out.String(), "critical embed -> search")
	assert.Contains(t, errOut.String(), "50/50 documents")

	out.Reset()
	require.NoError(t, run(t.Context(), []string{"-db", db, "-reset", "-q", "x"}, envOf(nil), &out, &errOut))
	assert.Contains(t, out.String(), "50 added")
}

// TestDefaultStorePath: without -db the store goes to the user cache
// directory, created on the first run (a fresh machine has none).
func TestDefaultStorePath(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "fresh-cache")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", t.TempDir())
	lines := runJSON(t, nil, "-q", "Which operator runs the Sandfell field?")
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0].Answer, "Greywater Offshore")
	matches, err := filepath.Glob(filepath.Join(cache, "kgas", "examples-graphrag", "*.db"))
	require.NoError(t, err)
	assert.Len(t, matches, 1, "the store is kept in the cache directory for the next run")
}

// TestOwnData: -data, -ontology, -questions.
func TestOwnData(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs")
	require.NoError(t, os.Mkdir(data, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(data, "ships.txt"), []byte("The ship Aurora was built by Kvist Yard in 1998.\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(data, "notes.md"), []byte("Kvist Yard is located in Bergen.\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(data, "ignored.csv"), []byte("a,b"), 0o644))
	ont := filepath.Join(dir, "ontology.yaml")
	require.NoError(t, os.WriteFile(ont, []byte(`entity_types:
  - name: Ship
    examples: [Aurora]
  - name: Yard
    examples: [Kvist Yard]
  - name: City
    examples: [Bergen]
relation_types:
  - name: BUILT_BY
    source: [Ship]
    target: [Yard]
    examples: [built by]
  - name: LOCATED_IN
    source: [Yard]
    target: [City]
    examples: [located in]
`), 0o644))
	qf := filepath.Join(dir, "q.txt")
	require.NoError(t, os.WriteFile(qf, []byte("# comment\nIn which city is the yard that built the ship Aurora located?\n\n"), 0o644))
	lines := runJSON(t, nil, "-db", filepath.Join(dir, "s.db"), "-data", data, "-ontology", ont, "-questions", qf)
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0].Answer, "Bergen")
	assert.ElementsMatch(t, []string{"ships", "notes"}, lines[0].Sources)
}

// TestAstraStore runs the main job on Astra DB's protocol (astratest).
func TestAstraStore(t *testing.T) {
	srv, err := astratest.NewServer(astratest.WithToken("AstraCS:test"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	env := map[string]string{"ASTRA_DB_API_ENDPOINT": srv.URL(), "ASTRA_DB_APPLICATION_TOKEN": "AstraCS:test"}
	checkAnswers(t, runJSON(t, env, "-store", "astra"))
	// Again, after -reset: the collections are dropped and filled anew.
	checkAnswers(t, runJSON(t, env, "-store", "astra", "-reset"))
}

// TestOpenAIPath wires -llm openai to an OpenAI-compatible server
// (llmtest: schema-shaped extraction replies, generated answers): the run
// completes and answers every question; the answers' content is the
// simulator's, so only their shape is checked.
func TestOpenAIPath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv, err := llmtest.NewServer(llmtest.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	env := map[string]string{"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": srv.URL()}
	lines := runJSON(t, env, "-db", filepath.Join(t.TempDir(), "o.db"), "-q", "Which operator runs the Sandfell field?")
	require.Len(t, lines, 1)
	assert.NotEmpty(t, lines[0].Answer)
	assert.Positive(t, srv.Stats().Received)
}

func TestBadInvocations(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"store", []string{"-store", "postgres"}, nil, `-store "postgres"`},
		{"llm", []string{"-llm", "claude"}, nil, `-llm "claude"`},
		{"astra without endpoint", []string{"-store", "astra"}, nil, "ASTRA_DB_API_ENDPOINT"},
		{"openai without key", []string{"-llm", "openai"}, nil, "OPENAI_API_KEY"},
		{"missing data", []string{"-data", "/nonexistent/dir"}, nil, "-data"},
		{"missing ontology", []string{"-ontology", "/nonexistent.yaml"}, nil, "-ontology"},
		{"missing questions", []string{"-questions", "/nonexistent.txt"}, nil, "-questions"},
		{"stray argument", []string{"what is porosity?"}, nil, "unexpected argument"},
		{"db with astra", []string{"-store", "astra", "-db", "x.db"}, nil, "-db is for -store local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			// Each fails before a store is opened.
			err := run(context.Background(), tc.args, envOf(tc.env), &out, &errOut)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// fakeEmb names a model for astraPrefix.
type fakeEmb struct {
	model string
	dim   int
}

func (f fakeEmb) Embed(context.Context, []string) ([][]float32, error) { return nil, nil }
func (f fakeEmb) Dimension() int                                       { return f.dim }
func (f fakeEmb) Model() string                                        { return f.model }

func TestAstraPrefix(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_]{0,36}$`)
	seen := map[string]string{}
	for _, e := range []fakeEmb{
		{"kgas-lexical-v1-384", 384}, {"text-embedding-3-small", 1536},
		{"sentence-transformers/all-MiniLM-L6-v2", 384}, {"model@v2+beta", 64},
		{"foo", 256}, {"foo-256-bar", 256}, {"foo_256", 256},
	} {
		p := astraPrefix(e)
		assert.Regexp(t, valid, p, e.model)
		assert.LessOrEqual(t, len(p)+len("nodes_plain"), 48, "collection names fit the Data API's 48")
		for other, q := range seen {
			assert.False(t, strings.HasPrefix(p, q) || strings.HasPrefix(q, p), "%s and %s share a prefix", e.model, other)
		}
		seen[e.model] = p
	}
}
