package plot

import (
	"fmt"
	"math"
	"sort"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// GammaSpec describes an NRC3-vs-γ panel; see GammaCurve.
type GammaSpec struct {
	// Ratios are γ/λ_min values in [0, 1], one per value; they need not be
	// sorted but must be distinct.
	Ratios []float64
	// Values are NRC3 at each ratio.
	Values []float64
	// Optimum is the optimal γ/λ_min, in [min(Ratios), max(Ratios)]; it is
	// marked by a green dotted vertical line and a filled purple marker on
	// the curve (linearly interpolated). A negative Optimum draws no mark.
	Optimum float64
	// Title is the panel title; "" means "NRC3 vs γ".
	Title string
	// XLabel and YLabel are the axis labels; "" means "γ/λ_min" and "NRC3".
	XLabel, YLabel string
	// YScale is the y axis scale; ScaleAuto is linear.
	YScale Scale
}

// GammaCurve draws NRC3 against γ/λ_min (the predecessor paper's Fig 4): a
// purple line over the ratios with the optimum marked.
func GammaCurve(spec GammaSpec) (*gplot.Plot, error) {
	n := len(spec.Ratios)
	if n < 2 || len(spec.Values) != n {
		return nil, fmt.Errorf("plot: GammaCurve needs at least two ratios and one value per ratio; got %d ratios and %d values", n, len(spec.Values))
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return spec.Ratios[idx[a]] < spec.Ratios[idx[b]] })
	xys := make(plotter.XYs, n)
	logY := spec.YScale == ScaleLog
	for k, i := range idx {
		g, v := spec.Ratios[i], spec.Values[i]
		if !(g >= 0 && g <= 1) {
			return nil, fmt.Errorf("plot: γ/λ_min ratio %v (index %d) is outside [0, 1]; pass γ divided by the smallest eigenvalue λ_min", g, i)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("plot: NRC3 value at γ/λ_min = %v is %v; only finite values can be plotted", g, v)
		}
		if logY && v <= 0 {
			return nil, fmt.Errorf("plot: NRC3 value %v at γ/λ_min = %v cannot sit on a log axis; use YScale: plot.ScaleLinear", v, g)
		}
		if k > 0 && g == xys[k-1].X {
			return nil, fmt.Errorf("plot: γ/λ_min ratio %v appears twice; give distinct ratios", g)
		}
		xys[k] = plotter.XY{X: g, Y: v}
	}
	p := newPlot(firstNonEmpty(spec.Title, "NRC3 vs γ"))
	p.X.Label.Text = firstNonEmpty(spec.XLabel, "γ/λ_min")
	p.Y.Label.Text = firstNonEmpty(spec.YLabel, "NRC3")
	p.X.Min, p.X.Max = 0, 1
	p.X.Tick.Marker = NiceTicks{}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("plot: γ curve: %w", err)
	}
	line.LineStyle = StylePurpleCross.lineStyle()
	p.Add(line)
	var legend headerLegend
	if spec.Optimum >= 0 {
		lo, hi := xys[0].X, xys[n-1].X
		if spec.Optimum < lo || spec.Optimum > hi {
			return nil, fmt.Errorf("plot: optimal γ/λ_min %v is outside the ratios' range [%v, %v]; pass an optimum within it, or a negative one for no mark", spec.Optimum, lo, hi)
		}
		y := interpolate(xys, spec.Optimum)
		p.Add(&VLine{X: spec.Optimum, LineStyle: CollapseLineStyle})
		sc, err := plotter.NewScatter(plotter.XYs{{X: spec.Optimum, Y: y}})
		if err != nil {
			return nil, fmt.Errorf("plot: γ optimum: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: Purple, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		label := fmt.Sprintf("optimum γ/λ_min = %.3g", spec.Optimum)
		legend.add(label, sc)
	}
	legend.attach(p)
	if err := finishYAxis(p, "nrc3", logY); err != nil {
		return nil, err
	}
	return p, nil
}

// interpolate returns the piecewise-linear value of xys (sorted by X) at x.
func interpolate(xys plotter.XYs, x float64) float64 {
	for i := 1; i < len(xys); i++ {
		if x <= xys[i].X {
			a, b := xys[i-1], xys[i]
			t := (x - a.X) / (b.X - a.X)
			return a.Y + t*(b.Y-a.Y)
		}
	}
	return xys[len(xys)-1].Y
}
