package experiment

import (
	"fmt"
	"math"
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
		{"sgemm", func(s scale.Scale) runs.Spec {
			r := sgemmRun(s, 1e-3, 0)
			r.Measure.ExtraRanks = []int{1} // Fig 3 reads it with the intrinsic rank r = 1
			return r
		}},
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

// The quick rule. A quick run is derived from its paper run by a rule that
// keeps the dynamics the paper's findings depend on, and shrinks only what
// they do not:
//
//   - kept: depth, activation, initialisation, optimiser (SGD, momentum),
//     weight decay λ, batch size, the schedule's shape (milestones at the
//     same fractions of training) and the measured epochs (at the same
//     fractions);
//   - kept: the learning-rate sum Σ lr over all steps, and so the
//     weight-decay budget Σ lr·λ: the steps are divided by a factor f and
//     the learning rate multiplied by f (f = 1 for runs cheap enough);
//   - shrunk: the width (and for ResNets the channels and image size) and
//     the number of samples, so the epochs follow from the steps.
//
// quickPlan holds a run's choices; derive applies the rule and describe
// states it with the numbers, for the specs' notes.
type quickPlan struct {
	// Width replaces an MLP's width (0 keeps it); Model replaces the
	// architecture (ResNets).
	Width int
	Model *runs.Model
	// N is the number of samples and ImageSize the image side (0 keeps
	// the paper's).
	N, ImageSize int
	// Factor is f: steps ÷ f, learning rate × f.
	Factor float64
	// Steps and LR, when set, replace the rule's steps and learning rate
	// for a run whose paper budget is out of reach (nrc2024's 10⁶ epochs);
	// describeQuick then shows the Σ lr it falls short by.
	Steps int
	LR    float64
	// Batch replaces the batch size (with Steps: the ResNets, whose paper
	// budget is out of reach on a CPU).
	Batch int
	// Seeds repeats the quick run (nil: the paper run's seed).
	Seeds []int64
}

// stepsPerEpoch is the number of mini-batches of an epoch over the
// training split of n samples (the last batch kept).
func stepsPerEpoch(n, batch int) int {
	train, _ := data.SplitSizes(n)
	return (train + batch - 1) / batch
}

// samplesOf is the number of samples a spec loads (its dataset's default
// when it does not say).
func samplesOf(s runs.Spec) int {
	if s.Data.N > 0 {
		return s.Data.N
	}
	if info, err := data.Lookup(s.Dataset); err == nil && info.DefaultN > 0 {
		return info.DefaultN
	}
	return 1
}

// scaleEpochs maps epochs of a run of from epochs onto one of to epochs,
// keeping their fractions of training (at least epoch 1, no duplicates).
func scaleEpochs(list []int, from, to int) []int {
	out := []int{} // an empty list stays empty, not nil ("the default")
	for _, e := range list {
		q := max(1, int(math.Round(float64(e)*float64(to)/float64(from))))
		if q <= to && (len(out) == 0 || q > out[len(out)-1]) {
			out = append(out, q)
		}
	}
	return out
}

// derive applies the quick rule to paper run p.
func derive(p runs.Spec, q quickPlan) runs.Spec {
	out := p
	cp := p.Train
	out.Train = cp
	if q.N > 0 {
		out.Data.N = q.N
	}
	if q.ImageSize > 0 {
		out.Data.ImageSize = q.ImageSize
	}
	if q.Model != nil {
		out.Model = *q.Model
	} else if q.Width > 0 && p.Model.MLP != nil {
		m := *p.Model.MLP
		m.Hidden = q.Width
		out.Model.MLP = &m
	}
	f := q.Factor
	if f <= 0 {
		f = 1
	}
	pc := p.Train.WithDefaults()
	stepsP := float64(pc.Epochs * stepsPerEpoch(samplesOf(p), pc.BatchSize))
	batch := pc.BatchSize
	if q.Batch > 0 {
		batch = q.Batch
		out.Train.BatchSize = batch
	}
	steps, lr := stepsP/f, pc.LearningRate*f
	if q.Steps > 0 {
		steps, lr = float64(q.Steps), q.LR
	}
	epochs := max(1, int(math.Round(steps/float64(stepsPerEpoch(samplesOf(out), batch)))))
	out.Train.Epochs = epochs
	out.Train.LearningRate = lr
	out.Train.Milestones = scaleEpochs(pc.Milestones, pc.Epochs, epochs)
	out.Train.MeasureEpochs = scaleEpochs(pc.MeasureEpochs, pc.Epochs, epochs)
	out.Train.MeasureEpochs = thin(out.Train.MeasureEpochs, quickMeasures)
	out.Train.TestEvery = max(1, epochs/quickTests)
	if q.Steps > 0 { // the paper's measured epochs do not map: measure 25 times, evenly
		out.Train.MeasureEpochs = nil
		for i := 1; i <= 25; i++ {
			out.Train.MeasureEpochs = append(out.Train.MeasureEpochs, max(1, epochs*i/25))
		}
	}
	out.Seeds = q.Seeds
	return out
}

// A quick run measures at most quickMeasures epochs and evaluates the test
// MSE about quickTests times: what is recorded, not how it trains.
const quickMeasures, quickTests = 24, 100

// thin keeps at most n of the ascending epochs, spread evenly, the first
// and last included.
func thin(epochs []int, n int) []int {
	if len(epochs) <= n {
		return epochs
	}
	out := []int{}
	for i := 0; i < n; i++ {
		e := epochs[int(math.Round(float64(i)*float64(len(epochs)-1)/float64(n-1)))]
		if len(out) == 0 || e > out[len(out)-1] {
			out = append(out, e)
		}
	}
	return out
}

// budget sums a run's schedule: its optimiser steps, Σ lr over them and
// the weight-decay budget Σ lr·λ.
func budget(s runs.Spec) (steps int, lrSum, decay float64) {
	c := s.Train.WithDefaults()
	spe := stepsPerEpoch(samplesOf(s), c.BatchSize)
	lr := c.LearningRate
	next := 0
	for e := 1; e <= c.Epochs; e++ {
		for next < len(c.Milestones) && c.Milestones[next] < e {
			lr *= c.Gamma
			next++
		}
		lrSum += lr * float64(spe)
	}
	return c.Epochs * spe, lrSum, lrSum * c.WeightDecay
}

// describeQuick states how run id's quick run derives from its paper run,
// with the numbers of both.
func describeQuick(id string, paper, quick runs.Spec) string {
	ps, pl, pd := budget(paper)
	qs, ql, qd := budget(quick)
	pc, qc := paper.Train.WithDefaults(), quick.Train.WithDefaults()
	how := "by the quick rule"
	if pl > 0 && math.Abs(ql/pl-1) > 0.1 {
		how = fmt.Sprintf("with its steps and rate set (the paper's budget is out of reach here: Σ lr is %.2g× the paper's)", ql/pl)
	}
	return fmt.Sprintf("Quick %s %s: %s on N = %d (paper: %s on N = %d); %d steps in %d epochs of batch %d, lr %g (paper: %d steps in %d epochs of batch %d, lr %g), "+
		"milestones %v (paper %v); Σ lr %.4g (paper %.4g), weight-decay budget Σ lr·λ %.3g (paper %.3g).",
		id, how, quick.Model.String(), samplesOf(quick), paper.Model.String(), samplesOf(paper), qs, qc.Epochs, qc.BatchSize, qc.LearningRate,
		ps, pc.Epochs, pc.BatchSize, pc.LearningRate, qc.Milestones, pc.Milestones, ql, pl, qd, pd)
}

// byScale returns the run at scale s: the paper run, its quick derivation
// or the smoke run.
func byScale(s scale.Scale, paper runs.Spec, q quickPlan, smoke runs.Spec) runs.Spec {
	return scale.Pick(s, smoke, derive(paper, q), paper)
}

func mlp(hidden, layers int) runs.Model {
	return runs.Model{MLP: &runs.MLP{Hidden: hidden, Layers: layers}}
}

// quickResNet is the reduced ResNet-18 of the quick scale,
// model.ReducedResNet18 (the network `deepnrc bench` measures).
func quickResNet() runs.Model {
	return runs.Model{Name: "reduced ResNet-18", ResNet: runs.ResNetOf(model.ReducedResNet18(0))}
}

// quickResNet34 is ResNet-34's layout (stages 3, 4, 6, 3 and its 33
// probes) at the reduced widths.
func quickResNet34() runs.Model {
	r := runs.ResNetOf(model.ReducedResNet18(0))
	r.Blocks = []int{3, 4, 6, 3}
	return runs.Model{Name: "reduced ResNet-34", ResNet: r}
}

// smokeResNet is the smallest ResNet with ResNet-18's probe layout.
func smokeResNet() runs.Model {
	return runs.Model{Name: "tiny ResNet-18", ResNet: &runs.ResNet{Blocks: []int{2, 2, 2, 2}, Widths: []int{4, 4, 8, 8}, Stem: model.StemCIFAR}}
}

// sgd is the paper's optimiser: SGD with momentum 0.9 and coupled weight
// decay; milestones nil means [E/3, 2E/3].
func sgd(epochs, batch int, lr, wd float64, milestones []int) train.Config {
	c := train.DefaultConfig(epochs)
	c.BatchSize, c.LearningRate, c.WeightDecay, c.Milestones = batch, lr, wd, milestones
	return c
}

// mujocoMilestones are read off the paper's Fig 5: the MuJoCo loss curves
// drop near epochs 165 and 330 of 1000 (E/6 and E/3), not at [E/3, 2E/3].
func mujocoMilestones(epochs int) []int { return []int{epochs / 6, epochs / 3} }

func samples(n int) data.Options { return data.Options{N: n} }

// smokeMLP is a few epochs of a tiny network.
func smokeMLP(dataset string, layers int, wd float64) runs.Spec {
	return runs.Spec{Dataset: dataset, Data: samples(300), Model: mlp(16, layers), Train: sgd(6, 64, 0.05, wd, nil)}
}

// Tabular MLP runs of the paper (spec §2.3).

func swimmerRun(s scale.Scale) runs.Spec {
	paper := runs.Spec{Dataset: "swimmer", Data: samples(1000), Model: mlp(256, 8), Train: sgd(1000, 512, 0.1, 5e-3, mujocoMilestones(1000))}
	return byScale(s, paper, quickPlan{}, smokeMLP("swimmer", 8, 5e-3))
}

func hopperRun(s scale.Scale) runs.Spec {
	paper := runs.Spec{Dataset: "hopper", Data: samples(5000), Model: mlp(256, 8), Train: sgd(1000, 512, 0.1, 1e-3, mujocoMilestones(1000))}
	return byScale(s, paper, quickPlan{}, smokeMLP("hopper", 8, 1e-3))
}

func reacherRun(s scale.Scale) runs.Spec {
	paper := runs.Spec{Dataset: "reacher", Data: samples(1000), Model: mlp(512, 8), Train: sgd(1000, 512, 0.05, 1e-4, mujocoMilestones(1000))}
	return byScale(s, paper, quickPlan{Width: 256}, smokeMLP("reacher", 8, 1e-4))
}

// sgemmRun is the SGEMM run with weight decay wd (the paper's is 1e-3);
// rank is k of the metrics (Fig 3 uses the intrinsic rank r = 1). The
// paper's Fig 5 SGEMM loss drops once, near epoch 165 of 200.
func sgemmRun(s scale.Scale, wd float64, rank int) runs.Spec {
	paper := runs.Spec{Dataset: "sgemm", Data: samples(data.SGEMMRealRows), Model: mlp(512, 8), Train: sgd(200, 128, 0.005, wd, []int{165})}
	paper.Train.Rank = rank
	smoke := runs.Spec{Dataset: "sgemm", Data: samples(500), Model: mlp(16, 8), Train: sgd(5, 128, 0.05, wd, nil)}
	smoke.Train.Rank = rank
	return byScale(s, paper, quickPlan{Width: 64, N: 48000, Factor: 5}, smoke)
}

// syntheticRun trains the 10-layer MLP on the synthetic data of Fig 3
// (t = 10, r = 2) or Fig 8 (t = 3, r = 10). The paper gives no training
// hyperparameters for it; these are this project's (see noteSynthetic).
func syntheticRun(s scale.Scale, dataset string, wd float64, rank int) runs.Spec {
	paper := runs.Spec{Dataset: dataset, Data: samples(10000), Model: mlp(1024, 10), Train: sgd(1000, 512, 0.1, wd, mujocoMilestones(1000)), ScaleTargets: true}
	paper.Train.Rank = rank
	smoke := runs.Spec{Dataset: dataset, Data: samples(500), Model: mlp(16, 10), Train: sgd(6, 64, 0.1, wd, nil), ScaleTargets: true}
	smoke.Train.Rank = rank
	return byScale(s, paper, quickPlan{Width: 64, N: 2000}, smoke)
}

// ResNet runs on images.

// carlaRun is the Carla2D ResNet-18 run with weight decay wd (the paper's
// is 5e-3).
func carlaRun(s scale.Scale, wd float64) runs.Spec {
	paper := runs.Spec{Dataset: "carla2d", Data: data.Options{N: 50000}, Model: runs.Model{Name: "ResNet-18", ResNet: runs.ResNetOf(model.ResNet18(0))},
		Train: sgd(250, 128, 0.01, wd, nil)}
	paper.Train.MeasureEpochs = train.EpochsUpTo(train.PaperResNetEpochs, 250)
	smoke := runs.Spec{Dataset: "carla2d", Data: data.Options{N: 100, ImageSize: 8}, Model: smokeResNet(), Train: sgd(2, 32, 0.01, wd, nil)}
	q := quickResNet()
	return byScale(s, paper, quickPlan{Model: &q, N: 1000, ImageSize: 16, Steps: 400, LR: 0.05, Batch: 32}, smoke)
}

func utkfaceRun(s scale.Scale) runs.Spec {
	paper := runs.Spec{Dataset: "utkface", Data: data.Options{N: 25000, ImageSize: 128}, Model: runs.Model{Name: "ResNet-34", ResNet: runs.ResNetOf(model.ResNet34(0))},
		Train: sgd(100, 512, 0.001, 5e-4, nil)}
	paper.Train.MeasureEpochs = train.EpochsUpTo(train.PaperResNetEpochs, 100)
	smoke := runs.Spec{Dataset: "utkface", Data: data.Options{N: 100, ImageSize: 8}, Model: smokeResNet(), Train: sgd(2, 32, 0.001, 5e-4, nil)}
	q := quickResNet34()
	return byScale(s, paper, quickPlan{Model: &q, N: 1000, ImageSize: 16, Steps: 300, LR: 0.001, Batch: 32}, smoke)
}

// predecessorRun is the [NRC] MuJoCo setting (spec §2.5): a 4-layer MLP
// with biases (3 hidden layers of 256, ReLU, a last Linear W) trained by
// plain SGD at a constant lr 1e-2, batch 256, on ½MSE + ½λ‖θ‖². That loss's
// step equals this trainer's (full MSE, coupled λ) with lr/2 and 2λ.
func predecessorRun(s scale.Scale, dataset string, wd float64, paperEpochs, paperN int) runs.Spec {
	c := sgd(paperEpochs, 256, 0.01/2, 2*wd, []int{})
	c.Momentum = 0
	paper := runs.Spec{Dataset: dataset, Data: samples(paperN), Model: runs.Model{MLP: &runs.MLP{Hidden: 256, Layers: 4, Bias: true}},
		Train: c, Measure: train.Measure{LastLayer: true}}
	sc := sgd(6, 64, 0.05, 2*wd, []int{})
	sc.Momentum = 0
	smoke := runs.Spec{Dataset: dataset, Data: samples(300), Model: runs.Model{MLP: &runs.MLP{Hidden: 16, Layers: 4, Bias: true}},
		Train: sc, Measure: train.Measure{LastLayer: true}}
	return byScale(s, paper, quickPlan{N: 1000, Steps: 20000, LR: 0.05}, smoke)
}
func ptr[T any](v T) *T { return &v }

// wdLabel formats a weight decay for a legend.
func wdLabel(wd float64) string {
	if wd == 0 {
		return "λ = 0"
	}
	return fmt.Sprintf("λ = %g", wd)
}
