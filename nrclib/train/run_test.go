package train

import (
	"context"
	stdctx "context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// envChild makes the test binary train resumeJob into the store named by
// its value and exit (see TestResumeAfterSIGKILL).
const envChild = "DEEPNRC_TRAIN_TEST_CHILD"

func resumeJob(tb testing.TB) Job {
	cfg := DefaultConfig(6)
	cfg.BatchSize = 16
	cfg.LearningRate = 0.05
	cfg.WeightDecay = 1e-3
	cfg.Seed = 3
	cfg.MeasureEpochs = []int{2, 4}
	cfg.EvalBatchSize = 24
	return Job{Name: "resume", Model: newTestMLP(tb, 5, 12, 2, 3), Data: teacherData(5, 120, 5, 2), Config: cfg}
}

// slowProgress sleeps after each epoch so that a parent process can kill
// the run between checkpoints.
type slowProgress struct{ d time.Duration }

func (p slowProgress) Update(s Status) {
	if s.EpochDone {
		time.Sleep(p.d)
	}
}
func (slowProgress) Finish(Status, error) {}

func childMain(dir string) int {
	st, err := OpenStore(dir)
	if err != nil {
		return 3
	}
	_, err = Run(stdctx.Background(), resumeJob(nil), Options{Backend: testBackend, Store: st,
		CheckpointEvery: 1, Progress: slowProgress{time.Second}})
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 4
	}
	return 0
}

func TestResumeAfterSIGKILL(t *testing.T) {
	ref, err := Run(stdctx.Background(), resumeJob(t), Options{Backend: testBackend})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	key, err := Key(ptr(resumeJob(t)))
	if err != nil {
		t.Fatal(err)
	}
	statusFile := filepath.Join(dir, "runs", key, "status.json")
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(statusFile)
		var st runStatus
		if err == nil && json.Unmarshal(b, &st) == nil && st.Epoch >= 1 {
			if st.Complete {
				t.Fatal("the child finished before it could be killed")
			}
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint appeared within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(stdctx.Background(), resumeJob(t), Options{Backend: testBackend, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if got.ResumedFrom < 1 || got.ResumedFrom >= 6 {
		t.Fatalf("resumed from epoch %d, want a checkpoint between 1 and 5", got.ResumedFrom)
	}
	t.Logf("resumed from epoch %d", got.ResumedFrom)
	if got.Cached {
		t.Fatal("an interrupted run was reported as cached")
	}
	sameRecords(t, got.Records, ref.Records)
	entries, _ := os.ReadDir(filepath.Join(dir, "runs", key))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in the run directory", e.Name())
		}
	}

	// A finished run comes back from the store without training.
	start := time.Now()
	again, err := Run(stdctx.Background(), resumeJob(t), Options{Backend: testBackend, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Context != nil {
		t.Fatalf("re-running a finished run: Cached=%v, want true with no context", again.Cached)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cached run took %v", d)
	}
	sameRecords(t, again.Records, ref.Records)

	// The stored final weights are those of the uninterrupted run.
	ctx, epoch, err := st.LoadContext(key)
	if err != nil || epoch != 6 {
		t.Fatalf("LoadContext: epoch %d, %v", epoch, err)
	}
	for _, scope := range []string{"/fc1", "/fc2", "/fc3"} {
		if !slices.Equal(weightsOf(ctx, scope), weightsOf(ref.Context, scope)) {
			t.Errorf("%s weights of the resumed run differ from the uninterrupted run's", scope)
		}
	}
	if _, _, err := st.LoadContext("nope"); err == nil {
		t.Error("LoadContext of an unknown run gave no error")
	}
}

func ptr[T any](v T) *T { return &v }

func sameRecords(t *testing.T, got, want []nrc.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] && !(math.IsNaN(got[i].Value) && math.IsNaN(want[i].Value)) {
			t.Fatalf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRunIsDeterministicAndRecordsEveryEpoch(t *testing.T) {
	job := resumeJob(t)
	job.Config.Epochs = 4
	var progress []Status
	rec := recorder{fn: func(s Status) { progress = append(progress, s) }}
	a, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Progress: &rec})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(stdctx.Background(), job, Options{Backend: testBackend})
	if err != nil {
		t.Fatal(err)
	}
	sameRecords(t, a.Records, b.Records)

	// train and test MSE at every epoch, metrics at epochs 2 and 4.
	var train []float64
	perEpoch := map[int]map[string]int{}
	for _, r := range a.Records {
		if r.Run != "resume" {
			t.Fatalf("record %+v has the wrong run label", r)
		}
		if perEpoch[r.Epoch] == nil {
			perEpoch[r.Epoch] = map[string]int{}
		}
		perEpoch[r.Epoch][r.Metric]++
		if r.Metric == nrc.MetricTrainMSE {
			train = append(train, r.Value)
		}
	}
	for e := 1; e <= 4; e++ {
		m := perEpoch[e]
		if m[nrc.MetricTrainMSE] != 1 || m[nrc.MetricTestMSE] != 1 {
			t.Errorf("epoch %d: %d train and %d test MSE records, want 1 each", e, m[nrc.MetricTrainMSE], m[nrc.MetricTestMSE])
		}
		measured := e == 2 || e == 4
		if got := m[nrc.MetricNoise]; (got == 3) != measured || (got != 0 && got != 3) {
			t.Errorf("epoch %d: %d noise records, want %d", e, got, map[bool]int{true: 3}[measured])
		}
		if (m[nrc.MetricModelMSE] == 1) != measured {
			t.Errorf("epoch %d: %d model MSE records", e, m[nrc.MetricModelMSE])
		}
	}
	if !(train[3] < train[0]) {
		t.Errorf("train MSE did not decrease: %v", train)
	}
	if len(progress) == 0 || !progress[len(progress)-1].EpochDone || progress[len(progress)-1].Epoch != 4 {
		t.Errorf("progress did not end with epoch 4 done: %+v", progress[len(progress)-1:])
	}
	if rec.finished != 1 || rec.err != nil {
		t.Errorf("Finish called %d times with %v", rec.finished, rec.err)
	}
}

type recorder struct {
	fn       func(Status)
	finished int
	err      error
}

func (r *recorder) Update(s Status) { r.fn(s) }
func (r *recorder) Finish(s Status, err error) {
	r.finished++
	r.err = err
}

// probeCheck is a measuring pass that checks what the trainer feeds it.
type probeCheck struct {
	t        *testing.T
	train    [][]float32 // X rows of the training split
	ys       [][]float32
	seen     int
	mse      float64
	epochs   []int
	rowsSeen []int
}

func (p *probeCheck) newPass(probes []model.Probe, targetDim int) measurePass {
	if len(probes) != 1 || probes[0].Width != 3 || targetDim != 2 {
		p.t.Errorf("NewPass(%v, %d)", probes, targetDim)
	}
	p.seen = 0
	return p
}

func (p *probeCheck) addBatch(layer int, h, y []float32, rows int) error {
	if len(h) != rows*3 || len(y) != rows*2 {
		p.t.Errorf("AddBatch: %d features and %d targets for %d rows", len(h), len(y), rows)
	}
	for r := 0; r < rows; r++ {
		if !slices.Equal(h[r*3:(r+1)*3], p.train[p.seen+r]) || !slices.Equal(y[r*2:(r+1)*2], p.ys[p.seen+r]) {
			p.t.Errorf("AddBatch row %d: features %v targets %v, want %v %v", p.seen+r, h[r*3:(r+1)*3], y[r*2:(r+1)*2], p.train[p.seen+r], p.ys[p.seen+r])
		}
	}
	p.seen += rows
	return nil
}

func (p *probeCheck) finish(w []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, *nrc.LastLayer, error) {
	p.mse = modelMSE
	p.epochs = append(p.epochs, epoch)
	p.rowsSeen = append(p.rowsSeen, p.seen)
	if len(w) != 1 || w[0].In() != 3 {
		p.t.Errorf("weights %v", w)
	}
	return []nrc.Record{{Run: run, Epoch: epoch, Layer: "fc1", Metric: "rows", Value: float64(p.seen)}}, nil, nil
}

// The measuring pass sees every training row once, in order, with the
// probe of a linear model's input equal to X itself, and the model MSE it
// gets equals the MSE of X·W computed here from the trained W.
func TestMeasurePassFeedsEveryTrainingRow(t *testing.T) {
	ds := teacherData(9, 50, 3, 2) // 40 train rows, eval batch 16 → a padded last batch
	pc := &probeCheck{t: t}
	for i := 0; i < ds.Train.N; i++ {
		pc.train = append(pc.train, ds.Train.X[i*3:(i+1)*3])
		pc.ys = append(pc.ys, ds.Train.Y[i*2:(i+1)*2])
	}
	cfg := DefaultConfig(3)
	cfg.BatchSize, cfg.EvalBatchSize, cfg.LearningRate = 8, 16, 0.05
	cfg.MeasureEpochs = []int{0, 2}
	m := &linearModel{d: 3, t: 2, w0: []float32{0.1, 0.2, -0.3, 0.4, 0.5, -0.6}}
	res, err := Run(stdctx.Background(), Job{Model: m, Data: ds, Config: cfg}, Options{Backend: testBackend, newPass: pc.newPass})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pc.epochs, []int{0, 2, 3}) || !slices.Equal(pc.rowsSeen, []int{40, 40, 40}) {
		t.Fatalf("measured epochs %v with rows %v, want [0 2 3] with 40 each", pc.epochs, pc.rowsSeen)
	}
	w := weightsOf(res.Context, "/lin")
	var sse float64
	for i := 0; i < ds.Train.N; i++ {
		for k := 0; k < 2; k++ {
			p := 0.0
			for j := 0; j < 3; j++ {
				p += float64(ds.Train.X[i*3+j]) * float64(w[j*2+k])
			}
			e := p - float64(ds.Train.Y[i*2+k])
			sse += e * e
		}
	}
	if want := sse / 80; math.Abs(pc.mse-want) > 1e-5*want {
		t.Errorf("model MSE %v, computed from the weights %v", pc.mse, want)
	}
	if res.Key == "" || !strings.HasPrefix(res.Records[0].Run, res.Key) {
		t.Errorf("an unnamed run should be labelled by its key %q, got %q", res.Key, res.Records[0].Run)
	}
}

func TestDivergenceStopsWithEpochAndLearningRate(t *testing.T) {
	job := resumeJob(t)
	job.Config.LearningRate = 1e6
	rec := &recorder{fn: func(Status) {}}
	_, err := Run(stdctx.Background(), job, Options{Backend: testBackend, Progress: rec})
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("err = %v, want ErrDiverged", err)
	}
	if !strings.Contains(err.Error(), "epoch 1") || !strings.Contains(err.Error(), "learning rate 1e+06") {
		t.Errorf("error %q should name the epoch and learning rate", err)
	}
	if rec.err == nil {
		t.Error("Finish did not receive the error")
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	c, cancel := stdctx.WithCancel(stdctx.Background())
	cancel()
	_, err := Run(c, resumeJob(t), Options{Backend: testBackend})
	if !errors.Is(err, stdctx.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	job := resumeJob(t)
	job.Config.BatchSize = 0
	if _, err := Run(stdctx.Background(), job, Options{Backend: testBackend}); err == nil || !strings.Contains(err.Error(), "BatchSize") {
		t.Errorf("batch 0: err = %v", err)
	}
	job = resumeJob(t)
	job.Data.Train.Y = job.Data.Train.Y[:5]
	if _, err := Run(stdctx.Background(), job, Options{Backend: testBackend}); err == nil || !strings.Contains(err.Error(), "targets") {
		t.Errorf("short Y: err = %v", err)
	}
	job = resumeJob(t)
	job.Model = newTestMLP(t, 5, 12, 3, 3) // 3 outputs for 2 targets
	if _, err := Run(stdctx.Background(), job, Options{Backend: testBackend}); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("wrong output width: err = %v", err)
	}
}

// With batch normalisation the training step must use batch statistics
// (and update the running ones) while the evaluation passes use the
// running statistics: then each test sample's prediction depends on that
// sample alone, so the test MSE cannot depend on the evaluation batch size.
func TestBatchNormModes(t *testing.T) {
	m, err := model.NewMLP(model.MLPConfig{InputDim: 5, Hidden: 8, Targets: 2, Layers: 3, Norm: model.NormBatch})
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	job.Model = m
	job.Config.Epochs = 2
	job.Config.MeasureEpochs = []int{}
	testMSE := func(evalBatch int) []nrc.Record {
		j := job
		j.Config.EvalBatchSize = evalBatch
		res, err := Run(stdctx.Background(), j, Options{Backend: testBackend})
		if err != nil {
			t.Fatal(err)
		}
		rv := res.Context.GetVariableByScopeAndName("/norm1", "running_var")
		if rv == nil {
			t.Fatal("no running variance in /norm1")
		}
		if v := tensors.MustCopyFlatData[float32](rv.MustValue()); v[0] == 1 {
			t.Error("training did not update the running variance")
		}
		return res.Records
	}
	a, b := testMSE(7), testMSE(24)
	for i := range a {
		rel := math.Abs(a[i].Value-b[i].Value) / math.Abs(b[i].Value)
		if a[i].Metric == nrc.MetricTrainMSE && a[i].Value != b[i].Value {
			t.Errorf("train MSE depends on the evaluation batch: %v vs %v", a[i], b[i])
		}
		if a[i].Metric == nrc.MetricTestMSE && rel > 1e-5 {
			t.Errorf("test MSE depends on the evaluation batch size (training-mode BN?): %v vs %v", a[i].Value, b[i].Value)
		}
	}
}

// TestEvery thins the test-MSE records (every 3rd epoch, the measured ones
// and the last) without changing the training: the train MSE is the same,
// bit for bit, as with a test pass after every epoch.
func TestTestEveryOnlyThinsTheTestRecords(t *testing.T) {
	every := resumeJob(t)
	thin := resumeJob(t)
	thin.Config.TestEvery = 3
	run := func(j Job) nrc.Results {
		res, err := Run(context.Background(), j, Options{Backend: testBackend})
		if err != nil {
			t.Fatal(err)
		}
		return res.Records
	}
	a, b := run(every), run(thin)
	got, _, err := b.Trace("resume", nrc.MetricTestMSE, "")
	if err != nil || !slices.Equal(got, []int{2, 3, 4, 6}) {
		t.Errorf("test MSE at epochs %v (%v); want 2, 3, 4, 6 (measured 2 and 4, every 3rd, the last)", got, err)
	}
	_, ta, _ := a.Trace("resume", nrc.MetricTrainMSE, "")
	_, tb, _ := b.Trace("resume", nrc.MetricTrainMSE, "")
	if !slices.Equal(ta, tb) || len(ta) != 6 {
		t.Errorf("train MSE %v with a test pass every epoch, %v every 3rd", ta, tb)
	}
	bad := resumeJob(t).Config
	bad.TestEvery = -1
	if bad.Validate() == nil {
		t.Error("TestEvery −1 accepted")
	}
}
