// Command graphrag is kgas's main job: it ingests a corpus into a
// knowledge graph and answers questions from it with citations and the
// step trace of each query.
//
//	go run ./examples/graphrag
//
// With no flags and no keys it runs offline: the bundled corpus (50
// fictional field reports on oil wells, corpus/docs) goes through the rule
// extractor driven by corpus/ontology.yaml and the lexical embedder into
// the embedded store, then the sample questions of corpus/questions.txt
// are answered extractively. The store is kept at
//
//	$XDG_CACHE_HOME/kgas/examples-graphrag/<embedder>.db   (os.UserCacheDir)
//
// (or -db PATH) and reused by the next run, which then only ingests what
// changed.
//
// Flags:
//
//	-q "question"       answer this question (repeatable)
//	-questions FILE     answer the questions of FILE, one per line
//	-data DIR           ingest the .md and .txt files of DIR (a document's
//	                    ID is its file name without the extension)
//	-ontology FILE      the ontology (JSON or YAML; default: the bundled one)
//	-store local|astra  the embedded store (default) or Astra DB
//	                    (ASTRA_DB_API_ENDPOINT, ASTRA_DB_APPLICATION_TOKEN,
//	                    ASTRA_DB_KEYSPACE)
//	-llm offline|openai rules and extractive answers, or an OpenAI-compatible
//	                    model for extraction, embeddings and answers
//	                    (OPENAI_API_KEY, OPENAI_BASE_URL); default openai
//	                    when OPENAI_API_KEY is set, else offline
//	-db PATH            the embedded store's file
//	-reset              start from an empty store
//	-json               one JSON line per question: question, answer,
//	                    sources (document IDs in citation order), trace
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// corpus is the bundled demo corpus, so the program works from any
// directory and as an installed binary.
//
//go:embed corpus/docs/*.md corpus/ontology.yaml corpus/questions.txt
var corpus embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "graphrag:", err)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	questions    []string
	questionFile string
	dataDir      string
	ontology     string
	store        string
	llm          string
	db           string
	reset        bool
	json         bool
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, "; ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func parse(args []string, env func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("graphrag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var qs repeated
	fs.Var(&qs, "q", "a question to answer (repeatable)")
	fs.StringVar(&c.questionFile, "questions", "", "a file of questions, one per line")
	fs.StringVar(&c.dataDir, "data", "", "a folder of .md/.txt documents to ingest (default: the bundled corpus)")
	fs.StringVar(&c.ontology, "ontology", "", "the ontology file, JSON or YAML (default: the bundled one)")
	fs.StringVar(&c.store, "store", "local", "graph store: local or astra")
	defLLM := "offline"
	if env("OPENAI_API_KEY") != "" {
		defLLM = "openai"
	}
	fs.StringVar(&c.llm, "llm", defLLM, "offline or openai")
	fs.StringVar(&c.db, "db", "", "the embedded store's file (default: in the user cache directory)")
	fs.BoolVar(&c.reset, "reset", false, "start from an empty store")
	fs.BoolVar(&c.json, "json", false, "print one JSON line per question")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (questions go in -q)", fs.Arg(0))
	}
	c.questions = qs
	switch c.store {
	case "local", "astra":
	default:
		return c, fmt.Errorf("-store %q: want local or astra", c.store)
	}
	switch c.llm {
	case "offline", "openai":
	default:
		return c, fmt.Errorf("-llm %q: want offline or openai", c.llm)
	}
	if c.db != "" && c.store != "local" {
		return c, fmt.Errorf("-db is for -store local, not %s", c.store)
	}
	return c, nil
}

// run is main without the process: arguments, environment and output are
// given, so the tests run it as it is.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	c, err := parse(args, env, stderr)
	if err != nil {
		return err
	}
	docs, err := loadDocuments(c.dataDir)
	if err != nil {
		return err
	}
	ont, err := loadOntology(c.ontology)
	if err != nil {
		return err
	}
	questions, err := loadQuestions(c)
	if err != nil {
		return err
	}
	app, err := open(ctx, c, ont, env, stderr)
	if err != nil {
		return err
	}
	defer app.close()

	rep, err := ingest(ctx, app, docs, !c.json, stderr)
	if err != nil {
		return err
	}
	if !c.json {
		t := rep.Totals
		fmt.Fprintf(stdout, "Ingested %d documents into %s in %v: %d added, %d updated, %d unchanged, %d failed; %d chunks, %d entities, %d relations written.\n\n",
			t.Documents, app.where, rep.Wall.Round(1e6), t.Added, t.Updated, t.Unchanged, t.Failed, t.Chunks, t.Entities, t.Relations)
	}
	for _, d := range rep.Documents {
		if d.Err != nil {
			fmt.Fprintf(stderr, "graphrag: document %s: %v\n", d.ID, d.Err)
		}
	}
	if t := rep.Totals; t.Failed > 0 && t.Failed == t.Documents {
		return fmt.Errorf("every document failed to ingest (%d); the first: %w", t.Failed, rep.Documents[0].Err)
	}
	if len(questions) == 0 && !c.json {
		fmt.Fprintln(stdout, "No questions: give -q \"question\" or -questions FILE.")
	}
	for _, q := range questions {
		if err := answer(ctx, app, q, c.json, stdout); err != nil {
			return err
		}
	}
	return nil
}
