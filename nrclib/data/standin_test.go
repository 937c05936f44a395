package data

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// small keeps every stand-in fast in unit tests.
func small(name string) Options {
	o := Options{Source: SourceStandIn, Dir: "/nonexistent-deepnrc-test"}
	switch name {
	case "carla2d", "utkface":
		o.N, o.ImageSize = 200, 16
	case "sgemm", "synthetic-fig3", "synthetic-fig8", "lowrank":
		o.N = 2000
	}
	return o
}

// digest hashes every float of a dataset's splits.
func digest(ds *Dataset) [32]byte {
	h := sha256.New()
	for _, v := range [][]float32{ds.Train.X, ds.Train.Y, ds.Test.X, ds.Test.Y} {
		binary.Write(h, binary.LittleEndian, v)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestStandInsDeterministic(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			o := small(name)
			a, err := Load(name, o)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Load(name, o)
			o.Seed = 1
			c, err := Load(name, o)
			if err != nil {
				t.Fatal(err)
			}
			if digest(a) != digest(b) {
				t.Error("same seed gave different data")
			}
			if digest(a) == digest(c) {
				t.Error("seeds 0 and 1 gave identical data")
			}
			if !a.IsStandIn() || a.Description == "" || a.Name != name {
				t.Errorf("stand-in not labelled: StandsInFor %q, Description %q, Name %q", a.StandsInFor, a.Description, a.Name)
			}
			n := a.InputSize()
			if len(a.Train.X) != a.Train.N*n || len(a.Test.X) != a.Test.N*n ||
				len(a.Train.Y) != a.Train.N*a.TargetDim || len(a.Test.Y) != a.Test.N*a.TargetDim {
				t.Errorf("split sizes inconsistent with shape %v, t=%d", a.InputShape, a.TargetDim)
			}
			for _, v := range append(append([]float32{}, a.Train.X...), a.Train.Y...) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatal("non-finite value")
				}
			}
		})
	}
}

// colStats returns per-column mean and population variance.
func colStats(x []float32, n, d int) (mean, vr []float64) {
	mean, vr = make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[i*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			e := float64(x[i*d+j]) - mean[j]
			vr[j] += e * e
		}
	}
	for j := range vr {
		vr[j] /= float64(n)
	}
	return mean, vr
}

func TestTabularStandInsStandardised(t *testing.T) {
	for _, name := range []string{"swimmer", "reacher", "hopper", "sgemm"} {
		ds, err := Load(name, small(name))
		if err != nil {
			t.Fatal(err)
		}
		d := ds.InputSize()
		for _, m := range []struct {
			what string
			v    []float32
			cols int
		}{{"X", ds.Train.X, d}, {"Y", ds.Train.Y, ds.TargetDim}} {
			mean, vr := colStats(m.v, ds.Train.N, m.cols)
			for j := range mean {
				if math.Abs(mean[j]) > 1e-5 || math.Abs(vr[j]-1) > 1e-4 {
					t.Errorf("%s train %s column %d: mean %.2g variance %.6f, want 0 and 1", name, m.what, j, mean[j], vr[j])
				}
			}
		}
		if ds.Train.N != 4*ds.Test.N {
			t.Errorf("%s: split %d/%d is not 80/20", name, ds.Train.N, ds.Test.N)
		}
	}
}

// pearson returns the correlation of columns a and b of an n×t matrix.
func pearson(y []float32, n, t, a, b int) float64 {
	mean, vr := colStats(y, n, t)
	c := 0.0
	for i := 0; i < n; i++ {
		c += (float64(y[i*t+a]) - mean[a]) * (float64(y[i*t+b]) - mean[b])
	}
	return c / float64(n) / math.Sqrt(vr[a]*vr[b])
}

func TestMuJoCoStandInsMatchTable1(t *testing.T) {
	for _, c := range []struct {
		name string
		spec MuJoCoSpec
	}{{"swimmer", SwimmerSpec}, {"reacher", ReacherSpec}, {"hopper", HopperSpec}} {
		ds, err := Load(c.name, Options{Source: SourceStandIn, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Train.N+ds.Test.N != c.spec.N || ds.InputSize() != c.spec.StateDim || ds.TargetDim != c.spec.ActionDim {
			t.Errorf("%s: N=%d d=%d t=%d", c.name, ds.Train.N+ds.Test.N, ds.InputSize(), ds.TargetDim)
		}
		k := 0
		for a := 0; a < ds.TargetDim; a++ {
			for b := a + 1; b < ds.TargetDim; b++ {
				r := pearson(ds.Train.Y, ds.Train.N, ds.TargetDim, a, b)
				if want := c.spec.Target.Corr[k]; math.Abs(r-want) > 0.05 {
					t.Errorf("%s: train correlation (%d,%d) = %.4f, want %.4f ± 0.05", c.name, a, b, r, want)
				}
				k++
			}
		}
		// Raw actions: undo the standardisation and check λ_min and range.
		tt := ds.TargetDim
		raw := make([]float64, ds.Train.N*tt)
		for i := range raw {
			j := i % tt
			raw[i] = float64(ds.Train.Y[i])*ds.TargetScaler.Scale[j] + ds.TargetScaler.Offset[j]
			if math.Abs(raw[i]) >= 1 {
				t.Fatalf("%s: raw action %v outside (−1, 1)", c.name, raw[i])
			}
		}
		var e mat.EigenSym
		e.Factorize(cov64(raw, ds.Train.N, tt, nil), false)
		lmin := e.Values(nil)[0]
		if want := c.spec.Target.LambdaMin; math.Abs(lmin-want) > 0.01*want {
			t.Errorf("%s: raw λ_min %.5f, want %.5f ± 1%%", c.name, lmin, want)
		}
	}
}

// svdRank returns the singular values of the centred n×t matrix y,
// computed by gonum's SVD (independently of the eigen path the package
// uses).
func singularValues(y []float32, n, t int) []float64 {
	mean, _ := colStats(y, n, t)
	m := mat.NewDense(n, t, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < t; j++ {
			m.Set(i, j, float64(y[i*t+j])-mean[j])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDNone) {
		panic("svd failed")
	}
	return svd.Values(nil)
}

func TestSyntheticTargetRank(t *testing.T) {
	for _, c := range []struct {
		name    string
		opt     Options
		t, rank int
	}{
		{"synthetic-fig3", Options{N: 3000}, 10, 2},
		{"synthetic-fig8", Options{N: 3000}, 3, 3},
		{"lowrank", Options{N: 3000}, 10, 2},
		{"lowrank", Options{N: 3000, Rank: 4, TargetDim: 6}, 6, 4},
		{"synthetic-fig3", Options{N: 3000, Rank: 3, Seed: 5}, 10, 3},
	} {
		c.opt.Source = SourceStandIn
		ds, err := Load(c.name, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if ds.TargetDim != c.t || ds.InputSize() != 20 {
			t.Fatalf("%s: t=%d d=%d", c.name, ds.TargetDim, ds.InputSize())
		}
		// Y in float32: singular values past the rank are float32 round-off,
		// about 1e-7 of the largest.
		sv := singularValues(ds.Train.Y, ds.Train.N, ds.TargetDim)
		for k, s := range sv {
			if k < c.rank && s < 1e-3*sv[0] {
				t.Errorf("%s %+v: singular value %d = %.3g is tiny (σ₁ = %.3g); rank below %d", c.name, c.opt, k, s, sv[0], c.rank)
			}
			if k >= c.rank && s > 1e-5*sv[0] {
				t.Errorf("%s %+v: singular value %d = %.3g of σ₁ = %.3g; rank above %d", c.name, c.opt, k, s, sv[0], c.rank)
			}
		}
		// The paper's split: the test rows are the last 20% of the
		// generation order, which a shorter draw reproduces as its prefix.
		if c.name == "lowrank" && c.opt.Rank == 0 {
			short, _ := Load(c.name, Options{Source: SourceStandIn, N: 2000})
			for j := 0; j < 20; j++ {
				if short.Train.X[j] != ds.Train.X[j] {
					t.Fatal("X of n=2000 is not the prefix of X of n=3000")
				}
			}
			for j := 0; j < 10; j++ {
				if short.Train.Y[j] != ds.Train.Y[j] {
					t.Fatal("the map A·B changed with n")
				}
			}
		}
	}
}

func TestSyntheticUsesPyTorchInit(t *testing.T) {
	// With r = 1 and t = 1 the target is y = w₃·h + b₃ with h ≥ 0 a single
	// ReLU unit: |w₃| and |b₃| are U(0, 1) (fan-in 1), so y is affine in h
	// and its minimum over samples where h = 0 equals b₃ ∈ (−1, 1).
	tb, err := Synthetic(5000, 1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range tb.Y {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi-lo <= 0 {
		t.Fatal("constant target")
	}
	// Count the samples at the extreme value that h = 0 gives.
	ties := 0
	b3 := lo
	if math.Abs(hi) < math.Abs(lo) { // w₃ < 0: h = 0 gives the maximum
		b3 = hi
	}
	for _, v := range tb.Y {
		if v == b3 {
			ties++
		}
	}
	if ties < 50 || math.Abs(b3) >= 1 {
		t.Errorf("expected many samples with the dead-unit value b₃ ∈ (−1,1): %d ties at %v", ties, b3)
	}
}

func TestSGEMMStandIn(t *testing.T) {
	ds, err := Load("sgemm", small("sgemm"))
	if err != nil {
		t.Fatal(err)
	}
	var e mat.EigenSym
	e.Factorize(cov32(ds.Train.Y, ds.Train.N, 4), false)
	ev := e.Values(nil) // ascending
	sum := 0.0
	for _, v := range ev {
		sum += v
	}
	if sr := sum / ev[3]; sr >= 1.1 {
		t.Errorf("stable rank Σλ/λ₁ = %.4f, want < 1.1", sr)
	}
	tb, err := SGEMMLike(500, 9)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < tb.N; i++ {
		for j, grid := range SGEMMGrids {
			ok := false
			for _, g := range grid {
				ok = ok || tb.X[i*14+j] == g
			}
			if !ok {
				t.Fatalf("row %d: %s = %v not in its grid %v", i, SGEMMParams[j], tb.X[i*14+j], grid)
			}
		}
		r1 := tb.Y[i*4]
		for k := 1; k < 4; k++ {
			if d := math.Abs(tb.Y[i*4+k]/r1 - 1); d > 0.1 || tb.Y[i*4+k] <= 0 {
				t.Fatalf("row %d: runs %v do not agree to a few %%", i, tb.Y[i*4:i*4+4])
			}
		}
	}
}

func TestImageStandIns(t *testing.T) {
	car, err := Load("carla2d", small("carla2d"))
	if err != nil {
		t.Fatal(err)
	}
	uk, err := Load("utkface", small("utkface"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, x []float32, lo, hi float32) {
		mn, mx := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range x {
			mn, mx = min(mn, v), max(mx, v)
		}
		if mn < lo || mx > hi || mx-mn < (hi-lo)/2 {
			t.Errorf("%s pixels span [%v, %v], want within [%v, %v] and using most of it", name, mn, mx, lo, hi)
		}
	}
	check("carla2d", car.Train.X, 0, 255)
	check("utkface", uk.Train.X, -1, 1)
	if car.TargetDim != 2 || uk.TargetDim != 1 || car.InputShape[2] != 3 || uk.InputShape[0] != 16 {
		t.Errorf("shapes: carla %v t=%d, utk %v t=%d", car.InputShape, car.TargetDim, uk.InputShape, uk.TargetDim)
	}
	// Carla targets: min-max over all samples gives exactly 0 and 1 per column.
	for j := 0; j < 2; j++ {
		mn, mx := float32(1), float32(0)
		for _, sp := range []Split{car.Train, car.Test} {
			for i := 0; i < sp.N; i++ {
				mn, mx = min(mn, sp.Y[2*i+j]), max(mx, sp.Y[2*i+j])
			}
		}
		if mn != 0 || mx != 1 {
			t.Errorf("carla2d target %d spans [%v, %v], want [0, 1]", j, mn, mx)
		}
	}
	for _, v := range uk.Train.Y {
		if v < 1 || v > 116 || v != float32(math.Round(float64(v))) {
			t.Fatalf("utkface age %v not an integer in 1..116", v)
		}
	}
}

// ridgeR2 fits ridge regression of the targets on 4×4-average-pooled pixels
// of the training images and returns the test R² of each target.
func ridgeR2(ds *Dataset) []float64 {
	s := ds.InputShape[0]
	feat := func(sp Split) *mat.Dense {
		p := s / 4
		m := mat.NewDense(sp.N, 16*3+1, nil)
		for i := 0; i < sp.N; i++ {
			img := sp.X[i*s*s*3:]
			for r := 0; r < s; r++ {
				for c := 0; c < s; c++ {
					for k := 0; k < 3; k++ {
						f := ((r/p)*4+c/p)*3 + k
						m.Set(i, f, m.At(i, f)+float64(img[(r*s+c)*3+k])/float64(p*p))
					}
				}
			}
			m.Set(i, 48, 1)
		}
		return m
	}
	tgt := func(sp Split) *mat.Dense {
		y := make([]float64, len(sp.Y))
		for i, v := range sp.Y {
			y[i] = float64(v)
		}
		return mat.NewDense(sp.N, ds.TargetDim, y)
	}
	xt, yt := feat(ds.Train), tgt(ds.Train)
	var a mat.Dense
	a.Mul(xt.T(), xt)
	for i := 0; i < 48; i++ {
		a.Set(i, i, a.At(i, i)+1e-3*a.At(i, i)+1e-6)
	}
	var b, w mat.Dense
	b.Mul(xt.T(), yt)
	if err := w.Solve(&a, &b); err != nil {
		panic(err)
	}
	xe, ye := feat(ds.Test), tgt(ds.Test)
	var pred mat.Dense
	pred.Mul(xe, &w)
	mean, _ := colStats(ds.Test.Y, ds.Test.N, ds.TargetDim)
	r2 := make([]float64, ds.TargetDim)
	for j := range r2 {
		var ssr, sst float64
		for i := 0; i < ds.Test.N; i++ {
			e := ye.At(i, j) - pred.At(i, j)
			ssr += e * e
			d := ye.At(i, j) - mean[j]
			sst += d * d
		}
		r2[j] = 1 - ssr/sst
	}
	return r2
}

func TestImageStandInsCarryTheTarget(t *testing.T) {
	// Even a linear model on coarse pooled pixels must predict a good part
	// of the target on held-out images: the images encode the latents.
	for _, name := range []string{"carla2d", "utkface"} {
		ds, err := Load(name, Options{Source: SourceStandIn, N: 1500, ImageSize: 32})
		if err != nil {
			t.Fatal(err)
		}
		r2 := ridgeR2(ds)
		for j, v := range r2 {
			if v < 0.4 {
				t.Errorf("%s target %d: test R² of pooled-pixel ridge regression = %.3f, want ≥ 0.4", name, j, v)
			}
		}
		t.Logf("%s: pooled-pixel ridge test R² per target = %.3f", name, r2)
	}
}

// The Fig 3 generator's draw rule gives targets of the paper's stable rank
// (≈ 1.4, where a plain draw is ≈ 1.0): measured on the loaded data, not
// on the probe sample the rule uses, and at two sizes with the same f₀.
func TestSyntheticFig3HasThePapersTargetStableRank(t *testing.T) {
	for _, n := range []int{2000, 10000} {
		ds, err := Load("synthetic-fig3", Options{N: n})
		if err != nil {
			t.Fatal(err)
		}
		s := Describe(ds)
		if s.Rank != 2 || !(s.StableRankSq > 1.2 && s.StableRankSq < 1.65) { // the rule holds on its probe sample; a training split of 1600 rows varies by ±0.1
			t.Errorf("N=%d: rank Σ_Y %d, stable rank %.4f; want rank 2 and ≈ 1.4", n, s.Rank, s.StableRankSq)
		}
	}
	plain, err := Synthetic(10000, 10, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sr := stableRankSq(eigenDesc(cov64(plain.Y, plain.N, plain.T, nil))); sr > 1.25 {
		t.Logf("the plain draw of seed 0 already has stable rank %.4f", sr)
	}
	if _, err := SyntheticStableRank(500, 10, 2, 0, 5, 6); err == nil {
		t.Error("an impossible stable-rank range (5–6 for rank 2) was met")
	}
}
