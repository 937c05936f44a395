package nrc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/stats"
	"gonum.org/v1/gonum/mat"
)

// TestRegisteredMetricNeedsOneEntry adds a metric with one catalogue
// entry — the trace of Σ_H, i.e. the total feature variance — and sees it
// computed by Layer, recorded by Report.Records, looked up by name and
// tabulated, with no other change. On features ±3·e_i (d of them, 2d rows)
// the covariance is 9/d·I, so the trace is exactly 9.
func TestRegisteredMetricNeedsOneEntry(t *testing.T) {
	err := RegisterMetric(MetricInfo{
		Name: "total_variance", Short: "tr Σ_H", Title: "Total feature variance", Doc: "tr Σ_H",
		Min: 0, Max: inf, Log: true,
		Compute: func(in LayerInput) (float64, error) { return mat.Trace(in.Stats.CovH()), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregisterMetric("total_variance")
	if err := RegisterMetric(MetricInfo{Name: MetricNoise, Compute: func(LayerInput) (float64, error) { return 0, nil }}); err == nil {
		t.Error("a second noise metric was registered")
	}
	const d = 6
	h := mat.NewDense(2*d, d, nil)
	y := mat.NewDense(2*d, 2, nil)
	for i := 0; i < d; i++ {
		h.Set(2*i, i, 3)
		h.Set(2*i+1, i, -3)
		y.Set(2*i, 0, float64(i))
		y.Set(2*i+1, 1, float64(i*i))
	}
	m := momentsOf(t, h, y)
	rep, err := Measure([]string{"fc1"}, []*stats.Moments{m}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := rep.Layers[0].Value("total_variance")
	if !ok {
		t.Fatal("Layer did not compute the registered metric")
	}
	near(t, "tr Σ_H", v, 9, 1e-12)
	rs := Results(rep.Records("r", 1))
	if _, vals, err := rs.Series("r", "total_variance", Final); err != nil || len(vals) != 1 || vals[0] != v {
		t.Fatalf("records: %v %v", vals, err)
	}
	info, ok := LookupMetric("total_variance")
	if !ok || info.Title != "Total feature variance" || !info.Log || info.Level != PerLayer {
		t.Fatalf("catalogue entry %+v", info)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil || !strings.Contains(buf.String(), "tr Σ_H") {
		t.Fatalf("table lacks the registered column (%v):\n%s", err, buf.String())
	}
	// A failing Compute stops the measurement with the metric's name.
	boom := errors.New("boom")
	if err := RegisterMetric(MetricInfo{Name: "boom", Compute: func(LayerInput) (float64, error) { return 0, boom }}); err != nil {
		t.Fatal(err)
	}
	defer unregisterMetric("boom")
	if _, err := Layer("fc1", m, nil, Options{}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "metric boom") {
		t.Fatalf("err = %v", err)
	}
}
