package plot_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	gplot "gonum.org/v1/plot"
)

// records builds a small results table: an 8-layer MLP whose noise falls
// and whose probe error reaches the model's MSE from fc5.
func records() []nrc.Record {
	noise := []float64{0.52, 0.60, 0.66, 0.53, 0.31, 0.24, 0.23, 0.21}
	probe := []float64{0.2, 0.08, 0.05, 0.04, 0.031, 0.03, 0.03, 0.03}
	var rs []nrc.Record
	for i := range noise {
		layer := fmt.Sprintf("fc%d", i+1)
		rs = append(rs,
			nrc.Record{Run: "reacher", Epoch: 300, Layer: layer, Metric: nrc.MetricNoise, Value: noise[i]},
			nrc.Record{Run: "reacher", Epoch: 300, Layer: layer, Metric: nrc.MetricProbeMSE, Value: probe[i]})
	}
	return append(rs, nrc.Record{Run: "reacher", Epoch: 300, Metric: nrc.MetricModelMSE, Value: 0.03})
}

// titles returns the texts of an SVG drawn at the panel-title size.
func titles(svg []byte) []string {
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	inTitle := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch el := tok.(type) {
		case xml.StartElement:
			for _, a := range el.Attr {
				inTitle = el.Name.Local == "text" && a.Name.Local == "style" && strings.Contains(a.Value, "font-size:12px")
			}
		case xml.CharData:
			if inTitle {
				out = append(out, string(el))
				inTitle = false
			}
		}
	}
}

func ExampleAcrossLayers() {
	p, err := plot.AcrossLayers(records(), plot.PanelSpec{
		Metric:         nrc.MetricProbeMSE, // log y axis by default
		TargetMetric:   nrc.MetricModelMSE, // red dashed line
		FirstCollapsed: "fc5",              // green dotted line
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fig, err := plot.Single(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	svg, err := fig.SVG()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(svg) > 0, titles(svg))
	// Output: true [Prediction error]
}

func ExampleAcrossLayers_missingMetric() {
	_, err := plot.AcrossLayers(records(), plot.PanelSpec{Metric: nrc.MetricCKA})
	fmt.Println(err)
	// Output: plot: metric "cka" not found in the records; metrics present: "noise", "probe_mse", "model_mse"; layers available: "fc1", "fc2", "fc3", "fc4", "fc5", "fc6", "fc7", "fc8"
}

func ExampleGrid() {
	recs := records()
	var row []*gplot.Plot
	for _, m := range []string{nrc.MetricNoise, nrc.MetricProbeMSE} {
		p, err := plot.AcrossLayers(recs, plot.PanelSpec{Metric: m, FirstCollapsed: "fc5"})
		if err != nil {
			fmt.Println(err)
			return
		}
		row = append(row, p)
	}
	fig, err := plot.Grid(1, 2, [][]*gplot.Plot{row}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fig.Title = "Reacher"
	svg, err := fig.SVG()
	if err != nil {
		fmt.Println(err)
		return
	}
	w, h := fig.Size()
	fmt.Printf("%.1f×%.1f in, titles %q\n", w.Points()/72, h.Points()/72, titles(svg))
	// Output: 10.4×3.6 in, titles ["Noise component" "Prediction error"]
}

func ExampleNewTable() {
	t, err := plot.NewTable(records(), plot.TableSpec{Layers: []string{"fc1", "fc8"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(t.Markdown())
	// Output:
	// **reacher**, epoch 300
	//
	// | layer | noise | probe\_mse |
	// |---|---:|---:|
	// | fc1 | 0.52 | 0.2 |
	// | fc8 | 0.21 | 0.03 |
	//
	// - model\_mse = 0.03
}

func ExampleGammaCurve() {
	p, err := plot.GammaCurve(plot.GammaSpec{
		Ratios:  []float64{0, 0.25, 0.5, 0.75, 1},
		Values:  []float64{0.9, 0.5, 0.3, 0.2, 0.4},
		Optimum: 0.749,
		Title:   "Reacher",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Title.Text, p.X.Min, p.X.Max)
	// Output: Reacher 0 1
}
