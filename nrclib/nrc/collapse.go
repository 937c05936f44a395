package nrc

import (
	"fmt"
	"slices"
)

// CollapseRule decides which probed layer is the first collapsed one: the
// green dotted line of the paper's figures. The paper identifies collapsed
// layers "with the NRC1 condition" but states no threshold, so the rule is
// explicit here and reported with every result.
//
// A layer qualifies when its noise fraction is at most NoiseMax and its
// projected CKA with the targets, CKA(Hc·U_k, Y) as the paper's text
// defines NRC2 (MetricCKAProjected), is at least CKAMin. With Sustained set, the
// first collapsed layer is the first layer from which every later probe
// qualifies too (collapse persists to the output); otherwise it is simply
// the first qualifying layer.
type CollapseRule struct {
	NoiseMax  float64 `json:"noise_max"`
	CKAMin    float64 `json:"cka_min"`
	Sustained bool    `json:"sustained"`
}

// DefaultRule returns the rule used when none is given: noise ≤ 0.2 and
// projected CKA ≥ 0.5, sustained through the last probe. On the paper's own figure
// values (spec §4.1) it marks Hopper's fc5, where the paper draws its line,
// and Swimmer's fc4, one probe before the paper's fc5.
func DefaultRule() CollapseRule {
	return CollapseRule{NoiseMax: 0.2, CKAMin: 0.5, Sustained: true}
}

// String describes the rule and its thresholds in words.
func (r CollapseRule) String() string {
	s := fmt.Sprintf("first layer with noise <= %g and projected CKA >= %g", r.NoiseMax, r.CKAMin)
	if r.Sustained {
		s += ", holding at every later probe"
	}
	return s
}

// Validate reports whether the thresholds are usable.
func (r CollapseRule) Validate() error {
	if !(r.NoiseMax >= 0 && r.NoiseMax <= 1) { // NaN fails both comparisons
		return fmt.Errorf("nrc: collapse rule noise threshold %g must lie in [0, 1]", r.NoiseMax)
	}
	if !(r.CKAMin >= 0 && r.CKAMin <= 1) {
		return fmt.Errorf("nrc: collapse rule CKA threshold %g must lie in [0, 1]", r.CKAMin)
	}
	return nil
}

// FirstCollapsed returns the index of the first collapsed layer among
// layers (in network order) under the rule, or -1 when none qualifies.
func (r CollapseRule) FirstCollapsed(noise, cka []float64) int {
	qualifies := func(i int) bool { return noise[i] <= r.NoiseMax && cka[i] >= r.CKAMin }
	if !r.Sustained {
		for i := range noise {
			if qualifies(i) {
				return i
			}
		}
		return -1
	}
	first := -1
	for i := len(noise) - 1; i >= 0; i-- {
		if !qualifies(i) {
			break
		}
		first = i
	}
	return first
}

// FirstCollapsedLayer applies the rule to the noise and CKA records of run
// at epoch (Final: the final epoch of its noise) and returns the layer it
// marks, or "" when none qualifies or the records lack either metric.
func (r CollapseRule) FirstCollapsedLayer(records Results, run string, epoch int) string {
	layers, noise, err := records.Series(run, MetricNoise, epoch)
	if err != nil {
		return ""
	}
	if epoch == Final {
		epoch, _ = records.FinalEpoch(run, MetricNoise)
	}
	cklayers, cka, err := records.Series(run, MetricCKAProjected, epoch)
	if err != nil || !slices.Equal(layers, cklayers) {
		return ""
	}
	if i := r.FirstCollapsed(noise, cka); i >= 0 {
		return layers[i]
	}
	return ""
}
