package plot

import (
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Reference-line styles.
var (
	// CollapseLineStyle is the green dotted vertical line at the first
	// collapsed layer (or a marked epoch or γ).
	CollapseLineStyle = draw.LineStyle{Color: Green, Width: vg.Points(1.6), Dashes: DottedDashes}
	// TargetLineStyle is the red dashed horizontal target line.
	TargetLineStyle = draw.LineStyle{Color: Red, Width: vg.Points(1.2), Dashes: DashedDashes}
)

// VLine is a plotter that draws a vertical line across the whole data area
// at X.
type VLine struct {
	X float64
	draw.LineStyle
}

// Plot implements gonum/plot's Plotter.
func (l *VLine) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(l.X)
	if x < c.Min.X || x > c.Max.X {
		return
	}
	c.StrokeLine2(l.LineStyle, x, c.Min.Y, x, c.Max.Y)
}

// DataRange implements gonum/plot's DataRanger: the line keeps X in range
// and leaves the y range to the data.
func (l *VLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return l.X, l.X, math.Inf(1), math.Inf(-1)
}

// Thumbnail implements gonum/plot's Thumbnailer.
func (l *VLine) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(l.LineStyle, x, c.Min.Y, x, c.Max.Y)
}

// HLine is a plotter that draws a horizontal line across the whole data
// area at Y.
type HLine struct {
	Y float64
	draw.LineStyle
}

// Plot implements gonum/plot's Plotter.
func (l *HLine) Plot(c draw.Canvas, p *gplot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(l.Y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(l.LineStyle, c.Min.X, y, c.Max.X, y)
}

// DataRange implements gonum/plot's DataRanger: the line keeps Y in range
// and leaves the x range to the data.
func (l *HLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), l.Y, l.Y
}

// Thumbnail implements gonum/plot's Thumbnailer.
func (l *HLine) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.LineStyle, c.Min.X, y, c.Max.X, y)
}
