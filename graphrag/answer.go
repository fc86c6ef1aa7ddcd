package graphrag

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/flow"
	"github.com/kgas-dev/kgas/llm"
)

// Answer is the result of a query.
type Answer struct {
	// Question is the question, trimmed.
	Question string `json:"question"`
	// Text is the answer. Offline, it is made of the best-supported
	// sentences and facts, each followed by its source in brackets; with
	// a chat model, it is the model's reply.
	Text string `json:"text"`
	// Citations are the context items the answer cites, in order of
	// first citation, each of them in the context.
	Citations []Citation `json:"citations"`
	// Sources are the document IDs of the citations, in citation order,
	// without repeats.
	Sources []string `json:"sources"`
	// InvalidCitations are the references the model cited that were not
	// in its context ("c:made-up-id"), dropped from Citations.
	InvalidCitations []string `json:"invalid_citations,omitempty"`
	// Context is what the answer was written from, best first.
	Context []ContextItem `json:"context"`
	// Subgraph is the nodes, edges and chunks of the context.
	Subgraph Subgraph `json:"subgraph"`
	// Stats counts what the query retrieved and kept.
	Stats QueryStats `json:"stats"`
	// Trace records the query's steps and its critical path.
	Trace *flow.Trace `json:"trace"`
	// Usage is the chat model's token usage (zero offline).
	Usage llm.Usage `json:"usage"`
	// Offline reports an extractive answer, written without a chat
	// model.
	Offline bool `json:"offline"`
}

// Citation is a context item an answer cites.
type Citation struct {
	// Kind and ID identify the node, edge or chunk.
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
	// DocumentID is the document the item comes from: a chunk's
	// document; for a node or edge, the document of its first source
	// chunk that the query retrieved ("" when none was).
	DocumentID string `json:"document_id,omitempty"`
	// Text is the cited sentence or fact (offline), or a snippet of the
	// item (with a chat model).
	Text string `json:"text"`
}

// answer writes the answer from the context: with the chat model when
// there is one, else extractively.
func (p *pipeline) answer(ctx context.Context, a *assembled) (*Answer, error) {
	var out *Answer
	if p.e.cfg.chat == nil {
		out = extractive(a.evidence)
	} else {
		var err error
		if out, err = p.generate(ctx, a); err != nil {
			return nil, err
		}
	}
	out.Context = a.items
	out.Subgraph = a.subgraph
	out.Stats = a.stats
	out.Sources = sources(out.Citations)
	return out, nil
}

// sources returns the citations' document IDs in order, without repeats.
func sources(cs []Citation) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, c := range cs {
		if c.DocumentID != "" && !seen[c.DocumentID] {
			seen[c.DocumentID] = true
			out = append(out, c.DocumentID)
		}
	}
	return out
}

// docOf returns the document of an item: a chunk's own, else that of the
// first of the node's or edge's chunks the query retrieved.
func (r *retrieved) docOf(kind Kind, id string) string {
	var chunkIDs []string
	switch kind {
	case KindChunk:
		if c, ok := r.chunks[id]; ok {
			return c.chunk.DocumentID
		}
		return ""
	case KindNode:
		chunkIDs = r.nodes[id].node.ChunkIDs
	case KindEdge:
		chunkIDs = r.edges[id].edge.ChunkIDs
	}
	for _, cid := range chunkIDs {
		if c, ok := r.chunks[cid]; ok && c.chunk.DocumentID != "" {
			return c.chunk.DocumentID
		}
	}
	return ""
}

// answerSystemPrompt instructs the chat model.
const answerSystemPrompt = `You answer questions from a knowledge graph, using only the context items given with the question.
Each context item starts with its reference in square brackets: [n:<id>] is an entity (a node with its properties), [e:<id>] a relation between two entities (an edge), [c:<id>] a passage of a source document (a chunk).
After each sentence of your answer, cite the items that support it by their references, copied exactly, each in its own brackets, for example [c:report-7#0] [n:Person:ada lovelace].
Cite only references that appear in the context. Keep the answer short. If the context does not answer the question, say so.`

// Prompt returns the chat request an LLM answer sends for question and
// the context items (for inspection and tests).
func Prompt(question string, items []ContextItem, model string, maxTokens int) llm.ChatRequest {
	var b strings.Builder
	b.WriteString("Context:\n")
	for i, it := range items {
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(it.Line())
		b.WriteByte('\n')
	}
	b.WriteString("\nQuestion: ")
	b.WriteString(question)
	return llm.ChatRequest{
		Model:     model,
		Messages:  []llm.Message{llm.System(answerSystemPrompt), llm.User(b.String())},
		MaxTokens: maxTokens,
	}
}

// snippetLen bounds the Text of a citation of an LLM answer.
const snippetLen = 240

// generate asks the chat model and checks its citations against the
// context.
func (p *pipeline) generate(ctx context.Context, a *assembled) (*Answer, error) {
	req := Prompt(p.question, a.items, p.e.cfg.chatModel, p.e.cfg.maxTokens)
	req.Temperature = p.e.cfg.answerTemp
	resp, err := p.e.cfg.chat.Chat(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("chat model: %w", err)
	}
	if resp.FinishReason == llm.FinishLength {
		p.e.log.Warn("graphrag: the answer was cut at the token limit", "max_tokens", p.e.cfg.maxTokens)
	}
	out := &Answer{Text: strings.TrimSpace(resp.Message.Content), Usage: resp.Usage, Citations: []Citation{}}
	byRef := make(map[string]ContextItem, len(a.items))
	for _, it := range a.items {
		byRef[it.Ref()] = it
	}
	for _, ref := range ParseCitations(out.Text) {
		it, ok := byRef[ref]
		if !ok {
			out.InvalidCitations = append(out.InvalidCitations, ref)
			continue
		}
		out.Citations = append(out.Citations, Citation{
			Kind: it.Kind, ID: it.ID, DocumentID: a.r.docOf(it.Kind, it.ID),
			Text: valueText(it.Text, snippetLen),
		})
	}
	if len(out.InvalidCitations) > 0 {
		p.e.log.Warn("graphrag: the answer cites references that are not in its context", "invalid", out.InvalidCitations)
	}
	return out, nil
}

// maxCitationGroup bounds the length of a bracketed group ParseCitations
// reads.
const maxCitationGroup = 2000

// ParseCitations returns the references an answer cites, in order of first
// appearance, without repeats: every "c:<id>", "n:<id>" or "e:<id>" in
// square brackets, alone ("[c:doc#0]") or in a list separated by commas or
// semicolons ("[c:doc#0, n:Field:brannfjell]"). The prefix letter may be
// upper case, and spaces around an ID are dropped; the result always has a
// lower-case prefix. Brackets holding anything else ("[sic]", "[1]") are
// not citations.
func ParseCitations(text string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		end := strings.IndexAny(text[i+1:], "[]\n")
		if end < 0 || text[i+1+end] != ']' || end > maxCitationGroup {
			continue
		}
		group := text[i+1 : i+1+end]
		for _, ref := range splitRefs(group) {
			if !seen[ref] {
				seen[ref] = true
				out = append(out, ref)
			}
		}
		i += end // the loop's i++ steps over ']'
	}
	return out
}

// splitRefs splits a bracketed group into references. A comma or
// semicolon separates two references only when a reference prefix
// follows it, so IDs may hold commas. A group whose first part is not a
// reference gives none.
func splitRefs(group string) []string {
	var refs []string
	start := 0
	for i := 0; i <= len(group); i++ {
		if i < len(group) && !(group[i] == ',' || group[i] == ';') {
			continue
		}
		if i < len(group) && !refStart(strings.TrimLeft(group[i+1:], " \t")) {
			continue
		}
		part := strings.TrimSpace(group[start:i])
		start = i + 1
		if !refStart(part) {
			return refs
		}
		id := strings.TrimSpace(part[2:])
		if id == "" {
			continue
		}
		refs = append(refs, strings.ToLower(part[:1])+":"+id)
	}
	return refs
}

// refStart reports whether s starts with a reference prefix.
func refStart(s string) bool {
	if len(s) < 2 || s[1] != ':' {
		return false
	}
	switch s[0] {
	case 'c', 'n', 'e', 'C', 'N', 'E':
		return true
	}
	return false
}
