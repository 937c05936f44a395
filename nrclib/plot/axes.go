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

func (s Scale) log(metric string) bool {
	switch s {
	case ScaleLog:
		return true
	case ScaleLinear:
		return false
	}
	return AxisOf(metric).Log
}

// Font sizes, in points. A figure is shown at its natural size (1 pt =
// 4/3 CSS px), so tick labels read at about 13 px.
const (
	titleSize     = 12
	axisLabelSize = 11
	tickSize      = 10
	legendSize    = 9.5
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
	p.Legend.ThumbnailWidth = vg.Points(20)
	p.Legend.Padding = vg.Points(1.5)
	return p
}

// finishYAxis sets the y axis of a finished panel of metric: a log axis,
// or a linear one within the metric's domain (AxisOf) with NiceTicks.
func finishYAxis(p *gplot.Plot, metric string, log bool) error {
	if log {
		return finishLogAxis(&p.Y)
	}
	dom := AxisOf(metric)
	finishLinearAxis(&p.Y, dom.Min, dom.Max)
	return nil
}

// finishLinearAxis sets a's range to the data padded by 5 % and rounded out
// to the nice tick step, clamped to [lo, hi] (the metric's domain), and
// marks it with NiceTicks.
func finishLinearAxis(a *gplot.Axis, lo, hi float64) {
	a.Tick.Marker = NiceTicks{}
	if !(a.Max >= a.Min) || math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) {
		return
	}
	min, max := a.Min, a.Max
	span := max - min
	if span == 0 {
		span = math.Max(math.Abs(max)*0.2, 0.1)
	}
	min, max = min-0.05*span, max+0.05*span
	step := niceStep(max-min, 5)
	min, max = math.Floor(min/step+1e-9)*step, math.Ceil(max/step-1e-9)*step
	min, max = math.Max(min, lo), math.Min(max, hi)
	if max <= min {
		max = min + step
	}
	a.Min, a.Max = min, max
}

// niceStep returns the step 1, 2 or 5 × 10^k that divides span into at
// most about n intervals.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	base := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*base >= raw*(1-1e-9) {
			return m * base
		}
	}
	return 10 * base
}

// NiceTicks marks a linear axis at multiples of a step of 1, 2 or 5 × 10^k
// (about five labelled ticks; no 2.5 steps), with unlabelled minor ticks
// half-way. Labels have as few digits as the step needs: "0", "0.2", "1",
// "250", never "12.50". With Integer (an epoch axis) the step is at least
// 1 and minor ticks fall on whole numbers only.
type NiceTicks struct {
	Integer bool
}

// Ticks implements gonum/plot's Ticker.
func (nt NiceTicks) Ticks(min, max float64) []gplot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return nil
	}
	step := niceStep(max-min, 5)
	if nt.Integer && step < 1 {
		step = 1
	}
	digits := 0
	if step < 1 {
		digits = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	eps := step * 1e-9
	var ticks []gplot.Tick
	first := math.Ceil((min - eps) / (step / 2))
	for i := first; i*step/2 <= max+eps; i++ {
		v := i * step / 2
		if nt.Integer && v != math.Trunc(v) {
			continue
		}
		t := gplot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			t.Label = formatTick(v, digits)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// formatTick formats v rounded to digits decimals with no trailing zeros
// and no "-0".
func formatTick(v float64, digits int) string {
	scale := math.Pow(10, float64(digits))
	v = math.Round(v*scale) / scale
	if v == 0 {
		v = 0 // drops the sign of -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
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
// "1000" and "1e-3", "1e4" beyond those, except that an axis whose labels
// all lie in [0.001, 10⁴] writes them all as decimals ("0.005", "0.01").
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
				t.Label = "label" // formatted below, once the range of labels is known
			}
			ticks = append(ticks, t)
		}
	}
	wide := true
	for _, t := range ticks {
		if e := int(math.Floor(math.Log10(t.Value) + 1e-9)); t.Label != "" && (e < -3 || e > 4) {
			wide = false
		}
	}
	for i, t := range ticks {
		if t.Label != "" {
			e := int(math.Floor(math.Log10(t.Value) + 1e-9))
			m := math.Round(t.Value / math.Pow(10, float64(e)))
			ticks[i].Label = formatLog(m, e, wide)
		}
	}
	return ticks
}

// formatLog formats m·10^e (m in 1…9) compactly: as a decimal for
// exponents in [-2, 3], or in [-3, 4] when wide (every label of the axis
// fits that range), else as "5e-4".
func formatLog(m float64, e int, wide bool) string {
	if (e >= -2 && e <= 3) || (wide && e >= -3 && e <= 4) {
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
