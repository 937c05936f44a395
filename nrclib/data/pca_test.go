package data

import (
	"math"
	"testing"
)

// Points on an ellipse in a tilted plane of R³: after standardisation the
// plane's two directions carry all the variance, and the third gets none.
func TestProjectPCAOfAPlanarEllipse(t *testing.T) {
	n, d := 400, 3
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		th := 2 * math.Pi * float64(i) / float64(n)
		a, b := 3*math.Cos(th), math.Sin(th)
		// x = a·(1,1,0)/√2 + b·(0,0,1), the same scale in columns 0 and 1.
		x[i*d], x[i*d+1], x[i*d+2] = a/math.Sqrt2, a/math.Sqrt2, b
	}
	p, err := ProjectPCA(x, n, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Standardised, the columns are c, c, s (c, s unit-variance cos and
	// sin): eigenvalues 2, 1, 0 → shares 2/3 and 1/3.
	if math.Abs(p.Explained[0]-2.0/3) > 1e-9 || math.Abs(p.Explained[1]-1.0/3) > 1e-9 {
		t.Errorf("explained %v, want [2/3 1/3]", p.Explained)
	}
	want0 := []float64{1 / math.Sqrt2, 1 / math.Sqrt2, 0}
	for j, w := range want0 {
		if math.Abs(p.Components[j]-w) > 1e-9 || math.Abs(math.Abs(p.Components[d+j])-[]float64{0, 0, 1}[j]) > 1e-9 {
			t.Fatalf("components %v, want (1,1,0)/√2 and ±(0,0,1)", p.Components)
		}
	}
	// Standardised, c = √2·cos θ, so the first score (c + c)/√2 = 2 cos θ.
	for i := 0; i < n; i += 37 {
		th := 2 * math.Pi * float64(i) / float64(n)
		if got := p.Scores[i*2]; math.Abs(got-2*math.Cos(th)) > 1e-9 {
			t.Fatalf("row %d: first score %g, want %g", i, got, 2*math.Cos(th))
		}
	}
	if _, err := ProjectPCA(x, n, d, 4); err == nil {
		t.Error("k > d accepted")
	}
}
