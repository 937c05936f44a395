package plot

import (
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the paper's figures.
var (
	// Purple draws the main curve (× markers joined by lines) and, in
	// sweeps, the highlighted ("right") setting.
	Purple = color.RGBA{R: 0x7b, G: 0x2c, B: 0xbf, A: 0xff}
	// Green draws the dotted vertical line at the first collapsed layer (or
	// at an epoch, or at the optimal γ).
	Green = color.RGBA{R: 0x2a, G: 0x9d, B: 0x3f, A: 0xff}
	// Red draws the dashed horizontal target line.
	Red = color.RGBA{R: 0xd6, G: 0x28, B: 0x28, A: 0xff}
	// Salmon draws the second curve of a two-curve panel (Fig 3's "signal
	// noise-subspace alignment") and the first non-highlighted sweep curve.
	Salmon = color.RGBA{R: 0xfa, G: 0x80, B: 0x72, A: 0xff}
)

// Dash patterns of the reference lines, in points.
var (
	// DottedDashes is the dash array of the green first-collapsed line.
	DottedDashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	// DashedDashes is the dash array of the red target line.
	DashedDashes = []vg.Length{vg.Points(6), vg.Points(3)}
)

// Glyph shapes a curve's markers can take.
type Glyph int

// The marker shapes. GlyphCross is the paper's ×.
const (
	GlyphCross Glyph = iota
	GlyphCircle
	GlyphSquare
	GlyphTriangle
	GlyphPlus
	GlyphDiamond
	GlyphRing
)

// CurveStyle is how one curve is drawn.
type CurveStyle struct {
	Color color.Color
	Glyph Glyph
	// LineWidth of the joining line; 0 means 1.2 pt.
	LineWidth vg.Length
	// Radius of the markers; 0 means 3 pt.
	Radius vg.Length
}

// Predefined curve styles.
var (
	// StylePurpleCross is the paper's main style: purple × joined by lines.
	StylePurpleCross = CurveStyle{Color: Purple, Glyph: GlyphCross}
	// StyleSalmonDot is the second curve of Fig 3's WH panel.
	StyleSalmonDot = CurveStyle{Color: Salmon, Glyph: GlyphCircle}
)

// sweepStyles are given, in order, to curves that are neither highlighted
// nor styled explicitly.
var sweepStyles = []CurveStyle{
	StyleSalmonDot,
	{Color: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, Glyph: GlyphSquare},
	{Color: color.RGBA{R: 0xff, G: 0x9f, B: 0x1c, A: 0xff}, Glyph: GlyphTriangle},
	{Color: color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, Glyph: GlyphDiamond},
	{Color: color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, Glyph: GlyphPlus},
	{Color: color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, Glyph: GlyphRing},
	{Color: color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, Glyph: GlyphSquare},
}

func (s CurveStyle) lineWidth() vg.Length {
	if s.LineWidth > 0 {
		return s.LineWidth
	}
	return vg.Points(1.2)
}

func (s CurveStyle) radius() vg.Length {
	if s.Radius > 0 {
		return s.Radius
	}
	return vg.Points(3)
}

func (s CurveStyle) lineStyle() draw.LineStyle {
	return draw.LineStyle{Color: s.Color, Width: s.lineWidth()}
}

func (s CurveStyle) glyphStyle() draw.GlyphStyle {
	var shape draw.GlyphDrawer
	switch s.Glyph {
	case GlyphCross:
		shape = crossGlyph{}
	case GlyphCircle:
		shape = draw.CircleGlyph{}
	case GlyphSquare:
		shape = draw.BoxGlyph{}
	case GlyphTriangle:
		shape = draw.PyramidGlyph{}
	case GlyphPlus:
		shape = plusGlyph{}
	case GlyphDiamond:
		shape = diamondGlyph{}
	case GlyphRing:
		shape = draw.RingGlyph{}
	default:
		shape = crossGlyph{}
	}
	return draw.GlyphStyle{Color: s.Color, Radius: s.radius(), Shape: shape}
}

// crossGlyph is an × drawn as one stroked path of two strokes, bolder than
// gonum/plot's hairline cross so that it reads at figure size.
type crossGlyph struct{}

func (crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.3)})
	r := sty.Radius * 0.85
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}

// plusGlyph is a + drawn as one stroked path.
type plusGlyph struct{}

func (plusGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.3)})
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X, Y: pt.Y + r})
	c.Stroke(p)
}

// diamondGlyph is a filled diamond.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := sty.Radius * 1.1
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}
