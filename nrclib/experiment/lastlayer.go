package experiment

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"gonum.org/v1/gonum/mat"
)

// Run-level metrics of the last-layer NRC of Andriopoulos et al. (the
// nrc2024 experiment), recorded with layer "" (see package nrc).
const (
	MetricNRC1 = nrc.MetricNRC1
	MetricNRC2 = nrc.MetricNRC2
	MetricNRC3 = nrc.MetricNRC3
)

// GammaResult is the γ selection of one nrc2024 run.
type GammaResult struct {
	Run string `json:"run"`
	// Search is NRC3 on the grid linspace(0, λ_min, 1000) of the final
	// weights; Ratio is its minimiser γ*/λ_min.
	Search *nrc.GammaSearch `json:"search"`
	Ratio  float64          `json:"ratio"`
	// ClosedFormRatio is γ* of the un-normalised NRC3 (Andriopoulos et al.
	// Thm F.1) divided by λ_min, or nil when it does not exist.
	ClosedFormRatio *float64 `json:"closed_form_ratio,omitempty"`
}

// addNRC3 chooses γ* from the final last-layer state of each run (the
// authors' grid search over [0, λ_min] with the final W·Wᵀ and Σ_Y) and
// appends NRC3(γ*) at every measured epoch, each epoch's W·Wᵀ against the
// final Σ_Y.
func addNRC3(recs []nrc.Record, states map[string][]nrc.LastLayer, runs []string) ([]nrc.Record, []GammaResult, error) {
	var gammas []GammaResult
	for _, run := range runs {
		st := states[run]
		if len(st) == 0 {
			return nil, nil, fmt.Errorf("experiment: run %s has no last-layer states", run)
		}
		final := st[len(st)-1]
		if final.T() < 2 {
			continue // NRC3 is trivially 0 for one target and not reported
		}
		search, err := final.SearchGamma(1000)
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: run %s: %w", run, err)
		}
		gr := GammaResult{Run: run, Search: search, Ratio: search.Best / search.LambdaMin}
		if cf, _, err := final.ClosedFormGamma(); err == nil {
			gr.ClosedFormRatio = ptr(cf / search.LambdaMin)
		}
		gammas = append(gammas, gr)
		covY, err := finalCovY(final)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, nrc.Record{Run: run, Epoch: final.Epoch, Metric: nrc.MetricGammaRatio, Value: gr.Ratio})
		for _, e := range st {
			v, err := e.NRC3(covY, []float64{search.Best})
			if err != nil {
				return nil, nil, err
			}
			recs = append(recs, nrc.Record{Run: run, Epoch: e.Epoch, Metric: MetricNRC3, Value: v[0]})
		}
	}
	return recs, gammas, nil
}

// finalCovY returns the target covariance of a last-layer state.
func finalCovY(s nrc.LastLayer) (*mat.SymDense, error) {
	n := s.T()
	m := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			m.SetSym(i, j, s.CovY[i][j])
		}
	}
	return m, nil
}
