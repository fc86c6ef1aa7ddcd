package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/astra"
	"github.com/kgas-dev/kgas/astra/astratest"
)

// The astra suite: the Data API client against the in-process server with
// 50 ms injected per request; kgas (concurrent) against the seeds' blocking
// client (one request at a time, the same Go client with concurrency 1).
func astraScenarios() []scenario {
	return []scenario{
		{"findbyids", "FindByIDs of 1000 ids (50 missing, 50 duplicated) over 5000 documents, 50 ms per request, C=10", findByIDsScenario},
		{"insertmany", "InsertMany of 10 000 documents (100 per request, the server's limit), 50 ms per request, C=10", insertManyScenario},
	}
}

const (
	astraLatency = 50 * time.Millisecond
	astraConc    = 10
)

// astraRun starts a server with the documents loaded, and a client with
// concurrency conc.
func astraRun(conc int, docs []map[string]any, fn func(srv *astratest.Server, coll *astra.Collection) error) error {
	srv, err := astratest.NewServer(astratest.WithLatency(astraLatency))
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.CreateCollection("default_keyspace", "bench", nil); err != nil {
		return err
	}
	if len(docs) > 0 {
		if err := srv.Load("default_keyspace", "bench", docs); err != nil {
			return err
		}
	}
	c, err := astra.New(astra.WithoutEnvironment(), astra.WithEndpoint(srv.URL()), astra.WithToken("AstraCS:bench"),
		astra.WithIDsConcurrency(conc), astra.WithInsertConcurrency(conc), astra.WithInsertChunkSize(100),
		astra.WithAPIClientOptions(apiclient.WithConcurrency(conc)))
	if err != nil {
		return err
	}
	defer c.Close()
	srv.ResetStats()
	return fn(srv, c.Collection("bench"))
}

func findByIDsScenario(ctx context.Context, emit func(record)) error {
	const stored, n, pageSize = 5000, 1000, 20
	docs := make([]map[string]any, stored)
	for i := range docs {
		docs[i] = map[string]any{"_id": fmt.Sprintf("doc-%05d", i), "name": fmt.Sprintf("entity %d", i), "n": i}
	}
	ids := make([]any, 0, n)
	for i := range n - 100 {
		ids = append(ids, fmt.Sprintf("doc-%05d", i*5))
	}
	for i := range 50 {
		ids = append(ids, fmt.Sprintf("missing-%d", i)) // not stored
		ids = append(ids, ids[i*3])                     // duplicated
	}
	// Requests needed: every distinct stored id must come back, at most a
	// page (20 documents) per request.
	distinct := n - 100
	needed := int(math.Ceil(float64(distinct) / pageSize))
	for _, client := range []struct {
		name string
		conc int
	}{{"kgas", astraConc}, {"sequential", 1}} {
		err := astraRun(client.conc, docs, func(srv *astratest.Server, coll *astra.Collection) error {
			start := time.Now()
			res, err := coll.FindByIDs(ctx, ids, nil)
			wall := time.Since(start)
			if err != nil && res == nil {
				return err
			}
			ok, missing, failed := 0, 0, 0
			for _, r := range res {
				switch {
				case r.Err == nil:
					ok++
				case errors.Is(r.Err, astra.ErrNoDocument):
					missing++
				default:
					failed++
				}
			}
			st := srv.Stats()
			bound := math.Ceil(float64(needed)/float64(astraConc)) * astraLatency.Seconds()
			emit(record{Scenario: "findbyids", Client: client.name, N: len(ids), OK: ok + missing, Failed: failed,
				Attempts: st.Requests, WallS: wall.Seconds(), BoundS: bound, Extra: map[string]any{
					"found": ok, "missing": missing, "in_order": len(res) == len(ids), "requests_needed": needed, "max_in_flight": st.MaxInFlight}})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func insertManyScenario(ctx context.Context, emit func(record)) error {
	const n, perRequest = 10000, 100
	needed := n / perRequest
	for _, client := range []struct {
		name string
		conc int
	}{{"kgas", astraConc}, {"sequential", 1}} {
		docs := make([]astra.Document, n)
		for i := range docs {
			docs[i] = astra.Document{"_id": fmt.Sprintf("node-%05d", i), "type": "Animal", "name": fmt.Sprintf("animal %d", i)}
		}
		err := astraRun(client.conc, nil, func(srv *astratest.Server, coll *astra.Collection) error {
			start := time.Now()
			res, err := coll.InsertMany(ctx, docs, nil)
			wall := time.Since(start)
			if res == nil {
				return err
			}
			st := srv.Stats()
			bound := math.Ceil(float64(needed)/float64(astraConc)) * astraLatency.Seconds()
			emit(record{Scenario: "insertmany", Client: client.name, N: n, OK: len(res.InsertedIDs), Failed: len(res.Failures),
				Attempts: st.Requests, WallS: wall.Seconds(), BoundS: bound, Extra: map[string]any{
					"requests_needed": needed, "stored": st.Inserted, "max_in_flight": st.MaxInFlight}})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
