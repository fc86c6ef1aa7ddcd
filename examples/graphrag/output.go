package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kgas-dev/kgas/graphrag"
	"github.com/kgas-dev/kgas/graphrag/flow"
)

// ingest runs the ingest with a progress bar on w: redrawn in place on a
// terminal, a line per tenth of the corpus otherwise; nothing when show
// is false.
func ingest(ctx context.Context, a *app, docs []graphrag.Document, show bool, w io.Writer) (*graphrag.IngestReport, error) {
	tty := isTerminal(w)
	total := len(docs)
	next := 0
	progress := func(p graphrag.Progress) {
		if !show {
			return
		}
		line := fmt.Sprintf("%s %d/%d documents (%d unchanged, %d failed), %d entities, %d relations written",
			bar(p.Documents, total, 30), p.Documents, total, p.Unchanged, p.Failed, p.Entities, p.Relations)
		switch {
		case tty:
			fmt.Fprintf(w, "\r%s", line)
			if p.Documents == total {
				fmt.Fprintln(w)
			}
		case p.Documents*10 >= next*total || p.Documents == total:
			fmt.Fprintln(w, line)
			next = p.Documents*10/total + 1
		}
	}
	rep, err := a.engine.Ingest(ctx, docs, &graphrag.IngestOptions{Progress: progress})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// bar draws done/total as a bar of width cells.
func bar(done, total, width int) string {
	n := 0
	if total > 0 {
		n = done * width / total
	}
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// answerLine is the -json output of one question.
type answerLine struct {
	Question string      `json:"question"`
	Answer   string      `json:"answer"`
	Sources  []string    `json:"sources"`
	Trace    *flow.Trace `json:"trace"`
}

// answer asks one question and prints the answer, its citations and the
// step trace (or one JSON line).
func answer(ctx context.Context, a *app, q string, asJSON bool, w io.Writer) error {
	ans, err := a.engine.Query(ctx, q, nil)
	if err != nil {
		return fmt.Errorf("question %q: %w", q, err)
	}
	if asJSON {
		sources := ans.Sources
		if sources == nil {
			sources = []string{}
		}
		b, err := json.Marshal(answerLine{Question: ans.Question, Answer: ans.Text, Sources: sources, Trace: ans.Trace})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	fmt.Fprintf(w, "Q: %s\nA: %s\n", ans.Question, ans.Text)
	if len(ans.Citations) > 0 {
		fmt.Fprintln(w, "Citations:")
		for i, c := range ans.Citations {
			fmt.Fprintf(w, "  [%d] %s %s (document %s)\n", i+1, c.Kind, c.ID, c.DocumentID)
		}
	}
	if ans.Trace != nil {
		fmt.Fprintf(w, "Trace (* = critical path):\n%s", indent(ans.Trace.String(), "  "))
	}
	fmt.Fprintln(w)
	return nil
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
