package experiment

import (
	"context"
	"fmt"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// Options are the parts of a run that do not change its results: the
// run store, the backend, where data comes from, progress and log output
// (see runs.Options). A nil Store opens the default store unless NoStore
// is set.
type Options = runs.Options

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
	// Name#s<seed>), queried with nrc.Results' methods.
	Records nrc.Results `json:"records"`
	Runs    []RunInfo   `json:"runs"`
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
	// Dynamics is the collapse dynamics beyond the paper: for each
	// column's main run, layer × epoch maps of the noise component, the
	// projected CKA and the WH alignment (nil without per-layer records at
	// two or more epochs).
	Dynamics *plot.Figure `json:"-"`
	// Backend describes the backend that trained the runs.
	Backend string `json:"backend"`
	// Started and Elapsed time the whole experiment.
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// svg and dynamicsSVG are the rendered figures of a result read back
	// from its files (Figure and Dynamics are then nil).
	svg, dynamicsSVG []byte
}

// Run trains the runs of spec (or takes them from the store), evaluates
// its claims, draws its figure and builds its run-vs-paper tables: Train
// then Assemble, with one runs.Runner. Cancelling c stops training between
// mini-batches; the runs' last checkpoints stay in the store and the next
// Run resumes from them.
func Run(c context.Context, spec *Spec, opt Options) (*Result, error) {
	r, err := runs.NewRunner(opt)
	if err != nil {
		return nil, err
	}
	return RunWith(c, spec, r)
}

// RunWith is Run with a given runner, so that several experiments share its
// store, backend and loaded datasets.
func RunWith(c context.Context, spec *Spec, r *runs.Runner) (*Result, error) {
	start := time.Now()
	trained, err := Train(c, spec, r)
	if err != nil {
		return nil, err
	}
	res, err := Assemble(spec, trained, r)
	if err != nil {
		return nil, err
	}
	res.Started, res.Elapsed = start, time.Since(start)
	return res, nil
}

// Train trains every run of spec, column by column, with r (or takes them
// from its store) and returns every seed's result in that order.
func Train(c context.Context, spec *Spec, r *runs.Runner) ([]runs.Trained, error) {
	if spec == nil {
		return nil, fmt.Errorf("experiment: Train needs a spec; get one with experiment.Get(id, scale)")
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out []runs.Trained
	for _, rs := range spec.Runs() {
		t, err := r.Train(c, &rs.Spec, rs.Name)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", spec.ID, err)
		}
		out = append(out, t...)
	}
	return out, nil
}

// Assemble builds the result of spec from its trained runs (Train's
// output): the records, the last-layer γ selection, the claims, the
// collapse lines, the run-vs-paper tables and the figure or tables. r
// loads the datasets of a table experiment that describes them.
func Assemble(spec *Spec, trained []runs.Trained, r *runs.Runner) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Spec: spec, Started: time.Now()}
	if len(spec.Runs()) > 0 {
		b, err := r.Backend()
		if err != nil {
			return nil, err
		}
		res.Backend = b.Name() + ": " + b.Description()
	}
	var lastLayerRuns []string
	states := map[string][]nrc.LastLayer{}
	for _, t := range trained {
		res.Runs = append(res.Runs, RunInfo{Name: t.Name, Key: t.Result.Key, Dataset: t.Spec.Dataset, Model: t.Spec.Model.String(),
			Config: t.Config, Cached: t.Result.Cached, Elapsed: t.Elapsed})
		res.Records = append(res.Records, t.Result.Records...)
		res.addDataset(t.Data)
		if t.Spec.Measure.LastLayer {
			lastLayerRuns = append(lastLayerRuns, t.Name)
			states[t.Name] = t.Result.LastLayer
		}
	}
	if len(lastLayerRuns) > 0 {
		var err error
		if res.Records, res.Gamma, err = addNRC3(res.Records, states, lastLayerRuns); err != nil {
			return nil, err
		}
	}
	if err := finish(res, r); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(res.Started)
	return res, nil
}

// addDataset adds the summary of ds to the result once.
func (res *Result) addDataset(ds *data.Dataset) {
	sum := data.Describe(ds)
	for _, d := range res.Datasets {
		if d.Name == sum.Name && d.Source == sum.Source && d.NTrain == sum.NTrain && d.NTest == sum.NTest {
			return
		}
	}
	res.Datasets = append(res.Datasets, sum)
}

// finish computes everything downstream of the records: claims, collapse
// lines, comparison tables, the figure or the tables.
func finish(res *Result, r *runs.Runner) error {
	spec := res.Spec
	runs := spec.Runs()
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
		if res.Dynamics, err = drawDynamics(spec, res); err != nil {
			return fmt.Errorf("experiment %s: drawing the collapse dynamics: %w", spec.ID, err)
		}
	case KindTable:
		if res.Tables, err = spec.Table(res, r); err != nil {
			return fmt.Errorf("experiment %s: building the table: %w", spec.ID, err)
		}
	}
	return nil
}

// seedMeanSeries returns the per-layer values of metric for rs, averaged
// over its seeds, each at epoch (nrc.Final: its final epoch with the
// metric; first: its first).
func seedMeanSeries(res nrc.Results, rs *RunSpec, metric string, first bool, epoch int) ([]string, []float64, error) {
	var layers []string
	var sum []float64
	seeds := rs.SeedRuns()
	for _, name := range seeds {
		e := epoch
		if first {
			var err error
			if e, err = res.FirstEpoch(name, metric); err != nil {
				return nil, nil, err
			}
		}
		ls, vs, err := res.Series(name, metric, e)
		if err != nil {
			return nil, nil, err
		}
		if layers == nil {
			layers, sum = ls, make([]float64, len(vs))
		} else if len(ls) != len(layers) {
			return nil, nil, fmt.Errorf("run %s has %d layers with %s, run %s has %d", name, len(ls), metric, seeds[0], len(layers))
		}
		for i, v := range vs {
			sum[i] += v
		}
	}
	for i := range sum {
		sum[i] /= float64(len(seeds))
	}
	return layers, sum, nil
}

// seedMeanValue returns the run-level metric of rs averaged over its
// seeds, each at its final (first: first) epoch with the metric.
func seedMeanValue(res nrc.Results, rs *RunSpec, metric string, first bool) (float64, error) {
	var sum float64
	seeds := rs.SeedRuns()
	for _, name := range seeds {
		e := nrc.Final
		if first {
			var err error
			if e, err = res.FirstEpoch(name, metric); err != nil {
				return 0, err
			}
		}
		v, err := res.Value(name, metric, e)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum / float64(len(seeds)), nil
}

// collapseLines applies the default collapse rule to each column's main
// run, at the final epoch and over the measured epochs (the onset).
func collapseLines(spec *Spec, records nrc.Results) []Collapse {
	rule := nrc.DefaultRule()
	var out []Collapse
	for i := range spec.Columns {
		col := &spec.Columns[i]
		rs := col.Main()
		if rs == nil {
			continue
		}
		c := Collapse{Column: col.Title, Run: rs.Name, Paper: col.PaperFirstCollapsed, PaperOnset: col.PaperOnsetEpoch, Rule: rule.String()}
		for _, e := range records.MeasuredEpochs(rs.SeedRuns()[0]) {
			layers, noise, err1 := seedMeanSeries(records, rs, col.Metric(nrc.MetricNoise), false, e)
			_, cka, err2 := seedMeanSeries(records, rs, col.Metric(nrc.MetricCKAProjected), false, e)
			if err1 != nil || err2 != nil || len(cka) != len(noise) {
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
