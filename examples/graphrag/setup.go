package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/astrastore"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local"
	"github.com/kgas-dev/kgas/llm"
	"github.com/kgas-dev/kgas/llm/lexical"
	"github.com/kgas-dev/kgas/llm/openai"
)

// loadDocuments reads the .md and .txt files of dir, or the bundled corpus
// when dir is "", sorted by name; a document's ID is its file name without
// the extension.
func loadDocuments(dir string) ([]graphrag.Document, error) {
	var fsys fs.FS = corpus
	root := "corpus/docs"
	if dir != "" {
		fsys, root = os.DirFS(dir), "."
	}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("-data: %w", err)
	}
	var docs []graphrag.Document
	seen := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || (ext != ".md" && ext != ".txt") {
			continue
		}
		id := strings.TrimSuffix(name, ext)
		if other, dup := seen[id]; dup {
			return nil, fmt.Errorf("-data: %s and %s would both be document %q", other, name, id)
		}
		seen[id] = name
		b, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(root, name)))
		if err != nil {
			return nil, fmt.Errorf("-data: %w", err)
		}
		docs = append(docs, graphrag.Document{ID: id, Text: string(b), Metadata: map[string]any{"file": name}})
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("-data %s: no .md or .txt files", dir)
	}
	return docs, nil
}

func loadOntology(path string) (*kg.Ontology, error) {
	if path == "" {
		b, err := corpus.ReadFile("corpus/ontology.yaml")
		if err != nil {
			return nil, err
		}
		return kg.ParseOntology(b)
	}
	o, err := kg.LoadOntology(path)
	if err != nil {
		return nil, fmt.Errorf("-ontology: %w", err)
	}
	return o, nil
}

// loadQuestions returns the -q questions, then those of -questions; with
// neither and no -data, the bundled sample questions.
func loadQuestions(c config) ([]string, error) {
	qs := slices.Clone(c.questions)
	var r io.Reader
	switch {
	case c.questionFile != "":
		b, err := os.ReadFile(c.questionFile)
		if err != nil {
			return nil, fmt.Errorf("-questions: %w", err)
		}
		r = bytes.NewReader(b)
	case len(qs) == 0 && c.dataDir == "":
		b, err := corpus.ReadFile("corpus/questions.txt")
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	if r != nil {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if q := strings.TrimSpace(sc.Text()); q != "" && !strings.HasPrefix(q, "#") {
				qs = append(qs, q)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("-questions: %w", err)
		}
	}
	return qs, nil
}

// app is what a run works with.
type app struct {
	engine  *graphrag.Engine
	where   string // the store, for messages
	closers []func() error
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
}

// open builds the models, the store and the engine the configuration asks
// for.
func open(ctx context.Context, c config, ont *kg.Ontology, env func(string) string, stderr io.Writer) (_ *app, err error) {
	a := &app{}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	var (
		emb   llm.Embedder
		ex    extract.Extractor
		gopts []graphrag.Option
	)
	switch c.llm {
	case "offline":
		emb = lexical.New()
		if ex, err = extract.NewRuleExtractor(ont); err != nil {
			return nil, fmt.Errorf("ontology: %w", err)
		}
	case "openai":
		if env("OPENAI_API_KEY") == "" {
			return nil, errors.New("-llm openai needs OPENAI_API_KEY")
		}
		opts, err := openaiOptions(env)
		if err != nil {
			return nil, err
		}
		model, err := openai.New(opts...)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, model.Close)
		cache, err := extract.NewDirCache(filepath.Join(cacheDir(), "extract-cache"))
		if err != nil {
			return nil, err
		}
		if ex, err = extract.NewLLMExtractor(model, ont, extract.WithCache(cache)); err != nil {
			return nil, err
		}
		emb = model
		gopts = append(gopts, graphrag.WithChatModel(model, ""))
	}
	st, where, err := openStore(ctx, c, emb, env, stderr)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, st.Close)
	a.where = where
	e, err := graphrag.New(st, emb, append(gopts, graphrag.WithExtractor(ex))...)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, e.Close)
	a.engine = e
	return a, nil
}

// openaiOptions configures the OpenAI client from env (the variables
// openai.New reads from the process environment, read here through env
// so that tests can give their own).
func openaiOptions(env func(string) string) ([]openai.Option, error) {
	opts := []openai.Option{openai.WithoutEnvironment(), openai.WithAPIKey(env("OPENAI_API_KEY"))}
	if v := env("OPENAI_BASE_URL"); v != "" {
		opts = append(opts, openai.WithBaseURL(v))
	}
	if v := env("OPENAI_ORG_ID"); v != "" {
		opts = append(opts, openai.WithOrganization(v))
	}
	if v := env("OPENAI_CHAT_MODEL"); v != "" {
		opts = append(opts, openai.WithChatModel(v))
	}
	if v := env("OPENAI_EMBEDDING_MODEL"); v != "" {
		opts = append(opts, openai.WithEmbeddingModel(v))
	}
	if v := env("OPENAI_EMBEDDING_DIMENSIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("OPENAI_EMBEDDING_DIMENSIONS %q: want a positive integer", v)
		}
		opts = append(opts, openai.WithEmbeddingDimensions(n))
	}
	return opts, nil
}

// cacheDir is where the example keeps its store and caches.
func cacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = ".cache"
	}
	return filepath.Join(base, "kgas", "examples-graphrag")
}

func openStore(ctx context.Context, c config, emb llm.Embedder, env func(string) string, stderr io.Writer) (kg.Store, string, error) {
	if c.store == "astra" {
		if env("ASTRA_DB_API_ENDPOINT") == "" {
			return nil, "", errors.New("-store astra needs ASTRA_DB_API_ENDPOINT (and ASTRA_DB_APPLICATION_TOKEN for Astra itself)")
		}
		opts := []astra.Option{astra.WithoutEnvironment(), astra.WithEndpoint(env("ASTRA_DB_API_ENDPOINT"))}
		if tok := env("ASTRA_DB_APPLICATION_TOKEN"); tok != "" {
			opts = append(opts, astra.WithToken(tok))
		}
		if ks := env("ASTRA_DB_KEYSPACE"); ks != "" {
			opts = append(opts, astra.WithKeyspace(ks))
		}
		client, err := astra.New(opts...)
		if err != nil {
			return nil, "", err
		}
		prefix := astraPrefix(emb)
		if c.reset {
			if err := dropCollections(ctx, client, prefix); err != nil {
				client.Close()
				return nil, "", err
			}
		}
		st, err := astrastore.New(ctx, client, astrastore.WithPrefix(prefix))
		if err != nil {
			client.Close()
			return nil, "", err
		}
		return closeBoth{st, client.Close}, "Astra DB (collections " + prefix + "*)", nil
	}
	path := c.db
	if path == "" {
		path = filepath.Join(cacheDir(), storeSuffix(emb)+".db")
	}
	if c.reset {
		for _, p := range []string{path, path + ".hnsw"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, "", fmt.Errorf("-reset: %w", err)
			}
		}
	}
	st, err := local.Open(path)
	if err != nil {
		return nil, "", err
	}
	return st, path, nil
}

// storeSuffix names the store after the embedder, so that vectors of
// different models (and dimensions) never share one.
func storeSuffix(emb llm.Embedder) string {
	r := strings.NewReplacer("/", "-", ".", "-", ":", "-")
	return r.Replace(fmt.Sprintf("%s-%d", emb.Model(), emb.Dimension()))
}

// astraCollections are the collection suffixes astrastore uses.
var astraCollections = []string{"nodes", "nodes_plain", "edges", "chunks", "documents"}

// astraPrefix is the job's collection-name prefix for emb: "kgx_", the
// embedder's model and dimension in letters, digits and underscores, and a
// short hash of the exact name, at most 36 characters (astrastore's limit),
// so that no two embedders share collections.
func astraPrefix(emb llm.Embedder) string {
	name := storeSuffix(emb)
	clean := strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, name)
	sum := sha256.Sum256([]byte(name))
	tag := hex.EncodeToString(sum[:3])
	const limit = 36
	head := "kgx_"
	if room := limit - len(head) - len(tag) - 2; len(clean) > room {
		clean = clean[:room]
	}
	return head + clean + "_" + tag + "_"
}

// dropCollections removes this job's collections (prefix plus one of
// astrastore's suffixes), and nothing else.
func dropCollections(ctx context.Context, c *astra.Client, prefix string) error {
	names, err := c.ListCollections(ctx)
	if err != nil {
		return fmt.Errorf("-reset: %w", err)
	}
	for _, n := range names {
		if suffix, ok := strings.CutPrefix(n, prefix); ok && slices.Contains(astraCollections, suffix) {
			if err := c.DropCollection(ctx, n); err != nil {
				return fmt.Errorf("-reset: %w", err)
			}
		}
	}
	return nil
}

// closeBoth is a store that also closes its client.
type closeBoth struct {
	kg.Store
	closeClient func()
}

func (c closeBoth) Close() error {
	err := c.Store.Close()
	c.closeClient()
	return err
}
