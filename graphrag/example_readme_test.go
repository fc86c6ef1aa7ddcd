package graphrag_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/graphrag/local"
	"github.com/kgas-dev/kgas/llm/lexical"
)

// Example is the README's example: ingest two reports into the embedded
// store with the offline rule extractor, then ask a two-hop question.
func Example() {
	dir, _ := os.MkdirTemp("", "kgas-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	ont, err := kg.ParseOntology([]byte(`{"entity_types": [{"name": "Well", "patterns": ["\\d+/\\d+-\\d+"]},
	  {"name": "Field", "examples": ["Brannfjell"]}, {"name": "Operator", "examples": ["Nordvik Energi"]}],
	 "relation_types": [{"name": "LOCATED_IN", "source": ["Well"], "target": ["Field"], "examples": ["located in"]},
	  {"name": "OPERATED_BY", "source": ["Field"], "target": ["Operator"], "examples": ["operated by"]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	store, err := local.Open(filepath.Join(dir, "kgas.db")) // or astrastore.New(ctx, astraClient)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	rules, _ := extract.NewRuleExtractor(ont) // or extract.NewLLMExtractor(model, ont)
	engine, err := graphrag.New(store, lexical.New(), graphrag.WithExtractor(rules))
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()

	_, err = engine.Ingest(ctx, []graphrag.Document{
		{ID: "well-41-7-3", Text: "Well 41/7-3 is located in the Brannfjell field."},
		{ID: "field-brannfjell", Text: "The Brannfjell field is operated by Nordvik Energi."},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	ans, err := engine.Query(ctx, "Who operates the field that well 41/7-3 is located in?", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.Text)
	fmt.Println(ans.Sources)
	fmt.Println(ans.Trace.CriticalPath[0], "->", ans.Trace.CriticalPath[1])
	// Output:
	// Well 41/7-3 is located in the Brannfjell field. [well-41-7-3] The Brannfjell field is operated by Nordvik Energi. [field-brannfjell]
	// [well-41-7-3 field-brannfjell]
	// embed -> search
}
