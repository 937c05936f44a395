package plot

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image/color"
	"regexp"
	"strconv"
	"strings"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	xfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default figure geometry. A figure whose PanelWidth is 0 is about
// DefaultFigureWidth wide: each panel gets DefaultFigureWidth / columns,
// within [MinPanelWidth, DefaultPanelWidth], and a height of 0.62 × its
// width within [DefaultPanelHeight, MaxPanelHeight]. At its natural size (1
// pt = 4/3 CSS px) a three-column figure is about 1060 px wide, so it reads
// at 100 % zoom in a report or a notebook.
const (
	// DefaultFigureWidth is the width the panels of a figure share.
	DefaultFigureWidth = 11 * vg.Inch
	// DefaultPanelWidth is the widest automatic panel (one or two columns)
	// and MinPanelWidth the narrowest (many columns).
	DefaultPanelWidth = 5.2 * vg.Inch
	MinPanelWidth     = 3.4 * vg.Inch
	// DefaultPanelHeight and MaxPanelHeight bound the automatic height.
	DefaultPanelHeight = 2.6 * vg.Inch
	MaxPanelHeight     = 3.2 * vg.Inch
	// DefaultDPI is the PNG resolution WriteFiles uses when Figure.DPI is 0.
	DefaultDPI = 150
	// MaxGridSide bounds the rows and the columns of a grid.
	MaxGridSide = 8
)

// Figure is a grid of panels rendered as one image.
type Figure struct {
	// Panels holds Rows × Cols plots, row-major; a nil plot leaves its cell
	// empty.
	Panels [][]*gplot.Plot
	// ColTitles, when not nil, holds one title per column drawn above the
	// top row (e.g. dataset names); "" leaves a column untitled.
	ColTitles []string
	// Title, when not "", is drawn above everything.
	Title string
	// PanelWidth and PanelHeight are the size of one cell; 0 means the
	// automatic size for the number of columns (see DefaultFigureWidth).
	PanelWidth, PanelHeight vg.Length
	// DPI is the resolution of WriteFiles' PNG; 0 means DefaultDPI.
	DPI int
}

// Grid composes rows × cols panels, given row-major, into a Figure, with
// optional column titles (nil for none). Panels may hold nil cells, but
// not only nil cells.
func Grid(rows, cols int, panels [][]*gplot.Plot, colTitles []string) (*Figure, error) {
	if rows < 1 || cols < 1 || rows > MaxGridSide || cols > MaxGridSide {
		return nil, fmt.Errorf("plot: grid %d×%d is out of range; rows and cols must be in 1…%d", rows, cols, MaxGridSide)
	}
	if len(panels) != rows {
		return nil, fmt.Errorf("plot: grid %d×%d got %d rows of panels; pass exactly %d rows", rows, cols, len(panels), rows)
	}
	some := false
	for i, row := range panels {
		if len(row) != cols {
			return nil, fmt.Errorf("plot: grid %d×%d: row %d has %d panels; pass exactly %d per row (nil for an empty cell)", rows, cols, i, len(row), cols)
		}
		for _, p := range row {
			some = some || p != nil
		}
	}
	if !some {
		return nil, fmt.Errorf("plot: grid %d×%d has no panels; give at least one non-nil panel", rows, cols)
	}
	if colTitles != nil && len(colTitles) != cols {
		return nil, fmt.Errorf("plot: grid has %d columns but %d column titles; give one title per column or nil", cols, len(colTitles))
	}
	cp := make([][]*gplot.Plot, rows)
	for i := range panels {
		cp[i] = append([]*gplot.Plot(nil), panels[i]...)
	}
	return &Figure{Panels: cp, ColTitles: append([]string(nil), colTitles...)}, nil
}

// Single wraps one panel as a 1×1 Figure.
func Single(p *gplot.Plot) (*Figure, error) {
	return Grid(1, 1, [][]*gplot.Plot{{p}}, nil)
}

// Size returns the figure's width and height.
func (f *Figure) Size() (w, h vg.Length) {
	pw, ph := f.panelSize()
	return vg.Length(f.cols()) * pw, vg.Length(len(f.Panels))*ph + f.headerHeight()
}

func (f *Figure) cols() int {
	if len(f.Panels) == 0 {
		return 0
	}
	return len(f.Panels[0])
}

func (f *Figure) panelSize() (w, h vg.Length) {
	w, h = f.PanelWidth, f.PanelHeight
	if w <= 0 {
		w = AutoPanelWidth(f.cols())
	}
	if h <= 0 {
		h = min(max(0.62*w, DefaultPanelHeight), MaxPanelHeight)
	}
	return w, h
}

// AutoPanelWidth is the panel width of a figure of cols columns whose
// PanelWidth is 0.
func AutoPanelWidth(cols int) vg.Length {
	if cols < 1 {
		cols = 1
	}
	return min(max(DefaultFigureWidth/vg.Length(cols), MinPanelWidth), DefaultPanelWidth)
}

const (
	figTitleSize = 14
	colTitleSize = 13
)

func (f *Figure) hasColTitles() bool {
	for _, t := range f.ColTitles {
		if t != "" {
			return true
		}
	}
	return false
}

func (f *Figure) headerHeight() vg.Length {
	var h vg.Length
	if f.Title != "" {
		h += vg.Length(len(f.titleLines())) * vg.Points(figTitleSize*1.35)
		h += vg.Points(figTitleSize * 0.6)
	}
	if f.hasColTitles() {
		h += vg.Points(colTitleSize * 1.8)
	}
	return h
}

func (f *Figure) validate() error {
	if f == nil || len(f.Panels) == 0 || f.cols() == 0 {
		return errors.New("plot: empty figure; build it with Grid or Single")
	}
	for i, row := range f.Panels {
		if len(row) != f.cols() {
			return fmt.Errorf("plot: figure row %d has %d panels, row 0 has %d; every row needs the same number", i, len(row), f.cols())
		}
	}
	if f.ColTitles != nil && len(f.ColTitles) != f.cols() {
		return fmt.Errorf("plot: figure has %d columns but %d column titles", f.cols(), len(f.ColTitles))
	}
	return nil
}

// draw renders the figure onto c. gonum/plot panics on some invalid
// states (e.g. a non-positive value on a log axis added after the panel was
// built); draw turns such panics into errors.
func (f *Figure) draw(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing the figure failed: %v (a panel was probably changed after it was built; e.g. non-positive values on a log axis)", r)
		}
	}()
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())

	top := c.Max.Y
	hdr := gplot.DefaultTextHandler
	if f.Title != "" {
		sty := titleStyle()
		top -= vg.Points(figTitleSize * 0.3)
		for _, line := range f.titleLines() {
			h := vg.Points(figTitleSize * 1.35)
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top - h/2}, line)
			top -= h
		}
		top -= vg.Points(figTitleSize * 0.3)
	}
	pw := (c.Max.X - c.Min.X) / vg.Length(f.cols())
	if f.hasColTitles() {
		bold := gplot.DefaultFont
		bold.Weight = xfont.WeightBold
		sty := text.Style{Color: color.Black, Font: font.From(bold, colTitleSize), XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: hdr}
		h := vg.Points(colTitleSize * 1.8)
		for i, t := range f.ColTitles {
			if t != "" {
				c.FillText(sty, vg.Point{X: c.Min.X + (vg.Length(i)+0.5)*pw, Y: top - h/2}, t)
			}
		}
		top -= h
	}
	body := draw.Crop(c, 0, 0, 0, top-c.Max.Y)
	tiles := draw.Tiles{
		Rows: len(f.Panels), Cols: f.cols(),
		PadX: vg.Points(6), PadY: vg.Points(6),
		PadTop: vg.Points(2), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8),
	}
	canvases := gplot.Align(f.Panels, tiles, body)
	for j, row := range f.Panels {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return nil
}

func titleStyle() text.Style {
	return text.Style{Color: color.Black, Font: font.From(gplot.DefaultFont, figTitleSize),
		XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
}

// titleLines breaks the title into lines that fit the figure's width, at
// spaces (and at explicit newlines).
func (f *Figure) titleLines() []string {
	pw, _ := f.panelSize()
	return wrapText(f.Title, titleStyle(), vg.Length(f.cols())*pw-vg.Points(12))
}

// wrapText breaks s into lines no wider than width in style sty (a word
// longer than width gets a line of its own).
func wrapText(s string, sty text.Style, width vg.Length) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if line != "" && sty.Width(try) > width {
				lines = append(lines, line)
				line = word
				continue
			}
			line = try
		}
		lines = append(lines, line)
	}
	return lines
}

// SVG renders the figure as one SVG document. Fonts are referenced by name
// (Liberation Serif, then the metric-compatible Times New Roman, Times and
// Nimbus Roman, then the viewer's serif font), not embedded, which keeps the
// file small.
func (f *Figure) SVG() ([]byte, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	w, h := f.Size()
	cv := vgsvg.New(w, h)
	if err := f.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: writing SVG: %w", err)
	}
	return fitTextLengths(bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Serif;"), []byte(svgSerif))), nil
}

// svgTextElement matches a <text> element as gonum/plot's SVG canvas writes it.
var svgTextElement = regexp.MustCompile(`<text x="[^"]*" y="[^"]*" transform="scale\(1, -1\)"(\s+style="([^"]*)")?>([^<]*)</text>`)

var svgFontSize = regexp.MustCompile(`font-size:([0-9.]+)px`)

// fitTextLengths gives every <text> of svg the width the layout measured
// it at (textLength, in Liberation Serif), so that a viewer drawing it in
// another font squeezes or stretches it to the same width instead of
// running it past the figure's edge or into its neighbours.
func fitTextLengths(svg []byte) []byte {
	return svgTextElement.ReplaceAllFunc(svg, func(el []byte) []byte {
		m := svgTextElement.FindSubmatch(el)
		style, content := string(m[2]), html.UnescapeString(string(m[3]))
		size := svgFontSize.FindStringSubmatch(style)
		if size == nil || strings.TrimSpace(content) == "" {
			return el
		}
		pts, err := strconv.ParseFloat(size[1], 64)
		if err != nil || pts <= 0 {
			return el
		}
		fnt := gplot.DefaultFont
		if strings.Contains(style, "font-weight:bold") {
			fnt.Weight = xfont.WeightBold
		}
		face := font.DefaultCache.Lookup(fnt, font.Length(pts))
		w := face.Width(content).Points()
		if !(w > 0) {
			return el
		}
		attr := fmt.Sprintf(` textLength="%.5g" lengthAdjust="spacingAndGlyphs"`, w)
		i := bytes.Index(el, []byte(`transform="scale(1, -1)"`)) + len(`transform="scale(1, -1)"`)
		out := make([]byte, 0, len(el)+len(attr))
		out = append(out, el[:i]...)
		out = append(out, attr...)
		return append(out, el[i:]...)
	})
}

// svgSerif names, after Liberation Serif (the font the layout is measured
// with), the fonts with the same metrics and then the generic serif, so
// that a browser without Liberation Serif keeps the text about as wide.
const svgSerif = "font-family:'Liberation Serif','Times New Roman',Times,'Nimbus Roman','Nimbus Roman No9 L',serif;"

// PNG renders the figure as a PNG image at dpi dots per inch (e.g. 96 for
// screens, 150–300 for print); the image is Size()·dpi/72 pixels.
func (f *Figure) PNG(dpi int) ([]byte, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if dpi < 10 || dpi > 600 {
		return nil, fmt.Errorf("plot: PNG resolution %d dpi is out of range; use 10…600 (e.g. %d)", dpi, DefaultDPI)
	}
	w, h := f.Size()
	cv := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	if err := f.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFiles writes base+".svg" and base+".png" (at f.DPI, or DefaultDPI).
// Both images are rendered before anything is written, and each file is
// written to a temporary file in the same directory and renamed into place,
// so a failure never leaves a partial file behind.
func (f *Figure) WriteFiles(base string) error {
	if base == "" {
		return errors.New("plot: WriteFiles needs a base path, e.g. \"out/fig1\"")
	}
	dpi := f.DPI
	if dpi == 0 {
		dpi = DefaultDPI
	}
	svg, err := f.SVG()
	if err != nil {
		return err
	}
	png, err := f.PNG(dpi)
	if err != nil {
		return err
	}
	if err := writeAtomic(base+".svg", svg); err != nil {
		return err
	}
	return writeAtomic(base+".png", png)
}

// writeAtomic writes data to path atomically, naming the package in errors.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
