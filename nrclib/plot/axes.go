package plot

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Scale chooses a linear or logarithmic axis.
type Scale int

const (
	// ScaleAuto is log for error metrics (probe, model, train and test MSE)
	// and linear otherwise.
	ScaleAuto Scale = iota
	// ScaleLinear is a linear axis.
	ScaleLinear
	// ScaleLog is a base-10 logarithmic axis.
	ScaleLog
)

// isErrorMetric reports whether metric is an error (MSE) that the paper
// draws on a log axis.
func isErrorMetric(metric string) bool {
	switch metric {
	case "probe_mse", "probe_mse_paper", "model_mse", "train_mse", "test_mse":
		return true
	}
	return false
}

func (s Scale) log(metric string) bool {
	switch s {
	case ScaleLog:
		return true
	case ScaleLinear:
		return false
	}
	return isErrorMetric(metric)
}

// Font sizes, in points.
const (
	titleSize     = 11
	axisLabelSize = 9
	tickSize      = 8
	legendSize    = 7.5
)

// newPlot returns a gonum plot styled for the figures.
func newPlot(title string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = font.Length(titleSize)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = font.Length(axisLabelSize)
		a.Tick.Label.Font.Size = font.Length(tickSize)
		a.Padding = vg.Points(3)
	}
	p.Legend.TextStyle.Font.Size = font.Length(legendSize)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Legend.Padding = vg.Points(1.5)
	return p
}

// logValue checks v for a log axis: values ≤ 0 are an error unless floor is
// positive, in which case they (and any value below floor) become floor.
func logValue(v, floor float64, what string) (float64, error) {
	if floor > 0 && v < floor {
		return floor, nil
	}
	if v <= 0 {
		return 0, fmt.Errorf("plot: %s is %g, which a log axis cannot show; set YScale: plot.ScaleLinear, or LogFloor to a positive value to clamp such values", what, v)
	}
	return v, nil
}

// finishLegend, called after the last legend entry (named in names) is
// added, leaves room for the legend above (or below) the data and paints a
// backdrop behind it.
func finishLegend(p *gplot.Plot, names []string, log bool) {
	if len(names) == 0 {
		return
	}
	reserveLegendRoom(&p.Y, len(names), p.Legend.Top, log)
	p.Add(&legendBackdrop{names: names})
}

// reserveLegendRoom widens a (before any log ticks are set) so that the data
// leave a band free for a legend of n entries at the top (or bottom) of the
// data area. The band is a fraction of the axis: it cannot know the final
// panel size, so it assumes a panel about as tall as the default.
func reserveLegendRoom(a *gplot.Axis, n int, top, log bool) {
	if n == 0 || !(a.Max >= a.Min) || math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) {
		return
	}
	frac := math.Min(0.5, 0.075*float64(n)+0.04)
	lo, hi := a.Min, a.Max
	if log {
		if !(lo > 0) {
			return
		}
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi), 1) * 0.1
	}
	extra := span * frac / (1 - frac)
	if top {
		hi += extra
	} else {
		lo -= extra
	}
	if log {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	}
	a.Min, a.Max = lo, hi
}

// finishLogAxis sets a log scale and ticker on a, and widens the range to
// whole decades when it would otherwise hold fewer than two labelled ticks.
func finishLogAxis(a *gplot.Axis) error {
	if !(a.Min > 0) || math.IsInf(a.Max, 0) || math.IsNaN(a.Max) {
		return fmt.Errorf("plot: log axis range [%g, %g] is not positive and finite", a.Min, a.Max)
	}
	// Leave a little room above and below the data, in log space.
	lo, hi := math.Log10(a.Min), math.Log10(a.Max)
	pad := 0.04 * (hi - lo)
	if pad == 0 {
		pad = 0.1
	}
	a.Min, a.Max = math.Pow(10, lo-pad), math.Pow(10, hi+pad)
	if len(labelled(LogTicks{}.Ticks(a.Min, a.Max))) < 2 {
		a.Min = math.Pow(10, math.Floor(math.Log10(a.Min)))
		a.Max = math.Pow(10, math.Ceil(math.Log10(a.Max)))
		if a.Max <= a.Min {
			a.Max = a.Min * 10
		}
	}
	a.Scale = gplot.LogScale{}
	a.Tick.Marker = LogTicks{}
	return nil
}

func labelled(ts []gplot.Tick) []gplot.Tick {
	var out []gplot.Tick
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t)
		}
	}
	return out
}

// LogTicks marks a log axis: labelled ticks at powers of ten and unlabelled
// minor ticks at 2…9 times them; when the range holds fewer than two powers
// of ten, the 2× and 5× ticks are labelled too. Only ticks within
// [min, max] are returned. Labels read "0.01", "0.1", "1", "10", "100",
// "1000" and "1e-3", "1e4" beyond those.
type LogTicks struct{}

// Ticks implements gonum/plot's Ticker.
func (LogTicks) Ticks(min, max float64) []gplot.Tick {
	if !(min > 0) || !(max > min) {
		return nil
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	eps := 1e-9
	inRange := func(v float64) bool { return v >= min*(1-eps) && v <= max*(1+eps) }
	decades := 0
	for e := lo; e <= hi; e++ {
		if inRange(math.Pow(10, float64(e))) {
			decades++
		}
	}
	var ticks []gplot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if !inRange(v) {
				continue
			}
			t := gplot.Tick{Value: v}
			if m == 1 || (decades < 2 && (m == 2 || m == 5)) {
				t.Label = formatLog(float64(m), e)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// formatLog formats m·10^e (m in 1…9) compactly.
func formatLog(m float64, e int) string {
	if e >= -2 && e <= 3 {
		return strconv.FormatFloat(m*math.Pow(10, float64(e)), 'f', -1, 64)
	}
	return strconv.FormatFloat(m, 'f', -1, 64) + "e" + strconv.Itoa(e)
}

// layerTicks returns one tick per layer at x = index; layers for which
// label returns false get an unlabelled (minor) tick.
func layerTicks(layers []string, label func(string) bool) gplot.ConstantTicks {
	ts := make(gplot.ConstantTicks, len(layers))
	for i, l := range layers {
		ts[i] = gplot.Tick{Value: float64(i)}
		if label == nil || label(l) {
			ts[i].Label = l
		}
	}
	return ts
}

// ResNetTicks labels every layer whose name does not end in "conv2", as the
// paper's ResNet figures do (conv2 points sit between the conv1 ticks). Use
// it as PanelSpec.TickLabel.
func ResNetTicks(layer string) bool { return !strings.HasSuffix(layer, "conv2") }

// setLayerAxis makes p's x axis show layers as categories.
func setLayerAxis(p *gplot.Plot, layers []string, label func(string) bool) {
	ticks := layerTicks(layers, label)
	p.X.Tick.Marker = ticks
	p.X.Min, p.X.Max = -0.5, float64(len(layers))-0.5
	longest := 0
	for _, t := range ticks {
		longest = max(longest, len(t.Label))
	}
	if longest > 4 || len(layers) > 12 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
}
