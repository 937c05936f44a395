package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/plot"
)

// episodeColors cycles through distinguishable colours for the episodes.
var episodeColors = []color.RGBA{
	{0x4b, 0x1d, 0x91, 0xff}, {0x1b, 0x9e, 0x77, 0xff}, {0xd9, 0x5f, 0x02, 0xff}, {0xe7, 0x29, 0x8a, 0xff},
	{0x66, 0xa6, 0x1e, 0xff}, {0xe6, 0xab, 0x02, 0xff}, {0x1f, 0x78, 0xb4, 0xff}, {0x66, 0x66, 0x66, 0xff},
}

func dataPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("data plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output SVG (default NAME-states.svg)")
	name, err := parseWithName(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = name + "-states.svg"
	}
	p, err := statePCAPlot(name)
	if err != nil {
		return err
	}
	fig, err := plot.Single(p)
	if err != nil {
		return err
	}
	fig.PanelWidth, fig.PanelHeight = 5.5*vg.Inch, 4*vg.Inch
	svg, err := fig.SVG()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*out, svg, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// statePCAPlot draws the shipped simulated dataset's states projected on
// their first two principal components (of the standardised states), one
// line per episode in time order, a dot at each episode's start.
func statePCAPlot(name string) (*gplot.Plot, error) {
	tb, e, err := data.SimulatedTable(name)
	if err != nil {
		return nil, err
	}
	pca, err := data.ProjectPCA(tb.X, tb.N, tb.D, 2)
	if err != nil {
		return nil, err
	}
	p := gplot.New()
	p.Title.Text = fmt.Sprintf("%s, simulated with %s: %d states, %d episode(s)", name, e.Simulator, tb.N, e.Episodes)
	p.X.Label.Text = fmt.Sprintf("PC 1 (%.0f%% of the variance)", 100*pca.Explained[0])
	p.Y.Label.Text = fmt.Sprintf("PC 2 (%.0f%%)", 100*pca.Explained[1])
	row := 0
	for k, steps := range e.EpisodeSteps {
		xys := make(plotter.XYs, steps)
		for i := range xys {
			xys[i].X, xys[i].Y = pca.Scores[(row+i)*2], pca.Scores[(row+i)*2+1]
		}
		row += steps
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color = episodeColors[k%len(episodeColors)]
		l.Width = vg.Points(0.6)
		p.Add(l)
		start, err := plotter.NewScatter(xys[:1])
		if err != nil {
			return nil, err
		}
		start.Color = l.Color
		start.Radius = vg.Points(1.8)
		p.Add(start)
	}
	if row != tb.N {
		return nil, fmt.Errorf("%s: the manifest's episodes cover %d rows of %d", e.File, row, tb.N)
	}
	return p, nil
}
