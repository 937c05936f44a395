package experiment

import (
	"fmt"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// probeNames returns the probes of run rs's network, built for a stand-in
// shape (the names do not depend on the data's sizes).
func probeNames(t *testing.T, rs *RunSpec) []string {
	t.Helper()
	ds := &data.Dataset{Name: "shape", InputShape: []int{8}, TargetDim: 2}
	if rs.Model.ResNet != nil {
		ds.InputShape = []int{16, 16, 3}
	}
	m, err := rs.Model.Build(ds)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range m.Probes() {
		out = append(out, p.Name)
	}
	return out
}

// fullRecords gives every seed of every run of spec a record of every
// catalogue metric at every measured epoch, value v (per-layer and
// run-level alike): a complete table on which each claim can be evaluated.
func fullRecords(t *testing.T, spec *Spec, v float64) nrc.Results {
	var out nrc.Results
	for _, rs := range spec.Runs() {
		layers := probeNames(t, rs)
		epochs := rs.Train.WithDefaults().MeasureEpochs
		if len(epochs) == 0 || epochs[len(epochs)-1] != rs.Train.Epochs {
			epochs = append(epochs, rs.Train.Epochs)
		}
		metrics := nrc.Metrics()
		for _, k := range rs.Measure.ExtraRanks {
			for _, m := range nrc.RankDependent {
				metrics = append(metrics, nrc.MustMetric(nrc.RankVariant(m, k)))
			}
		}
		for _, name := range rs.SeedRuns() {
			for _, e := range epochs {
				for _, m := range metrics {
					if m.Level == nrc.PerRun {
						out = append(out, nrc.Record{Run: name, Epoch: e, Metric: m.Name, Value: v})
						continue
					}
					for _, l := range layers {
						out = append(out, nrc.Record{Run: name, Epoch: e, Layer: l, Metric: m.Name, Value: v})
					}
				}
			}
		}
	}
	return out
}

// violate sets, for the seeds of run, every record of metric to value
// (all layers, all epochs).
func violate(recs nrc.Results, seeds []string, metric string, value func(layer string, i int) float64) nrc.Results {
	out := append(nrc.Results(nil), recs...)
	in := map[string]bool{}
	for _, s := range seeds {
		in[s] = true
	}
	for i, r := range out {
		if in[r.Run] && r.Metric == metric {
			out[i].Value = value(r.Layer, i)
		}
	}
	return out
}

// TestEveryClaimCanFail feeds each claim of every experiment (at quick and
// paper scale) records that violate it — the left-hand quantity of one of
// its conditions pushed to an extreme, or the collapse rule's inputs set
// to "every layer collapsed" or "none" — and checks that it then fails
// (not merely that it cannot be evaluated). With
// TestClaimsHoldOnThePapersNumbers this shows each claim discriminates.
func TestEveryClaimCanFail(t *testing.T) {
	for _, s := range []scale.Scale{scale.Quick, scale.Paper} {
		specs, err := All(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range specs {
			base := fullRecords(t, spec, 0.5)
			for _, c := range spec.Claims {
				failed := false
				var tried []string
				for _, cond := range c.Conds {
					rs, err := quantityRun(cond.Left, spec.Runs())
					if err != nil {
						t.Fatalf("%s/%s: %q: %v", s, spec.ID, c.Text, err)
					}
					seeds := rs.SeedRuns()
					var variants []nrc.Results
					if cond.Left.FirstCollapsed || cond.Left.Onset {
						all := violate(violate(base, seeds, nrc.MetricNoise, func(string, int) float64 { return 0 }), seeds, nrc.MetricCKA, func(string, int) float64 { return 1 })
						none := violate(violate(base, seeds, nrc.MetricNoise, func(string, int) float64 { return 1 }), seeds, nrc.MetricCKA, func(string, int) float64 { return 0 })
						variants = append(variants, all, none)
					} else {
						for _, x := range []float64{0, 1, 1e3, -1} {
							variants = append(variants, violate(base, seeds, cond.Left.Metric, func(string, int) float64 { return x }))
						}
					}
					for _, v := range variants {
						o := Evaluate([]Claim{c}, v, spec.Runs())[0]
						if o.Err != "" {
							t.Errorf("%s/%s: claim %q cannot be evaluated on complete records: %s", s, spec.ID, c.Text, o.Err)
							break
						}
						if !o.Holds {
							failed = true
							break
						}
						tried = append(tried, fmt.Sprint(o.Details))
					}
					if failed {
						break
					}
				}
				if !failed {
					t.Errorf("%s/%s: claim %q held on every violating record set: %v", s, spec.ID, c.Text, tried)
				}
			}
		}
	}
}
