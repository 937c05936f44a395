package display_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/deepnrc/deepnrc/nrclib/plot"
	"github.com/deepnrc/deepnrc/nrclib/plot/display"
)

// In a notebook cell, Figure shows the SVG inline and syncs with GoNB; run
// outside GoNB, as here, it only renders and reports errors.
func ExampleFigure() {
	recs := []nrc.Record{
		{Run: "r", Epoch: 1, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0.6},
		{Run: "r", Epoch: 1, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0.1},
	}
	p, err := plot.AcrossLayers(recs, plot.PanelSpec{Metric: nrc.MetricNoise, FirstCollapsed: "fc2"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fig, err := plot.Single(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(display.Figure(fig))
	fmt.Println(display.Table(recs, plot.TableSpec{Metrics: []string{nrc.MetricCKA}}))
	// Output:
	// <nil>
	// plot: metric "cka" has no per-layer records for run "r" at epoch 1; metrics there: "noise"; layers available: "fc1", "fc2"
}
