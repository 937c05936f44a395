package plot

import (
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// Degenerate inputs still render: one layer, and all values equal on
// linear and log axes.
func TestDegenerateRanges(t *testing.T) {
	cases := map[string][]nrc.Record{
		"one layer": {{Run: "r", Epoch: 1, Layer: "fc", Metric: nrc.MetricNoise, Value: 0.3}},
		"flat": {
			{Run: "r", Epoch: 1, Layer: "fc1", Metric: nrc.MetricNoise, Value: 0},
			{Run: "r", Epoch: 1, Layer: "fc2", Metric: nrc.MetricNoise, Value: 0},
		},
		"flat log": {
			{Run: "r", Epoch: 1, Layer: "fc1", Metric: nrc.MetricProbeMSE, Value: 0.02},
			{Run: "r", Epoch: 1, Layer: "fc2", Metric: nrc.MetricProbeMSE, Value: 0.02},
		},
	}
	for name, recs := range cases {
		p, err := AcrossLayers(recs, PanelSpec{Metric: recs[0].Metric, FirstCollapsed: recs[len(recs)-1].Layer})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := render(t, p)
		if n := len(markers(d.stroked(purple, ""))); n != len(recs) {
			t.Errorf("%s: %d markers, want %d", name, n, len(recs))
		}
		if name == "flat log" {
			if got := numeric(d, "10px"); len(got) < 2 {
				t.Errorf("%s: %d y labels, want at least 2", name, len(got))
			}
		}
	}
}
