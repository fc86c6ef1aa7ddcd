package local

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

const (
	crashEnvPath  = "KGAS_LOCAL_CRASH_PATH"
	crashEnvStart = "KGAS_LOCAL_CRASH_START"
	crashBatch    = 200 // nodes (and edges) per batch
	crashDim      = 32
)

func crashNodeID(batch, i int) string { return fmt.Sprintf("b%06d-n%03d", batch, i) }

func crashBatchNodes(batch int) []kg.Node {
	nodes := make([]kg.Node, crashBatch)
	for i := range nodes {
		emb := make([]float32, crashDim)
		for j := range emb {
			emb[j] = float32((batch*7+i*13+j*3)%17) - 8
		}
		emb[0] = 100 // never a zero vector
		nodes[i] = kg.Node{ID: crashNodeID(batch, i), Type: "T", Name: "n",
			Properties: map[string]any{"batch": batch, "i": i}, Embedding: emb,
			ChunkIDs: []string{fmt.Sprintf("c%d", batch)}}
	}
	return nodes
}

func crashBatchEdges(batch int) []kg.Edge {
	edges := make([]kg.Edge, crashBatch)
	for i := range edges {
		edges[i] = edge(crashNodeID(batch, i), "next", crashNodeID(batch, (i+1)%crashBatch), fmt.Sprintf("c%d", batch))
	}
	return edges
}

// TestCrashChild is the child of TestCrashSafety: it ingests batches until
// killed, printing "ack N" once batch N's nodes and edges are both
// upserted. It is skipped unless run by TestCrashSafety.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvPath)
	if path == "" {
		t.Skip("run by TestCrashSafety")
	}
	start, err := strconv.Atoi(os.Getenv(crashEnvStart))
	require.NoError(t, err)
	s, err := Open(path, WithTimeout(10*time.Second))
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute) // never outlive a lost parent
	for b := start; time.Now().Before(deadline); b++ {
		require.NoError(t, s.UpsertNodes(ctx, crashBatchNodes(b)))
		require.NoError(t, s.UpsertEdges(ctx, crashBatchEdges(b)))
		_, err := fmt.Fprintf(os.Stdout, "ack %d\n", b) // os.Stdout is unbuffered
		require.NoError(t, err)
	}
}

// runCrashChild starts the child on path from batch start, SIGKILLs it
// delay after it has acknowledged killAfter batches, and returns the last acknowledged
// batch (-1: none).
func runCrashChild(t *testing.T, path string, start, killAfter int, delay time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvPath+"="+path, crashEnvStart+"="+strconv.Itoa(start))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	last, acks, killed := -1, 0, false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var b int
		if _, err := fmt.Sscanf(sc.Text(), "ack %d", &b); err != nil {
			continue
		}
		require.Equal(t, start+acks, b, "acks in order")
		last, acks = b, acks+1
		if acks == 1 {
			// The child holds the file: opening it here fails cleanly.
			_, err := Open(path, WithTimeout(50*time.Millisecond))
			require.ErrorIs(t, err, ErrLocked)
			require.ErrorContains(t, err, path)
		}
		if acks == killAfter && !killed {
			time.Sleep(delay) // land the kill in another phase of the next batch
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "child ended before the kill: %v\n%s", err, stderr.String())
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	status, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, status.Signaled(), "child killed by a signal, got %v", err)
	return last
}

// batchState reports how much of a batch is stored: nodes present, nodes
// with their embedding, edges present.
func batchState(t *testing.T, s *Store, batch int) (nodes, edges int) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, crashBatch)
	for i := range ids {
		ids[i] = crashNodeID(batch, i)
	}
	got, err := s.Nodes(ctx, ids)
	require.NoError(t, err)
	want := crashBatchNodes(batch)
	for i, n := range got {
		if n != nil {
			nodes++
			require.Equal(t, want[i].Embedding, n.Embedding)
			require.Equal(t, want[i].ChunkIDs, n.ChunkIDs)
		}
	}
	nb, err := s.Neighbors(ctx, ids, kg.NeighborOptions{})
	require.NoError(t, err)
	for _, es := range nb {
		edges += len(es)
	}
	return nodes, edges
}

// TestCrashSafety kills a child process (SIGKILL) in the middle of an
// ingest, four times with different kill timings, and checks after each kill that every acknowledged batch
// is fully present, no batch is half-present, and the vector index matches
// the records.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	start := 0
	for round, delay := range []time.Duration{0, 4 * time.Millisecond, 9 * time.Millisecond, 17 * time.Millisecond} {
		const killAfter = 15
		last := runCrashChild(t, path, start, killAfter, delay)
		require.GreaterOrEqual(t, last, start+killAfter-1)

		s, err := Open(path)
		require.NoError(t, err)
		checkIndex(t, s)
		var full, partial, present int
		for b := 0; ; b++ {
			nodes, edges := batchState(t, s, b)
			if b <= last {
				require.Equal(t, crashBatch, nodes, "acknowledged batch %d: nodes", b)
				require.Equal(t, crashBatch, edges, "acknowledged batch %d: edges", b)
				full++
				present = b + 1
				continue
			}
			if nodes == 0 && edges == 0 {
				break
			}
			// Committed but not acknowledged: each upsert all or nothing.
			require.Equal(t, crashBatch, nodes, "batch %d half-present: %d nodes", b, nodes)
			require.Contains(t, []int{0, crashBatch}, edges, "batch %d half-present: %d edges", b, edges)
			partial++
			present = b + 1
		}
		st, err := s.Stats(context.Background())
		require.NoError(t, err)
		assert.Equal(t, present*crashBatch, st.Nodes)
		assert.Equal(t, st.Nodes, st.Embedded, "index size = embedded nodes")
		t.Logf("round %d: killed %v after ack %d; %d acknowledged batches complete, %d committed-unacknowledged, stats %+v",
			round, delay, last, full, partial, st)
		require.NoError(t, s.Close())
		start = last + 1 // unacknowledged batches are ingested again (idempotent)
	}
}
