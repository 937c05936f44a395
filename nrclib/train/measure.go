package train

import (
	"fmt"
	"slices"

	"github.com/deepnrc/deepnrc/nrclib/measure"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// MetricsVersion is the version of the metric definitions that stored
// results were computed with. It takes part in every run's store key, so
// bumping it (whenever a metric's definition changes) makes old stored
// results unreachable instead of silently mixed with new ones.
const MetricsVersion = 3

// Measure says what the measuring pass at each logged epoch records: the
// Deep NRC metrics of package nrc for every probe, at the rank
// Config.Rank, plus the extras set here. It is part of a Job and of its
// store key (its JSON form), so what decides the records is in the key.
// The zero value measures the Deep NRC metrics only.
type Measure struct {
	// LastLayer also records the last-layer NRC1 and NRC2 of Andriopoulos
	// et al. (nrc.MetricNRC1, nrc.MetricNRC2, layer "") and keeps, at every
	// measured epoch, the last layer's W·Wᵀ and Σ_Y (Result.LastLayer),
	// from which NRC3 is computed once γ* is chosen.
	LastLayer bool `json:"last_layer,omitempty"`
	// Spectrum, when > 0, also records each layer's explained-variance
	// ratios of its top Spectrum principal components
	// (nrc.MetricEVR(1…Spectrum)).
	Spectrum int `json:"spectrum,omitempty"`
	// ProbeRelCutoff is the pseudo-inverse cutoff of the linear probe
	// (nrc.Options.ProbeRelCutoff; 0 means 1e-3).
	ProbeRelCutoff float64 `json:"probe_rel_cutoff,omitempty"`
	// ExtraRanks records the rank-dependent metrics (nrc.RankDependent)
	// again at each of these signal ranks, under nrc.RankVariant names, so
	// one run serves a figure measured with k = t and one measured with a
	// target's intrinsic rank r (the paper's SGEMM run of Figs 3 and 7).
	ExtraRanks []int `json:"extra_ranks,omitempty"`
}

// Validate reports an unusable setting.
func (m Measure) Validate() error {
	if m.Spectrum < 0 {
		return fmt.Errorf("train: Measure.Spectrum is %d; set it to 0 (none) or a number of components", m.Spectrum)
	}
	for _, k := range m.ExtraRanks {
		if k < 1 {
			return fmt.Errorf("train: Measure.ExtraRanks holds %d; ranks are at least 1", k)
		}
	}
	if m.ProbeRelCutoff < 0 || m.ProbeRelCutoff >= 1 {
		return fmt.Errorf("train: Measure.ProbeRelCutoff is %g; set it in [0, 1) (0 means 1e-3)", m.ProbeRelCutoff)
	}
	return nil
}

// measurePass accumulates one measuring pass (the trainer's view of a
// measurement; tests substitute their own through Options.newPass).
type measurePass interface {
	addBatch(layer int, h, y []float32, rows int) error
	finish(weights []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, *nrc.LastLayer, error)
}

// measurement is one measuring pass of a run.
type measurement struct {
	m     Measure
	rank  int
	pass  *measure.Pass
	probe []model.Probe
	t     int
}

func newMeasurement(m Measure, rank int, probes []model.Probe, targetDim int) *measurement {
	names := make([]string, len(probes))
	widths := make([]int, len(probes))
	for i, p := range probes {
		names[i], widths[i] = p.Name, p.Width
	}
	p := measure.NewPass(names, widths, targetDim)
	if m.LastLayer {
		p.TrackNormalized(len(probes) - 1)
	}
	return &measurement{m: m, rank: rank, pass: p, probe: probes, t: targetDim}
}

func (ms *measurement) addBatch(layer int, h, y []float32, rows int) error {
	return ms.pass.AddBatch(layer, h, y, rows)
}

// finish computes the pass's records for run at epoch, given each probe's
// weight and the network's MSE on the pass, and the last-layer state when
// asked for.
func (ms *measurement) finish(weights []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, *nrc.LastLayer, error) {
	opt := nrc.Options{Rank: ms.rank, ProbeRelCutoff: ms.m.ProbeRelCutoff, ModelMSE: &modelMSE}
	rep, err := ms.pass.Report(weights, opt)
	if err != nil {
		return nil, nil, err
	}
	recs := rep.Records(run, epoch)
	for _, k := range ms.m.ExtraRanks {
		ok := opt
		ok.Rank = k
		extra, err := ms.pass.Report(weights, ok)
		if err != nil {
			return nil, nil, fmt.Errorf("train: measuring at the extra rank %d: %w", k, err)
		}
		for _, r := range extra.Records(run, epoch) {
			if r.Layer != "" && slices.Contains(nrc.RankDependent, r.Metric) {
				r.Metric = nrc.RankVariant(r.Metric, k)
				recs = append(recs, r)
			}
		}
	}
	if ms.m.Spectrum > 0 {
		for l, name := range ms.pass.Names() {
			mom := ms.pass.Moments(l)
			evr, err := nrc.ExplainedVarianceRatios(mom.CovH(), min(ms.m.Spectrum, mom.FeatureDim()))
			if err != nil {
				continue // a dead layer has no spectrum; its other metrics say so
			}
			for j, v := range evr {
				recs = append(recs, nrc.Record{Run: run, Epoch: epoch, Layer: name, Metric: nrc.MetricEVR(j + 1), Value: v})
			}
		}
	}
	if !ms.m.LastLayer {
		return recs, nil, nil
	}
	last := len(weights) - 1
	w := weights[last]
	if w == nil {
		return nil, nil, fmt.Errorf("train: the last probe %s has no weight, so the last-layer NRC cannot be measured", ms.probe[last].Name)
	}
	norm := ms.pass.Normalized(last)
	curve, err := nrc.NRC1Curve(ms.pass.Moments(last), norm, ms.t)
	if err != nil {
		return nil, nil, err
	}
	nrc2, err := nrc.NRC2(norm, w)
	if err != nil {
		return nil, nil, err
	}
	recs = append(recs,
		nrc.Record{Run: run, Epoch: epoch, Metric: nrc.MetricNRC1, Value: curve[ms.t-1]},
		nrc.Record{Run: run, Epoch: epoch, Metric: nrc.MetricNRC2, Value: nrc2})
	st, err := nrc.NewLastLayer(epoch, w, ms.pass.Moments(last).CovY())
	if err != nil {
		return nil, nil, err
	}
	return recs, &st, nil
}
