package train

import (
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// precheck refuses, before any graph is built or epoch trained, a job that
// would fail at its first measurement: too few training rows for a
// covariance, constant targets, or a rank k wider than a probe.
// checkTrainMemory is the other check made before training.
func precheck(job Job, cfg Config, opt Options) error {
	d := job.Data
	probes := job.Model.Probes()
	if d.Train.N < 2 {
		return fmt.Errorf("train: dataset %q has %d training row(s) (of %d samples): the measurement needs at least 2 for a covariance; "+
			"use more samples (--n)", d.Name, d.Train.N, d.Train.N+d.Test.N)
	}
	if constantRows(d.Train.Y, d.TargetDim) {
		return fmt.Errorf("train: every target row of dataset %q's training split is the same, so no NRC metric (nor a regression) "+
			"is defined: check the target columns of the data", d.Name)
	}
	if opt.newPass == nil {
		k := cfg.Rank
		if k == 0 {
			k = d.TargetDim
		}
		for i, p := range probes {
			if k > p.Width {
				what := fmt.Sprintf("the target dimension t = %d (the default rank)", d.TargetDim)
				if cfg.Rank > 0 {
					what = fmt.Sprintf("the rank k = %d", k)
				}
				fix := fmt.Sprintf("widen the network (--width ≥ %d) or lower the rank (--rank)", k)
				if i == 0 && p.Width == d.InputSize() {
					fix = fmt.Sprintf("the data has only %d input features: lower the rank (--rank ≤ %d)", p.Width, p.Width)
				}
				return fmt.Errorf("train: %s exceeds the width %d of probe %s, so no metric of that layer is defined: %s",
					what, p.Width, p.Name, fix)
			}
		}
	}
	return nil
}

// checkTrainMemory estimates the memory of training and measuring job and
// refuses it over the budget of package membudget. Parameters are taken as a chain of dense
// layers between consecutive probes (exact for the MLPs, a lower bound for
// conv nets); each costs its value, gradient, momentum and an update
// temporary. Activations are kept for a training and an evaluation batch,
// and a measurement holds every probe's statistics plus the metric
// computation of the widest.
func checkTrainMemory(job Job, cfg Config) error {
	d := job.Data
	probes := job.Model.Probes()
	params, sumW, widest := int64(0), int64(0), 0
	for i, p := range probes {
		out := int64(d.TargetDim)
		if i+1 < len(probes) {
			out = int64(probes[i+1].Width)
		}
		params = membudget.Add(params, membudget.Mul(int64(p.Width), out))
		sumW = membudget.Add(sumW, int64(p.Width))
		if p.Width > probes[widest].Width {
			widest = i
		}
	}
	batch := int64(min(cfg.BatchSize, d.Train.N))
	eval := int64(cfg.EvalBatchSize)
	if eval == 0 {
		eval = 512
	}
	need := membudget.Mul(params, 4*4)
	need = membudget.Add(need, membudget.Mul(batch+eval, sumW, 4*3))
	for _, p := range probes {
		need = membudget.Add(need, stats.Bytes(p.Width, d.TargetDim))
	}
	if len(probes) > 0 {
		w := probes[widest].Width
		need = membudget.Add(need, stats.ScratchBytes(w, d.TargetDim), nrc.LayerBytes(w, d.TargetDim))
	}
	what := fmt.Sprintf("training %d probed layers up to width %d (about %d parameters) on %d samples",
		len(probes), maxWidth(probes), params, d.Train.N)
	fix := "lower the width (--width) or the number of layers (--layers)"
	if membudget.Mul(batch+eval, sumW, 12) > need/2 {
		fix = "lower the batch size (--batch)"
	}
	if err := membudget.Check(what, need, fix); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func maxWidth(probes []model.Probe) int {
	m := 0
	for _, p := range probes {
		m = max(m, p.Width)
	}
	return m
}

// constantRows reports whether every row of the row-major matrix y (cols
// columns) equals the first.
func constantRows(y []float32, cols int) bool {
	for i := cols; i < len(y); i++ {
		if y[i] != y[i%cols] {
			return false
		}
	}
	return true
}

// dirExists reports whether path is an existing directory.
func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
