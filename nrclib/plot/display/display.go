// Package display shows Deep NRC figures and results tables inline in GoNB
// notebooks. It is the only part of the plotting code that imports GoNB's
// gonbui, so that the plot package itself stays usable from the CLI and
// tests.
//
// Every function here ends with gonbui.Sync(), which waits until GoNB has
// received all the output. A GoNB cell is a separate process that exits
// when the cell ends, and output still in the pipe at exit can be lost; so
// a cell that displays anything by other means (gonbui.DisplayHTML,
// DisplayMarkdown, …) must also end with gonbui.Sync().
//
// Outside a notebook (gonbui.IsNotebook false) the functions only build and
// validate what they would show, and return its errors; nothing is printed.
package display

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/janpfeifer/gonb/gonbui"
	gplot "gonum.org/v1/plot"
)

// Figure renders f as SVG and displays it inline (GoNB sends it as
// text/html wrapping the <svg>, which nbconvert keeps in HTML exports),
// then syncs.
func Figure(f *plot.Figure) error {
	svg, err := f.SVG()
	if err != nil {
		return err
	}
	gonbui.DisplaySvg(string(svg))
	return flush()
}

// Plot displays one panel (an AcrossLayers, OverEpochs, GammaCurve or
// Targets plot) inline as SVG at the paper's panel size, then syncs.
func Plot(p *gplot.Plot) error {
	f, err := plot.Single(p)
	if err != nil {
		return err
	}
	return Figure(f)
}

// HTML displays an HTML fragment (such as experiment.OutcomesHTML), then
// syncs.
func HTML(fragment string) error {
	gonbui.DisplayHTML(fragment)
	return flush()
}

// FigurePNG renders f as a PNG at dpi dots per inch and displays it inline
// (image/png), then syncs. Use it where inline SVG does not render.
func FigurePNG(f *plot.Figure, dpi int) error {
	png, err := f.PNG(dpi)
	if err != nil {
		return err
	}
	gonbui.DisplayPNG(png)
	return flush()
}

// Table displays the layers × metrics table of one run (see plot.TableSpec)
// as markdown, then syncs.
func Table(records []nrc.Record, spec plot.TableSpec) error {
	t, err := plot.NewTable(records, spec)
	if err != nil {
		return err
	}
	gonbui.DisplayMarkdown(t.Markdown())
	return flush()
}

// TableHTML displays the layers × metrics table of one run as HTML, then
// syncs.
func TableHTML(records []nrc.Record, spec plot.TableSpec) error {
	t, err := plot.NewTable(records, spec)
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(t.HTML())
	return flush()
}

// flush waits for GoNB to take all pending output and reports a broken
// connection to it.
func flush() error {
	gonbui.Sync()
	if !gonbui.IsNotebook {
		return nil
	}
	if err := gonbui.Error(); err != nil {
		return fmt.Errorf("display: sending output to GoNB: %w", err)
	}
	return nil
}
