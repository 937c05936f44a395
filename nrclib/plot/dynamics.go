package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// DynamicsSpec selects a layer × epoch map.
type DynamicsSpec struct {
	// Run and Metric select the records; Metric must be a per-layer metric
	// of the catalogue with a bounded domain (noise, CKA, WH alignment).
	Run, Metric string
	// Title is the panel title; "" means "<metric title> by layer and epoch".
	Title string
}

// dynamicsGrid is a layers × epochs grid of values for gonum's HeatMap:
// column c is the c-th measured epoch, row r the r-th probe (fc1 at the
// bottom).
type dynamicsGrid struct {
	epochs []int
	layers []string
	z      [][]float64 // z[r][c]
}

func (g dynamicsGrid) Dims() (c, r int)   { return len(g.epochs), len(g.layers) }
func (g dynamicsGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g dynamicsGrid) X(c int) float64    { return float64(c) }
func (g dynamicsGrid) Y(r int) float64    { return float64(r) }

// CollapseDynamics draws how a run's collapse develops: one cell per probed
// layer (rows, the first probe at the bottom) and measured epoch (columns,
// in order, labelled with the epoch), coloured by the metric on a
// diverging scale whose midpoint is the collapse rule's threshold (noise
// 0.2, so the scale runs 0…0.4 and anything above is fully orange; CKA and
// alignments 0.5, on 0…1). Collapse moving down the network as training goes on
// shows as the collapsed colour spreading from the top rows towards the
// bottom ones from left to right.
func CollapseDynamics(records []nrc.Record, spec DynamicsSpec) (*gplot.Plot, error) {
	m, ok := nrc.LookupMetric(spec.Metric)
	if !ok || m.Level != nrc.PerLayer || math.IsInf(m.Max, 0) {
		return nil, fmt.Errorf("plot: CollapseDynamics needs a bounded per-layer metric of the catalogue (noise, cka_projected, wh_alignment, …), got %q", spec.Metric)
	}
	g, err := dynamicsGridOf(records, spec.Run, m)
	if err != nil {
		return nil, err
	}
	epochs := g.epochs
	// A diverging palette, reversed for metrics that collapse towards one,
	// so that collapsed cells are always the same colour (purple, this
	// project's colour of collapse) and uncollapsed ones orange.
	var cm palette.ColorMap = moreland.SmoothPurpleOrange()
	if m.Collapse == nrc.TowardOne {
		cm = palette.Reverse(cm)
	}
	pal := cm.Palette(64)
	h := plotter.NewHeatMap(g, pal)
	h.Min, h.Max = m.Min, m.Max
	cols := pal.Colors()
	h.Underflow, h.Overflow = cols[0], cols[len(cols)-1]
	if m.Name == nrc.MetricNoise || strings.HasPrefix(m.Name, nrc.MetricNoise+"_k") {
		// The colours change over at the collapse rule's noise threshold.
		h.Max = 2 * nrc.DefaultRule().NoiseMax
	}
	title := spec.Title
	if title == "" {
		title = m.Title + " by layer and epoch"
	}
	p := newPlot(title)
	p.Add(h)
	p.X.Label.Text, p.Y.Label.Text = "epoch", "layer"
	p.X.Tick.Marker = indexTicks(len(epochs), func(i int) string { return strconv.Itoa(epochs[i]) })
	p.Y.Tick.Marker = indexTicks(len(g.layers), func(i int) string { return g.layers[i] })
	p.X.Min, p.X.Max = -0.5, float64(len(epochs))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(g.layers))-0.5
	return p, nil
}

// indexTicks labels at most about 10 of n integer positions.
func indexTicks(n int, label func(int) string) gplot.Ticker {
	step := max(1, (n+9)/10)
	// The last position is always labelled; the regular label before it is
	// dropped when it would sit closer than three quarters of a step.
	crowded := (n-1)%step != 0 && (n-1)%step <= step*3/4
	return gplot.TickerFunc(func(min, max float64) []gplot.Tick {
		var ts []gplot.Tick
		for i := 0; i < n; i++ {
			t := gplot.Tick{Value: float64(i)}
			if i == n-1 || (i%step == 0 && !(crowded && i == (n-1)/step*step)) {
				t.Label = label(i)
			}
			ts = append(ts, t)
		}
		return ts
	})
}

// dynamicsGridOf collects run's values of metric m by layer and measured
// epoch, clamped to m's domain.
func dynamicsGridOf(records []nrc.Record, run string, m nrc.MetricInfo) (dynamicsGrid, error) {
	spec := DynamicsSpec{Run: run, Metric: m.Name}
	rs := nrc.Results(records)
	epochs := rs.Run(spec.Run).Metric(spec.Metric).PerLayer().Epochs()
	if len(epochs) < 2 {
		return dynamicsGrid{}, fmt.Errorf("plot: run %q has %s at %d measured epoch(s); a layer × epoch map needs at least 2", spec.Run, spec.Metric, len(epochs))
	}
	var g dynamicsGrid
	g.epochs = epochs
	for c, e := range epochs {
		layers, vals, err := rs.Series(spec.Run, spec.Metric, e)
		if err != nil {
			return dynamicsGrid{}, fmt.Errorf("plot: %w", err)
		}
		if c == 0 {
			g.layers = layers
			g.z = make([][]float64, len(layers))
			for r := range g.z {
				g.z[r] = make([]float64, len(epochs))
			}
		} else if len(layers) != len(g.layers) {
			return dynamicsGrid{}, fmt.Errorf("plot: run %q has %d layers with %s at epoch %d and %d at epoch %d", spec.Run, len(layers), spec.Metric, e, len(g.layers), epochs[0])
		}
		for r, v := range vals {
			g.z[r][c] = v
		}
	}
	return g, nil
}
