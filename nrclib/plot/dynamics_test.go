package plot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// A collapse front moving down: at epoch e the layers from fc(5−e) up have
// noise 0, the others 1. The grid must hold exactly that, top rows first
// to collapse.
func TestCollapseDynamicsGrid(t *testing.T) {
	var recs []nrc.Record
	for e := 1; e <= 4; e++ {
		for l := 1; l <= 4; l++ {
			v := 1.0
			if l >= 5-e {
				v = 0
			}
			recs = append(recs, nrc.Record{Run: "r", Epoch: e * 10, Layer: fmt.Sprintf("fc%d", l), Metric: nrc.MetricNoise, Value: v})
		}
	}
	p, err := CollapseDynamics(recs, DynamicsSpec{Run: "r", Metric: nrc.MetricNoise})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "by layer and epoch") {
		t.Errorf("title %q", p.Title.Text)
	}
	ticks := p.X.Tick.Marker.Ticks(0, 3)
	if len(ticks) != 4 || ticks[0].Label != "10" || ticks[3].Label != "40" {
		t.Errorf("epoch ticks %+v", ticks)
	}
	// The grid the plot draws from holds the front.
	g, err := dynamicsGridOf(recs, "r", nrc.MustMetric(nrc.MetricNoise))
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 4; c++ {
		for r := 0; r < 4; r++ {
			want := 1.0
			if r+1 >= 4-c {
				want = 0
			}
			if got := g.Z(c, r); got != want {
				t.Errorf("epoch %d, fc%d: %v, want %v", (c+1)*10, r+1, got, want)
			}
		}
	}
	if _, err := CollapseDynamics(recs, DynamicsSpec{Run: "r", Metric: nrc.MetricProbeMSE}); err == nil {
		t.Error("an unbounded metric was accepted")
	}
	if _, err := CollapseDynamics(recs[:4], DynamicsSpec{Run: "r", Metric: nrc.MetricNoise}); err == nil {
		t.Error("one epoch was accepted")
	}
	f, err := Single(p)
	if err != nil {
		t.Fatal(err)
	}
	if svg, err := f.SVG(); err != nil || !strings.Contains(string(svg), "<svg") {
		t.Errorf("SVG: %v", err)
	}
}
