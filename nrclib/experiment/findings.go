package experiment

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// The claim builders below state the paper's findings with its numbers, in
// the same words for every figure: where collapse starts, that the layers
// below are not collapsed, the levels reached in the top layers, that the
// network fits, and that a linear probe predicts as well as the network.

// lineClaim: collapse starts within one probe of the paper's green line.
func lineClaim(title, run, layer string) Claim {
	return Claim{Text: fmt.Sprintf("%s: collapse starts at %s ± one probe (the paper's green line; here by the documented rule)", title, layer),
		Conds: []Cond{{Left: Quantity{Run: run, FirstCollapsed: true}, Op: OpWithin, Layer: layer, Tol: 1}}}
}

// belowClaim: the layers from..to are not collapsed: their largest noise
// component is at least min (the paper's largest there: paper).
func belowClaim(title, run, from, to string, min, paper float64) Claim {
	return Claim{Text: fmt.Sprintf("%s: the layers below the line are not collapsed: the noise component over %s…%s reaches at least %s (paper %s)",
		title, from, to, fmtNum(min), fmtNum(paper)),
		Conds: []Cond{{Left: Quantity{Run: run, Metric: nrc.MetricNoise, From: from, To: to, Agg: AggMax}, Op: OpGE, Value: min}}}
}

// levelClaim: the mean of metric from layer from to the last probe is
// within ±tol of the paper's mean there.
func levelClaim(title, run, metric, from string, paper, tol float64) Claim {
	return Claim{Text: fmt.Sprintf("%s: the mean %s from %s on is within ±%s of the paper's %s", title, nrc.MustMetric(metric).Short, from, fmtNum(tol), fmtNum(paper)),
		Conds: []Cond{{Left: Quantity{Run: run, Metric: metric, From: from, Agg: AggMean}, Op: OpWithin, Value: paper, Tol: tol}}}
}

// atMostClaim: metric stays at most limit from layer from on.
func atMostClaim(title, run, metric, from string, limit float64, paper string) Claim {
	return Claim{Text: fmt.Sprintf("%s: the %s stays ≤ %s from %s on (paper %s)", title, nrc.MustMetric(metric).Short, fmtNum(limit), from, paper),
		Conds: []Cond{{Left: Quantity{Run: run, Metric: metric, From: from, Agg: AggMax}, Op: OpLE, Value: limit}}}
}

// atLeastClaim: metric stays at least limit from layer from on.
func atLeastClaim(title, run, metric, from string, limit float64, paper string) Claim {
	return Claim{Text: fmt.Sprintf("%s: the %s stays ≥ %s from %s on (paper %s)", title, nrc.MustMetric(metric).Short, fmtNum(limit), from, paper),
		Conds: []Cond{{Left: Quantity{Run: run, Metric: metric, From: from, Agg: AggMin}, Op: OpGE, Value: limit}}}
}

// fitClaim: the network fits its training data, R² ≥ r2.
func fitClaim(title, run string, r2 float64, paper string) Claim {
	return Claim{Text: fmt.Sprintf("%s: the network fits its training data, train R² ≥ %s (paper: %s)", title, fmtNum(r2), paper),
		Conds: []Cond{{Left: Quantity{Run: run, Metric: nrc.MetricModelR2}, Op: OpGE, Value: r2}}}
}

// probeClaim: the linear probe at the last probe predicts within a factor
// of the network's own train MSE (NRC4).
func probeClaim(title, run string, factor float64, paper string) Claim {
	return Claim{Text: fmt.Sprintf("%s: a linear probe of the last layer predicts within a factor %s of the network's train MSE (NRC4; paper %s)", title, fmtNum(factor), paper),
		Conds: []Cond{{Left: last(run, nrc.MetricProbeMSE, 1, AggMean), Op: OpFactor, Right: runLevel(run, nrc.MetricModelMSE), Tol: factor}}}
}

// onsetClaim: the onset of collapse (first measured epoch at which the
// rule finds a collapsed layer) is within ±tol of the paper's, as fractions
// of training.
func onsetClaim(title, run string, paperEpoch, paperEpochs int, tol float64) Claim {
	f := float64(paperEpoch) / float64(paperEpochs)
	return Claim{Text: fmt.Sprintf("%s: collapse sets in at %s of training ± %s (the paper's green line: epoch %d of %d)", title, fmtNum(f), fmtNum(tol), paperEpoch, paperEpochs),
		Conds: []Cond{{Left: Quantity{Run: run, Onset: true}, Op: OpWithin, Value: f, Tol: tol}}}
}

// ratioClaim: the mean of metric over from..to for run hi is at least
// times that for run lo (a weight-decay effect size).
func ratioClaim(text, hi, lo, metric, from, to string, times float64) Claim {
	return Claim{Text: text, Conds: []Cond{{Left: Quantity{Run: hi, Metric: metric, From: from, To: to}, Op: OpGE,
		Right: &Quantity{Run: lo, Metric: metric, From: from, To: to}, Times: times}}}
}

// because sets the claim's one-sentence reason for failing at this scale.
func because(c Claim, reason string) Claim {
	c.IfFails = reason
	return c
}
