// Package sweep turns a reproduction into independent training runs and
// hands them to a cluster scheduler. Every run of the paper is one store
// key, so a sweep is a list of keys: Make lists the runs that a set of
// figures needs, deduplicated by key, with their estimated cost and their
// state in the run store; Script writes the Slurm array job that trains
// each run not yet stored as one array task (deepnrc sweep run KEY) into a
// shared store, with the report rendered by a dependent job; Resolve finds
// a task's run again.
//
// The store is safe for concurrent writers on a shared filesystem (see
// train.Store), and a task stopped by the scheduler resumes from its run's
// last checkpoint when it is requeued, so nothing here schedules anything
// itself: Slurm does.
package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/experiment"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Run is one run of a sweep: one seed of a declared run, one store key.
type Run struct {
	// Key is the run's store key; "" when its data was too big to load
	// while planning (Unchecked says so), the task then computes it.
	Key string `json:"key"`
	// Ref addresses the run for a task without planning the whole sweep:
	// "<figure>:<record label>" of the first figure that draws it (see
	// Resolve).
	Ref string `json:"ref"`
	// ID is the shared run's ID in the catalogue ("swimmer",
	// "sgemm/wd=0"); Seed the seed it trains.
	ID   string `json:"id,omitempty"`
	Seed int64  `json:"seed"`
	// Labels are the record labels the run has in the figures of the
	// sweep, and Figures those figures.
	Labels  []string `json:"labels"`
	Figures []string `json:"figures"`
	// Describe is the run in one line (model, data, optimiser).
	Describe string `json:"describe"`
	// Dataset is the dataset's registry name.
	Dataset string `json:"dataset"`
	Cost    Cost   `json:"cost"`
	// Stored is set when the run is finished in the store; Checkpoint is
	// the epoch of its last checkpoint otherwise (0: not started).
	Stored     bool `json:"stored"`
	Checkpoint int  `json:"checkpoint_epoch,omitempty"`
	// Unchecked, when not empty, says why the key and the store state are
	// unknown (the data was not loaded while planning: how much memory
	// loading it takes); the run is then planned as not stored.
	Unchecked string `json:"unchecked,omitempty"`
	// decl identifies the declaration and seed (equal declarations have
	// equal keys).
	decl string
}

// Plan is the runs a set of figures needs at one scale.
type Plan struct {
	Scale   scale.Scale `json:"scale"`
	Figures []string    `json:"figures"`
	// Store is the run store's directory the state was read from.
	Store string `json:"store"`
	// GFLOPS is the training rate the times assume (this machine's,
	// measured by MeasureGFLOPS, unless given), with Cores cores.
	GFLOPS float64 `json:"gflops"`
	Cores  int     `json:"cores"`
	// Runs are in the figures' order, each key once.
	Runs []Run `json:"runs"`
}

// Options configure Make.
type Options struct {
	// GFLOPS is the training rate to assume (see MeasureGFLOPS); 0
	// measures this machine's.
	GFLOPS float64
	// LoadLimit bounds the memory (data.LoadMemory) of a dataset that Make
	// loads to compute the keys of its runs; a bigger one is only sized
	// (from a few samples), and its runs' keys are left to the tasks. 0
	// means DefaultLoadLimit.
	LoadLimit int64
}

// DefaultLoadLimit is Options.LoadLimit's default: planning on a login
// node loads no dataset bigger than this.
const DefaultLoadLimit = 2 << 30

// Make plans the runs of the experiments ids (experiment.ResolveIDs: none
// means all) at scale s: it loads each dataset once (through r, which also
// says where the data comes from) to compute the runs' store keys, and
// reads their state from r's store.
func Make(ids []string, s scale.Scale, r *runs.Runner, opt Options) (*Plan, error) {
	ids, err := experiment.ResolveIDs(ids)
	if err != nil {
		return nil, err
	}
	p := &Plan{Scale: s, Figures: ids, GFLOPS: opt.GFLOPS, Cores: cores()}
	if p.GFLOPS <= 0 {
		if p.GFLOPS, err = MeasureGFLOPS(); err != nil {
			return nil, err
		}
	}
	if r.Store() != nil {
		p.Store = r.Store().Dir
	}
	limit := opt.LoadLimit
	if limit <= 0 {
		limit = DefaultLoadLimit
	}
	byDecl, byKey := map[string]int{}, map[string]int{}
	for _, id := range ids {
		spec, err := experiment.Get(id, s)
		if err != nil {
			return nil, err
		}
		for _, rs := range spec.Runs() {
			for i, label := range rs.SeedRuns() {
				decl, err := declKey(&rs.Spec, i)
				if err != nil {
					return nil, fmt.Errorf("sweep: %s: %w", id, err)
				}
				if at, ok := byDecl[decl]; ok {
					p.Runs[at].merge(id, label)
					continue
				}
				run, err := newRun(r, id, rs, i, label, p.GFLOPS, limit)
				if err != nil {
					return nil, fmt.Errorf("sweep: %s: %w", id, err)
				}
				run.decl = decl
				if at, ok := byKey[run.Key]; ok && run.Key != "" {
					p.Runs[at].merge(id, label)
					byDecl[decl] = at
					continue
				}
				byDecl[decl] = len(p.Runs)
				if run.Key != "" {
					byKey[run.Key] = len(p.Runs)
				}
				p.Runs = append(p.Runs, run)
			}
		}
	}
	return p, nil
}

// merge adds a figure's label for the run.
func (r *Run) merge(fig, label string) {
	r.Labels = appendNew(r.Labels, label)
	r.Figures = appendNew(r.Figures, fig)
}

// declKey identifies seed i of the declaration s: everything the store key
// covers except the data's values.
func declKey(s *runs.Spec, i int) (string, error) {
	d := *s
	d.ID = ""
	b, err := json.Marshal(struct {
		Spec runs.Spec `json:"spec"`
		Seed int       `json:"seed"`
	}{d, i})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12]), nil
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// newRun describes seed i (labelled label) of rs, of figure fig: it loads
// the data when that takes at most limit bytes, else sizes it from a few
// samples.
func newRun(r *runs.Runner, fig string, rs *experiment.RunSpec, i int, label string, gflops float64, limit int64) (Run, error) {
	spec := &rs.Spec
	cfg := spec.Train
	if len(spec.Seeds) > 0 {
		cfg.Seed = spec.Seeds[i]
	}
	run := Run{Ref: fig + ":" + label, ID: spec.ID, Seed: cfg.Seed, Labels: []string{label}, Figures: []string{fig},
		Describe: spec.Describe(), Dataset: spec.Dataset}
	need, known := data.LoadMemory(spec.Dataset, spec.Data)
	var ds *data.Dataset
	var err error
	if known && need > limit && spec.Make == nil {
		if ds, err = sized(r, spec); err != nil {
			return Run{}, err
		}
		run.Unchecked = fmt.Sprintf("the data (%s) was not loaded to plan: loading it takes about %s, more than the %s planning may load (--load-limit); "+
			"the task computes the key, and the run is planned as not stored", spec.Dataset, formatBytes(need), formatBytes(limit))
	} else {
		if ds, err = r.Data(spec); err != nil {
			return Run{}, err
		}
		if run.Key, err = r.Key(spec, i); err != nil {
			return Run{}, err
		}
	}
	m, err := spec.Model.Build(ds)
	if err != nil {
		return Run{}, err
	}
	a, err := archOf(spec.Model, ds, m)
	if err != nil {
		return Run{}, err
	}
	run.Cost = estimate(a, cfg, ds, gflops)
	if known {
		run.Cost.Memory = max(run.Cost.Memory, baseMemory+need)
	}
	if st := r.Store(); st != nil && run.Key != "" {
		prog, err := st.Progress(run.Key)
		if err != nil {
			return Run{}, err
		}
		run.Stored, run.Checkpoint = prog.Complete, prog.Epoch
	}
	return run, nil
}

// sizeSamples is how many samples sized loads to learn a dataset's shapes.
const sizeSamples = 64

// sized returns a dataset with the shapes and split sizes of spec's data,
// learnt by loading a few samples (its values are those few samples').
func sized(r *runs.Runner, spec *runs.Spec) (*data.Dataset, error) {
	small := *spec
	small.Data.N = sizeSamples
	ds, err := r.Data(&small)
	if err != nil {
		return nil, err
	}
	n := spec.Data.N
	if n <= 0 {
		info, err := data.Lookup(spec.Dataset)
		if err != nil {
			return nil, err
		}
		n = info.DefaultN
	}
	out := *ds
	out.Train.N, out.Test.N = data.SplitSizes(n)
	return &out, nil
}

// formatBytes writes a size in MiB or GiB.
func formatBytes(b int64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", (b+1<<20-1)>>20)
}

// Pending returns the runs not finished in the store.
func (p *Plan) Pending() []Run {
	var out []Run
	for _, r := range p.Runs {
		if !r.Stored {
			out = append(out, r)
		}
	}
	return out
}

// Total sums the costs of runs.
func Total(rs []Run) Cost {
	var c Cost
	for _, r := range rs {
		c.Steps += r.Cost.Steps
		c.FLOPs += r.Cost.FLOPs
		c.Seconds += r.Cost.Seconds
		c.Memory = max(c.Memory, r.Cost.Memory)
		c.Params = max(c.Params, r.Cost.Params)
	}
	return c
}

// Resolve returns the run that ref ("<figure>:<record label>", Run.Ref)
// names at scale s: its declaration, the seed index and the run's name in
// the figure (the label without its seed suffix, for runs.Runner.TrainSeed).
func Resolve(ref string, s scale.Scale) (spec *runs.Spec, seed int, name string, err error) {
	fig, label, ok := strings.Cut(ref, ":")
	if !ok || fig == "" || label == "" {
		return nil, 0, "", fmt.Errorf("sweep: run reference %q: want <figure>:<record label>, e.g. fig2:fig2/swimmer", ref)
	}
	fs, err := experiment.Get(fig, s)
	if err != nil {
		return nil, 0, "", fmt.Errorf("sweep: run reference %q: %w", ref, err)
	}
	var labels []string
	for _, rs := range fs.Runs() {
		for i, l := range rs.SeedRuns() {
			if l == label {
				return &rs.Spec, i, rs.Name, nil
			}
			labels = append(labels, l)
		}
	}
	return nil, 0, "", fmt.Errorf("sweep: run reference %q: %s at %s scale has no run labelled %q; its runs: %s",
		ref, fig, s, label, strings.Join(labels, ", "))
}
