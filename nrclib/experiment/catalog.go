package experiment

import (
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/runs"
	"github.com/deepnrc/deepnrc/nrclib/scale"
	"github.com/deepnrc/deepnrc/nrclib/train"
)

// This file declares every training run of the paper's experiments, once,
// under a stable ID. A figure refers to a run by its ID (RunOf), so the
// Swimmer run of Figs 2 and 5 and Table 1, or the SGEMM run of Figs 5, 7
// and 9, is one declaration and the run store trains it once.

// RunIDs returns the IDs of the shared runs, in declaration order.
func RunIDs() []string {
	ids := make([]string, 0, len(sharedRuns))
	for _, r := range sharedRuns {
		ids = append(ids, r.id)
	}
	return ids
}

// SharedRun returns the run declared under id at scale s.
func SharedRun(id string, s scale.Scale) (runs.Spec, error) {
	for _, r := range sharedRuns {
		if r.id == id {
			sp := r.build(s)
			sp.ID = id
			return sp, nil
		}
	}
	return runs.Spec{}, fmt.Errorf("experiment: no shared run %q; known: %s", id, strings.Join(RunIDs(), ", "))
}

// RunOf returns the shared run id at scale s under the record label name
// ("fig2/swimmer"). An unknown id is a programmer error: it panics (every
// spec is built by the package's tests).
func RunOf(s scale.Scale, id, name string) RunSpec {
	sp, err := SharedRun(id, s)
	if err != nil {
		panic(err)
	}
	return RunSpec{Name: name, Spec: sp}
}

// sweep returns the runs ids under names prefix/wd=<λ>, each labelled with
// its λ; the run highlight is drawn purple.
func sweep(s scale.Scale, prefix string, ids []string, wds []float64, highlight string) []RunSpec {
	out := make([]RunSpec, len(ids))
	for i, id := range ids {
		out[i] = RunOf(s, id, fmt.Sprintf("%s/wd=%g", prefix, wds[i]))
		out[i].Label, out[i].Highlight = wdLabel(wds[i]), id == highlight
	}
	return out
}

type sharedRunDecl struct {
	id    string
	build func(scale.Scale) runs.Spec
}

// Weight decays of the sweeps. Carla2D's (Fig 4) and SGEMM's (Fig 9) are
// the paper's; of the synthetic sweep (Fig 4, right) only "high" is given
// (1e-3): "good" and "low" are this project's choices.
var (
	carlaWDs = []float64{0, 5e-5, 5e-4, 5e-3}
	sgemmWDs = []float64{0, 1e-5, 1e-4, 1e-3}
)

const (
	synthWDGood = 1e-4
	synthWDHigh = 1e-3
	synthWDLow  = 1e-5
)

// sharedRuns is the catalogue of runs: each ID once.
var sharedRuns = func() []sharedRunDecl {
	d := []sharedRunDecl{
		{"swimmer", swimmerRun}, {"hopper", hopperRun}, {"reacher", reacherRun},
		{"sgemm", func(s scale.Scale) runs.Spec { return sgemmRun(s, 1e-3, 0) }},
		{"sgemm/rank1", func(s scale.Scale) runs.Spec { return sgemmRun(s, 1e-3, 1) }},
	}
	for _, wd := range sgemmWDs[:3] {
		d = append(d, sharedRunDecl{fmt.Sprintf("sgemm/wd=%g", wd), func(s scale.Scale) runs.Spec { return sgemmRun(s, wd, 0) }})
	}
	d = append(d, sharedRunDecl{"carla2d", func(s scale.Scale) runs.Spec { return carlaRun(s, 5e-3) }})
	for _, wd := range carlaWDs[:3] {
		d = append(d, sharedRunDecl{fmt.Sprintf("carla2d/wd=%g", wd), func(s scale.Scale) runs.Spec { return carlaRun(s, wd) }})
	}
	d = append(d, sharedRunDecl{"utkface", utkfaceRun},
		sharedRunDecl{"synthetic-fig3", func(s scale.Scale) runs.Spec { return syntheticRun(s, "synthetic-fig3", synthWDGood, 2) }})
	for _, wd := range []float64{synthWDHigh, synthWDLow, 0} {
		d = append(d, sharedRunDecl{fmt.Sprintf("synthetic-fig3/wd=%g", wd), func(s scale.Scale) runs.Spec { return syntheticRun(s, "synthetic-fig3", wd, 2) }})
	}
	d = append(d,
		sharedRunDecl{"synthetic-fig8", func(s scale.Scale) runs.Spec { return syntheticRun(s, "synthetic-fig8", synthWDGood, 0) }},
		sharedRunDecl{"nrc2024/swimmer", func(s scale.Scale) runs.Spec { return predecessorRun(s, "swimmer", 1e-2, 1_000_000, 1000) }},
		sharedRunDecl{"nrc2024/reacher", func(s scale.Scale) runs.Spec { return predecessorRun(s, "reacher", 1.5e-3, 1_500_000, 1000) }},
		sharedRunDecl{"nrc2024/hopper", func(s scale.Scale) runs.Spec { return predecessorRun(s, "hopper", 1e-2, 200_000, 10000) }},
	)
	return d
}()

// sgemmID returns the ID of the SGEMM run with weight decay wd.
func sgemmID(wd float64) string {
	if wd == 1e-3 {
		return "sgemm"
	}
	return fmt.Sprintf("sgemm/wd=%g", wd)
}

// carlaID returns the ID of the Carla2D run with weight decay wd.
func carlaID(wd float64) string {
	if wd == 5e-3 {
		return "carla2d"
	}
	return fmt.Sprintf("carla2d/wd=%g", wd)
}

func idsOf(wds []float64, id func(float64) string) []string {
	out := make([]string, len(wds))
	for i, wd := range wds {
		out[i] = id(wd)
	}
	return out
}

// quickSeeds are the seeds of runs cheap enough to repeat at quick scale.
var quickSeeds = []int64{1, 2, 3}

func mlp(hidden, layers int) runs.Model {
	return runs.Model{MLP: &runs.MLP{Hidden: hidden, Layers: layers}}
}

// quickResNet is the reduced ResNet-18 of the quick scale,
// model.ReducedResNet18 (the network `deepnrc bench` measures).
func quickResNet() runs.Model {
	return runs.Model{Name: "reduced ResNet-18", ResNet: runs.ResNetOf(model.ReducedResNet18(0))}
}

// smokeResNet is the smallest ResNet with ResNet-18's probe layout.
func smokeResNet() runs.Model {
	return runs.Model{Name: "tiny ResNet-18", ResNet: &runs.ResNet{Blocks: []int{2, 2, 2, 2}, Widths: []int{4, 4, 8, 8}, Stem: model.StemCIFAR}}
}

func sgd(epochs, batch int, lr, wd float64) train.Config {
	c := train.DefaultConfig(epochs)
	c.BatchSize, c.LearningRate, c.WeightDecay = batch, lr, wd
	return c
}

func samples(n int) data.Options { return data.Options{N: n} }

// Tabular MLP runs of the paper (spec §2.3).

func swimmerRun(s scale.Scale) runs.Spec {
	return runs.Spec{Dataset: "swimmer", Data: samples(scale.Pick(s, 300, 1000, 1000)),
		Model: mlp(scale.Pick(s, 16, 64, 256), 8),
		Train: sgd(scale.Pick(s, 6, 200, 1000), scale.Pick(s, 64, 64, 512), scale.Pick(s, 0.05, 0.05, 0.1), scale.Pick(s, 2e-3, 2e-3, 5e-3)),
		Seeds: scale.Pick(s, nil, quickSeeds, nil)}
}

func hopperRun(s scale.Scale) runs.Spec {
	return runs.Spec{Dataset: "hopper", Data: samples(scale.Pick(s, 300, 2000, 5000)),
		Model: mlp(scale.Pick(s, 16, 64, 256), 8),
		Train: sgd(scale.Pick(s, 6, 250, 1000), scale.Pick(s, 64, 128, 512), scale.Pick(s, 0.05, 0.05, 0.1), 1e-3),
		Seeds: scale.Pick(s, nil, quickSeeds, nil)}
}

func reacherRun(s scale.Scale) runs.Spec {
	return runs.Spec{Dataset: "reacher", Data: samples(scale.Pick(s, 300, 1000, 1000)),
		Model: mlp(scale.Pick(s, 16, 64, 512), 8),
		Train: sgd(scale.Pick(s, 6, 300, 1000), scale.Pick(s, 64, 64, 512), scale.Pick(s, 0.05, 0.05, 0.05), 1e-4),
		Seeds: scale.Pick(s, nil, quickSeeds, nil)}
}

// sgemmRun is the SGEMM run with weight decay wd (the paper's is 1e-3);
// rank is k of the metrics (Fig 3 uses the intrinsic rank r = 1).
func sgemmRun(s scale.Scale, wd float64, rank int) runs.Spec {
	r := runs.Spec{Dataset: "sgemm", Data: samples(scale.Pick(s, 500, 5000, data.SGEMMRealRows)),
		Model: mlp(scale.Pick(s, 16, 64, 512), 8),
		Train: sgd(scale.Pick(s, 5, 100, 200), 128, scale.Pick(s, 0.05, 0.05, 0.005), wd)}
	r.Train.Rank = rank
	return r
}

// syntheticRun trains the 10-layer MLP on the synthetic data of Fig 3
// (t = 10, r = 2) or Fig 8 (t = 3, r = 10).
func syntheticRun(s scale.Scale, dataset string, wd float64, rank int) runs.Spec {
	r := runs.Spec{Dataset: dataset, Data: samples(scale.Pick(s, 500, 2000, 10000)),
		Model: mlp(scale.Pick(s, 16, 64, 1024), 10),
		Train: sgd(scale.Pick(s, 6, 150, 1000), scale.Pick(s, 64, 64, 512), 0.1, wd), ScaleTargets: true}
	r.Train.Rank = rank
	return r
}

// ResNet runs on images.

func resnetMeasureEpochs(s scale.Scale, epochs int) []int {
	if s == scale.Paper {
		return train.EpochsUpTo(train.PaperResNetEpochs, epochs)
	}
	return train.EpochsUpTo([]int{1, 2, 5, 10, 20, 30}, epochs)
}

// carlaRun is the Carla2D ResNet-18 run with weight decay wd (the paper's
// is 5e-3).
func carlaRun(s scale.Scale, wd float64) runs.Spec {
	epochs := scale.Pick(s, 2, 15, 250)
	r := runs.Spec{Dataset: "carla2d",
		Data:  data.Options{N: scale.Pick(s, 100, 500, 50000), ImageSize: scale.Pick(s, 8, 16, 0)},
		Model: scale.Pick(s, smokeResNet(), quickResNet(), runs.Model{Name: "ResNet-18", ResNet: runs.ResNetOf(model.ResNet18(0))}),
		Train: sgd(epochs, scale.Pick(s, 32, 32, 128), scale.Pick(s, 0.01, 0.05, 0.01), wd)}
	r.Train.MeasureEpochs = resnetMeasureEpochs(s, epochs)
	return r
}

func utkfaceRun(s scale.Scale) runs.Spec {
	epochs := scale.Pick(s, 2, 15, 100)
	r := runs.Spec{Dataset: "utkface",
		Data:  data.Options{N: scale.Pick(s, 100, 500, 25000), ImageSize: scale.Pick(s, 8, 16, 128)},
		Model: scale.Pick(s, smokeResNet(), quickResNet(), runs.Model{Name: "ResNet-34", ResNet: runs.ResNetOf(model.ResNet34(0))}),
		Train: sgd(epochs, scale.Pick(s, 32, 32, 512), 0.001, 5e-4)}
	r.Train.MeasureEpochs = resnetMeasureEpochs(s, epochs)
	return r
}

// predecessorRun is the [NRC] MuJoCo setting: a 4-layer MLP (3 hidden
// layers of 256), SGD lr 1e-2, batch 256, measured with the last-layer
// NRC1–3.
func predecessorRun(s scale.Scale, dataset string, wd float64, paperEpochs, paperN int) runs.Spec {
	return runs.Spec{Dataset: dataset, Data: samples(scale.Pick(s, 300, 1000, paperN)),
		Model:   mlp(scale.Pick(s, 16, 64, 256), 4),
		Train:   sgd(scale.Pick(s, 6, 1500, paperEpochs), scale.Pick(s, 64, 64, 256), scale.Pick(s, 0.05, 0.05, 0.01), wd),
		Measure: train.Measure{LastLayer: true}}
}

func ptr[T any](v T) *T { return &v }

// wdLabel formats a weight decay for a legend.
func wdLabel(wd float64) string {
	if wd == 0 {
		return "λ = 0"
	}
	return fmt.Sprintf("λ = %g", wd)
}
