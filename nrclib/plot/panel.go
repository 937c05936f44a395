package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// LegendPosition was where a legend sat inside the data area. Legends are
// now drawn in rows between a panel's title and its data area, aligned
// left, so that they never hide data; the position is accepted and ignored.
type LegendPosition int

// Legend positions.
const (
	LegendTopRight LegendPosition = iota
	LegendTopLeft
	LegendBottomRight
	LegendBottomLeft
)

// Curve is one line of an across-layers panel.
type Curve struct {
	// Label is the legend entry; "" gives the curve no entry.
	Label string
	// Metric is the metric drawn; "" means PanelSpec.Metric.
	Metric string
	// Runs are the runs averaged into this curve. Empty means
	// PanelSpec.Run, or when that is "" too, the only run that has the
	// metric. With several runs (e.g. seeds of one config) the
	// curve is their mean, over a shaded min–max band.
	Runs []string
	// Highlight draws the curve in the paper's purple × (the "right"
	// setting of a sweep).
	Highlight bool
	// Style, when not nil, overrides the automatic style.
	Style *CurveStyle
}

// PanelSpec describes an across-layers panel; see AcrossLayers.
type PanelSpec struct {
	// Metric is the metric to draw (an nrc.Metric* name). Required unless
	// every curve names its own.
	Metric string
	// Title is the panel title; "" means DefaultTitle(Metric).
	Title string
	// XLabel and YLabel are the axis labels; "" means "layer" and the
	// metric's label (AxisOf).
	XLabel, YLabel string

	// Run is the run drawn (and the default run of every curve without
	// Runs); "" means the only run that has the curve's metric.
	Run string
	// Epoch selects the records' epoch; 0 means, for each run, the latest
	// epoch at which it has the curve's metric. (To plot epoch 0 when later
	// epochs exist, filter the records first.)
	Epoch int
	// Curves, when not empty, are drawn instead of the single Run curve:
	// a weight-decay sweep (one curve per λ), a two-curve panel (one curve
	// per metric) or seed bands (several Runs in a curve). Unless styled
	// explicitly, highlighted curves are purple ×; the others take, in
	// order, salmon •, blue ■, orange ▲, brown ◆, cyan +, grey ○, pink ■.
	// When no curve is highlighted, the first one is purple ×.
	Curves []Curve

	// Layers is the x axis, in network order; nil means Layers(records).
	// Records of layers outside the list are not drawn.
	Layers []string
	// TickLabel, when not nil, selects the layers whose tick is labelled;
	// the others get an unlabelled tick (e.g. ResNetTicks).
	TickLabel func(layer string) bool

	// FirstCollapsed, when not "", is the layer at which the green dotted
	// vertical line is drawn.
	FirstCollapsed string
	// TargetMetric, when not "", is a run-level metric (Layer "", same run
	// and epoch as the first curve) drawn as the red dashed target line,
	// e.g. nrc.MetricModelMSE or nrc.MetricTargetStableRankPaper.
	TargetMetric string
	// Target, when TargetMetric is "" and Target is not 0, is the target
	// line's value.
	Target float64
	// TargetLabel, when not "", gives the target line a legend entry
	// (ReferenceLabel(TargetMetric) names it as the figures do, e.g. "model
	// train MSE").
	TargetLabel string

	// YScale is the y axis scale; ScaleAuto is log for error metrics. A
	// linear axis stays within the metric's domain (AxisOf; e.g. [0, 1] for
	// noise, CKA and alignments) and has NiceTicks.
	YScale Scale
	// LogFloor, when positive, clamps values below it (zero and negative
	// ones included) to LogFloor on a log axis. When 0, such values are an
	// error that names the layer.
	LogFloor float64
	// Legend is ignored (see LegendPosition); the legend, drawn when some
	// curve has a Label, sits above the data area.
	Legend LegendPosition
}

// AcrossLayers draws one panel with the probed layers on the x axis: by
// default one purple × curve of spec.Metric, a green dotted line at
// spec.FirstCollapsed and a red dashed target line. See PanelSpec for
// sweeps, two-curve panels and seed bands.
//
// It returns an error that names the problem (a missing metric, with the
// metrics and layers available; an ambiguous run; an unknown
// first-collapsed layer; a value a log axis cannot show).
func AcrossLayers(records []nrc.Record, spec PanelSpec) (*gplot.Plot, error) {
	curves := spec.Curves
	if len(curves) == 0 {
		var runs []string
		if spec.Run != "" {
			runs = []string{spec.Run}
		}
		curves = []Curve{{Metric: spec.Metric, Runs: runs}}
	}
	layers := spec.Layers
	if layers == nil {
		layers = nrc.Results(records).Layers()
	}
	if len(layers) == 0 {
		return nil, errors.New("plot: no layers: the records hold no per-layer records (Layer != \"\") and PanelSpec.Layers is empty")
	}
	index := make(map[string]int, len(layers))
	for i, l := range layers {
		if _, dup := index[l]; dup {
			return nil, fmt.Errorf("plot: layer %q appears twice in PanelSpec.Layers; list each layer once", l)
		}
		index[l] = i
	}
	title := spec.Title
	if title == "" {
		title = DefaultTitle(spec.Metric)
		if spec.Metric == "" {
			title = DefaultTitle(curves[0].Metric)
		}
	}
	axisMetric := firstNonEmpty(spec.Metric, curves[0].Metric)
	logY := spec.YScale.log(axisMetric)

	p := newPlot(title)
	p.X.Label.Text = firstNonEmpty(spec.XLabel, "layer")
	p.Y.Label.Text = firstNonEmpty(spec.YLabel, AxisOf(axisMetric).Label)
	setLayerAxis(p, layers, spec.TickLabel)
	var legend headerLegend

	styles := assignStyles(curves)
	var pending []pendingCurve
	var targetRun string
	var targetEpoch int
	for ci, c := range curves {
		metric := firstNonEmpty(c.Metric, spec.Metric)
		if metric == "" {
			return nil, fmt.Errorf("plot: curve %d has no metric; set PanelSpec.Metric or Curve.Metric", ci)
		}
		runs := c.Runs
		if len(runs) == 0 {
			run, err := resolveRun(records, metric, spec.Run)
			if err != nil {
				return nil, err
			}
			runs = []string{run}
		}
		series := make([]map[string]float64, len(runs))
		for ri, run := range runs {
			epoch, err := resolveEpoch(records, run, metric, spec.Epoch)
			if err != nil {
				return nil, err
			}
			if ci == 0 && ri == 0 {
				targetRun, targetEpoch = run, epoch
			}
			if series[ri], err = layerValues(records, run, epoch, metric); err != nil {
				return nil, err
			}
		}
		band, err := bandOver(layers, runs, series, metric)
		if err != nil {
			return nil, err
		}
		if len(band) == 0 {
			return nil, fmt.Errorf("plot: metric %q has no records at the panel's layers (%s); the records have it at %s",
				metric, quoteList(layers), quoteList(keys(series[0])))
		}
		if logY {
			for i := range band {
				what := fmt.Sprintf("metric %q at layer %q", metric, layers[int(band[i].x)])
				for _, v := range []*float64{&band[i].mean, &band[i].lo, &band[i].hi} {
					if *v, err = logValue(*v, spec.LogFloor, what); err != nil {
						return nil, err
					}
				}
			}
		}
		pending = append(pending, pendingCurve{pts: band, style: styles[ci], banded: len(runs) > 1, label: c.Label})
	}

	// Reference lines go first so that the curves are drawn over them.
	if spec.FirstCollapsed != "" {
		i, ok := index[spec.FirstCollapsed]
		if !ok {
			return nil, fmt.Errorf("plot: first collapsed layer %q is not among the panel's layers (%s); use one of them",
				spec.FirstCollapsed, quoteList(layers))
		}
		p.Add(&VLine{X: float64(i), LineStyle: CollapseLineStyle})
	}
	target, err := addTarget(p, records, spec, targetRun, targetEpoch, logY)
	if err != nil {
		return nil, err
	}
	for _, c := range pending {
		thumbs, err := addCurve(p, c.pts, c.style, c.banded)
		if err != nil {
			return nil, err
		}
		if c.label != "" {
			legend.add(c.label, thumbs...)
		}
	}
	if target != nil && spec.TargetLabel != "" {
		legend.add(spec.TargetLabel, target)
	}
	legend.attach(p)
	if err := finishYAxis(p, axisMetric, logY); err != nil {
		return nil, err
	}
	return p, nil
}

// pendingCurve is a curve whose data is ready to be added to a panel.
type pendingCurve struct {
	pts    []bandPoint
	style  CurveStyle
	banded bool
	label  string
}

// addTarget draws the red dashed target line of spec, if any, and returns
// it (nil when there is none).
func addTarget(p *gplot.Plot, records []nrc.Record, spec PanelSpec, run string, epoch int, logY bool) (*HLine, error) {
	target, has := spec.Target, spec.Target != 0
	if spec.TargetMetric != "" {
		v, err := nrc.Results(records).Value(run, spec.TargetMetric, epoch)
		if err != nil {
			return nil, err
		}
		target, has = v, true
	}
	if !has {
		return nil, nil
	}
	if logY {
		var err error
		if target, err = logValue(target, spec.LogFloor, "the target line's value"); err != nil {
			return nil, err
		}
	}
	l := &HLine{Y: target, LineStyle: TargetLineStyle}
	p.Add(l)
	return l, nil
}

// bandPoint is one x position of a curve: the mean over runs and the
// min–max band.
type bandPoint struct {
	x, mean, lo, hi float64
}

// bandOver aligns the per-run series on layers. A layer must be present in
// every run or in none.
func bandOver(layers, runs []string, series []map[string]float64, metric string) ([]bandPoint, error) {
	var out []bandPoint
	for i, l := range layers {
		n, sum := 0, 0.0
		lo, hi := math.Inf(1), math.Inf(-1)
		missing := ""
		for ri, s := range series {
			v, ok := s[l]
			if !ok {
				missing = runs[ri]
				continue
			}
			n++
			sum += v
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if n == 0 {
			continue
		}
		if n < len(series) {
			return nil, fmt.Errorf("plot: metric %q at layer %q is missing in run %q but present in other runs of the same curve; give the curve runs measured at the same layers",
				metric, l, missing)
		}
		out = append(out, bandPoint{x: float64(i), mean: sum / float64(n), lo: lo, hi: hi})
	}
	return out, nil
}

// addCurve adds a band (when banded), the joining line and the markers, and
// returns the legend thumbnails.
func addCurve(p *gplot.Plot, pts []bandPoint, sty CurveStyle, banded bool) ([]gplot.Thumbnailer, error) {
	xys := make(plotter.XYs, len(pts))
	for i, b := range pts {
		xys[i] = plotter.XY{X: b.x, Y: b.mean}
	}
	var thumbs []gplot.Thumbnailer
	if banded {
		poly := make(plotter.XYs, 0, 2*len(pts))
		for _, b := range pts {
			poly = append(poly, plotter.XY{X: b.x, Y: b.hi})
		}
		for i := len(pts) - 1; i >= 0; i-- {
			poly = append(poly, plotter.XY{X: pts[i].x, Y: pts[i].lo})
		}
		band, err := plotter.NewPolygon(poly)
		if err != nil {
			return nil, fmt.Errorf("plot: band: %w", err)
		}
		band.Color = withAlpha(sty.Color, 0x40)
		band.LineStyle.Width = 0
		p.Add(band)
		thumbs = append(thumbs, band)
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("plot: curve: %w", err)
	}
	line.LineStyle = sty.lineStyle()
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, fmt.Errorf("plot: curve: %w", err)
	}
	sc.GlyphStyle = sty.glyphStyle()
	p.Add(line, sc)
	return append(thumbs, line, sc), nil
}

// assignStyles gives each curve its style (see PanelSpec.Curves).
func assignStyles(curves []Curve) []CurveStyle {
	anyHighlight := false
	for _, c := range curves {
		anyHighlight = anyHighlight || c.Highlight
	}
	out := make([]CurveStyle, len(curves))
	next := 0
	for i, c := range curves {
		switch {
		case c.Style != nil:
			out[i] = *c.Style
		case c.Highlight || (!anyHighlight && i == 0):
			out[i] = StylePurpleCross
		default:
			out[i] = sweepStyles[next%len(sweepStyles)]
			next++
		}
	}
	return out
}

// withAlpha returns c with opacity a (non-premultiplied).
func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func keys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
