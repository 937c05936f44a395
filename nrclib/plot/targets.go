package plot

import (
	"fmt"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/deepnrc/deepnrc/nrclib/data"
)

// Targets draws the training targets of ds, the thing a regression network
// collapses onto: for one target a histogram; for two a scatter of y[0]
// against y[1]; for more a scatter of their first two principal components
// (of the standardised targets), whose explained variance the axis labels
// give, so a low intrinsic rank (SGEMM's four timings) shows as a line. At
// most maxPoints samples are drawn (0: all).
func Targets(ds *data.Dataset, maxPoints int) (*gplot.Plot, error) {
	t, n := ds.TargetDim, ds.Train.N
	if t < 1 || n < 2 || len(ds.Train.Y) != n*t {
		return nil, fmt.Errorf("plot: dataset %q has %d training rows of %d targets; Targets needs at least 2 rows", ds.Name, n, t)
	}
	if maxPoints > 0 {
		n = min(n, maxPoints)
	}
	p := gplot.New()
	p.Title.Text = fmt.Sprintf("%s: %d training targets (t = %d)", ds.Name, n, t)
	if t == 1 {
		vals := make(plotter.Values, n)
		for i := range vals {
			vals[i] = float64(ds.Train.Y[i])
		}
		h, err := plotter.NewHist(vals, 30)
		if err != nil {
			return nil, err
		}
		h.FillColor = Purple
		h.LineStyle.Width = 0
		p.Add(h)
		p.X.Label.Text, p.Y.Label.Text = "y", "samples"
		return p, nil
	}
	xys := make(plotter.XYs, n)
	if t == 2 {
		for i := range xys {
			xys[i].X, xys[i].Y = float64(ds.Train.Y[2*i]), float64(ds.Train.Y[2*i+1])
		}
		p.X.Label.Text, p.Y.Label.Text = "y[0]", "y[1]"
	} else {
		y := make([]float64, n*t)
		for i := range y {
			y[i] = float64(ds.Train.Y[i])
		}
		pca, err := data.ProjectPCA(y, n, t, 2)
		if err != nil {
			return nil, fmt.Errorf("plot: targets of %q: %w", ds.Name, err)
		}
		for i := range xys {
			xys[i].X, xys[i].Y = pca.Scores[2*i], pca.Scores[2*i+1]
		}
		p.X.Label.Text = fmt.Sprintf("target PC 1 (%.0f%% of the variance)", 100*pca.Explained[0])
		p.Y.Label.Text = fmt.Sprintf("target PC 2 (%.0f%%)", 100*pca.Explained[1])
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: Purple, Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	return p, nil
}
