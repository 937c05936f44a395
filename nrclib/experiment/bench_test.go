package experiment

import (
	"context"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// BenchmarkRunSmokeFig7 measures one whole smoke-scale experiment: training
// an 8-layer MLP on the SGEMM stand-in, measuring it, evaluating the claims
// and drawing the figure (no run store).
func BenchmarkRunSmokeFig7(b *testing.B) {
	spec, err := Get("fig7", scale.Smoke)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Run(context.Background(), spec, Options{NoStore: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHTMLReport measures rendering a report with one figure (SVG
// rendering included).
func BenchmarkHTMLReport(b *testing.B) {
	res := fakeResult(b)
	for b.Loop() {
		if _, err := HTMLReport([]*Result{res}, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
