package runs

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Options are the parts of training that do not change its results.
type Options struct {
	// Store keeps finished runs and checkpoints; nil opens the default
	// store (train.OpenDefaultStore) unless NoStore is set.
	Store   *train.Store
	NoStore bool
	// Backend runs the graphs; nil means backend.Shared().
	Backend backends.Backend
	// DataDir and Source override where registry datasets come from (see
	// data.Options); "" keeps the defaults. SourceReal applies to the
	// datasets that have real files; generated ones stay generated.
	DataDir string
	Source  data.Source
	// Progress, when not nil, returns the progress display of a run.
	Progress func(name string) train.Progress
	// Log, when not nil, receives one line per run (trained or from the
	// store, and its time) and per dataset loaded.
	Log io.Writer
	// CheckpointEvery and CheckpointInterval are train.Options': also
	// checkpoint every that many epochs, and once that long has passed
	// since the last checkpoint (0: train.DefaultCheckpointInterval;
	// negative: never).
	CheckpointEvery    int
	CheckpointInterval time.Duration
	// StoredOnly trains nothing: a run that is not finished in the store
	// is an error (the report of a cluster sweep reads what its tasks
	// trained).
	StoredOnly bool
}

// Runner trains runs with one store, one backend and a cache of the
// datasets it loaded. It is safe for concurrent use.
type Runner struct {
	opt   Options
	store *train.Store
	b     backends.Backend

	mu     sync.Mutex
	loaded map[string]*data.Dataset
}

// NewRunner opens the store (the default one unless Options say otherwise)
// and returns a Runner; a store that cannot be opened is an error, never a
// silent run in memory.
func NewRunner(opt Options) (*Runner, error) {
	r := &Runner{opt: opt, store: opt.Store, b: opt.Backend, loaded: map[string]*data.Dataset{}}
	if r.store == nil && !opt.NoStore {
		s, err := train.OpenDefaultStore()
		if err != nil {
			return nil, err
		}
		r.store = s
	}
	return r, nil
}

// Store returns the runner's run store (nil when runs stay in memory).
func (r *Runner) Store() *train.Store { return r.store }

// Backend returns the backend the runner trains with, creating the shared
// one on first use.
func (r *Runner) Backend() (backends.Backend, error) {
	if r.b != nil {
		return r.b, nil
	}
	b, err := backend.Shared()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.b = b
	r.mu.Unlock()
	return b, nil
}

// dataOptions applies the runner's DataDir and Source to s's options.
func (r *Runner) dataOptions(s *Spec) data.Options {
	d := s.Data
	if r.opt.DataDir != "" {
		d.Dir = r.opt.DataDir
	}
	if r.opt.Source != "" {
		d.Source = r.opt.Source
		if info, err := data.Lookup(s.Dataset); err == nil && len(info.RealFiles) == 0 && r.opt.Source == data.SourceReal {
			// Generated-only datasets have no real files: asking for real
			// data everywhere means "where there is some".
			d.Source = data.SourceStandIn
		}
	}
	return d
}

// Data loads s's dataset once per runner (and per options), applying
// ScaleTargets; later calls return the same dataset.
func (r *Runner) Data(s *Spec) (*data.Dataset, error) {
	var key string
	if s.Make != nil {
		key = "make|" + keyJSON(s.MakeKey)
	} else {
		key = fmt.Sprintf("%s|%+v", s.Dataset, r.dataOptions(s))
	}
	key += fmt.Sprintf("|%v", s.ScaleTargets)
	r.mu.Lock()
	ds, ok := r.loaded[key]
	r.mu.Unlock()
	if ok {
		return ds, nil
	}
	start := time.Now()
	var err error
	if s.Make != nil {
		ds, err = s.Make()
	} else {
		ds, err = data.Load(s.Dataset, r.dataOptions(s))
	}
	if err != nil {
		return nil, err
	}
	if s.ScaleTargets {
		if err := ScaleTargets(ds); err != nil {
			return nil, err
		}
	}
	if r.opt.Log != nil {
		fmt.Fprintf(r.opt.Log, "data %s (%s): %d train / %d test, loaded in %s\n", ds.Name, ds.Kind(), ds.Train.N, ds.Test.N,
			time.Since(start).Round(time.Millisecond))
	}
	r.mu.Lock()
	r.loaded[key] = ds
	r.mu.Unlock()
	return ds, nil
}

// Trained is one finished seed of a run.
type Trained struct {
	// Name is the seed's label (Spec.SeedNames).
	Name string
	// Spec is the declaration and Config the seed's configuration.
	Spec   *Spec
	Config train.Config
	// Data is the dataset it was trained on.
	Data *data.Dataset
	// Result is the trainer's result (records, store key, last-layer
	// states).
	Result *train.Result
	// Elapsed is the time it took here (tiny when it came from the store).
	Elapsed time.Duration
}

// Train trains every seed of s under the label name (or takes them from
// the store) and returns them in seed order. The model is checked against
// the data before any training starts.
func (r *Runner) Train(c context.Context, s *Spec, name string) ([]Trained, error) {
	var out []Trained
	for i := range max(1, len(s.Seeds)) {
		t, err := r.TrainSeed(c, s, name, i)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// TrainSeed trains seed i of s (0 for a run with one seed) under the label
// name, as Train does for each seed: one run, one store key (a cluster
// task's unit of work).
func (r *Runner) TrainSeed(c context.Context, s *Spec, name string, i int) (Trained, error) {
	job, err := r.job(s, name, i)
	if err != nil {
		return Trained{}, err
	}
	b, err := r.Backend()
	if err != nil {
		return Trained{}, err
	}
	topt := train.Options{Backend: b, Store: r.store, CheckpointEvery: r.opt.CheckpointEvery, CheckpointInterval: r.opt.CheckpointInterval}
	if r.opt.Progress != nil {
		topt.Progress = r.opt.Progress(job.Name)
	}
	if r.opt.StoredOnly {
		if err := r.checkStored(&job); err != nil {
			return Trained{}, err
		}
	}
	start := time.Now()
	res, err := train.Run(c, job, topt)
	if err != nil {
		return Trained{}, fmt.Errorf("run %s: %w", job.Name, err)
	}
	t := Trained{Name: job.Name, Spec: s, Config: job.Config, Data: job.Data, Result: res, Elapsed: time.Since(start)}
	if r.opt.Log != nil {
		how := "trained"
		switch {
		case res.Cached:
			how = "from the run store"
		case res.ResumedFrom > 0:
			how = fmt.Sprintf("resumed from its epoch-%d checkpoint and trained", res.ResumedFrom)
		}
		fmt.Fprintf(r.opt.Log, "run %s %s in %s (key %s)\n", job.Name, how, t.Elapsed.Round(time.Millisecond), res.Key)
	}
	return t, nil
}

// checkStored returns an error unless job is finished in the store.
func (r *Runner) checkStored(job *train.Job) error {
	if r.store == nil {
		return fmt.Errorf("run %s: only stored runs may be used, but there is no run store", job.Name)
	}
	key, err := train.Key(job)
	if err != nil {
		return err
	}
	p, err := r.store.Progress(key)
	if err != nil {
		return fmt.Errorf("run %s: %w", job.Name, err)
	}
	if !p.Complete {
		return fmt.Errorf("run %s (key %s) is not finished in the run store %s (checkpoint at epoch %d of %d) and only stored runs may be used: "+
			"train it first (deepnrc sweep run %s), or drop --stored-only", job.Name, key, r.store.Dir, p.Epoch, job.Config.Epochs, key)
	}
	return nil
}

// Key returns the run store key of seed i of s (0 for a run with one
// seed): the key Train reports for it, computed without training (the
// data is loaded, once per runner, and the model built).
func (r *Runner) Key(s *Spec, i int) (string, error) {
	job, err := r.job(s, "", i)
	if err != nil {
		return "", err
	}
	return train.Key(&job)
}

// job is the training job of seed i of s under the label name (its seed
// label, name#s<seed>, when s has several seeds).
func (r *Runner) job(s *Spec, name string, i int) (train.Job, error) {
	names, cfgs := s.SeedNames(name), s.seedConfigs()
	if i < 0 || i >= len(cfgs) {
		return train.Job{}, fmt.Errorf("run %s: no seed %d: the run has %d seed(s)", name, i, len(cfgs))
	}
	if err := s.Validate(); err != nil {
		return train.Job{}, fmt.Errorf("run %s: %w", name, err)
	}
	ds, err := r.Data(s)
	if err != nil {
		return train.Job{}, fmt.Errorf("run %s: %w", name, err)
	}
	m, err := s.Model.Build(ds)
	if err != nil {
		return train.Job{}, fmt.Errorf("run %s: %w", names[i], err)
	}
	return train.Job{Name: names[i], Model: m, Data: ds, DataOptions: s.dataKey(ds), Config: cfgs[i], Measure: s.Measure}, nil
}

// String sums the seed up in a line: its name, whether it was trained or
// read from the run store, how long that took and its store key.
func (t Trained) String() string {
	how := "trained"
	if t.Result.Cached {
		how = "from the run store"
	}
	return fmt.Sprintf("%s: %s in %s, %d records (key %s)", t.Name, how, t.Elapsed.Round(time.Millisecond), len(t.Result.Records), t.Result.Key)
}

// Records returns the records of every trained seed, in order, as one
// results table.
func Records(trained []Trained) nrc.Results {
	var out nrc.Results
	for _, t := range trained {
		out = append(out, t.Result.Records...)
	}
	return out
}
