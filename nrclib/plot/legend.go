package plot

import (
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendLayoutWidth is the width the legend rows are packed into when a
// panel is built: about the data area of the narrowest automatic panel
// (MinPanelWidth less the y axis), so that the rows fit every figure.
const legendLayoutWidth = 200 // points

// headerLegend is a panel's legend drawn as rows of entries between the
// title and the data area, so that it never hides data and the y axis
// needs no room for it. It is a gonum/plot Plotter without a data range;
// it reserves its rows by enlarging the title's padding.
type headerLegend struct {
	entries []legendEntry
	rows    [][]int // entry indices, row by row
	sty     text.Style
}

type legendEntry struct {
	label  string
	thumbs []gplot.Thumbnailer
}

func (l *headerLegend) add(label string, thumbs ...gplot.Thumbnailer) {
	l.entries = append(l.entries, legendEntry{label: label, thumbs: thumbs})
}

func (l *headerLegend) thumbWidth() vg.Length { return vg.Points(20) }

func (l *headerLegend) rowHeight() vg.Length {
	return l.sty.FontExtents().Height * 1.25
}

func (l *headerLegend) entryWidth(e legendEntry) vg.Length {
	em := l.sty.Width("M")
	return l.thumbWidth() + em*0.4 + l.sty.Width(e.label) + em*1.2
}

// attach lays the entries out in rows of at most legendLayoutWidth, gives
// the panel's title room for them and adds the legend to p. A panel without
// entries is left alone.
func (l *headerLegend) attach(p *gplot.Plot) {
	if len(l.entries) == 0 {
		return
	}
	l.sty = p.Legend.TextStyle
	l.sty.XAlign, l.sty.YAlign = draw.XLeft, draw.YCenter
	var row []int
	var w vg.Length
	for i, e := range l.entries {
		ew := l.entryWidth(e)
		if len(row) > 0 && w+ew > vg.Points(legendLayoutWidth) {
			l.rows = append(l.rows, row)
			row, w = nil, 0
		}
		row = append(row, i)
		w += ew
	}
	l.rows = append(l.rows, row)
	if p.Title.Text == "" {
		p.Title.Text = " " // the padding below the title holds the legend
	}
	p.Title.Padding += vg.Length(len(l.rows))*l.rowHeight() + vg.Points(2)
	p.Add(l)
}

// Plot implements gonum/plot's Plotter: the rows sit just above the data
// area c.
func (l *headerLegend) Plot(c draw.Canvas, _ *gplot.Plot) {
	h := l.rowHeight()
	for r, row := range l.rows {
		// Left-aligned: a viewer's wider fallback font then runs into the
		// panel's own width, not off the figure.
		x := c.Min.X
		y := c.Max.Y + vg.Points(4) + (vg.Length(len(l.rows)-r)-0.5)*h
		for _, i := range row {
			e := l.entries[i]
			icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - h*0.35}, Max: vg.Point{X: x + l.thumbWidth(), Y: y + h*0.35},
			}}
			for _, th := range e.thumbs {
				th.Thumbnail(&icon)
			}
			c.FillText(l.sty, vg.Point{X: x + l.thumbWidth() + l.sty.Width("M")*0.4, Y: y}, e.label)
			x += l.entryWidth(e)
		}
	}
}
