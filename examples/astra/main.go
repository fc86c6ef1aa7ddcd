// Command astra walks through the Astra DB Data API client: it connects to
// the database named by ASTRA_DB_API_ENDPOINT (with ASTRA_DB_APPLICATION_TOKEN
// and ASTRA_DB_KEYSPACE) when set, and otherwise starts the in-process Data
// API server (astra/astratest), so it runs offline. It creates a vector
// collection, inserts documents embedded by the offline lexical embedder,
// runs a vector search, fetches documents by id, and prints the results.
//
//	go run ./examples/astra
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
	"github.com/kgas-dev/kgas/llm/lexical"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv("ASTRA_DB_API_ENDPOINT") != ""); err != nil {
		fmt.Fprintln(os.Stderr, "astra:", err)
		os.Exit(1)
	}
}

var facts = []struct{ id, text string }{
	{"lion", "The lion is a large cat that hunts zebras and antelopes on the savanna."},
	{"zebra", "The zebra is a striped horse that grazes on grass in Africa."},
	{"eagle", "The eagle is a bird of prey that catches fish and small mammals."},
	{"salmon", "The salmon is a fish that swims upstream to spawn in rivers."},
	{"cow", "The cow is a farm animal that eats grass and gives milk."},
}

func run(ctx context.Context, w io.Writer, remote bool) error {
	opts := []astra.Option{}
	if !remote {
		srv, err := astratest.NewServer(astratest.WithToken("AstraCS:local"))
		if err != nil {
			return err
		}
		defer srv.Close()
		opts = append(opts, astra.WithoutEnvironment(), astra.WithEndpoint(srv.URL()), astra.WithToken("AstraCS:local"))
		fmt.Fprintln(w, "no ASTRA_DB_API_ENDPOINT: using the in-process Data API server")
	}
	client, err := astra.New(opts...)
	if err != nil {
		return err
	}
	defer client.Close()
	fmt.Fprintln(w, "client:", client) // the token never shows

	emb := lexical.New(lexical.WithDimension(64))
	coll, err := client.CreateCollection(ctx, "kgas_example_animals", &astra.CollectionOptions{
		Vector: &astra.VectorOptions{Dimension: emb.Dimension(), Metric: astra.MetricCosine},
	})
	if err != nil {
		return err
	}
	texts := make([]string, len(facts))
	for i, f := range facts {
		texts[i] = f.text
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		return err
	}
	docs := make([]astra.Document, len(facts))
	for i, f := range facts {
		docs[i] = astra.Document{"_id": f.id, "text": f.text, "$vector": vecs[i]}
	}
	res, err := coll.InsertMany(ctx, docs, nil)
	var ime *astra.InsertManyError
	if err != nil && !errors.As(err, &ime) {
		return err
	}
	fmt.Fprintf(w, "inserted %d documents, %d failed\n", len(res.InsertedIDs), len(res.Failures))
	for _, f := range res.Failures {
		fmt.Fprintf(w, "  document %d (%v): %v\n", f.Index, f.ID, f.Err)
	}

	question := "Which animals eat grass?"
	qv, err := emb.Embed(ctx, []string{question})
	if err != nil {
		return err
	}
	hits, err := coll.VectorSearch(ctx, qv[0], 3, nil, astra.Projection{"text": 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nvector search: %q\n", question)
	for _, h := range hits {
		fmt.Fprintf(w, "  %.3f  %-7v %s\n", h.Similarity, h.Document["_id"], h.Document["text"])
	}

	byID, err := coll.FindByIDs(ctx, []any{"eagle", "unicorn", "lion"}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nfetch by ids (input order, missing reported):")
	for _, r := range byID {
		if r.Err != nil {
			fmt.Fprintf(w, "  %-7v %v\n", r.ID, r.Err)
			continue
		}
		fmt.Fprintf(w, "  %-7v %s\n", r.ID, r.Document["text"])
	}
	n, err := coll.CountDocuments(ctx, nil, 1000)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\ncollection holds %d documents\n", n)
	return client.DropCollection(ctx, coll.Name())
}
