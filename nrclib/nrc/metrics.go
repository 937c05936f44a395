package nrc

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// Level says what a metric describes.
type Level int

const (
	// PerLayer metrics have one value per probed layer.
	PerLayer Level = iota
	// PerRun metrics have one value per run and epoch, recorded with the
	// layer name "".
	PerRun
)

// Direction is the way a metric moves as a layer collapses.
type Direction int

const (
	// NoDirection: the metric does not indicate collapse by itself.
	NoDirection Direction = iota
	// TowardZero: collapse drives the metric to 0 (noise, errors).
	TowardZero
	// TowardOne: collapse drives the metric to 1 (CKA, alignment).
	TowardOne
)

// MetricInfo describes one metric of the long-format records: what plots,
// tables, reports, the CLI and notebooks need to show it. The catalogue
// (Metrics) is the one place a metric is declared; RegisterMetric adds one.
type MetricInfo struct {
	// Name is the record name (the Metric* constants).
	Name string
	// Short is a column header, Title a panel title, Axis the y-axis
	// label, Doc a one-line definition.
	Short, Title, Axis, Doc string
	// Level says whether the metric belongs to a layer or to the run.
	Level Level
	// Min and Max bound the values (Max may be +Inf); plots keep their y
	// range inside.
	Min, Max float64
	// Log draws the metric on a logarithmic axis (errors).
	Log bool
	// Reference is the legend label of a reference line drawn at this
	// metric's value (a run-level metric beside a per-layer one: "model
	// train MSE"); "" means Axis.
	Reference string
	// Collapse is the direction collapse drives the metric.
	Collapse Direction
	// Compute computes a registered per-layer metric from a layer's
	// inputs and built-in metrics; nil for built-in metrics (package nrc
	// computes those in Layer) and for metrics produced elsewhere (losses,
	// the last-layer NRC).
	Compute func(in LayerInput) (float64, error)

	layer func(*LayerMetrics) (float64, bool)
	run   func(*Report) (float64, bool)
}

// Bounded reports whether the metric has a finite range [Min, Max].
func (m MetricInfo) Bounded() bool { return !math.IsInf(m.Max, 0) && !math.IsInf(m.Min, 0) }

// LayerInput is what a registered metric's Compute sees of one layer.
type LayerInput struct {
	Name    string
	Stats   *stats.Moments
	Weight  *Weight // nil when the layer was given no weight
	Options Options
	// Metrics are the built-in metrics already computed for the layer.
	Metrics *LayerMetrics
}

func val(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

var inf = math.Inf(1)

// builtin is the catalogue of the metrics this project records, in the
// order tables and records list them.
var builtin = []MetricInfo{
	{Name: MetricNoise, Short: "noise", Title: "Noise component", Axis: "noise fraction", Max: 1, Collapse: TowardZero,
		Doc:   "Deep NRC1: 1 − Σ_{i≤k} λ_i / Σ_i λ_i of Σ_H (k = t unless a rank is given)",
		layer: func(l *LayerMetrics) (float64, bool) { return l.Noise, true }},
	{Name: MetricCKA, Short: "CKA", Title: "CKA alignment", Axis: "CKA", Max: 1, Collapse: TowardOne,
		Doc:   "NRC2: linear CKA between H and Y, ‖Σ_HY‖_F² / (‖Σ_H‖_F ‖Σ_Y‖_F)",
		layer: func(l *LayerMetrics) (float64, bool) { return l.CKA, true }},
	{Name: MetricCKAProjected, Short: "CKA proj", Title: "CKA alignment (projected)", Axis: "CKA (projected)", Max: 1, Collapse: TowardOne,
		Doc:   "NRC2 as the paper's text defines it: CKA(Hc·U_k, Y)",
		layer: func(l *LayerMetrics) (float64, bool) { return l.CKAProjected, true }},
	{Name: MetricCKAFirstT, Short: "CKA first-t", Title: "CKA alignment (first t neurons)", Axis: "CKA (first t neurons)", Max: 1, Collapse: TowardOne,
		Doc:   "NRC2 as the paper's code computes it: CKA(H[:, :t], Y)",
		layer: func(l *LayerMetrics) (float64, bool) { return l.CKAFirstT, true }},
	{Name: MetricWHAlignment, Short: "WH align", Title: "WH alignment", Axis: "WH alignment", Max: 1, Collapse: TowardOne,
		Doc:   "NRC3: mean cosine of the principal angles between U_k and the top-k input subspace of W",
		layer: func(l *LayerMetrics) (float64, bool) { return val(l.WHAlignment) }},
	{Name: MetricNoiseSubspaceAlignment, Short: "noise-sub align", Title: "Noise-subspace alignment", Axis: "alignment", Max: 1, Collapse: TowardZero,
		Doc:   "the same cosines against the complement of W's top-k input subspace (Fig 3)",
		layer: func(l *LayerMetrics) (float64, bool) { return val(l.NoiseSubspaceAlignment) }},
	{Name: MetricProbeMSE, Short: "probe MSE", Title: "Prediction error", Axis: "probe MSE", Max: inf, Log: true, Collapse: TowardZero,
		Doc:   "NRC4: MSE (mean over N·t) of the least-squares fit of Y on H with an intercept",
		layer: func(l *LayerMetrics) (float64, bool) { return l.ProbeMSE, true }},
	{Name: MetricProbeMSEPaper, Short: "probe MSE (paper)", Title: "Prediction error", Axis: "probe MSE", Max: inf, Log: true, Collapse: TowardZero,
		Doc:   "NRC4 as the paper's code: uncentred H, centred Y, no intercept",
		layer: func(l *LayerMetrics) (float64, bool) { return l.ProbeMSEPaper, true }},
	{Name: MetricStableRankH, Short: "srank H", Title: "Stable rank H", Axis: "stable rank", Max: inf,
		Doc:   "Σλ/λ₁ over the eigenvalues of Σ_H",
		layer: func(l *LayerMetrics) (float64, bool) { return l.StableRankH, true }},
	{Name: MetricStableRankHPaper, Short: "srank H (paper)", Title: "Stable rank H", Axis: "stable rank", Max: inf,
		Doc:   "Σλ²/λ₁² over the eigenvalues of Σ_H, the convention of the paper's figures",
		layer: func(l *LayerMetrics) (float64, bool) { return l.StableRankHPaper, true }},
	{Name: MetricStableRankW, Short: "srank W", Title: "Stable rank W", Axis: "stable rank", Max: inf,
		Doc:   "‖W‖_F² / ‖W‖₂² = Σσ²/σ₁²",
		layer: func(l *LayerMetrics) (float64, bool) { return val(l.StableRankW) }},
	{Name: MetricModelMSE, Short: "model MSE", Title: "Model MSE", Axis: "MSE", Reference: "model train MSE", Level: PerRun, Max: inf, Log: true,
		Doc: "the network's own MSE (mean over N·t) on the measured training set",
		run: func(r *Report) (float64, bool) { return val(r.ModelMSE) }},
	{Name: MetricModelR2, Short: "model R²", Title: "Model R² (train)", Axis: "R²", Reference: "model train R²", Level: PerRun, Min: -inf, Max: 1,
		Doc: "1 − model MSE / (tr Σ_Y / t): the fraction of the targets' variance the network explains on the measured training set (0 for the constant predictor)",
		run: func(r *Report) (float64, bool) {
			if r.ModelMSE == nil || !(r.TargetVariance > 0) {
				return 0, false
			}
			return 1 - *r.ModelMSE/r.TargetVariance, true
		}},
	{Name: MetricTrainMSE, Short: "train MSE", Title: "Train MSE", Axis: "MSE", Reference: "train MSE", Level: PerRun, Max: inf, Log: true,
		Doc: "the epoch's mean training loss (MSE over the mini-batches)"},
	{Name: MetricTestMSE, Short: "test MSE", Title: "Test MSE", Axis: "MSE", Reference: "test MSE", Level: PerRun, Max: inf, Log: true,
		Doc: "MSE on the test split after the epoch"},
	{Name: MetricTargetStableRank, Short: "target srank", Title: "Target stable rank", Axis: "stable rank", Reference: "stable rank of Y", Level: PerRun, Max: inf,
		Doc: "Σλ/λ₁ of Σ_Y",
		run: func(r *Report) (float64, bool) { return r.TargetStableRank, true }},
	{Name: MetricTargetStableRankPaper, Short: "target srank (paper)", Title: "Target stable rank", Axis: "stable rank", Reference: "stable rank of Y", Level: PerRun, Max: inf,
		Doc: "Σλ²/λ₁² of Σ_Y",
		run: func(r *Report) (float64, bool) { return r.TargetStableRankPaper, true }},
	{Name: MetricNRC1, Short: "NRC1", Title: "NRC1 (last layer)", Axis: "NRC1", Level: PerRun, Max: 1, Collapse: TowardZero,
		Doc: "last-layer NRC1 (Andriopoulos et al.): the normalised penultimate features' residual outside their top-t principal components"},
	{Name: MetricNRC2, Short: "NRC2", Title: "NRC2 (last layer)", Axis: "NRC2", Level: PerRun, Max: 1, Collapse: TowardZero,
		Doc: "last-layer NRC2: their residual outside the row space of the last layer's weight"},
	{Name: MetricNRC3, Short: "NRC3", Title: "NRC3 at γ* (last layer)", Axis: "NRC3", Level: PerRun, Max: 2, Collapse: TowardZero,
		Doc: "last-layer NRC3 at the γ* chosen from the final weights: ‖A − B‖_F² of two unit-norm PSD matrices, so at most 2"},
	{Name: MetricGammaRatio, Short: "γ*/λ_min", Title: "Optimal γ/λ_min (last layer)", Axis: "γ*/λ_min", Level: PerRun, Max: 1,
		Doc: "the γ minimising the final last-layer NRC3 on the grid linspace(0, λ_min, 1000), divided by λ_min (recorded at the final epoch)"},
}

var (
	catalogueMu sync.RWMutex
	registered  []MetricInfo
)

// Metrics returns the catalogue: every metric this project records (and
// those added with RegisterMetric), in table order.
func Metrics() []MetricInfo {
	catalogueMu.RLock()
	defer catalogueMu.RUnlock()
	return append(slices.Clone(builtin), registered...)
}

// LookupMetric returns the catalogue entry of name (MetricEVR(j) included).
func LookupMetric(name string) (MetricInfo, bool) {
	for _, m := range Metrics() {
		if m.Name == name {
			return m, true
		}
	}
	if base, k, ok := rankVariantOf(name); ok {
		m, _ := LookupMetric(base)
		m.Name = name
		m.Short += fmt.Sprintf(" (k=%d)", k)
		m.Title += fmt.Sprintf(" (rank k = %d)", k)
		m.Doc += fmt.Sprintf(", measured with the signal rank k = %d instead of the run's", k)
		m.layer, m.run, m.Compute = nil, nil, nil
		return m, true
	}
	if j, ok := evrIndex(name); ok {
		return MetricInfo{Name: name, Short: name, Title: fmt.Sprintf("Explained variance, PC %d", j), Axis: "share of variance",
			Doc: fmt.Sprintf("share of the layer's variance explained by its principal component %d, λ_%d / Σλ", j, j), Max: 1}, true
	}
	return MetricInfo{}, false
}

// MetricEVR names the per-layer record of the share of a layer's variance
// explained by its j-th principal component (j from 1), recorded when a
// run's measurement asks for a spectrum.
func MetricEVR(j int) string { return fmt.Sprintf("evr%d", j) }

// RankDependent lists the metrics whose value depends on the signal rank
// k; train.Measure.ExtraRanks records them again at other ranks, under
// RankVariant names.
var RankDependent = []string{MetricNoise, MetricCKAProjected, MetricWHAlignment, MetricNoiseSubspaceAlignment}

// RankVariant is the record name of a rank-dependent metric measured with
// rank k in addition to the run's rank: "noise_k1".
func RankVariant(metric string, k int) string { return fmt.Sprintf("%s_k%d", metric, k) }

// rankVariantOf parses a RankVariant name.
func rankVariantOf(name string) (string, int, bool) {
	i := strings.LastIndex(name, "_k")
	if i < 0 {
		return "", 0, false
	}
	k, err := strconv.Atoi(name[i+2:])
	if err != nil || k < 1 || !slices.Contains(RankDependent, name[:i]) || RankVariant(name[:i], k) != name {
		return "", 0, false
	}
	return name[:i], k, true
}

func evrIndex(name string) (int, bool) {
	var j int
	if n, err := fmt.Sscanf(name, "evr%d", &j); err == nil && n == 1 && j >= 1 && MetricEVR(j) == name {
		return j, true
	}
	return 0, false
}

// MustMetric returns the catalogue entry of name, or a generic one (the
// name as title and axis label, unbounded, linear) for a name the
// catalogue lacks.
func MustMetric(name string) MetricInfo {
	if m, ok := LookupMetric(name); ok {
		return m
	}
	return MetricInfo{Name: name, Short: name, Title: name, Axis: name, Min: math.Inf(-1), Max: inf}
}

// RegisterMetric adds a per-layer metric to the catalogue: Layer computes
// it with m.Compute after the built-in metrics, Report.Records records it,
// tables and plots show it. It is the one place a new metric needs. Names
// must be new; Compute is required.
func RegisterMetric(m MetricInfo) error {
	if m.Name == "" || m.Compute == nil {
		return fmt.Errorf("nrc: RegisterMetric needs a Name and a Compute function")
	}
	if _, ok := LookupMetric(m.Name); ok {
		return fmt.Errorf("nrc: metric %q is already in the catalogue", m.Name)
	}
	if m.Short == "" {
		m.Short = m.Name
	}
	if m.Title == "" {
		m.Title = m.Name
	}
	if m.Axis == "" {
		m.Axis = m.Short
	}
	if m.Min == 0 && m.Max == 0 {
		m.Min, m.Max = math.Inf(-1), inf
	}
	m.Level = PerLayer
	catalogueMu.Lock()
	registered = append(registered, m)
	catalogueMu.Unlock()
	return nil
}

// unregisterMetric removes a registered metric (for tests).
func unregisterMetric(name string) {
	catalogueMu.Lock()
	defer catalogueMu.Unlock()
	registered = slices.DeleteFunc(registered, func(m MetricInfo) bool { return m.Name == name })
}

// computeRegistered fills lm.Extra with the registered metrics of a layer.
func computeRegistered(in LayerInput) error {
	catalogueMu.RLock()
	regs := slices.Clone(registered)
	catalogueMu.RUnlock()
	for _, m := range regs {
		v, err := m.Compute(in)
		if err != nil {
			return fmt.Errorf("nrc: layer %s: metric %s: %w", in.Name, m.Name, err)
		}
		if in.Metrics.Extra == nil {
			in.Metrics.Extra = map[string]float64{}
		}
		in.Metrics.Extra[m.Name] = v
	}
	return nil
}

// Value returns the layer's value of metric name (built-in or registered)
// and whether it has one.
func (l *LayerMetrics) Value(name string) (float64, bool) {
	if m, ok := LookupMetric(name); ok && m.layer != nil {
		return m.layer(l)
	}
	v, ok := l.Extra[name]
	return v, ok
}

// ReferenceLabel is the legend label of a reference line drawn at the
// metric's value.
func (m MetricInfo) ReferenceLabel() string {
	if m.Reference != "" {
		return m.Reference
	}
	return m.Axis
}
