package stats

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// directCov computes (1/N)·Acᵀ·Bc by the textbook two-pass formula.
func directCov(a, b *mat.Dense) *mat.Dense {
	n, da := a.Dims()
	_, db := b.Dims()
	ma := make([]float64, da)
	mb := make([]float64, db)
	for i := 0; i < n; i++ {
		for j := 0; j < da; j++ {
			ma[j] += a.At(i, j) / float64(n)
		}
		for j := 0; j < db; j++ {
			mb[j] += b.At(i, j) / float64(n)
		}
	}
	out := mat.NewDense(da, db, nil)
	for i := 0; i < n; i++ {
		for p := 0; p < da; p++ {
			for q := 0; q < db; q++ {
				out.Set(p, q, out.At(p, q)+(a.At(i, p)-ma[p])*(b.At(i, q)-mb[q])/float64(n))
			}
		}
	}
	return out
}

func randDense(rng *rand.Rand, r, c int, scale, offset float64) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, offset+scale*rng.NormFloat64()*float64(j+1))
		}
	}
	return m
}

func maxRelDiff(t *testing.T, got, want mat.Matrix) float64 {
	t.Helper()
	r, c := want.Dims()
	gr, gc := got.Dims()
	if r != gr || c != gc {
		t.Fatalf("dims %d×%d, want %d×%d", gr, gc, r, c)
	}
	scale := mat.Norm(want, math.Inf(1))
	worst := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			worst = math.Max(worst, math.Abs(got.At(i, j)-want.At(i, j))/scale)
		}
	}
	return worst
}

// addInBatches feeds the rows of h and y to m in batches of the given sizes.
func addInBatches(t *testing.T, m *Moments, h, y *mat.Dense, sizes []int) {
	t.Helper()
	n, _ := h.Dims()
	start := 0
	for _, s := range sizes {
		if start >= n {
			break
		}
		end := min(n, start+s)
		if err := m.AddDense(h.Slice(start, end, 0, m.d), y.Slice(start, end, 0, m.t)); err != nil {
			t.Fatal(err)
		}
		start = end
	}
	if start < n {
		if err := m.AddDense(h.Slice(start, n, 0, m.d), y.Slice(start, n, 0, m.t)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamingMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, d, k = 2500, 7, 3
	h := randDense(rng, n, d, 1, 3)
	y := randDense(rng, n, k, 2, -1)
	m := New(d, k)
	addInBatches(t, m, h, y, []int{1, 2, 17, 300, 2100, 5})
	if m.N() != n {
		t.Fatalf("N = %d, want %d", m.N(), n)
	}
	for name, pair := range map[string][2]mat.Matrix{
		"CovH":  {m.CovH(), directCov(h, h)},
		"CovHY": {m.CovHY(), directCov(h, y)},
		"CovY":  {m.CovY(), directCov(y, y)},
	} {
		if e := maxRelDiff(t, pair[0], pair[1]); e > 1e-12 {
			t.Errorf("%s differs from the two-pass covariance by %g (relative)", name, e)
		}
	}
	// Uncentred second moment = (1/N) HᵀH computed directly.
	var hth mat.Dense
	hth.Mul(h.T(), h)
	hth.Scale(1/float64(n), &hth)
	if e := maxRelDiff(t, m.SecondMomentH(), &hth); e > 1e-12 {
		t.Errorf("SecondMomentH off by %g", e)
	}
	mh := m.MeanH()
	for j := 0; j < d; j++ {
		want := mat.Sum(h.Slice(0, n, j, j+1)) / n
		if math.Abs(mh[j]-want) > 1e-12*math.Abs(want) {
			t.Errorf("mean[%d] = %g, want %g", j, mh[j], want)
		}
	}
}

func TestFloat32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d, k = 300, 5, 2
	h32 := make([]float32, n*d)
	y32 := make([]float32, n*k)
	h64 := make([]float64, n*d)
	y64 := make([]float64, n*k)
	for i := range h32 {
		h32[i] = float32(rng.NormFloat64())
		h64[i] = float64(h32[i])
	}
	for i := range y32 {
		y32[i] = float32(rng.NormFloat64())
		y64[i] = float64(y32[i])
	}
	a, b := New(d, k), New(d, k)
	if err := a.AddFloat32(h32, y32, n); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(h64, y64, n); err != nil {
		t.Fatal(err)
	}
	if e := maxRelDiff(t, a.CovH(), b.CovH()); e != 0 {
		t.Errorf("float32 path differs from float64 path on the same values by %g", e)
	}
}

func TestMergeEqualsOnePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d, k = 1000, 6, 2
	h := randDense(rng, n, d, 1, 10)
	y := randDense(rng, n, k, 1, 0)
	one := New(d, k)
	addInBatches(t, one, h, y, []int{n})
	// Three shards of uneven sizes, merged in a tree.
	s1, s2, s3 := New(d, k), New(d, k), New(d, k)
	addInBatches(t, s1, mat.DenseCopyOf(h.Slice(0, 10, 0, d)), mat.DenseCopyOf(y.Slice(0, 10, 0, k)), []int{3})
	addInBatches(t, s2, mat.DenseCopyOf(h.Slice(10, 700, 0, d)), mat.DenseCopyOf(y.Slice(10, 700, 0, k)), []int{64})
	addInBatches(t, s3, mat.DenseCopyOf(h.Slice(700, n, 0, d)), mat.DenseCopyOf(y.Slice(700, n, 0, k)), []int{500})
	if err := s2.Merge(s3); err != nil {
		t.Fatal(err)
	}
	if err := s1.Merge(s2); err != nil {
		t.Fatal(err)
	}
	if s1.N() != n {
		t.Fatalf("merged N = %d", s1.N())
	}
	for name, pair := range map[string][2]mat.Matrix{
		"CovH": {s1.CovH(), one.CovH()}, "CovHY": {s1.CovHY(), one.CovHY()}, "CovY": {s1.CovY(), one.CovY()},
	} {
		if e := maxRelDiff(t, pair[0], pair[1]); e > 1e-13 {
			t.Errorf("%s: merged shards differ from one pass by %g", name, e)
		}
	}
	// Merging an empty accumulator changes nothing; merging into an empty one copies.
	before := one.CovH()
	if err := one.Merge(New(d, k)); err != nil {
		t.Fatal(err)
	}
	if e := maxRelDiff(t, one.CovH(), before); e != 0 {
		t.Errorf("merging an empty accumulator changed the covariance by %g", e)
	}
	empty := New(d, k)
	if err := empty.Merge(one); err != nil {
		t.Fatal(err)
	}
	if e := maxRelDiff(t, empty.CovH(), before); e != 0 {
		t.Errorf("merging into an empty accumulator is not a copy (%g)", e)
	}
	if err := one.Merge(New(d+1, k)); err == nil {
		t.Error("merging accumulators of different widths succeeded")
	}
	if err := one.Merge(NewRowNormalized(d, k)); err == nil {
		t.Error("merging a plain and a row-normalised accumulator succeeded")
	}
}

// TestLargeOffsetStable: features offset by 1e6 still give the covariance to
// 1e-9 relative accuracy, streamed in small batches (naive Σhhᵀ − N·h̄h̄ᵀ
// would lose about every digit here).
func TestLargeOffsetStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d, k = 20000, 4, 1
	const offset = 1e6
	h := mat.NewDense(n, d, nil)
	dev := mat.NewDense(n, d, nil) // the stored values minus the offset, exactly
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			v := offset + rng.NormFloat64()*float64(j+1)
			h.Set(i, j, v)
			dev.Set(i, j, v-offset) // exact: v and offset are within a factor 2
		}
	}
	y := randDense(rng, n, k, 1, 0)
	m := New(d, k)
	addInBatches(t, m, h, y, []int{7, 13, 64, 128, 4000, 1})
	want := directCov(dev, dev)
	if e := maxRelDiff(t, m.CovH(), want); e > 1e-9 {
		t.Errorf("offset 1e6: covariance relative error %g > 1e-9", e)
	}
	naive := naiveCov(h)
	if e := maxRelDiff(t, naive, want); e < 1e-6 {
		t.Logf("note: the naive formula happened to be accurate (%g)", e)
	}
}

// naiveCov is the cancellation-prone (1/N)ΣhhT − h̄h̄ᵀ, kept to show the test
// is sensitive.
func naiveCov(h *mat.Dense) *mat.Dense {
	n, d := h.Dims()
	var s mat.Dense
	s.Mul(h.T(), h)
	s.Scale(1/float64(n), &s)
	mean := make([]float64, d)
	for j := 0; j < d; j++ {
		mean[j] = mat.Sum(h.Slice(0, n, j, j+1)) / float64(n)
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			s.Set(i, j, s.At(i, j)-mean[i]*mean[j])
		}
	}
	return &s
}

func TestRowNormalized(t *testing.T) {
	m := NewRowNormalized(2, 1)
	if err := m.Add([]float64{3, 4, 0, 0, 0, -2}, []float64{1, 2, 3}, 3); err != nil {
		t.Fatal(err)
	}
	// Normalised rows: (0.6, 0.8), (0, 0), (0, -1).
	mh := m.MeanH()
	if math.Abs(mh[0]-0.2) > 1e-15 || math.Abs(mh[1]-(-0.2/3)) > 1e-15 {
		t.Errorf("mean of normalised rows = %v, want [0.2 -0.0667]", mh)
	}
	s := m.SecondMomentH()
	if got, want := s.At(0, 0), 0.36/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("second moment (0,0) = %g, want %g", got, want)
	}
	if got, want := s.At(1, 1), (0.64+1)/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("second moment (1,1) = %g, want %g", got, want)
	}
	if mean := m.MeanY(); mean[0] != 2 {
		t.Errorf("targets must not be normalised: mean %v", mean)
	}
}

func TestAddErrors(t *testing.T) {
	m := New(2, 1)
	cases := []struct {
		h, y []float64
		rows int
		want string
	}{
		{[]float64{1, 2, 3}, []float64{1}, 1, "feature values"},
		{[]float64{1, 2}, []float64{1, 2}, 1, "target values"},
		{[]float64{1, 2, 3, math.NaN()}, []float64{1, 2}, 2, "row 1, column 1"},
		{[]float64{1, 2, 3, 4}, []float64{1, math.Inf(1)}, 2, "target value +Inf at row 1, column 0"},
		{nil, nil, -1, "negative"},
	}
	for _, c := range cases {
		err := m.Add(c.h, c.y, c.rows)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(%v, %v, %d) error = %v, want it to mention %q", c.h, c.y, c.rows, err, c.want)
		}
	}
	if m.N() != 0 {
		t.Errorf("failed batches were partly accumulated: N = %d", m.N())
	}
}

// TestBitsIndependentOfParallelism checks that a batch of several chunks,
// whose chunks are computed concurrently, gives the same bits with one
// worker as with many, and that the result matches the direct formula.
func TestBitsIndependentOfParallelism(t *testing.T) {
	const d, tt = 7, 2
	rows := 5*chunkRows + 37
	rng := rand.New(rand.NewPCG(3, 4))
	h := make([]float32, rows*d)
	y := make([]float32, rows*tt)
	for i := range h {
		h[i] = float32(rng.NormFloat64()*3 + 1)
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64())
	}
	run := func(procs int) *Moments {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		m := New(d, tt)
		if err := m.AddFloat32(h, y, rows); err != nil {
			t.Fatal(err)
		}
		return m
	}
	one, many := run(1), run(4)
	a, b := one.CovH(), many.CovH()
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			if math.Float64bits(a.At(i, j)) != math.Float64bits(b.At(i, j)) {
				t.Fatalf("CovH[%d,%d]: %v with 1 worker, %v with 4", i, j, a.At(i, j), b.At(i, j))
			}
		}
	}
	// Against the two-pass formula on the widened values.
	mean := make([]float64, d)
	for r := 0; r < rows; r++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(h[r*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(rows)
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			s := 0.0
			for r := 0; r < rows; r++ {
				s += (float64(h[r*d+i]) - mean[i]) * (float64(h[r*d+j]) - mean[j])
			}
			want := s / float64(rows)
			if got := a.At(i, j); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("CovH[%d,%d] = %v, two-pass %v", i, j, got, want)
			}
		}
	}
}
