package stats_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/stats"
)

// Accumulate two shards separately and merge them: the result is the same
// as one pass over all rows.
func ExampleMoments_Merge() {
	a, b := stats.New(2, 1), stats.New(2, 1)
	_ = a.Add([]float64{1, 2, 3, 4}, []float64{1, 2}, 2)
	_ = b.Add([]float64{5, 6}, []float64{3}, 1)
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	fmt.Println("N:", a.N())
	fmt.Printf("mean h: %.1f\n", a.MeanH())
	fmt.Printf("var h0: %.4f\n", a.CovH().At(0, 0))
	fmt.Printf("cov(h0, y): %.4f\n", a.CovHY().At(0, 0))
	// Output:
	// N: 3
	// mean h: [3.0 4.0]
	// var h0: 2.6667
	// cov(h0, y): 1.3333
}
