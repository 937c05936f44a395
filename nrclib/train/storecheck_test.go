package train

import (
	stdctx "context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// finishedRun trains resumeJob into a fresh store and returns the store,
// the job and the result.
func finishedRun(t *testing.T) (*Store, Job, *Result) {
	t.Helper()
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	res, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return st, job, res
}

// Temporary files of atomic writes killed midway are removed when the run
// directory is next opened.
func TestStaleTempFilesSwept(t *testing.T) {
	st, job, res := finishedRun(t)
	for _, name := range []string{".checkpoint.bin.tmp-1553798893", ".results.jsonl.tmp-42", ".status.json.tmp-7"} {
		if err := os.WriteFile(filepath.Join(res.Dir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(res.Dir, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	if _, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(res.Dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("%s left in the run directory", e.Name())
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file that is not a temporary was removed: %v", err)
	}
}

// A finished run whose results.jsonl or status.json was truncated or
// edited is not served: the error says so, and its advice — which keeps
// the checkpoint — restores the same records without training.
func TestTamperedStoreDetected(t *testing.T) {
	st, job, res := finishedRun(t)
	results := filepath.Join(res.Dir, "results.jsonl")
	status := filepath.Join(res.Dir, "status.json")
	orig, _ := os.ReadFile(results)
	origStatus, _ := os.ReadFile(status)
	lines := strings.SplitAfter(string(orig), "\n")
	rerun := func() (*Result, error) {
		return Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	}
	restore := func() {
		os.WriteFile(results, orig, 0o644)
		os.WriteFile(status, origStatus, 0o644)
	}
	var noDigest runStatus
	json.Unmarshal(origStatus, &noDigest)
	noDigest.Records, noDigest.ResultsSHA256 = 0, ""
	oldStatus, _ := json.Marshal(noDigest)
	for _, c := range []struct {
		name            string
		results, status string
		want            []string
	}{
		{"results cut at a line", strings.Join(lines[:len(lines)/2], ""), string(origStatus), []string{"truncated or edited", "keep checkpoint.bin"}},
		{"results emptied", "", string(origStatus), []string{"truncated or edited", "keep checkpoint.bin"}},
		{"one value edited", strings.Replace(string(orig), `"value":`, `"value":1`, 1), string(origStatus), []string{"truncated or edited"}},
		{"forged status at epoch 2", string(orig), `{"epoch":2,"epochs":6,"complete":true}`, []string{"complete at epoch 2 of 6", "keep checkpoint.bin"}},
		{"old-format status, results cut", strings.Join(lines[:len(lines)-3], ""), string(oldStatus), []string{"differs from the", "final checkpoint"}},
		{"status cut", string(orig), string(origStatus[:10]), []string{"status.json", "keep checkpoint.bin"}},
	} {
		os.WriteFile(results, []byte(c.results), 0o644)
		os.WriteFile(status, []byte(c.status), 0o644)
		got, err := rerun()
		if err == nil {
			t.Errorf("%s: served (cached %v, %d records)", c.name, got.Cached, len(got.Records))
		} else {
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q lacks %q", c.name, err, w)
				}
			}
		}
		restore()
	}
	// An old-format status over intact results is checked against the
	// checkpoint and served.
	os.WriteFile(status, oldStatus, 0o644)
	if got, err := rerun(); err != nil || !got.Cached {
		t.Fatalf("old-format status: %v", err)
	}
	// Following the advice: delete results.jsonl and status.json; the
	// records come back from the checkpoint, without training.
	os.WriteFile(results, []byte(lines[0]), 0o644)
	os.Remove(results)
	os.Remove(status)
	got, err := rerun()
	if err != nil || got.ResumedFrom != job.Config.Epochs {
		t.Fatalf("after the advice: %v, resumed from %d", err, got.ResumedFrom)
	}
	sameRecords(t, got.Records, res.Records)
	if again, _ := os.ReadFile(results); string(again) != string(orig) {
		t.Error("results.jsonl not rewritten as it was")
	}
}

// A store that cannot be written still serves its finished runs, and says
// what to do for one it would have to train.
func TestReadOnlyStoreServesFinishedRuns(t *testing.T) {
	st, job, res := finishedRun(t)
	defer func(f func(string) (*os.File, error)) { openLockFile = f }(openLockFile)
	openLockFile = func(path string) (*os.File, error) {
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EROFS}
	}
	got, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err != nil || !got.Cached {
		t.Fatalf("finished run from a read-only store: %v", err)
	}
	sameRecords(t, got.Records, res.Records)
	other := resumeJob(t)
	other.Config.Seed++
	_, err = Run(stdctx.Background(), other, Options{Backend: testBackend, Store: st})
	if err == nil || !strings.Contains(err.Error(), "not writable") || !strings.Contains(err.Error(), "--no-store") {
		t.Errorf("unfinished run in a read-only store: %v", err)
	}
}

// cancelAt stops a run at the first step of an epoch.
type cancelAt struct {
	epoch  int
	cancel func()
}

func (c cancelAt) Update(s Status) {
	if s.Epoch == c.epoch && !s.EpochDone {
		c.cancel()
	}
}
func (cancelAt) Finish(Status, error) {}

// checkpointEpoch returns the epoch of the run's checkpoint.
func checkpointEpoch(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "checkpoint.bin"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	return c.epoch
}

// Checkpoints are also taken on a time interval, so a run stopped between
// sparse measured epochs loses at most that much work; turned off, the
// last checkpoint is the last measured epoch.
func TestCheckpointInterval(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		want     int
	}{{time.Nanosecond, 5}, {-1, 4}} {
		st, err := OpenStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		job := resumeJob(t) // measured at 2, 4 and 6
		ctx, cancel := stdctx.WithCancel(stdctx.Background())
		_, err = Run(ctx, job, Options{Backend: testBackend, Store: st, CheckpointInterval: c.interval, Progress: cancelAt{6, cancel}})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "stopped during epoch 6") {
			t.Fatalf("interval %v: %v", c.interval, err)
		}
		key, _ := Key(&job)
		if got := checkpointEpoch(t, st.RunDir(key)); got != c.want {
			t.Errorf("interval %v: last checkpoint at epoch %d, want %d", c.interval, got, c.want)
		}
	}
}

// Jobs that would fail at their first measurement fail before training.
func TestPrecheckBeforeTraining(t *testing.T) {
	narrow := resumeJob(t)
	narrow.Model = newTestMLP(t, 5, 1, 2, 3) // width 1 < t = 2
	tiny := resumeJob(t)
	tiny.Data = teacherData(5, 2, 5, 2) // 1 training row
	bigRank := resumeJob(t)
	bigRank.Config.Rank = 13
	constant := resumeJob(t)
	constant.Data = teacherData(5, 120, 5, 2)
	for i := range constant.Data.Train.Y {
		constant.Data.Train.Y[i] = 0.5
	}
	for name, c := range map[string]struct {
		job  Job
		want string
	}{
		"width 1":          {narrow, "--width"},
		"2 samples":        {tiny, "at least 2"},
		"rank > width":     {bigRank, "rank k = 13"},
		"constant targets": {constant, "every target row"},
	} {
		rec := &recorder{fn: func(s Status) { t.Errorf("%s: training started (epoch %d)", name, s.Epoch) }}
		_, err := Run(stdctx.Background(), c.job, Options{Backend: testBackend, Progress: rec})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
	t.Setenv("DEEPNRC_MEMORY", "1MiB")
	wide := resumeJob(t)
	wide.Model = newTestMLP(t, 5, 512, 2, 3)
	if _, err := Run(stdctx.Background(), wide, Options{Backend: testBackend}); err == nil || !strings.Contains(err.Error(), "over the memory budget") {
		t.Errorf("width 512 under a 1 MiB budget: %v", err)
	}
}
