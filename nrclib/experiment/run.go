package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/backend"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"github.com/gomlx/gomlx/backends"
)

// Options are the parts of a run that do not change its results.
type Options struct {
	// Store keeps finished runs and checkpoints, so re-running an
	// experiment (or another figure sharing a run) is instant. nil opens
	// train.DefaultStoreDir(), unless NoStore is set.
	Store   *train.Store
	NoStore bool
	// Backend runs the graphs; nil means backend.New() ($GOMLX_BACKEND or
	// the pure-Go default).
	Backend backends.Backend
	// DataDir and Source override where the datasets come from (see
	// data.Options); "" keeps the defaults (real files when present in
	// data.DefaultDir(), else the stand-ins). SourceReal applies to the
	// datasets that have real files; the synthetic ones are generated.
	DataDir string
	Source  data.Source
	// Progress, when not nil, returns the progress display of each run
	// (e.g. train.NewProgress(os.Stderr)).
	Progress func(run string) train.Progress
	// Log, when not nil, receives one line per run (trained or cached, and
	// its time) and per dataset loaded.
	Log io.Writer
}

// RunInfo describes one training run of a result.
type RunInfo struct {
	// Name is the run's label (seed runs: Name#s<seed>) and Key its run
	// store key.
	Name string `json:"name"`
	Key  string `json:"key"`
	// Dataset and Model describe what was trained, Config how.
	Dataset string       `json:"dataset"`
	Model   string       `json:"model"`
	Config  train.Config `json:"config"`
	// Cached reports that the run came finished from the store; Elapsed
	// is the time it took here.
	Cached  bool          `json:"cached"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Collapse is the first collapsed layer of a column's main run, computed
// with the collapse rule, beside the paper's.
type Collapse struct {
	Column string `json:"column"`
	Run    string `json:"run"`
	// Layer is the first collapsed layer ("" when none qualifies).
	Layer string `json:"layer"`
	// Paper is where the paper draws its line ("" when not a layer plot).
	Paper string `json:"paper,omitempty"`
	// Onset is the first measured epoch at which the rule finds a
	// collapsed layer (0 when never); PaperOnset is the paper's Fig 5
	// epoch when given.
	Onset      int `json:"onset"`
	PaperOnset int `json:"paper_onset,omitempty"`
	// Rule states the rule and thresholds.
	Rule string `json:"rule"`
}

// Result is a finished experiment.
type Result struct {
	Spec *Spec `json:"spec"`
	// Records is the long-format table of every run (seed runs named
	// Name#s<seed>).
	Records []nrc.Record `json:"records"`
	Runs    []RunInfo    `json:"runs"`
	// Datasets summarises each dataset used (real, simulated or stand-in).
	Datasets []data.Summary `json:"datasets"`
	// Outcomes are the spec's claims evaluated on Records.
	Outcomes []Outcome `json:"claims"`
	// Collapse lists the first collapsed layer of every column's main run.
	Collapse []Collapse `json:"collapse"`
	// Gamma holds the γ selection of last-layer runs (nrc2024).
	Gamma []GammaResult `json:"gamma,omitempty"`
	// Comparison holds the run-vs-paper tables, Tables the tables of a
	// table experiment.
	Comparison []Table `json:"comparison"`
	Tables     []Table `json:"tables,omitempty"`
	// Figure is the drawn figure (nil for tables).
	Figure *plot.Figure `json:"-"`
	// Backend describes the backend that trained the runs.
	Backend string `json:"backend"`
	// Started and Elapsed time the whole experiment.
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// svg is the rendered figure of a result read back from its files
	// (Figure is then nil).
	svg []byte
}

// dataKeyOptions are the data options that take part in a run's store key
// (everything that changes the data or the measurement, not where the files
// live).
type dataKeyOptions struct {
	Source    data.Source `json:"source"`
	Seed      uint64      `json:"seed"`
	SplitSeed uint64      `json:"split_seed"`
	N         int         `json:"n"`
	ImageSize int         `json:"image_size"`
	TargetDim int         `json:"target_dim"`
	Rank      int         `json:"rank"`
	// ScaleTargets records RunSpec.ScaleTargets.
	ScaleTargets bool `json:"scale_targets,omitempty"`
}

// Run trains the runs of spec (or takes them from the store), evaluates
// its claims, draws its figure and builds its run-vs-paper tables.
// Cancelling c stops training between mini-batches; the runs' last
// checkpoints stay in the store and the next Run resumes from them.
func Run(c context.Context, spec *Spec, opt Options) (*Result, error) {
	if spec == nil {
		return nil, fmt.Errorf("experiment: Run needs a spec; get one with experiment.Get(id, scale)")
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Spec: spec, Started: time.Now()}
	store := opt.Store
	if store == nil && !opt.NoStore {
		dir, err := train.DefaultStoreDir()
		if err != nil {
			return nil, err
		}
		if store, err = train.OpenStore(dir); err != nil {
			return nil, err
		}
	}
	b := opt.Backend
	if b == nil && len(spec.allRuns()) > 0 {
		var err error
		if b, err = sharedBackend(); err != nil {
			return nil, err
		}
	}
	if b != nil {
		res.Backend = b.Name() + ": " + b.Description()
	}
	loaded := map[string]*data.Dataset{}
	var lastLayerRuns []string
	states := map[string][]nrc.LastLayer{}
	for _, rs := range spec.allRuns() {
		ds, err := loadData(rs, opt, loaded, res)
		if err != nil {
			return nil, err
		}
		names, cfgs := rs.seedConfigs()
		for i, name := range names {
			m, err := rs.Model.Build()
			if err != nil {
				return nil, err
			}
			ko := keyOptions(rs, ds)
			meas := train.Measure{LastLayer: rs.LastLayer}
			if rs.LastLayer {
				lastLayerRuns = append(lastLayerRuns, name)
			}
			topt := train.Options{Backend: b, Store: store}
			if opt.Progress != nil {
				topt.Progress = opt.Progress(name)
			}
			start := time.Now()
			tr, err := train.Run(c, train.Job{Name: name, Model: m, Data: ds, DataOptions: ko, Config: cfgs[i], Measure: meas}, topt)
			if err != nil {
				return nil, fmt.Errorf("experiment %s: run %s: %w", spec.ID, name, err)
			}
			info := RunInfo{Name: name, Key: tr.Key, Dataset: rs.Dataset, Model: rs.Model.String(), Config: cfgs[i],
				Cached: tr.Cached, Elapsed: time.Since(start)}
			res.Runs = append(res.Runs, info)
			if opt.Log != nil {
				how := "trained"
				if tr.Cached {
					how = "from the run store"
				}
				fmt.Fprintf(opt.Log, "%s: run %s %s in %s (key %s)\n", spec.ID, name, how, info.Elapsed.Round(time.Millisecond), tr.Key)
			}
			res.Records = append(res.Records, tr.Records...)
			if rs.LastLayer {
				states[name] = tr.LastLayer
			}
		}
	}
	if len(lastLayerRuns) > 0 {
		var err error
		if res.Records, res.Gamma, err = addNRC3(res.Records, states, lastLayerRuns); err != nil {
			return nil, err
		}
	}
	if err := finish(res, opt); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(res.Started)
	return res, nil
}

// finish computes everything downstream of the records: claims, collapse
// lines, comparison tables, the figure or the tables.
func finish(res *Result, opt Options) error {
	spec := res.Spec
	runs := spec.allRuns()
	res.Outcomes = Evaluate(spec.Claims, res.Records, runs)
	res.Collapse = collapseLines(spec, res.Records)
	var err error
	if res.Comparison, err = comparisonTables(spec, res); err != nil {
		return err
	}
	switch spec.Kind {
	case KindFigure:
		if res.Figure, err = drawFigure(spec, res); err != nil {
			return fmt.Errorf("experiment %s: drawing the figure: %w", spec.ID, err)
		}
	case KindTable:
		if res.Tables, err = spec.Table(res, opt); err != nil {
			return fmt.Errorf("experiment %s: building the table: %w", spec.ID, err)
		}
	}
	return nil
}

var sharedBackendV backends.Backend

// sharedBackend creates backend.New() once per process.
func sharedBackend() (backends.Backend, error) {
	if sharedBackendV == nil {
		b, err := backend.New()
		if err != nil {
			return nil, err
		}
		sharedBackendV = b
	}
	return sharedBackendV, nil
}

func dataOptions(rs *RunSpec, opt Options) data.Options {
	d := rs.Data
	if opt.DataDir != "" {
		d.Dir = opt.DataDir
	}
	if opt.Source != "" {
		d.Source = opt.Source
		// Generated-only datasets (the synthetic ones) have no real files:
		// asking for real data everywhere means "where there is some".
		if info, err := data.Lookup(rs.Dataset); err == nil && len(info.RealFiles) == 0 && opt.Source == data.SourceReal {
			d.Source = data.SourceStandIn
		}
	}
	return d
}

func keyOptions(rs *RunSpec, ds *data.Dataset) dataKeyOptions {
	d := rs.Data
	ko := dataKeyOptions{Source: d.Source, Seed: d.Seed, SplitSeed: d.SplitSeed, N: d.N, ImageSize: d.ImageSize,
		TargetDim: d.TargetDim, Rank: d.Rank}
	switch {
	case ds.IsStandIn():
		ko.Source = data.SourceStandIn
	case ds.IsSimulated():
		ko.Source = data.SourceSimulated
	default:
		ko.Source = data.SourceReal
	}
	ko.ScaleTargets = rs.ScaleTargets
	return ko
}

// loadData loads (once per Run) the dataset of rs.
func loadData(rs *RunSpec, opt Options, loaded map[string]*data.Dataset, res *Result) (*data.Dataset, error) {
	d := dataOptions(rs, opt)
	key := fmt.Sprintf("%s|%+v|%v", rs.Dataset, d, rs.ScaleTargets)
	if ds, ok := loaded[key]; ok {
		return ds, nil
	}
	start := time.Now()
	ds, err := data.Load(rs.Dataset, d)
	if err != nil {
		return nil, fmt.Errorf("experiment: run %s: %w", rs.Name, err)
	}
	if rs.ScaleTargets {
		if err := scaleTargets(ds); err != nil {
			return nil, fmt.Errorf("experiment: run %s: %w", rs.Name, err)
		}
	}
	loaded[key] = ds
	res.Datasets = append(res.Datasets, data.Describe(ds))
	if opt.Log != nil {
		fmt.Fprintf(opt.Log, "data %s (%s): %d train / %d test, loaded in %s\n", ds.Name, ds.Kind(), ds.Train.N, ds.Test.N,
			time.Since(start).Round(time.Millisecond))
	}
	return ds, nil
}

// layerSeries returns the seed-averaged per-layer values of metric for a
// run at its last epoch with that metric (nil when absent).
func layerSeries(records []nrc.Record, rs *RunSpec, metric string, epoch int) ([]string, []float64) {
	ix := newIndex(records)
	if epoch > 0 {
		ix = newIndex(atEpoch(records, rs.SeedRuns(), epoch))
	}
	layers, vals, err := ix.layerValues(rs.Name, metric, false, []*RunSpec{rs})
	if err != nil {
		return nil, nil
	}
	return layers, vals
}

// atEpoch keeps the records of the given runs at one epoch.
func atEpoch(records []nrc.Record, runs []string, epoch int) []nrc.Record {
	keep := map[string]bool{}
	for _, r := range runs {
		keep[r] = true
	}
	var out []nrc.Record
	for _, r := range records {
		if keep[r.Run] && r.Epoch == epoch {
			out = append(out, r)
		}
	}
	return out
}

// measuredEpochs returns the epochs at which the run has per-layer records.
func measuredEpochs(records []nrc.Record, run string) []int {
	set := map[int]bool{}
	for _, r := range records {
		if r.Run == run && r.Layer != "" {
			set[r.Epoch] = true
		}
	}
	var out []int
	for e := range set {
		out = append(out, e)
	}
	sort.Ints(out)
	return out
}

// collapseLines applies the default collapse rule to each column's main
// run, at the final epoch and over the measured epochs (the onset).
func collapseLines(spec *Spec, records []nrc.Record) []Collapse {
	rule := nrc.DefaultRule()
	var out []Collapse
	for i := range spec.Columns {
		col := &spec.Columns[i]
		rs := col.mainRun()
		if rs == nil {
			continue
		}
		c := Collapse{Column: col.Title, Run: rs.Name, Paper: col.PaperFirstCollapsed, PaperOnset: col.PaperOnsetEpoch, Rule: rule.String()}
		first := rs.SeedRuns()[0]
		for _, e := range measuredEpochs(records, first) {
			layers, noise := layerSeries(records, rs, nrc.MetricNoise, e)
			_, cka := layerSeries(records, rs, nrc.MetricCKA, e)
			if len(layers) == 0 || len(cka) != len(noise) {
				continue
			}
			if k := rule.FirstCollapsed(noise, cka); k >= 0 {
				if c.Onset == 0 {
					c.Onset = e
				}
				c.Layer = layers[k]
			} else {
				c.Layer = ""
			}
		}
		out = append(out, c)
	}
	return out
}

// scaleTargets centres the targets of both splits with the training mean
// and divides them by one factor, sqrt(tr Σ_Y / t) of the training split,
// so that the mean target variance is 1 and Σ_Y keeps its shape.
func scaleTargets(ds *data.Dataset) error {
	t, n := ds.TargetDim, ds.Train.N
	if n < 2 {
		return fmt.Errorf("cannot scale the targets of %s: the training split has %d samples", ds.Name, n)
	}
	mean := make([]float64, t)
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			mean[j] += float64(ds.Train.Y[i*t+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var tr float64
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			d := float64(ds.Train.Y[i*t+j]) - mean[j]
			tr += d * d
		}
	}
	tr /= float64(n)
	if !(tr > 0) {
		return fmt.Errorf("cannot scale the targets of %s: they have no variance", ds.Name)
	}
	f := math.Sqrt(tr / float64(t))
	for _, y := range [][]float32{ds.Train.Y, ds.Test.Y} {
		for i := range y {
			y[i] = float32((float64(y[i]) - mean[i%t]) / f)
		}
	}
	ds.Description += fmt.Sprintf(" For this experiment the targets were centred and divided by %.4g (one factor for all columns), so their mean variance is 1.", f)
	// Compose the loader's scaler (raw = y·Scale + Offset) with this one
	// (y = y'·f + mean), so raw units stay reachable.
	sc := ds.TargetScaler
	if len(sc.Scale) != t || len(sc.Offset) != t {
		sc = data.Identity(t)
	}
	next := data.Scaler{Offset: make([]float64, t), Scale: make([]float64, t)}
	for j := 0; j < t; j++ {
		next.Offset[j] = mean[j]*sc.Scale[j] + sc.Offset[j]
		next.Scale[j] = f * sc.Scale[j]
	}
	ds.TargetScaler = next
	return nil
}
