package experiment

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/measure"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/train"
	"gonum.org/v1/gonum/mat"
)

// Run-level metrics of the last-layer NRC of Andriopoulos et al. (the
// nrc2024 experiment), recorded with layer "".
const (
	// MetricNRC1 is the last-layer NRC1: the normalised penultimate
	// features' residual outside their top-t principal components.
	MetricNRC1 = "nrc1"
	// MetricNRC2 is the last-layer NRC2: their residual outside the row
	// space of the last layer's weight.
	MetricNRC2 = "nrc2"
	// MetricNRC3 is the last-layer NRC3 at the γ* chosen from the final
	// weights (added after training).
	MetricNRC3 = "nrc3"
	// metricWWPrefix and metricCovYPrefix store the entries of W·Wᵀ and
	// Σ_Y ("wwt:i,j"), from which NRC3 is computed once γ* is known.
	metricWWPrefix   = "wwt:"
	metricCovYPrefix = "cov_y:"
)

// lastLayerMeasurer measures the Deep NRC metrics of every probe (as the
// default measurer) plus the last-layer NRC1, NRC2 and the Gram matrices
// NRC3 needs.
type lastLayerMeasurer struct{ opt nrc.Options }

func (m lastLayerMeasurer) NewPass(probes []model.Probe, targetDim int) (train.MeasurePass, error) {
	names := make([]string, len(probes))
	widths := make([]int, len(probes))
	for i, p := range probes {
		names[i], widths[i] = p.Name, p.Width
	}
	p := measure.NewPass(names, widths, targetDim)
	p.TrackNormalized(len(probes) - 1)
	return &lastLayerPass{pass: p, opt: m.opt, t: targetDim}, nil
}

type lastLayerPass struct {
	pass *measure.Pass
	opt  nrc.Options
	t    int
}

func (p *lastLayerPass) AddBatch(layer int, h, y []float32, rows int) error {
	return p.pass.AddBatch(layer, h, y, rows)
}

func (p *lastLayerPass) Records(weights []*nrc.Weight, modelMSE float64, run string, epoch int) ([]nrc.Record, error) {
	opt := p.opt
	opt.ModelMSE = &modelMSE
	rep, err := p.pass.Report(weights, opt)
	if err != nil {
		return nil, err
	}
	recs := rep.Records(run, epoch)
	lastIdx := len(weights) - 1
	w := weights[lastIdx]
	if w == nil {
		return nil, fmt.Errorf("experiment: the last probe has no weight, so the last-layer NRC cannot be measured")
	}
	norm := p.pass.Normalized(lastIdx)
	add := func(metric string, v float64) {
		recs = append(recs, nrc.Record{Run: run, Epoch: epoch, Metric: metric, Value: v})
	}
	curve, err := nrc.NRC1Curve(norm, p.t)
	if err != nil {
		return nil, err
	}
	add(MetricNRC1, curve[p.t-1])
	nrc2, err := nrc.NRC2(norm, w)
	if err != nil {
		return nil, err
	}
	add(MetricNRC2, nrc2)
	var ww mat.Dense
	ww.Mul(w.M.T(), w.M) // n×n: W·Wᵀ with W the n×d last layer
	covY := p.pass.Moments(lastIdx).CovY()
	for i := 0; i < p.t; i++ {
		for j := 0; j < p.t; j++ {
			add(fmt.Sprintf("%s%d,%d", metricWWPrefix, i, j), ww.At(i, j))
			add(fmt.Sprintf("%s%d,%d", metricCovYPrefix, i, j), covY.At(i, j))
		}
	}
	return recs, nil
}

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

// matrixAt rebuilds a t×t matrix stored as records with the given prefix at
// one epoch.
func matrixAt(recs []nrc.Record, run string, epoch int, prefix string) (*mat.SymDense, error) {
	var ent [][3]float64
	t := 0
	for _, r := range recs {
		if r.Run != run || r.Epoch != epoch || !strings.HasPrefix(r.Metric, prefix) {
			continue
		}
		ij := strings.Split(strings.TrimPrefix(r.Metric, prefix), ",")
		if len(ij) != 2 {
			return nil, fmt.Errorf("experiment: malformed matrix record %q", r.Metric)
		}
		i, err1 := strconv.Atoi(ij[0])
		j, err2 := strconv.Atoi(ij[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("experiment: malformed matrix record %q", r.Metric)
		}
		ent = append(ent, [3]float64{float64(i), float64(j), r.Value})
		t = max(t, i+1, j+1)
	}
	if t == 0 {
		return nil, fmt.Errorf("experiment: run %s has no %s records at epoch %d", run, strings.TrimSuffix(prefix, ":"), epoch)
	}
	m := mat.NewSymDense(t, nil)
	for _, e := range ent {
		i, j := int(e[0]), int(e[1])
		if i <= j {
			m.SetSym(i, j, e[2])
		}
	}
	return m, nil
}

// weightFromGram returns a Weight whose W·Wᵀ equals g (its symmetric PSD
// square root), which is all NRC3 depends on.
func weightFromGram(g *mat.SymDense) (*nrc.Weight, error) {
	var eig mat.EigenSym
	if !eig.Factorize(g, true) {
		return nil, fmt.Errorf("experiment: eigen-decomposition of W·Wᵀ failed")
	}
	n := g.SymmetricDim()
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	root := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k, l := range vals {
				s += v.At(i, k) * math.Sqrt(math.Max(l, 0)) * v.At(j, k)
			}
			root[i*n+j] = s
		}
	}
	return nrc.DenseWeightInOut(n, n, root)
}

// addNRC3 chooses γ* from the final weights of each last-layer run (the
// authors' grid search) and appends NRC3(γ*) at every measured epoch.
func addNRC3(recs []nrc.Record, runs []string) ([]nrc.Record, []GammaResult, error) {
	var gammas []GammaResult
	for _, run := range runs {
		epochSet := map[int]bool{}
		for _, r := range recs {
			if r.Run == run && r.Metric == MetricNRC1 {
				epochSet[r.Epoch] = true
			}
		}
		if len(epochSet) == 0 {
			return nil, nil, fmt.Errorf("experiment: run %s has no last-layer records", run)
		}
		var epochs []int
		for e := range epochSet {
			epochs = append(epochs, e)
		}
		sort.Ints(epochs)
		final := epochs[len(epochs)-1]
		covY, err := matrixAt(recs, run, final, metricCovYPrefix)
		if err != nil {
			return nil, nil, err
		}
		if covY.SymmetricDim() < 2 {
			continue // NRC3 is trivially 0 for one target and not reported
		}
		g, err := matrixAt(recs, run, final, metricWWPrefix)
		if err != nil {
			return nil, nil, err
		}
		w, err := weightFromGram(g)
		if err != nil {
			return nil, nil, err
		}
		search, err := nrc.SearchGamma(w, covY, 1000)
		if err != nil {
			return nil, nil, fmt.Errorf("experiment: run %s: %w", run, err)
		}
		gr := GammaResult{Run: run, Search: search, Ratio: search.Best / search.LambdaMin}
		if cf, _, err := nrc.ClosedFormGamma(w, covY); err == nil {
			gr.ClosedFormRatio = ptr(cf / search.LambdaMin)
		}
		gammas = append(gammas, gr)
		for _, e := range epochs {
			ge, err := matrixAt(recs, run, e, metricWWPrefix)
			if err != nil {
				return nil, nil, err
			}
			we, err := weightFromGram(ge)
			if err != nil {
				return nil, nil, err
			}
			v, err := nrc.NRC3(we, covY, []float64{search.Best})
			if err != nil {
				return nil, nil, err
			}
			recs = append(recs, nrc.Record{Run: run, Epoch: e, Metric: MetricNRC3, Value: v[0]})
		}
	}
	return recs, gammas, nil
}
