package train

import (
	stdctx "context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Job is one training run: a model, a dataset and a configuration.
type Job struct {
	// Name labels the run in its records (the "run" column). Empty means
	// the run's key. It is not part of the key.
	Name string
	// Model is the network to train; its Spec takes part in the key.
	Model model.Model
	// Data is the dataset; its name, DataOptions and a digest of its
	// values take part in the key.
	Data *data.Dataset
	// DataOptions describes how Data was made (any JSON-encodable value,
	// e.g. the loader's options); it takes part in the key.
	DataOptions any
	// Config is the training configuration.
	Config Config
	// Measure says what is measured at the logged epochs (at rank
	// Config.Rank); it takes part in the key.
	Measure Measure
}

// Options are the parts of a run that do not change its results.
type Options struct {
	// Backend runs the graphs; nil means backend.Shared() (GOMLX_BACKEND
	// or the pure-Go default, one per process).
	Backend backends.Backend
	// Store persists checkpoints and results; nil keeps the run in memory
	// only (no resume, no cache).
	Store *Store
	// Progress receives progress updates; nil means none.
	Progress Progress
	// CheckpointEvery, when > 0, also checkpoints every that many epochs
	// (checkpoints are always taken at measured epochs and at the end).
	CheckpointEvery int
	// CheckpointInterval also checkpoints after the first epoch that ends
	// this long after the last checkpoint, so a crash loses at most about
	// that much work however sparse the measured epochs. 0 means
	// DefaultCheckpointInterval; a negative value turns it off.
	// Checkpoints never change a run's results.
	CheckpointInterval time.Duration

	// newPass replaces the measurement (tests only).
	newPass func(probes []model.Probe, targetDim int) measurePass
}

// Result is a finished run.
type Result struct {
	// Key is the run's store key and Dir its directory ("" without a
	// store).
	Key, Dir string
	// Records is the long-format results table: per-epoch train_mse and
	// test_mse (layer ""), and the measurement's records at each measured
	// epoch, in epoch order.
	Records []nrc.Record
	// LastLayer holds the last layer's W·Wᵀ and Σ_Y at each measured
	// epoch, when Job.Measure.LastLayer asks for them.
	LastLayer []nrc.LastLayer
	// Cached reports that the run was already complete in the store and
	// nothing was trained; Context is then nil.
	Cached bool
	// ResumedFrom is the epoch of the checkpoint the run resumed from (0
	// for a fresh run).
	ResumedFrom int
	// Context holds the trained variables (model weights under the
	// model's scopes, momentum buffers under MomentumScope).
	Context *context.Context
}

// Run trains job, measuring at its logged epochs, and returns the results.
// With a store it resumes from the run's last checkpoint and returns a
// finished run's stored results without training. Cancelling c stops the
// run between mini-batches (the last checkpoint stays). A NaN or infinite
// loss stops the run with an error wrapping ErrDiverged.
func Run(c stdctx.Context, job Job, opt Options) (res *Result, err error) {
	if err := job.Config.Validate(); err != nil {
		return nil, err
	}
	if err := checkData(job.Data); err != nil {
		return nil, err
	}
	if err := job.Measure.Validate(); err != nil {
		return nil, err
	}
	if job.Model == nil {
		return nil, fmt.Errorf("train: job has no Model")
	}
	cfg := job.Config.withDefaults()
	if err := precheck(job, cfg, opt); err != nil {
		return nil, err
	}
	kc, err := keyOf(&job)
	if err != nil {
		return nil, err
	}
	key, err := kc.key()
	if err != nil {
		return nil, err
	}
	name := job.Name
	if name == "" {
		name = key
	}
	res = &Result{Key: key}
	// A job over the memory budget is refused before its run directory is
	// created, unless the directory exists and may hold the finished run.
	memErr := checkTrainMemory(job, cfg)
	if memErr != nil && (opt.Store == nil || !dirExists(opt.Store.RunDir(key))) {
		return nil, memErr
	}

	var run *runHandle
	var ckpt *checkpoint
	if opt.Store != nil {
		if run, err = opt.Store.openRun(key, kc); err != nil {
			return nil, err
		}
		defer run.close()
		res.Dir = run.dir
		st, err := run.status()
		if err != nil {
			return nil, err
		}
		if st.Complete {
			recs, err := run.servedRecords(st, cfg.Epochs)
			if err != nil {
				return nil, err
			}
			if res.LastLayer, err = readLastLayer(run.dir); err != nil {
				return nil, err
			}
			res.Records, res.Cached = relabel(recs, name), true
			return res, nil
		}
		if run.readOnly {
			return nil, run.readOnlyError()
		}
		if ckpt, err = run.loadCheckpoint(); err != nil {
			return nil, err
		}
	}

	if memErr != nil {
		return nil, memErr
	}
	b := opt.Backend
	if b == nil {
		if b, err = backend.Shared(); err != nil {
			return nil, err
		}
	}
	gomlxfix.Install()

	t := &trainer{job: job, cfg: cfg, name: name, key: key, backend: b, opt: opt, run: run}
	defer func() {
		if r := recover(); r != nil {
			// GoMLX reports graph-building problems by panicking.
			res, err = nil, fmt.Errorf("train: %v", r)
		}
		if opt.Progress != nil {
			opt.Progress.Finish(t.status, err)
		}
	}()
	if err := t.setup(ckpt); err != nil {
		return nil, err
	}
	if err := t.loop(c); err != nil {
		return nil, err
	}
	if run != nil && t.resumedFrom == cfg.Epochs {
		// The final checkpoint was written but the process stopped before
		// marking the run complete.
		ck, err := snapshot(t.ctx, key, t.epoch, t.records, t.lastLayer)
		if err == nil {
			err = run.save(ck, cfg.Epochs, true)
		}
		if err != nil {
			return nil, err
		}
	}
	res.Records = relabel(t.records, name)
	res.LastLayer = t.lastLayer
	res.ResumedFrom = t.resumedFrom
	res.Context = t.ctx
	return res, nil
}

func relabel(recs []nrc.Record, name string) []nrc.Record {
	for i := range recs {
		recs[i].Run = name
	}
	return recs
}

func checkData(d *data.Dataset) error {
	switch {
	case d == nil:
		return fmt.Errorf("train: job has no Data")
	case len(d.InputShape) == 0 || d.InputSize() < 1 || d.TargetDim < 1:
		return fmt.Errorf("train: dataset %q has input shape %v and target dimension %d; both must be positive",
			d.Name, d.InputShape, d.TargetDim)
	case d.Train.N < 1:
		return fmt.Errorf("train: dataset %q has an empty training split", d.Name)
	}
	for _, s := range []struct {
		name string
		sp   *data.Split
	}{{"train", &d.Train}, {"test", &d.Test}} {
		if len(s.sp.X) != s.sp.N*d.InputSize() || len(s.sp.Y) != s.sp.N*d.TargetDim {
			return fmt.Errorf("train: dataset %q %s split has %d inputs and %d targets for N=%d (want %d and %d)",
				d.Name, s.name, len(s.sp.X), len(s.sp.Y), s.sp.N, s.sp.N*d.InputSize(), s.sp.N*d.TargetDim)
		}
	}
	return nil
}

// trainer is the state of one Run.
type trainer struct {
	job         Job
	cfg         Config
	name, key   string
	backend     backends.Backend
	opt         Options
	run         *runHandle
	ctx         *context.Context
	step        *Step
	testEval    *evaluator
	probeEval   *evaluator
	records     []nrc.Record
	lastLayer   []nrc.LastLayer
	epoch       int // last finished epoch
	resumedFrom int
	restored    *checkpoint // checked against the variables after the first step
	status      Status
	started     time.Time
	lastCkpt    time.Time // when the last checkpoint was written (see checkpointDue)
}

func (t *trainer) setup(ckpt *checkpoint) error {
	d := t.job.Data
	t.ctx = context.New()
	t.status = Status{Run: t.name, Epochs: t.cfg.Epochs, TestMSE: math.NaN()}
	if ckpt != nil {
		// Variables must exist, with their values, before any graph is
		// built: GoMLX v0.26's Exec.PreCompile donates (and so clears) the
		// values of variables a graph updates, so graphs cannot be built
		// first and filled in afterwards.
		// The checkpoint holds the RNG state too.
		if err := ckpt.restore(t.ctx); err != nil {
			return err
		}
		t.epoch, t.resumedFrom, t.records, t.restored = ckpt.epoch, ckpt.epoch, ckpt.records, ckpt
		t.status.Checkpoint = ckpt.epoch
		t.lastLayer = ckpt.lastLayer
	} else if err := t.ctx.SetRNGStateFromSeed(t.cfg.Seed); err != nil {
		return err
	}
	var err error
	sgd := SGD{Momentum: t.cfg.Momentum, WeightDecay: t.cfg.WeightDecay}
	if t.step, err = NewStep(t.backend, t.ctx, t.job.Model, sgd, d.InputShape, d.TargetDim); err != nil {
		return err
	}
	if t.testEval, err = newEvaluator(t.backend, t.ctx, t.job.Model, d.InputShape, d.TargetDim, t.cfg.EvalBatchSize, false); err != nil {
		return err
	}
	if t.probeEval, err = newEvaluator(t.backend, t.ctx, t.job.Model, d.InputShape, d.TargetDim, t.cfg.EvalBatchSize, true); err != nil {
		return err
	}
	if ckpt == nil && slices.Contains(t.cfg.MeasureEpochs, 0) {
		if err := t.measure(0); err != nil {
			return err
		}
	}
	return nil
}

func (t *trainer) loop(c stdctx.Context) error {
	d := t.job.Data
	cfg := t.cfg
	bs := min(cfg.BatchSize, d.Train.N)
	steps := d.Train.N / bs
	if !cfg.DropLast && d.Train.N%bs != 0 {
		steps++
	}
	in, td := d.InputSize(), d.TargetDim
	xb := make([]float32, bs*in)
	yb := make([]float32, bs*td)
	t.started = time.Now()
	t.lastCkpt = t.started
	stepsDone := 0
	totalSteps := steps * (cfg.Epochs - t.epoch)
	for e := t.epoch + 1; e <= cfg.Epochs; e++ {
		lr := cfg.LearningRateAt(e)
		perm := EpochPermutation(cfg.Seed, e, d.Train.N)
		var sum float64
		var seen int
		for s := 0; s < steps; s++ {
			if err := c.Err(); err != nil {
				return fmt.Errorf("train: stopped during epoch %d: %w", e, err)
			}
			rows := min(bs, d.Train.N-s*bs)
			for r := 0; r < rows; r++ {
				i := perm[s*bs+r]
				copy(xb[r*in:(r+1)*in], d.Train.X[i*in:(i+1)*in])
				copy(yb[r*td:(r+1)*td], d.Train.Y[i*td:(i+1)*td])
			}
			loss, err := t.step.Run(xb[:rows*in], yb[:rows*td], rows, lr)
			if err != nil {
				return fmt.Errorf("train: epoch %d step %d: %w", e, s+1, err)
			}
			if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
				return fmt.Errorf("train: %w at epoch %d, step %d (learning rate %g, weight decay %g): the loss is %v; "+
					"lower the learning rate", ErrDiverged, e, s+1, lr, cfg.WeightDecay, loss)
			}
			if t.restored != nil {
				if err := t.restored.checkSameVariables(t.ctx); err != nil {
					return err
				}
				t.restored = nil
			}
			sum += float64(loss) * float64(rows)
			seen += rows
			stepsDone++
			t.status.Epoch, t.status.Step, t.status.Steps, t.status.EpochDone = e, s+1, steps, false
			t.status.TrainLoss, t.status.LearningRate = sum/float64(seen), lr
			t.tick(stepsDone, totalSteps)
		}
		trainMSE := sum / float64(seen)
		t.records = append(t.records, nrc.Record{Run: t.name, Epoch: e, Metric: nrc.MetricTrainMSE, Value: trainMSE})
		measured := slices.Contains(cfg.MeasureEpochs, e)
		if d.Test.N > 0 && (cfg.TestEvery <= 1 || e%cfg.TestEvery == 0 || measured || e == cfg.Epochs) {
			testMSE, err := t.testEval.run(&d.Test, nil)
			if err != nil {
				return fmt.Errorf("train: test pass after epoch %d: %w", e, err)
			}
			t.records = append(t.records, nrc.Record{Run: t.name, Epoch: e, Metric: nrc.MetricTestMSE, Value: testMSE})
			t.status.TestMSE = testMSE
		}
		if measured {
			if err := t.measure(e); err != nil {
				return err
			}
		}
		t.epoch = e
		if t.run != nil && (measured || e == cfg.Epochs || t.checkpointDue(e)) {
			ck, err := snapshot(t.ctx, t.key, e, t.records, t.lastLayer)
			if err != nil {
				return err
			}
			if err := t.run.save(ck, cfg.Epochs, e == cfg.Epochs); err != nil {
				return err
			}
			t.lastCkpt = time.Now()
			t.status.Checkpoint = e
		}
		t.status.EpochDone = true
		t.tick(stepsDone, totalSteps)
	}
	return nil
}

func (t *trainer) tick(done, total int) {
	t.status.Elapsed = time.Since(t.started)
	if done > 0 && total > done {
		t.status.ETA = time.Duration(float64(t.status.Elapsed) / float64(done) * float64(total-done))
	} else {
		t.status.ETA = 0
	}
	if t.opt.Progress != nil {
		t.opt.Progress.Update(t.status)
	}
}

// measure runs the inference-mode pass over the training set and appends
// the measurement's records (and last-layer state) for epoch.
func (t *trainer) measure(epoch int) error {
	d := t.job.Data
	var pass measurePass = newMeasurement(t.job.Measure, t.cfg.Rank, t.job.Model.Probes(), d.TargetDim)
	if t.opt.newPass != nil {
		pass = t.opt.newPass(t.job.Model.Probes(), d.TargetDim)
	}
	mse, err := t.probeEval.run(&d.Train, func(start, rows int, pred []float32, hs [][]float32) error {
		y := d.Train.Y[start*d.TargetDim : (start+rows)*d.TargetDim]
		for l, h := range hs {
			if err := pass.addBatch(l, h, y, rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("train: measuring pass after epoch %d: %w", epoch, err)
	}
	weights, err := t.job.Model.Weights(t.ctx)
	if err != nil {
		return fmt.Errorf("train: reading weights after epoch %d: %w", epoch, err)
	}
	recs, st, err := pass.finish(weights, mse, t.name, epoch)
	if err != nil {
		return fmt.Errorf("train: metrics after epoch %d: %w", epoch, err)
	}
	t.records = append(t.records, recs...)
	if st != nil {
		t.lastLayer = append(t.lastLayer, *st)
	}
	return nil
}
