package train

import (
	stdctx "context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestCheckpointRoundTripAndCorruption(t *testing.T) {
	ctx := context.New()
	ctx.In("a").VariableWithValue("w", tensors.FromFlatDataAndDimensions([]float32{1.5, -2, 3e-8, 7}, 2, 2))
	ctx.In("b").VariableWithValue("steps", []int64{1, 1 << 40}).SetTrainable(false)
	recs := []nrc.Record{{Run: "r", Epoch: 2, Layer: "fc1", Metric: "noise", Value: 0.25},
		{Run: "r", Epoch: 2, Metric: "x", Value: math.NaN()}, {Run: "r", Epoch: 2, Metric: "y", Value: math.Inf(-1)}}
	ll := []nrc.LastLayer{{Epoch: 2, WWT: [][]float64{{1, 0.5}, {0.5, 2}}, CovY: [][]float64{{3, 0}, {0, 4}}}}
	c, err := snapshot(ctx, "k", 2, recs, ll)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeCheckpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.epoch != 2 || back.key != "k" || len(back.records) != 3 || back.records[0] != recs[0] ||
		!math.IsNaN(back.records[1].Value) || !math.IsInf(back.records[2].Value, -1) {
		t.Fatalf("decoded header %+v", back)
	}
	if !reflect.DeepEqual(back.lastLayer, ll) {
		t.Fatalf("last-layer states %+v, want %+v", back.lastLayer, ll)
	}
	path := filepath.Join(t.TempDir(), "r.jsonl")
	enc, err := encodeRecords(recs)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, enc); err != nil {
		t.Fatal(err)
	}
	read, err := ReadRecords(path)
	if err != nil || len(read) != 3 || read[0] != recs[0] || !math.IsNaN(read[1].Value) || !math.IsInf(read[2].Value, -1) {
		t.Fatalf("ReadRecords = %v, %v", read, err)
	}
	fresh := context.New()
	if err := back.restore(fresh); err != nil {
		t.Fatal(err)
	}
	w := fresh.GetVariableByScopeAndName("/a", "w")
	s := fresh.GetVariableByScopeAndName("/b", "steps")
	if w == nil || s == nil {
		t.Fatal("restored context lacks variables")
	}
	if got := tensors.MustCopyFlatData[float32](w.MustValue()); got[0] != 1.5 || got[2] != 3e-8 || got[3] != 7 || !w.Trainable {
		t.Errorf("restored w = %v trainable=%v", got, w.Trainable)
	}
	if got := tensors.MustCopyFlatData[int64](s.MustValue()); got[1] != 1<<40 || s.Trainable {
		t.Errorf("restored steps = %v trainable=%v", got, s.Trainable)
	}
	if err := back.restore(fresh); err == nil {
		t.Error("restoring twice into the same context gave no error")
	}
	fresh.In("c").VariableWithValue("extra", []float32{1})
	if err := back.checkSameVariables(fresh); err == nil || !strings.Contains(err.Error(), "/c/extra") {
		t.Errorf("an extra variable was not reported: %v", err)
	}

	for _, i := range []int{0, 20, len(raw) / 2, len(raw) - 1} {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x40
		if _, err := decodeCheckpoint(bad); !errors.Is(err, errCorrupt) {
			t.Errorf("flipping byte %d: err = %v, want errCorrupt", i, err)
		}
	}
	if _, err := decodeCheckpoint(raw[:len(raw)-5]); !errors.Is(err, errCorrupt) {
		t.Errorf("truncated file: err = %v", err)
	}
}

func TestKeyCoversTheConfiguration(t *testing.T) {
	base := resumeJob(t)
	k0, err := Key(&base)
	if err != nil {
		t.Fatal(err)
	}
	same := resumeJob(t)
	same.Name = "another label"
	same.Config.Milestones = DefaultMilestones(same.Config.Epochs) // explicit default
	if k, _ := Key(&same); k != k0 {
		t.Error("label or explicit default milestones changed the key")
	}
	for name, mod := range map[string]func(*Job){
		"seed":         func(j *Job) { j.Config.Seed++ },
		"lr":           func(j *Job) { j.Config.LearningRate *= 2 },
		"wd":           func(j *Job) { j.Config.WeightDecay = 0 },
		"epochs":       func(j *Job) { j.Config.Epochs++ },
		"measure":      func(j *Job) { j.Config.MeasureEpochs = []int{1} },
		"model":        func(j *Job) { j.Model = newTestMLP(t, 5, 13, 2, 3) },
		"data options": func(j *Job) { j.DataOptions = map[string]int{"n": 1} },
		"data values":  func(j *Job) { j.Data.Train.X[7] += 1e-6 },
		"data name":    func(j *Job) { j.Data.Name = "other" },
	} {
		j := resumeJob(t)
		mod(&j)
		if k, _ := Key(&j); k == k0 {
			t.Errorf("changing %s kept the key", name)
		}
	}
}

func TestStoreRefusesAConcurrentRun(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	kc, _ := keyOf(&job)
	key, _ := Key(&job)
	h, err := st.openRun(key, kc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("a locked run: err = %v", err)
	}
	h.close()
	res, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRecords(filepath.Join(res.Dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sameRecords(t, recs, res.Records)
	if _, err := os.Stat(filepath.Join(res.Dir, "config.json")); err != nil {
		t.Error(err)
	}
	// Stopped after writing the final checkpoint but before marking the
	// run complete: the next call finishes the bookkeeping, the one after
	// is served from the store.
	os.WriteFile(filepath.Join(res.Dir, "status.json"), []byte(`{"epoch":6,"epochs":6,"complete":false}`), 0o644)
	again, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err != nil || again.Cached || again.ResumedFrom != 6 {
		t.Fatalf("after an unmarked final checkpoint: %v, cached=%v, resumed from %d", err, again != nil && again.Cached, again.ResumedFrom)
	}
	sameRecords(t, again.Records, res.Records)
	if third, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st}); err != nil || !third.Cached {
		t.Fatalf("third call: %v, not cached", err)
	}
	// A damaged checkpoint of an unfinished run is reported, not ignored.
	os.WriteFile(filepath.Join(res.Dir, "status.json"), []byte(`{"epoch":6,"epochs":6,"complete":false}`), 0o644)
	os.WriteFile(filepath.Join(res.Dir, "checkpoint.bin"), []byte("DNRCCKPTgarbage"), 0o644)
	_, err = Run(stdctx.Background(), job, Options{Backend: testBackend, Store: st})
	if err == nil || !strings.Contains(err.Error(), "delete the run directory") {
		t.Errorf("damaged checkpoint: err = %v", err)
	}
}

// A run measured differently is another run: the store must not hand back
// records measured differently.
func TestMeasureIsPartOfTheRunKey(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	first, err := Run(stdctx.Background(), job, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	job2 := resumeJob(t)
	job2.Measure.Spectrum = 2
	other, err := Run(stdctx.Background(), job2, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if other.Cached || other.Key == first.Key {
		t.Errorf("a run with another measurer came from the store (cached %v, same key %v)", other.Cached, other.Key == first.Key)
	}
	again, err := Run(stdctx.Background(), resumeJob(t), Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Key != first.Key {
		t.Errorf("the default measurement's run was not found again (cached %v)", again.Cached)
	}
}

// A last-layer run keeps W·Wᵀ and Σ_Y per measured epoch, typed, and a
// run found complete in the store returns the same states.
func TestLastLayerStatesAreStored(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	job.Measure.LastLayer = true
	first, err := Run(stdctx.Background(), job, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.LastLayer) != len(job.Config.MeasureEpochs)+1 || first.LastLayer[0].T() != 2 {
		t.Fatalf("last-layer states %+v", first.LastLayer)
	}
	if _, err := nrc.Results(first.Records).Value("resume", nrc.MetricNRC1, nrc.Final); err != nil {
		t.Fatal(err)
	}
	again, err := Run(stdctx.Background(), job, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || !reflect.DeepEqual(again.LastLayer, first.LastLayer) {
		t.Fatalf("stored states differ (cached %v)", again.Cached)
	}
	if g := first.LastLayer[len(first.LastLayer)-1]; g.Epoch != job.Config.Epochs {
		t.Fatalf("last state is of epoch %d", g.Epoch)
	}
}
