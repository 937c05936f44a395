package data

import (
	"fmt"
	"math"
)

// SGEMMParams names the 14 kernel parameters of the UCI SGEMM data, in the
// file's column order, and SGEMMGrids the values each one takes (from the
// UCI description: MWG, NWG ∈ {16,32,64,128}; KWG ∈ {16,32}; MDIMC, NDIMC,
// MDIMA, NDIMB ∈ {8,16,32}; KWI ∈ {2,8}; VWM, VWN ∈ {1,2,4,8}; STRM, STRN,
// SA, SB ∈ {0,1}).
var (
	SGEMMParams = []string{"MWG", "NWG", "KWG", "MDIMC", "NDIMC", "MDIMA", "NDIMB",
		"KWI", "VWM", "VWN", "STRM", "STRN", "SA", "SB"}
	SGEMMGrids = [][]float64{
		{16, 32, 64, 128}, {16, 32, 64, 128}, {16, 32},
		{8, 16, 32}, {8, 16, 32}, {8, 16, 32}, {8, 16, 32},
		{2, 8}, {1, 2, 4, 8}, {1, 2, 4, 8},
		{0, 1}, {0, 1}, {0, 1}, {0, 1},
	}
)

// SGEMMRealRows is the number of rows of the UCI sgemm_product.csv.
const SGEMMRealRows = 241600

// sgemmWantRows is the row count the real-data loader requires; tests
// lower it to load small fixtures through the same path.
var sgemmWantRows = SGEMMRealRows

// ReadSGEMMReal reads the real sgemm_product.csv with ReadSGEMMCSV and
// checks that it is whole: the UCI file has SGEMMRealRows rows, so a file
// with fewer was cut short (a copy or download interrupted at a row
// boundary, or inside the last number when it ends without a line break)
// and is refused rather than loaded as real data.
func ReadSGEMMReal(path string) (tb *Table, inputs, targets []string, err error) {
	tb, inputs, targets, end, err := readSGEMM(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if tb.N != sgemmWantRows && tb.D == len(SGEMMParams) && tb.T == 4 { // a wrong layout gets the column error first
		problem := fmt.Sprintf("holds %d rows but the UCI file has %d: it is truncated or not the original", tb.N, sgemmWantRows)
		if !end.finalNewline {
			problem += fmt.Sprintf("; it ends inside line %d without a line break, so even that row's last value may be cut", end.lastLine)
		}
		return nil, nil, nil, &FileError{File: path, Problem: problem,
			Fix: "download it again with `deepnrc data fetch sgemm -force`; to train on fewer rows keep the file whole and pass --n"}
	}
	return tb, inputs, targets, nil
}

// SGEMMLike generates n rows imitating sgemm_product.csv: each of the 14
// parameters drawn uniformly and independently from its grid (the real
// file holds only the 241,600 configurations that satisfy the kernel's
// constraints; those constraints are not modelled), and four "runs"
// Run_k = base·(1 + 0.01·ε_k), ε_k ~ N(0, 1), with
// base = exp(4.4 + g(x)), g a fixed random smooth function (a 14→32→1 tanh
// net on the log₂-coded parameters, scaled to unit variance over the
// sample). The base runtime has a median near e^4.4 ≈ 80 ms; the four runs
// agree to 1%, so the target covariance has stable rank ≈ 1 as in the real
// data.
func SGEMMLike(n int, seed uint64) (*Table, error) {
	if n < 2 {
		return nil, fmt.Errorf("data.SGEMMLike: need n ≥ 2 rows, got %d", n)
	}
	const d, t, width = 14, 4, 32
	g := newRNG(seed, streamSGEMM)
	w1 := make([]float64, width*d)
	for i := range w1 {
		w1[i] = g.Norm() / math.Sqrt(d)
	}
	b1 := make([]float64, width)
	w2 := make([]float64, width)
	for i := range b1 {
		b1[i] = 0.5 * g.Norm()
		w2[i] = g.Norm() / math.Sqrt(width)
	}
	lin := make([]float64, d)
	for i := range lin {
		lin[i] = 0.5 * g.Norm() / math.Sqrt(d)
	}
	x := make([]float64, n*d)
	gx := make([]float64, n)
	code := make([]float64, d)
	h := make([]float64, width)
	for i := 0; i < n; i++ {
		for j, grid := range SGEMMGrids {
			v := grid[g.IntN(len(grid))]
			x[i*d+j] = v
			code[j] = codeParam(v, grid)
		}
		dense(h, w1, b1, code, false)
		s := 0.0
		for k, v := range h {
			s += w2[k] * math.Tanh(v)
		}
		for j, c := range code {
			s += lin[j] * c
		}
		gx[i] = s
	}
	// Scale g to mean 0, variance 1 over the sample.
	sc := FitStandard(gx, 1, nil)
	y := make([]float64, n*t)
	for i := 0; i < n; i++ {
		base := math.Exp(4.4 + (gx[i]-sc.Offset[0])/sc.Scale[0])
		for k := 0; k < t; k++ {
			y[i*t+k] = base * (1 + 0.01*g.Norm())
		}
	}
	return &Table{X: x, Y: y, N: n, D: d, T: t}, nil
}

// codeParam maps a grid value to [−1, 1] on a log₂ scale (0/1 flags map to
// −1/1).
func codeParam(v float64, grid []float64) float64 {
	lo, hi := grid[0], grid[len(grid)-1]
	if lo == 0 {
		return 2*v - 1
	}
	return 2*(math.Log2(v)-math.Log2(lo))/(math.Log2(hi)-math.Log2(lo)) - 1
}
