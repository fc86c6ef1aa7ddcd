package extract_test

import (
	"context"
	"fmt"

	"github.com/kgas-dev/kgas/graphrag/extract"
	"github.com/kgas-dev/kgas/graphrag/kg"
	"github.com/kgas-dev/kgas/llm/llmtest"
	"github.com/kgas-dev/kgas/llm/openai"
)

const exampleOntology = `
entity_types:
  - name: Well
    patterns: ['\b\d{1,2}/\d{1,2}-\d{1,2}\b']
  - name: Company
    examples: [Statoil, Esso Norge]
  - name: Formation
    patterns: ['\b\p{Lu}\p{Ll}+ Formation\b']
relation_types:
  - {name: drilled_by, source: [Well], target: [Company], examples: ["15/9-19 was drilled by Statoil"]}
  - {name: penetrates, source: [Well], target: [Formation], examples: ["15/9-19 penetrated the Hugin Formation"]}
`

// The rule extractor needs no model: gazetteers, patterns and sentence
// co-occurrence, all from the ontology.
func ExampleNewRuleExtractor() {
	ont, err := kg.ParseOntology([]byte(exampleOntology))
	if err != nil {
		panic(err)
	}
	x, err := extract.NewRuleExtractor(ont)
	if err != nil {
		panic(err)
	}
	res, err := x.Extract(context.Background(), extract.Document{ID: "report-7",
		Text: "Esso Norge drilled 15/9-13 in 1976. The well penetrated the Hugin Formation."})
	if err != nil {
		panic(err)
	}
	for _, n := range res.Nodes() {
		fmt.Println(n.ID)
	}
	for _, e := range res.Edges() {
		fmt.Println(e.ID)
	}
	// Output:
	// Company:esso norge
	// Well:15 9 13
	// Formation:hugin formation
	// Well:15 9 13|drilled_by|Company:esso norge
}

// The LLM extractor against the offline simulator; point openai.New at a
// real endpoint to use a model. Here the reply comes in the wrong
// direction and with a wrong offset: validation flips the relation and
// grounding corrects the mention.
func ExampleNewLLMExtractor() {
	srv, err := llmtest.NewServer(llmtest.Config{Scripts: []llmtest.Script{{Match: "15/9-13", Reply: llmtest.Reply{Content: `{
		"entities": [{"name": "15/9-13", "type": "Well", "mentions": [{"text": "15/9-13", "start": 0}]},
		             {"name": "Esso Norge", "type": "Company"}, {"name": "Norway", "type": "Country"}],
		"relations": [{"source": "Esso Norge", "type": "drilled_by", "target": "15/9-13"}]}`}}}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, err := openai.New(openai.WithBaseURL(srv.URL()), openai.WithoutEnvironment())
	if err != nil {
		panic(err)
	}
	defer client.Close()
	ont, err := kg.ParseOntology([]byte(exampleOntology))
	if err != nil {
		panic(err)
	}
	x, err := extract.NewLLMExtractor(client, ont)
	if err != nil {
		panic(err)
	}
	res, err := x.Extract(context.Background(), extract.Document{ID: "r", Text: "Esso Norge drilled 15/9-13 in 1976."})
	if err != nil {
		panic(err)
	}
	for _, e := range res.Entities {
		fmt.Println(e.ID, e.Mentions[0].Start, e.Mentions[0].End)
	}
	for _, r := range res.Relations {
		fmt.Println(r.ID, "flipped:", r.Flipped)
	}
	for _, is := range res.Issues {
		fmt.Println(is.Action, is.Reason, is.Name)
	}
	// Output:
	// Well:15 9 13 19 26
	// Company:esso norge 0 10
	// Well:15 9 13|drilled_by|Company:esso norge flipped: true
	// corrected offset_mismatch 15/9-13
	// pruned unknown_entity_type Norway
	// flipped wrong_direction Esso Norge -drilled_by-> 15/9-13
}
