package kgtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AnimalsDir finds the animals data folder: $KGAS_SHARED_DATA/animals (or
// $KGAS_SHARED_DATA itself when it holds animals.jsonl), else
// ../shared/data/animals beside the module root found by walking up from
// the working directory to go.mod. It returns "" and the places it looked
// when there is none.
func AnimalsDir() (dir string, looked []string) {
	has := func(d string) bool {
		looked = append(looked, d)
		_, err := os.Stat(filepath.Join(d, "animals.jsonl"))
		return err == nil
	}
	if env := os.Getenv("KGAS_SHARED_DATA"); env != "" {
		for _, d := range []string{filepath.Join(env, "animals"), env} {
			if has(d) {
				return d, looked
			}
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", looked
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if c := filepath.Join(d, "..", "shared", "data", "animals"); has(c) {
				return c, looked
			}
			return "", looked
		}
		if filepath.Dir(d) == d {
			return "", looked
		}
	}
}

// animal is one line of animals.jsonl.
type animal struct {
	ID       string         `json:"id"`
	Text     string         `json:"text"`
	Metadata map[string]any `json:"metadata"`
}

// animalCase is one case of expected.json.
type animalCase struct {
	Name      string          `json:"name"`
	Operation string          `json:"operation"`
	Params    json.RawMessage `json:"params"`
	Expected  struct {
		Compare string   `json:"compare"`
		IDs     []string `json:"ids"`
		Count   int      `json:"count"`
		// Traversal metrics (README §6).
		Depths     map[string]int     `json:"depths"`
		MMRScores  map[string]float64 `json:"mmr_scores"`
		Redundancy map[string]float64 `json:"redundancy"`
		Scores     map[string]float64 `json:"scores"`
	} `json:"expected"`
	Requires          []string           `json:"requires"`
	DerivedSimilarity map[string]float64 `json:"derived_similarity"`
}

// caseParams holds the parameters of every operation.
type caseParams struct {
	IDs    []string        `json:"ids"`
	Filter map[string]any  `json:"filter"`
	Query  string          `json:"query"`
	K      int             `json:"k"`
	Edges  json.RawMessage `json:"edges"`
	// traverse
	Strategy struct {
		Name      string `json:"name"`
		SelectK   int    `json:"select_k"`
		StartK    int    `json:"start_k"`
		AdjacentK int    `json:"adjacent_k"`
		MaxDepth  *int   `json:"max_depth"`
		// mmr
		LambdaMult  *float64 `json:"lambda_mult"`
		MinMMRScore *float64 `json:"min_mmr_score"`
		// scored
		Scorer            string `json:"scorer"`
		PerIterationLimit *int   `json:"per_iteration_limit"`
	} `json:"strategy"`
	MetadataFilter map[string]any `json:"metadata_filter"`
	InitialRootIDs []string       `json:"initial_root_ids"`
}

// adjacentEdge is an edge of an adjacent case.
type adjacentEdge struct {
	Kind  string `json:"kind"`
	Field string `json:"field"`
	Value any    `json:"value"`
	ID    string `json:"id"`
}

func loadAnimals(t *testing.T, dir string) []animal {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "animals.jsonl"))
	require.NoError(t, err)
	var out []animal
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var a animal
		require.NoError(t, json.Unmarshal(sc.Bytes(), &a), "animals.jsonl line %d", len(out)+1)
		out = append(out, a)
	}
	require.NoError(t, sc.Err())
	require.Len(t, out, 99, "animals.jsonl records")
	return out
}

func loadCases(t *testing.T, dir string) []animalCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var doc struct {
		Cases []animalCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Cases, 59, "expected.json cases")
	return doc.Cases
}

// checkEmbedding verifies AnimalEmbedding against embedding.json.
func checkEmbedding(t *testing.T, dir string, animals []animal) {
	b, err := os.ReadFile(filepath.Join(dir, "embedding.json"))
	require.NoError(t, err)
	var doc struct {
		Dimension    int              `json:"dimension"`
		Vocabulary   []string         `json:"vocabulary"`
		SignedOffset []int            `json:"signed_offset"`
		DocMatched   map[string][]int `json:"document_matched_positions"`
		QueryChecks  []struct {
			Text      string             `json:"text"`
			Matched   []int              `json:"matched_positions"`
			Values    map[string]float64 `json:"matched_values"`
			CosineDoc map[string]float64 `json:"cosine_to_every_document"`
		} `json:"query_checks"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Equal(t, AnimalDim, doc.Dimension)
	require.Equal(t, doc.Vocabulary, animalVocab)
	matched := func(v []float32) []int {
		var m []int
		for i, x := range v {
			if x > 0.5 { // matched components are ≥ 0.678, others ≤ 0.2
				m = append(m, i)
			}
		}
		return m
	}
	texts := map[string]string{}
	for _, a := range animals {
		texts[a.ID] = a.Text
		v := AnimalEmbedding(a.Text)
		require.Len(t, v, AnimalDim)
		assert.Equal(t, doc.DocMatched[a.ID], matched(v), "matched positions of %s", a.ID)
	}
	require.NotEmpty(t, doc.QueryChecks)
	for _, q := range doc.QueryChecks {
		v := AnimalEmbedding(q.Text)
		assert.Equal(t, q.Matched, matched(v), "query %q", q.Text)
		for pos, want := range q.Values {
			var i int
			_, err := fmt.Sscan(pos, &i)
			require.NoError(t, err)
			assert.Equal(t, float32(want), v[i], "query %q component %d", q.Text, i)
		}
		for id, want := range q.CosineDoc {
			assert.InDelta(t, want, Cosine(v, AnimalEmbedding(texts[id])), 1e-6, "cosine(%q, %s)", q.Text, id)
		}
	}
}
