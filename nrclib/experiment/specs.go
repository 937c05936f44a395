package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// IDs returns the experiment IDs in the paper's order.
func IDs() []string {
	return []string{"fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "table1", "table2", "nrc2024"}
}

// Get returns the spec of experiment id at scale s, freshly built (callers
// may modify it).
func Get(id string, s scale.Scale) (*Spec, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("experiment: unknown scale %q; use %q, %q or %q", s, scale.Quick, scale.Paper, scale.Smoke)
	}
	build, ok := catalogue[strings.ToLower(id)]
	if !ok {
		return nil, fmt.Errorf("experiment: unknown experiment %q; known: %s", id, strings.Join(IDs(), ", "))
	}
	spec := build(s)
	spec.Scale = s
	if spec.Kind == KindFigure {
		spec.Notes = append(spec.Notes, noteCKA)
	}
	if s != scale.Quick { // the reasons that name the quick scale do not apply
		for i := range spec.Claims {
			if strings.HasPrefix(spec.Claims[i].IfFails, "At quick scale") {
				spec.Claims[i].IfFails = ""
			}
		}
	}
	spec.Notes = append(spec.Notes, scaleNotes(spec, s)...)
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return spec, nil
}

// All returns every spec at scale s in the paper's order.
func All(s scale.Scale) ([]*Spec, error) {
	var out []*Spec
	for _, id := range IDs() {
		sp, err := Get(id, s)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

var catalogue = map[string]func(scale.Scale) *Spec{
	"fig1": fig1, "fig2": fig2, "fig3": fig3, "fig4": fig4, "fig5": fig5, "fig6": fig6,
	"fig7": fig7, "fig8": fig8, "fig9": fig9, "table1": table1, "table2": table2, "nrc2024": nrc2024,
}

// The four rows of the paper's Deep NRC figures.
var nrcRows = []Panel{
	{Metrics: []string{nrc.MetricNoise}},
	{Metrics: []string{nrc.MetricCKAProjected}},
	{Metrics: []string{nrc.MetricWHAlignment}},
	{Metrics: []string{nrc.MetricProbeMSE}, Target: nrc.MetricModelMSE},
}

// Shorthands for claims.
func from(run, metric, layer string, agg Agg) Quantity {
	return Quantity{Run: run, Metric: metric, From: layer, Agg: agg}
}

func last(run, metric string, n int, agg Agg) Quantity {
	return Quantity{Run: run, Metric: metric, LastN: n, Agg: agg}
}

func runLevel(run, metric string) *Quantity { return &Quantity{Run: run, Metric: metric} }

// Notes shared by several figures.
const (
	noteSynthetic = "Synthetic training hyperparameters are not given by the paper: lr 0.1, batch 512, 1000 epochs and weight decay 1e-4 (\"good\") at paper scale are this project's choices; the targets are centred and scaled by one common factor to mean variance 1 (the raw targets of the random generator have a tiny variance and the paper does not say how it scaled them)."
)

// noteCKA says which CKA the figures and claims use.
const noteCKA = "CKA in the figures, the claims and the collapse rule is the projected CKA(Hc·U_t, Y) that the paper's text defines (§4.2); the tables list all three variants: full-layer CKA(H, Y), projected, and CKA of the first t neurons as the authors' code computes it."

// r1 is metric measured with the intrinsic rank r = 1 (Fig 3's SGEMM).
func r1(metric string) string { return nrc.RankVariant(metric, 1) }

// quickRuleNote states the quick rule (see quickPlan).
const quickRuleNote = "Quick scale is derived from the paper scale by one rule: the same depth, optimiser, weight decay λ, batch size, schedule shape (milestones and measured epochs at the same fractions of training) and learning-rate sum Σ lr — so the same weight-decay budget Σ lr·λ — with the steps divided by a factor f and the learning rate multiplied by f (f = 1 where the paper run is cheap enough), on narrower networks and fewer samples. MLPs of width 256 keep it: narrower ones fell to the zero function under the paper's weight decay (Hopper at width 128: R² 0.16). Where the paper's budget is out of reach on 2 cores (the ResNets; the predecessor's 10⁶ epochs) the run's steps and rate are set instead, and its note gives the shortfall. A quick run also records less: at most 24 measured epochs (at the paper's fractions) and about 100 test evaluations, which changes what is drawn, not how the network trains."

const scaleNoteSmoke = "Smoke scale: a few epochs of a tiny network on a few hundred samples, to prove the pipeline end to end; its numbers are not expected to show collapse."

// scaleNotes documents what scale s changes, generated from the runs so
// that it cannot drift from them.
func scaleNotes(spec *Spec, s scale.Scale) []string {
	var out []string
	switch s {
	case scale.Smoke:
		out = append(out, scaleNoteSmoke)
	case scale.Quick:
		out = append(out, quickRuleNote)
		seen := map[string]bool{}
		for _, r := range spec.Runs() {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			if paper, err := SharedRun(r.ID, scale.Paper); err == nil {
				out = append(out, describeQuick(r.ID, paper, r.Spec))
			}
		}
	case scale.Paper:
		out = append(out, "Paper scale: the paper's hyperparameters (spec §2.3). Where the paper is silent: MLP batch size 512 (the authors' code default), one seed, PyTorch-default initialisation. The MLP learning-rate milestones are read off the paper's Fig 5, whose loss curves drop near epochs 165 and 330 of 1000 (MuJoCo and synthetic: E/6 and E/3) and near 165 of 200 (SGEMM), not at the code's default E/3 and 2E/3; the ResNets keep E/3 and 2E/3, which Carla2D's curve matches.")
	}
	seen := map[string]bool{}
	for _, r := range spec.Runs() {
		c := r.Train
		line := fmt.Sprintf("%s: %s on %s (N=%s), %d epochs, batch %d, lr %g, weight decay %g, momentum %g, rank k=%s, seeds %v.",
			r.Name, r.Model.String(), r.Dataset, nOrDefault(r.Data.N), c.Epochs, c.BatchSize, c.LearningRate, c.WeightDecay, c.Momentum,
			rankWord(c.Rank), seedsOf(r))
		if !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	return out
}

func nOrDefault(n int) string {
	if n == 0 {
		return "default"
	}
	return fmt.Sprint(n)
}

func rankWord(k int) string {
	if k == 0 {
		return "t"
	}
	return fmt.Sprint(k)
}

func seedsOf(r *RunSpec) []int64 {
	if len(r.Seeds) > 0 {
		return r.Seeds
	}
	return []int64{r.Train.Seed}
}

func fig1(s scale.Scale) *Spec {
	utk, carla := RunOf(s, "utkface", "fig1/utkface"), RunOf(s, "carla2d", "fig1/carla2d")
	return &Spec{
		ID: "fig1", Kind: KindFigure, Paper: "Figure 1",
		Title: "Deep NRC in ResNets (UTKFace ResNet-34, Carla2D ResNet-18)",
		Claim: "In ResNets trained on image regression, the top layers collapse: the noise component falls (Carla2D 0.10–0.17 over the last four probes), the CKA with the targets jumps to ≈0.95 at fc, the features align with the weights (WH 0.98 at fc) and a linear probe predicts as well as the network (8e-4…4.5e-4 against a target ≈7e-4). Earlier layers are not collapsed (CKA ≈0 before layer4 on Carla2D).",
		Columns: []Column{
			{Title: "UTKFace", Runs: []RunSpec{utk}, PaperFirstCollapsed: "layer4.1.conv1"},
			{Title: "Carla2D", Runs: []RunSpec{carla}, PaperFirstCollapsed: "layer4.0.conv2"},
		},
		Rows:   nrcRows,
		Claims: fig1Claims(carla.Name, utk.Name),
		Reference: []Reference{
			{Column: "Carla2D", Metric: nrc.MetricNoise, FromEnd: true, Values: []float64{0.12, 0.13, 0.165, 0.10}},
			{Column: "Carla2D", Metric: nrc.MetricCKAProjected, FromEnd: true, Values: []float64{0.41, 0.48, 0.90, 0.95}},
			{Column: "Carla2D", Metric: nrc.MetricWHAlignment, FromEnd: true, Values: []float64{0.53, 0.67, 0.84, 0.98}},
			{Column: "Carla2D", Metric: nrc.MetricProbeMSE, FromEnd: true, Values: []float64{8e-4, 6e-4, 7e-4, 4.5e-4}},
			{Column: "UTKFace", Metric: nrc.MetricNoise, FromEnd: true, Values: []float64{0.69, 0.445, 0.18, 0.175, 0.18}},
			{Column: "UTKFace", Metric: nrc.MetricCKAProjected, FromEnd: true, Values: []float64{0.73, 0.75, 0.64, 0.65, 0.98}},
			{Column: "UTKFace", Metric: nrc.MetricWHAlignment, FromEnd: true, Values: []float64{0.09, 0.51, 0.84, 0.69, 0.94}},
		},
		Notes: []string{
			"Paper-scale ResNet head: a single Linear(512, t) (USE_DEFAULT_HEAD=True); the paper does not say which head it used.",
			"The reference values are aligned with the last probes of this run (FromEnd), since a reduced ResNet has different probe names than ResNet-34.",
			"Data: offline stand-ins (rendered road scenes, rendered faces) unless the real files are in the data directory; see the data section.",
		},
		Notice: []string{
			"Where the CKA jumps: before the last stage the features carry almost no linear information about the targets.",
			"The green line is computed from this run with the documented rule, not copied from the paper.",
			"The prediction-error panel is on a log scale; the red dashed line is the network's own train MSE.",
		},
		Exercises: []string{
			"Change the weight decay of the Carla2D run to 0 and compare the WH row (then see Fig 4).",
			"Train for more epochs and watch the first collapsed layer move.",
		},
	}
}

func fig2(s scale.Scale) *Spec {
	sw, ho := RunOf(s, "swimmer", "fig2/swimmer"), RunOf(s, "hopper", "fig2/hopper")
	fc := fcNames(8)
	return &Spec{
		ID: "fig2", Kind: KindFigure, Paper: "Figure 2",
		Title: "Deep NRC in MLPs (Swimmer, Hopper; 8-layer MLP)",
		Claim: "In 8-layer MLPs trained on MuJoCo behaviour cloning, collapse starts mid-network (the paper's green line is at fc5 for both): from fc5 on, the noise component is small (Swimmer 0.157–0.175, Hopper 0.09–0.105), the CKA with the targets is high (Swimmer 0.645–0.765, Hopper 0.845–0.885), the features align with the weights (WH Swimmer 0.78–0.85, Hopper 0.73–0.92), and a linear probe matches the network's train MSE.",
		Columns: []Column{
			{Title: "Swimmer", Runs: []RunSpec{sw}, PaperFirstCollapsed: "fc5"},
			{Title: "Hopper", Runs: []RunSpec{ho}, PaperFirstCollapsed: "fc5"},
		},
		Rows:   nrcRows,
		Claims: fig2Claims(sw.Name, ho.Name),
		Reference: []Reference{
			{Column: "Swimmer", Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.335, 0.445, 0.355, 0.185, 0.175, 0.168, 0.165, 0.157}},
			{Column: "Swimmer", Metric: nrc.MetricCKAProjected, Layers: fc, Values: []float64{0.29, 0.37, 0.545, 0.585, 0.645, 0.68, 0.725, 0.765}},
			{Column: "Swimmer", Metric: nrc.MetricWHAlignment, Layers: fc, Values: []float64{0.40, 0.21, 0.585, 0.84, 0.845, 0.795, 0.775, 0.835}},
			{Column: "Hopper", Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.23, 0.475, 0.53, 0.265, 0.09, 0.095, 0.105, 0.105}},
			{Column: "Hopper", Metric: nrc.MetricCKAProjected, Layers: fc, Values: []float64{0.29, 0.39, 0.565, 0.81, 0.845, 0.855, 0.865, 0.885}},
			{Column: "Hopper", Metric: nrc.MetricWHAlignment, Layers: fc, Values: []float64{0.18, 0.37, 0.39, 0.595, 0.725, 0.845, 0.895, 0.92}},
		},
		Notes: []string{
			"The MuJoCo CSVs of the paper are not published: the runs use the simulated data deepnrc ships (MuJoCo 2.2.2 physics, its own expert controllers; docs/mujoco-data.md) unless swimmer.csv / hopper.csv are in the data directory.",
		},
		Notice: []string{
			"The noise component is not monotone: it rises in the first layers and falls from the middle of the network.",
			"CKA rises steadily with depth; the WH alignment jumps where the noise falls.",
			"With several seeds the curve is their mean and the shaded band their min–max.",
		},
		Exercises: []string{
			"Set the weight decay to 0 and rerun: which rows change most?",
			"Make the MLP deeper (12 layers): does collapse still start about halfway?",
		},
	}
}

func fcNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("fc%d", i+1)
	}
	return out
}

func fig3(s scale.Scale) *Spec {
	sg := RunOf(s, "sgemm", "fig3/sgemm")
	sy := RunOf(s, "synthetic-fig3", "fig3/synthetic")
	rows := []Panel{
		{Metrics: []string{nrc.MetricNoise}, Title: "Noise component (rank r)"},
		{Metrics: []string{nrc.MetricStableRankHPaper}, Target: nrc.MetricTargetStableRankPaper, Title: "Stable rank H"},
		{Metrics: []string{nrc.MetricWHAlignment, nrc.MetricNoiseSubspaceAlignment}, Title: "WH alignment (rank r)",
			Labels: []string{"signal target-subspace", "signal noise-subspace"}},
	}
	return &Spec{
		ID: "fig3", Kind: KindFigure, Paper: "Figure 3",
		Title: "Intrinsic dimension: SGEMM (t = 4, r = 1) and synthetic (t = 10, r = 2)",
		Claim: "When the targets have a low intrinsic rank r < t, the collapsed features have rank r, not t. Measured with r, the noise component falls to ≈0 in the top layers (SGEMM 0.015 at fc8; synthetic ≈0 from fc4), the stable rank of the features falls to the targets' (≈1.0 for SGEMM, ≈1.4 for the synthetic data), and the top-r feature subspace aligns with the weights' top-r subspace (SGEMM 0.98–0.99 at fc5–fc7) rather than their noise subspace.",
		Columns: []Column{
			{Title: "SGEMM (r = 1)", Runs: []RunSpec{sg}, PaperFirstCollapsed: "fc5", Rank: 1},
			{Title: "Synthetic (r = 2)", Runs: []RunSpec{sy}, PaperFirstCollapsed: "fc5"},
		},
		Rows:   rows,
		Claims: fig3Claims(sg.Name, sy.Name),
		Reference: []Reference{
			{Column: "SGEMM (r = 1)", Metric: r1(nrc.MetricNoise), Layers: fcNames(8), Values: []float64{0.89, 0.86, 0.39, 0.38, 0.155, 0.065, 0.025, 0.015}},
			{Column: "SGEMM (r = 1)", Metric: nrc.MetricStableRankHPaper, Layers: fcNames(8), Values: []float64{7.5, 3.9, 1.05, 1.2, 1.0, 1.0, 1.0, 1.0}},
			{Column: "SGEMM (r = 1)", Metric: r1(nrc.MetricWHAlignment), Layers: fcNames(8), Values: []float64{0.39, 0.29, 0.535, 0.81, 0.98, 0.99, 0.99, 0.915}},
			{Column: "SGEMM (r = 1)", Metric: r1(nrc.MetricNoiseSubspaceAlignment), Layers: fcNames(8), Values: []float64{0.915, 0.95, 0.84, 0.575, 0.2, 0.07, 0.09, 0.39}},
			{Column: "Synthetic (r = 2)", Metric: nrc.MetricNoise, Layers: fcNames(10), Values: []float64{0.84, 0.66, 0.04, 0, 0, 0, 0, 0, 0, 0}},
			{Column: "Synthetic (r = 2)", Metric: nrc.MetricStableRankHPaper, Layers: fcNames(10), Values: []float64{16.8, 2.6, 1.6, 1.7, 1.6, 1.35, 1.3, 1.25, 1.3, 1.4}},
			{Column: "Synthetic (r = 2)", Metric: nrc.MetricWHAlignment, Layers: []string{"fc1"}, Values: []float64{0.43}},
			{Column: "Synthetic (r = 2)", Metric: nrc.MetricNoiseSubspaceAlignment, Layers: []string{"fc1"}, Values: []float64{0.87}},
		},
		Notes: []string{
			"SGEMM width: Table 2 and App. A say 512, the Fig 3 caption 256; the paper scale uses 512. The SGEMM column is the run of Figs 5, 7 and 9 (trained once), which also records the rank-dependent metrics with the intrinsic rank r = 1 (noise_k1, wh_alignment_k1, …).",
			noteSynthetic,
			"The \"signal noise-subspace alignment\" is the mean cosine between the top-r feature subspace and the complement of the weight's top-r input subspace (the caption's reading).",
		},
		Notice: []string{
			"The noise component uses r, not t: with t = 4 the SGEMM features would look far from collapsed.",
			"The red dashed line in the stable-rank panel is the targets' stable rank (same Σλ²/λ₁² convention as the features').",
		},
		Exercises: []string{"Measure the SGEMM run with k = t = 4 instead of r = 1 (set Train.Rank = 0) and compare the noise row."},
	}
}

func fig4(s scale.Scale) *Spec {
	carla := sweep(s, "fig4/carla2d", idsOf(carlaWDs, carlaID), carlaWDs, "carla2d")
	var synth []RunSpec
	for _, c := range []struct {
		label, id string
		wd        float64
	}{{"good", "synthetic-fig3", synthWDGood}, {"high", "synthetic-fig3/wd=0.001", synthWDHigh},
		{"low", "synthetic-fig3/wd=1e-05", synthWDLow}, {"zero", "synthetic-fig3/wd=0", 0}} {
		r := RunOf(s, c.id, "fig4/synthetic/"+c.label)
		r.Label, r.Highlight = fmt.Sprintf("%s (λ = %g)", c.label, c.wd), c.label == "good"
		synth = append(synth, r)
	}
	good, zero := synth[0].Name, synth[3].Name
	cRight, cZero := carla[3].Name, carla[0].Name
	return &Spec{
		ID: "fig4", Kind: KindFigure, Paper: "Figure 4",
		Title: "Effect of weight decay (Carla2D ResNet-18; synthetic 10-layer MLP)",
		Claim: "Weight decay is necessary for Deep NRC: on Carla2D, only λ = 5e-3 gives low-rank weights (stable rank W ≈1–5 against ≈37–290 for smaller λ) and low noise at fc (smaller λ: 0.45–0.75); on the synthetic data the well-tuned λ aligns features and weights (WH 0.98–0.995 from fc2) while λ = 0 does not (0.45–0.79). Too much weight decay underfits.",
		Columns: []Column{
			{Title: "Carla2D", Runs: carla},
			{Title: "Synthetic", Runs: synth},
		},
		Rows: []Panel{
			{Metrics: []string{nrc.MetricNoise}},
			{Metrics: []string{nrc.MetricWHAlignment}},
			{Metrics: []string{nrc.MetricStableRankW}, PerColumn: []string{nrc.MetricStableRankW, nrc.MetricCKAProjected}},
		},
		Claims: fig4Claims(cRight, cZero, good, zero, synth),
		Reference: []Reference{
			{Column: "Synthetic", Run: good, Metric: nrc.MetricCKAProjected, Layers: []string{"fc10"}, Values: []float64{0.95}},
			{Column: "Synthetic", Run: zero, Metric: nrc.MetricCKAProjected, Layers: []string{"fc10"}, Values: []float64{0.94}},
			{Column: "Synthetic", Run: good, Metric: nrc.MetricNoise, Layers: []string{"fc4", "fc10"}, Values: []float64{0, 0}},
		},
		Notes: []string{
			noteSynthetic,
			"The paper's right column is labelled good / high / low / zero with only high = 1e-3 given; good = 1e-4 and low = 1e-5 are this project's choices.",
			"The bottom row is stable rank W for Carla2D and CKA for the synthetic runs, as in the paper (whose caption says the bottom row is \"worse at prediction\" but plots CKA).",
		},
		Notice:    []string{"Compare the purple (well-tuned) curve with the λ = 0 curve in each row."},
		Exercises: []string{"Add λ = 5e-2 to the Carla2D sweep: where does too much weight decay start to underfit?"},
	}
}

func fig5(s scale.Scale) *Spec {
	runs := []fig5Run{
		{title: "SGEMM", run: RunOf(s, "sgemm", "fig5/sgemm"), onset: 165, epochs: 200, train: 1.7e-3, test: 1.7e-3, generalisation: true},
		{title: "Swimmer", run: RunOf(s, "swimmer", "fig5/swimmer"), onset: 280, epochs: 1000},
		{title: "Reacher", run: RunOf(s, "reacher", "fig5/reacher"), onset: 170, epochs: 1000, train: 0.03, test: 0.065, generalisation: true},
		{title: "Hopper", run: RunOf(s, "hopper", "fig5/hopper"), onset: 330, epochs: 1000, train: 0.09, test: 0.135, generalisation: true},
		{title: "Carla2D", run: RunOf(s, "carla2d", "fig5/carla2d"), onset: 168, epochs: 250, train: 7.5e-4, test: 1.8e-3, resnet: true},
		{title: "UTKFace", run: RunOf(s, "utkface", "fig5/utkface"), onset: 63, epochs: 100, train: 1.5, test: 70, resnet: true},
	}
	var cols []Column
	var refs []Reference
	for _, r := range runs {
		cols = append(cols, Column{Title: r.title, Runs: []RunSpec{r.run}, PaperOnsetEpoch: r.onset})
		if r.train > 0 {
			refs = append(refs,
				Reference{Column: r.title, Metric: nrc.MetricTrainMSE, Values: []float64{r.train}},
				Reference{Column: r.title, Metric: nrc.MetricTestMSE, Values: []float64{r.test}})
		}
	}
	return &Spec{
		ID: "fig5", Kind: KindFigure, Paper: "Figure 5",
		Title:     "Train and test loss during training, with the onset of Deep NRC",
		Claim:     "Train and test MSE fall during training on all six datasets (final train ≈ test ≈ 1.7e-3 on SGEMM; Reacher 0.03 / 0.065; Hopper 0.09 / 0.135; Carla2D 7.5e-4 / 1.8e-3; UTKFace 1.2–1.8 / 70 years²), and Deep NRC appears during training, marked by the green line (SGEMM ≈165, Swimmer ≈280, Reacher ≈170, Hopper ≈330, Carla2D ≈168, UTKFace ≈63 epochs).",
		Columns:   cols,
		Rows:      []Panel{{Kind: PanelEpochs, Metrics: []string{nrc.MetricTrainMSE, nrc.MetricTestMSE}}},
		Wrap:      3,
		Claims:    fig5Claims(runs),
		Reference: refs,
		Notes: []string{
			"The runs are those of Figs 1, 2, 6 and 7 (same configurations, so the run store trains them once).",
			"The onset epoch (green line) is computed: the first measured epoch at which the default collapse rule (noise ≤ 0.2 and projected CKA ≥ 0.5 from some layer to the last probe) finds a collapsed layer. The paper does not say how it chose its epochs.",
		},
		Notice:    []string{"The onset of collapse is not where the loss stops falling: collapse keeps developing after the loss has flattened."},
		Exercises: []string{"Lower the collapse rule's noise threshold to 0.1 and see how the onset epochs move."},
	}
}

func fig6(s scale.Scale) *Spec {
	re := RunOf(s, "reacher", "fig6/reacher")
	fc := fcNames(8)
	return &Spec{
		ID: "fig6", Kind: KindFigure, Paper: "Figure 6",
		Title:   "Deep NRC on Reacher (8-layer MLP, width 512)",
		Claim:   "On Reacher the top layers collapse from fc5: the noise component falls from 0.66 (fc3) to 0.21 (fc8), the CKA rises to 0.80–0.85, the WH alignment to 0.70–0.86, and the linear probe matches the train MSE (≈0.03) from fc2.",
		Columns: []Column{{Title: "Reacher", Runs: []RunSpec{re}, PaperFirstCollapsed: "fc5"}},
		Rows:    nrcRows,
		Wrap:    2,
		Claims:  fig6Claims(re.Name),
		Reference: []Reference{
			{Column: "Reacher", Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.52, 0.60, 0.66, 0.53, 0.31, 0.24, 0.23, 0.21}},
			{Column: "Reacher", Metric: nrc.MetricCKAProjected, Layers: fc, Values: []float64{0.23, 0.22, 0.47, 0.76, 0.80, 0.82, 0.83, 0.85}},
			{Column: "Reacher", Metric: nrc.MetricWHAlignment, Layers: fc, Values: []float64{0.28, 0.12, 0.41, 0.60, 0.70, 0.79, 0.84, 0.86}},
		},
		Notes:     []string{"Reacher's two actions are nearly uncorrelated with λ_min ≈ 0.0097 in raw units ([NRC] Table 1). The run uses deepnrc's simulated Reacher data (MuJoCo 2.2.2, an inverse-kinematics PD expert) unless reacher.csv is in the data directory; `deepnrc data info reacher` compares its statistics with Table 1's."},
		Notice:    []string{"Reacher collapses less than Hopper: its noise stays ≈0.2 at the top."},
		Exercises: []string{"Raise the weight decay to 1e-3 (Hopper's) and compare."},
	}
}

func fig7(s scale.Scale) *Spec {
	sg := RunOf(s, "sgemm", "fig7/sgemm")
	fc := fcNames(8)
	return &Spec{
		ID: "fig7", Kind: KindFigure, Paper: "Figure 7",
		Title:   "Deep NRC on SGEMM (t = 4; 8-layer MLP)",
		Claim:   "On SGEMM the noise component (with t = 4) vanishes from fc4 (0.01, then 0), the CKA reaches 0.97–1.0 from fc5, and the probe error drops from 0.5 at fc1 to ≈2e-3 from fc4, near the network's 1.5e-3.",
		Columns: []Column{{Title: "SGEMM", Runs: []RunSpec{sg}, PaperFirstCollapsed: "fc5"}},
		Rows:    nrcRows,
		Wrap:    2,
		Claims:  fig7Claims(sg.Name),
		Reference: []Reference{
			{Column: "SGEMM", Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.61, 0.54, 0.16, 0.01, 0, 0, 0, 0}},
			{Column: "SGEMM", Metric: nrc.MetricCKAProjected, Layers: fc, Values: []float64{0.08, 0.17, 0.42, 0.86, 0.97, 0.99, 1.0, 1.0}},
			{Column: "SGEMM", Metric: nrc.MetricWHAlignment, Layers: fc, Values: []float64{0.49, 0.34, 0.63, 0.74, 0.88, 0.61, 0.75, 0.84}},
			{Column: "SGEMM", Metric: nrc.MetricProbeMSE, Layers: fc, Values: []float64{0.5, 0.13, 5.5e-3, 2.2e-3, 2.5e-3, 2.8e-3, 2.6e-3, 1.6e-3}},
		},
		Notes:     []string{"SGEMM's four targets are four repeated timings of the same kernel, so Σ_Y has stable rank ≈1 (see Fig 3 for the rank-1 view)."},
		Notice:    []string{"Noise computed with t = 4 is ≈0 already: the features span at most 4 directions — in fact ≈1 (Fig 3)."},
		Exercises: []string{"Compare with Fig 9: how do the rows change without weight decay?"},
	}
}

func fig8(s scale.Scale) *Spec {
	sy := RunOf(s, "synthetic-fig8", "fig8/synthetic")
	fc := fcNames(10)
	return &Spec{
		ID: "fig8", Kind: KindFigure, Paper: "Figure 8",
		Title:   "Synthetic nonlinear targets (t = 3, generator width 10; 10-layer MLP)",
		Claim:   "On synthetic targets of a random 2-hidden-layer network, the noise component falls to ≈0.03–0.045 from fc5, the stable rank of H falls from 16.5 to ≈1.1–1.6 (target ≈1.3), CKA rises to 0.92 at fc10 and WH to ≈0.84–0.90 from fc5.",
		Columns: []Column{{Title: "Synthetic (t = 3)", Runs: []RunSpec{sy}, PaperFirstCollapsed: "fc7"}},
		Wrap:    3,
		Rows: []Panel{
			{Metrics: []string{nrc.MetricNoise}},
			{Metrics: []string{nrc.MetricStableRankHPaper}, Target: nrc.MetricTargetStableRankPaper},
			{Metrics: []string{nrc.MetricCKAProjected}},
			{Metrics: []string{nrc.MetricWHAlignment}},
			{Metrics: []string{nrc.MetricStableRankW}},
			{Metrics: []string{nrc.MetricProbeMSE}, Target: nrc.MetricModelMSE},
		},
		Claims: fig8Claims(sy.Name),
		Reference: []Reference{
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.73, 0.74, 0.52, 0.16, 0.03, 0.04, 0.04, 0.045, 0.04, 0.03}},
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricStableRankHPaper, Layers: fc, Values: []float64{16.5, 9, 3.5, 1.2, 1.1, 1.2, 1.3, 1.5, 1.6, 1.6}},
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricCKAProjected, Layers: fc, Values: []float64{0.25, 0.33, 0.46, 0.30, 0.35, 0.48, 0.59, 0.70, 0.81, 0.92}},
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricWHAlignment, Layers: fc, Values: []float64{0.43, 0.81, 0.19, 0.60, 0.84, 0.86, 0.88, 0.89, 0.90, 0.88}},
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricStableRankW, Layers: fc, Values: []float64{13, 32, 10, 8.7, 8.8, 8.8, 8.8, 8.6, 8.3, 4.5}},
			{Column: "Synthetic (t = 3)", Metric: nrc.MetricProbeMSE, Layers: fc[:4], Values: []float64{3e-2, 1e-2, 1e-3, 8.5e-4}},
		},
		Notes:     []string{noteSynthetic, "The paper does not give Fig 8's width or training hyperparameters; this project uses those of its Fig 3 synthetic run (width 1024 at paper scale)."},
		Notice:    []string{"The target line of the stable-rank panel: the features end up with about the targets' stable rank."},
		Exercises: []string{"Regenerate the data with generator width r = 2 (data option Rank) and compare with Fig 3."},
	}
}

func fig9(s scale.Scale) *Spec {
	runs := sweep(s, "fig9/sgemm", idsOf(sgemmWDs, sgemmID), sgemmWDs, "sgemm")
	fc := fcNames(8)
	return &Spec{
		ID: "fig9", Kind: KindFigure, Paper: "Figure 9",
		Title:   "Effect of weight decay on SGEMM (8-layer MLP)",
		Claim:   "On SGEMM, weight decay makes the weights low-rank (stable rank W ≈1–2 from fc3 at λ = 1e-3, against 45–61 at λ = 0) and aligns them with the features (WH ≤ 0.6 for small λ); smaller λ still drives the noise to 0, but only by fc7–fc8.",
		Columns: []Column{{Title: "SGEMM", Runs: runs, PaperFirstCollapsed: "fc5"}},
		Wrap:    3,
		Rows: []Panel{
			{Metrics: []string{nrc.MetricNoise}},
			{Metrics: []string{nrc.MetricWHAlignment}},
			{Metrics: []string{nrc.MetricStableRankW}},
		},
		Claims: fig9Claims(runs),
		Reference: []Reference{
			{Column: "SGEMM", Run: runs[0].Name, Metric: nrc.MetricStableRankW, Layers: fc, Values: []float64{10, 46, 61, 59.5, 53.5, 51.5, 45, 1}},
			{Column: "SGEMM", Run: runs[1].Name, Metric: nrc.MetricStableRankW, Layers: fc, Values: []float64{9, 46, 54, 50, 44, 40, 33, 1}},
			{Column: "SGEMM", Run: runs[2].Name, Metric: nrc.MetricStableRankW, Layers: fc, Values: []float64{8.5, 17, 9, 6, 5, 4.5, 4, 1}},
			{Column: "SGEMM", Run: runs[3].Name, Metric: nrc.MetricStableRankW, Layers: fc[:4], Values: []float64{5.5, 2, 1.5, 1.2}},
			{Column: "SGEMM", Run: runs[3].Name, Metric: nrc.MetricNoise, Layers: fc, Values: []float64{0.61, 0.54, 0.16, 0.01, 0, 0, 0, 0}},
		},
		Notes:     []string{"The λ = 1e-3 run is the run of Figs 3 (top) and 7 (same configuration; the run store trains it once)."},
		Notice:    []string{"The stable rank of W is the clearest signature of weight decay."},
		Exercises: []string{"Add λ = 1e-2: does the network still fit SGEMM?"},
	}
}

// checkIDs is used by tests: every catalogue entry is listed by IDs.
func checkIDs() error {
	for id := range catalogue {
		if !slices.Contains(IDs(), id) {
			return fmt.Errorf("catalogue entry %q missing from IDs()", id)
		}
	}
	return nil
}
