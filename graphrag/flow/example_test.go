package flow_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kgas-dev/kgas/graphrag/flow"
)

// The shape of a GraphRAG query: embed the question, search seed nodes,
// then fetch the seeds' properties and their neighbours at the same time,
// then re-rank once both are in.
func Example_query() {
	type hit struct {
		ID    string
		Score float64
	}
	g := flow.New()
	embed := flow.Go(g, "embed", func(ctx context.Context) ([]float32, error) {
		return []float32{0.6, 0.8}, nil
	})
	search := flow.Then(g, "search", embed, func(ctx context.Context, q []float32) ([]hit, error) {
		return []hit{{"ada", 0.9}, {"babbage", 0.7}}, nil
	})
	props := flow.Then(g, "props", search, func(ctx context.Context, seeds []hit) (map[string]string, error) {
		return map[string]string{"ada": "mathematician", "babbage": "engineer"}, nil
	})
	neighbors := flow.Then(g, "neighbors", search, func(ctx context.Context, seeds []hit) ([]hit, error) {
		return []hit{{"analytical-engine", 0.8}}, nil
	})
	rerank := flow.Join2(g, "rerank", props, neighbors,
		func(ctx context.Context, p map[string]string, nbrs []hit) ([]string, error) {
			all := append(slices.Clone(search.Value()), nbrs...) // search is an ancestor: already done
			slices.SortFunc(all, func(a, b hit) int { return cmp.Compare(b.Score, a.Score) })
			var out []string
			for _, h := range all {
				out = append(out, strings.TrimSpace(h.ID+" "+p[h.ID]))
			}
			return out, nil
		})

	trace, err := g.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("answer:", rerank.Value())
	for _, st := range trace.Steps {
		fmt.Println(st.Name, st.Outcome, st.Deps)
	}
	// Which of the overlapped props and neighbors is on the critical path
	// depends on which ended last; embed, search and rerank always are.
	cp := trace.CriticalPath
	fmt.Printf("critical path: %d steps, %s -> %s -> ... -> %s\n", len(cp), cp[0], cp[1], cp[len(cp)-1])
	// Output:
	// answer: [ada mathematician analytical-engine babbage engineer]
	// embed ok []
	// search ok [embed]
	// props ok [search]
	// neighbors ok [search]
	// rerank ok [props neighbors]
	// critical path: 4 steps, embed -> search -> ... -> rerank
}

// The first failure cancels the rest and names its step.
func Example_failure() {
	g := flow.New()
	a := flow.Go(g, "load", func(ctx context.Context) (int, error) { return 0, errors.New("disk on fire") })
	b := flow.Then(g, "use", a, func(ctx context.Context, v int) (int, error) { return v + 1, nil })

	trace, err := g.Run(context.Background())
	var se *flow.StepError
	if errors.As(err, &se) {
		fmt.Println("failed step:", se.Step)
	}
	fmt.Println(err)
	_, err = b.Get()
	fmt.Println(err)
	for _, st := range trace.Steps {
		fmt.Println(st.Name, st.Outcome)
	}
	// Output:
	// failed step: load
	// flow: step "load": disk on fire
	// flow: step "use": flow: step skipped, not started
	// load failed
	// use skipped
}
