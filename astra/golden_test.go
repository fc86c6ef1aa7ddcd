package astra_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/astra"
)

// okAnswer answers each command with a minimal successful response.
func okAnswer(c call, _ int64) (int, string) {
	switch c.Command {
	case "createCollection", "deleteCollection":
		return 200, `{"status":{"ok":1}}`
	case "findCollections":
		if o, _ := c.Payload["options"].(map[string]any); o["explain"] == true {
			return 200, `{"status":{"collections":[{"name":"records_vec","options":{"vector":{"dimension":3,"metric":"cosine","sourceModel":"other"},"indexing":{"deny":["comment"]},"defaultId":{"type":"objectId"}}},{"name":"plain","options":{}}]}}`
		}
		return 200, `{"status":{"collections":["records_vec","plain"]}}`
	case "insertOne":
		return 200, `{"status":{"insertedIds":["doc2"]}}`
	case "insertMany":
		var drs []string
		for _, id := range payloadIDs(c) {
			drs = append(drs, fmt.Sprintf(`{"_id":%q,"status":"OK"}`, id))
		}
		return 200, `{"status":{"documentResponses":[` + join(drs) + `]}}`
	case "find":
		return 200, `{"data":{"documents":[],"nextPageState":null}}`
	case "findOne":
		return 200, `{"data":{"document":{"_id":"doc3"}}}`
	case "updateOne", "updateMany":
		return 200, `{"status":{"matchedCount":1,"modifiedCount":1}}`
	case "deleteOne", "deleteMany":
		return 200, `{"status":{"deletedCount":1}}`
	case "countDocuments", "estimatedDocumentCount":
		return 200, `{"status":{"count":5}}`
	}
	return 200, `{"errors":[{"errorCode":"COMMAND_UNKNOWN","message":"unknown"}]}`
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// TestGoldenRequests pins the exact JSON (and path) of every command.
func TestGoldenRequests(t *testing.T) {
	date := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		opts []astra.Option
		run  func(ctx context.Context, c *astra.Client) error
		path string
		want string
	}{
		{
			name: "createCollection with every option",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.CreateCollection(ctx, "records_vec", &astra.CollectionOptions{
					Vector:       &astra.VectorOptions{Dimension: 3, Metric: astra.MetricCosine},
					IndexingDeny: []string{"blob_field"}, DefaultID: astra.DefaultIDUUIDv7,
				})
				return err
			},
			path: "/v1/default_keyspace",
			want: `{"createCollection":{"name":"records_vec","options":{"vector":{"dimension":3,"metric":"cosine"},"indexing":{"deny":["blob_field"]},"defaultId":{"type":"uuidv7"}}}}`,
		},
		{
			name: "createCollection without options",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.CreateCollection(ctx, "plain", nil)
				return err
			},
			path: "/v1/default_keyspace",
			want: `{"createCollection":{"name":"plain","options":{}}}`,
		},
		{
			name: "createCollection allow list, astra path",
			opts: []astra.Option{astra.WithEnvironment(astra.EnvironmentAstra), astra.WithKeyspace("ks1")},
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.CreateCollection(ctx, "c", &astra.CollectionOptions{IndexingAllow: []string{"a", "b.c"}})
				return err
			},
			path: "/api/json/v1/ks1",
			want: `{"createCollection":{"name":"c","options":{"indexing":{"allow":["a","b.c"]}}}}`,
		},
		{
			name: "findCollections names",
			run:  func(ctx context.Context, c *astra.Client) error { _, err := c.ListCollections(ctx); return err },
			path: "/v1/default_keyspace",
			want: `{"findCollections":{"options":{"explain":false}}}`,
		},
		{
			name: "findCollections definitions",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.ListCollectionDefinitions(ctx)
				return err
			},
			path: "/v1/default_keyspace",
			want: `{"findCollections":{"options":{"explain":true}}}`,
		},
		{
			name: "deleteCollection",
			run:  func(ctx context.Context, c *astra.Client) error { return c.DropCollection(ctx, "records_vec") },
			path: "/v1/default_keyspace",
			want: `{"deleteCollection":{"name":"records_vec"}}`,
		},
		{
			name: "insertOne with a binary vector",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").InsertOne(ctx, astra.Document{"_id": "doc2", "name": "dup", "$vector": []float32{1, 0, 0}})
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"insertOne":{"document":{"_id":"doc2","name":"dup","$vector":{"$binary":"P4AAAAAAAAAAAAAA"}}}}`,
		},
		{
			name: "insertOne with numeric vectors and extended JSON",
			opts: []astra.Option{astra.WithNumericVectors()},
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").InsertOne(ctx, astra.Document{
					"_id": astra.UUID("0190d6c5-8b8e-7c4b-9d6a-1f2e3d4c5b6a"), "at": date,
					"ref": astra.ObjectID("65a1b2c3d4e5f60718293a4b"), "$vector": []float64{1, 0.5, 0},
					"nested": map[string]any{"when": []any{date}},
				})
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"insertOne":{"document":{"_id":{"$uuid":"0190d6c5-8b8e-7c4b-9d6a-1f2e3d4c5b6a"},"at":{"$date":1704067200000},"ref":{"$objectId":"65a1b2c3d4e5f60718293a4b"},"$vector":[1,0.5,0],"nested":{"when":[{"$date":1704067200000}]}}}}`,
		},
		{
			name: "insertMany unordered",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").InsertMany(ctx, []astra.Document{
					{"_id": "doc1", "name": "a", "n": 1, "tags": []string{"x"}, "$vector": []float32{1, 0, 0}},
					{"_id": "doc2", "name": "b"},
				}, nil)
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"insertMany":{"documents":[{"_id":"doc1","name":"a","n":1,"tags":["x"],"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}},{"_id":"doc2","name":"b"}],"options":{"ordered":false,"returnDocumentResponses":true}}}`,
		},
		{
			name: "insertMany ordered",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").InsertMany(ctx, []astra.Document{{"_id": "a"}}, &astra.InsertManyOptions{Ordered: true})
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"insertMany":{"documents":[{"_id":"a"}],"options":{"ordered":true,"returnDocumentResponses":true}}}`,
		},
		{
			name: "vector search",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").VectorSearch(ctx, []float32{1, 0.05, 0}, 3, nil, nil)
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"find":{"filter":{},"sort":{"$vector":{"$binary":"P4AAAD1MzM0AAAAA"}},"options":{"includeSimilarity":true,"limit":3}}}`,
		},
		{
			name: "vector search with filter and projection",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").VectorSearch(ctx, []float32{1, 0, 0}, 2, astra.Filter{"tags": "x"}, astra.Projection{"$vector": 1, "name": 1})
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"find":{"filter":{"tags":"x"},"projection":{"$vector":1,"name":1},"sort":{"$vector":{"$binary":"P4AAAAAAAAAAAAAA"}},"options":{"includeSimilarity":true,"limit":2}}}`,
		},
		{
			name: "find by ids",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_vec").FindByIDs(ctx, []any{"doc2", "doc4", "missing"}, nil)
				return err
			},
			path: "/v1/default_keyspace/records_vec",
			want: `{"find":{"filter":{"_id":{"$in":["doc2","doc4","missing"]}},"options":{}}}`,
		},
		{
			name: "find first page",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("records_paged").Find(nil, nil).ToSlice(ctx)
				return err
			},
			path: "/v1/default_keyspace/records_paged",
			want: `{"find":{"filter":{},"options":{}}}`,
		},
		{
			name: "find with options",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").Find(astra.Filter{"n": astra.Document{"$gte": 2}}, &astra.FindOptions{
					Projection: astra.Projection{"name": 1}, Sort: astra.Sort{"n": -1}, Limit: 10, Skip: 5,
				}).ToSlice(ctx)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"find":{"filter":{"n":{"$gte":2}},"projection":{"name":1},"sort":{"n":-1},"options":{"limit":10,"skip":5}}}`,
		},
		{
			name: "findOne",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").FindOne(ctx, astra.Filter{"_id": "doc3"}, nil)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"findOne":{"filter":{"_id":"doc3"},"options":{}}}`,
		},
		{
			name: "findOne with a vector sort",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").FindOne(ctx, nil, &astra.FindOneOptions{Sort: astra.Sort{"$vector": []float32{0, 0, 1}}, IncludeSimilarity: true})
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"findOne":{"filter":{},"sort":{"$vector":{"$binary":"AAAAAAAAAAA/gAAA"}},"options":{"includeSimilarity":true}}}`,
		},
		{
			name: "updateOne",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").UpdateOne(ctx, astra.Filter{"_id": "doc1"}, astra.Update{"$set": astra.Document{"name": "A"}, "$inc": astra.Document{"n": 10}}, nil)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"updateOne":{"filter":{"_id":"doc1"},"update":{"$set":{"name":"A"},"$inc":{"n":10}},"options":{}}}`,
		},
		{
			name: "updateOne upsert with unset",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").UpdateOne(ctx, astra.Filter{"_id": "doc9"}, astra.Update{"$set": astra.Document{"name": "i"}, "$unset": astra.Document{"old": ""}}, &astra.UpdateOptions{Upsert: true})
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"updateOne":{"filter":{"_id":"doc9"},"update":{"$set":{"name":"i"},"$unset":{"old":""}},"options":{"upsert":true}}}`,
		},
		{
			name: "updateMany push",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").UpdateMany(ctx, astra.Filter{"n": astra.Document{"$gt": 1}}, astra.Update{"$push": astra.Document{"tags": "y"}}, nil)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"updateMany":{"filter":{"n":{"$gt":1}},"update":{"$push":{"tags":"y"}},"options":{}}}`,
		},
		{
			name: "deleteOne",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").DeleteOne(ctx, astra.Filter{"name": "a"}, nil)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"deleteOne":{"filter":{"name":"a"}}}`,
		},
		{
			name: "deleteMany",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").DeleteMany(ctx, astra.Filter{"_id": astra.Document{"$in": []any{"doc9", "doc5"}}})
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"deleteMany":{"filter":{"_id":{"$in":["doc9","doc5"]}}}}`,
		},
		{
			name: "countDocuments",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").CountDocuments(ctx, astra.Filter{"n": astra.Document{"$gt": 2}}, 100)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"countDocuments":{"filter":{"n":{"$gt":2}}}}`,
		},
		{
			name: "estimatedDocumentCount",
			run: func(ctx context.Context, c *astra.Client) error {
				_, err := c.Collection("c").EstimatedDocumentCount(ctx)
				return err
			},
			path: "/v1/default_keyspace/c",
			want: `{"estimatedDocumentCount":{}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, okAnswer)
			c := newClient(t, f.URL, tc.opts...)
			require.NoError(t, tc.run(bg, c))
			calls := f.all()
			require.Len(t, calls, 1)
			assert.Equal(t, tc.path, calls[0].Path)
			assert.JSONEq(t, tc.want, calls[0].Body)
			assert.Equal(t, testToken, calls[0].Header.Get("Token"))
			assert.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
		})
	}
}
