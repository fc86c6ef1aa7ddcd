package local

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kgas-dev/kgas/graphrag/local/vecindex"
)

// snapshotPath is where Close persists an HNSW index.
func (s *Store) snapshotPath() string { return s.path + ".hnsw" }

// takeSnapshot reads and removes the HNSW snapshot (nil when absent or
// unreadable). It is removed whatever the index kind, so that writes made
// from now on can never meet a stale snapshot at a later Open: only a clean
// Close writes one again.
func (s *Store) takeSnapshot() *vecindex.HNSW {
	p := s.snapshotPath()
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var h *vecindex.HNSW
	if err == nil {
		if s.cfg.index != IndexExact {
			h, err = vecindex.LoadHNSW(bufio.NewReaderSize(f, 1<<20))
		}
		_ = f.Close()
	}
	if err != nil {
		s.cfg.logger.Warn("local: ignoring unreadable HNSW snapshot", "path", p, "err", err)
		h = nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.cfg.logger.Warn("local: cannot remove HNSW snapshot", "path", p, "err", err)
		return nil // cannot guarantee it will not go stale: rebuild
	}
	return h
}

// writeSnapshot persists an HNSW index atomically (temporary file, fsync,
// rename, directory fsync). Caller holds the close lock.
func (s *Store) writeSnapshot() error {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	h, ok := s.idx.vec.(*vecindex.HNSW)
	if !ok {
		return nil
	}
	p := s.snapshotPath()
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = h.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("local: write HNSW snapshot: %w", err)
	}
	if d, err := os.Open(filepath.Dir(p)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
