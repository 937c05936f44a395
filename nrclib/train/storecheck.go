package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// This file holds the run store's self-checks: stale temporary files are
// swept when a run directory is opened, status.json carries the count and
// SHA-256 of results.jsonl so that a finished run is served only when its
// results are the ones written, and a read-only store can still serve
// finished runs.

// sweepStaleTemps removes the temporary files (".<name>.tmp-*") that an
// atomic write killed midway left in dir, and reports how many it removed.
// The caller holds the run's lock, or the run is complete, so no write
// of this run is under way.
func sweepStaleTemps(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") || e.IsDir() {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			removed++
		}
	}
	return removed
}

// digestResults returns the count line and SHA-256 that status.json keeps
// of results.jsonl's bytes.
func digestResults(b []byte) (records int, sum string) {
	h := sha256.Sum256(b)
	return bytes.Count(b, []byte("\n")), hex.EncodeToString(h[:])
}

// keepCheckpointAdvice is the repair advice for a finished run whose
// bookkeeping files do not agree: the checkpoint holds the records (under
// its own checksum), so only the two derived files go.
func keepCheckpointAdvice(dir string) string {
	return fmt.Sprintf("delete %s and %s (keep checkpoint.bin) and rerun the same command: "+
		"the run's records are restored from its checkpoint without training",
		filepath.Join(dir, "results.jsonl"), filepath.Join(dir, "status.json"))
}

// completeRecords returns the records of a run whose status says it is
// complete, after checking that status.json, results.jsonl and (for a
// status without a digest, as older stores wrote) the final checkpoint
// agree. A disagreement is an error with advice that keeps the checkpoint.
func (r *runHandle) completeRecords(st runStatus, epochs int) ([]byte, error) {
	if st.Epoch != epochs || st.Epochs != epochs {
		return nil, fmt.Errorf("train: run %s: status.json says it is complete at epoch %d of %d but the run has %d epochs: "+
			"status.json was edited or is stale; delete %s (keep checkpoint.bin) and rerun: the run resumes from its checkpoint",
			r.key, st.Epoch, st.Epochs, epochs, filepath.Join(r.dir, "status.json"))
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "results.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("train: run %s is complete but its results are unreadable (%v); %s", r.key, err, keepCheckpointAdvice(r.dir))
	}
	n, sum := digestResults(b)
	if st.ResultsSHA256 != "" {
		if sum != st.ResultsSHA256 || n != st.Records {
			return nil, fmt.Errorf("train: run %s: results.jsonl holds %d records but status.json recorded %d with another checksum: "+
				"the results were truncated or edited; %s", r.key, n, st.Records, keepCheckpointAdvice(r.dir))
		}
		return b, nil
	}
	// No digest (a store written before status.json had one, or a status
	// written by hand): the checkpoint decides.
	c, err := r.loadCheckpoint()
	if err != nil {
		return nil, err
	}
	if c == nil || c.epoch != epochs {
		at := "no checkpoint"
		if c != nil {
			at = fmt.Sprintf("a checkpoint of epoch %d", c.epoch)
		}
		return nil, fmt.Errorf("train: run %s: status.json says it is complete but the run directory holds %s of %d epochs: "+
			"status.json was edited or is stale; delete %s (keep checkpoint.bin) and rerun: the run resumes from its checkpoint",
			r.key, at, epochs, filepath.Join(r.dir, "status.json"))
	}
	want, err := encodeRecords(c.records)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(want, b) {
		return nil, fmt.Errorf("train: run %s: results.jsonl (%d records) differs from the %d records of its final checkpoint: "+
			"the results were truncated or edited; %s", r.key, n, len(c.records), keepCheckpointAdvice(r.dir))
	}
	return b, nil
}

// isReadOnlyErr reports whether err says the store cannot be written.
func isReadOnlyErr(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}

// openReadOnly opens an existing run directory of a store that cannot be
// written, to serve a finished run: a run whose lock is held by a live
// process is reported as such, and nothing is written.
func (s *Store) openReadOnly(key string, cause error) (*runHandle, error) {
	dir := s.RunDir(key)
	path := filepath.Join(dir, lockFile)
	if st, err := readLock(path); err == nil {
		if ok, _ := st.stale(s.lockStale()); !ok {
			return nil, lockedError(key, path, st, s.lockStale())
		}
	}
	return &runHandle{dir: dir, key: key, readOnly: true, roCause: cause}, nil
}

// readOnlyError explains that a run that is not finished cannot be
// trained in a read-only store.
func (r *runHandle) readOnlyError() error { return notWritableError(r.key, r.roCause) }

// notWritableError says that run key cannot be trained in a store that
// cannot be written (cause says why).
func notWritableError(key string, cause error) error {
	return fmt.Errorf("train: the run store is not writable (%v) and run %s is not complete in it, so it cannot be trained there: "+
		"pass --no-store to train in memory, or a writable --store (a copy of this one keeps its finished runs)", cause, key)
}

// servedRecords returns the checked records of a complete run.
func (r *runHandle) servedRecords(st runStatus, epochs int) ([]nrc.Record, error) {
	b, err := r.completeRecords(st, epochs)
	if err != nil {
		return nil, err
	}
	recs, err := decodeRecords(b, filepath.Join(r.dir, "results.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("train: run %s is complete but its results are unreadable (%v); %s", r.key, err, keepCheckpointAdvice(r.dir))
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("train: run %s is complete but results.jsonl holds no records; %s", r.key, keepCheckpointAdvice(r.dir))
	}
	return recs, nil
}
