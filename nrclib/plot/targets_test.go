package plot

import (
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/data"
)

func targetsDataset(t, n int, row func(i int) []float32) *data.Dataset {
	ds := &data.Dataset{Name: "constructed", TargetDim: t, InputShape: []int{1}}
	ds.Train.N = n
	ds.Train.X = make([]float32, n)
	for i := 0; i < n; i++ {
		ds.Train.Y = append(ds.Train.Y, row(i)...)
	}
	return ds
}

// Three targets of rank one (y = (s, 2s, −s)): the first principal
// component explains all the variance, the second none.
func TestTargetsRankOneIsALine(t *testing.T) {
	ds := targetsDataset(3, 50, func(i int) []float32 { s := float32(i%7) - 3; return []float32{s, 2 * s, -s} })
	p, err := Targets(ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.X.Label.Text, "(100% of the variance)") || !strings.Contains(p.Y.Label.Text, "(0%)") {
		t.Errorf("axis labels %q, %q; want 100%% and 0%%", p.X.Label.Text, p.Y.Label.Text)
	}
	if !strings.Contains(p.Title.Text, "50 training targets (t = 3)") {
		t.Errorf("title %q", p.Title.Text)
	}
}

func TestTargetsShapes(t *testing.T) {
	one := targetsDataset(1, 40, func(i int) []float32 { return []float32{float32(i)} })
	p, err := Targets(one, 10)
	if err != nil || p.X.Label.Text != "y" || !strings.Contains(p.Title.Text, "10 training targets") {
		t.Errorf("t = 1: %v, %+v", err, p)
	}
	two := targetsDataset(2, 5, func(i int) []float32 { return []float32{float32(i), 1} })
	if p, err := Targets(two, 0); err != nil || p.Y.Label.Text != "y[1]" {
		t.Errorf("t = 2: %v", err)
	}
	if _, err := Targets(targetsDataset(2, 1, func(int) []float32 { return []float32{0, 0} }), 0); err == nil {
		t.Error("one row should be an error")
	}
}
