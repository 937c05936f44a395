// Package stats accumulates, in one streaming pass, the sufficient statistics
// that every Deep NRC metric needs for one probed layer: the sample count, the
// means of the features h and targets y, and their centred second moments
// Σ(h−h̄)(h−h̄)ᵀ, Σ(h−h̄)(y−ȳ)ᵀ and Σ(y−ȳ)(y−ȳ)ᵀ.
//
// Memory is O((d+t)²) per layer whatever the number of samples N, so a layer
// of width 512 costs about 2 MB even for millions of rows. All arithmetic is
// float64. Each batch is centred on its own mean before its outer products are
// formed, and batches are combined with the exact pairwise update of Chan,
// Golub and LeVeque, so features with a large common offset (say 1e6) keep
// their covariance to about 1e-10 relative accuracy, and merging the
// accumulators of shards gives the same statistics as one pass over all rows.
//
// Covariances follow the paper's convention: Σ_H = (1/N)·Hcᵀ·Hc (divided by N,
// not N−1).
//
// Extreme magnitudes: the features and the targets are each accumulated in
// units of a power of two chosen from the largest absolute value seen (see
// Rescaled), so float64 data anywhere in its range — 1e-200 as well as
// 1e200 — keeps its covariance structure instead of underflowing to zero or
// overflowing to Inf. Scaling by a power of two is exact, so data of
// ordinary magnitude gives bit for bit the statistics it gave before.
package stats

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

// chunkRows bounds the rows centred at once, so scratch memory stays small
// (chunkRows·(d+t) float64 values) however large a batch the caller passes.
const chunkRows = 2048

// Moments is a streaming accumulator of joint first and second moments of
// paired rows (h, y), h of width d (the features) and y of width t (the
// targets). The zero value is not usable; create one with New or
// NewRowNormalized. A Moments is not safe for concurrent use; accumulate
// shards in separate values and Merge them.
type Moments struct {
	d, t       int
	normalized bool
	n          int64
	mean       []float64 // joint mean of z = [h, y], length p = d+t
	m2         []float64 // p×p row-major: Σ (z−z̄)(z−z̄)ᵀ, upper triangle kept current
	// The features are held in units of 2^eh and the targets in units of
	// 2^ey (mean and m2 hold raw·2^−e); haveH and haveY say whether a
	// non-zero value fixed the unit yet.
	eh, ey       int
	haveH, haveY bool
}

// New returns an empty accumulator for features of width d and targets of
// width t. t may be 0 when only feature statistics are needed. It panics if
// d < 1 or t < 0 (a programmer error).
func New(d, t int) *Moments {
	if d < 1 || t < 0 {
		panic(fmt.Sprintf("stats.New: need d ≥ 1 and t ≥ 0, got d=%d t=%d", d, t))
	}
	p := d + t
	return &Moments{d: d, t: t, mean: make([]float64, p), m2: make([]float64, p*p)}
}

// NewRowNormalized returns an accumulator that divides every feature row h
// by its Euclidean norm before accumulating it (rows of norm zero are kept
// as zero). These are the statistics of the normalised features h̃ = h/‖h‖
// used by the last-layer NRC1 and NRC2 of Andriopoulos et al.; targets are
// accumulated unchanged.
func NewRowNormalized(d, t int) *Moments {
	m := New(d, t)
	m.normalized = true
	return m
}

// FeatureDim returns d, the width of the feature rows.
func (m *Moments) FeatureDim() int { return m.d }

// TargetDim returns t, the width of the target rows.
func (m *Moments) TargetDim() int { return m.t }

// N returns the number of rows accumulated so far.
func (m *Moments) N() int64 { return m.n }

// RowNormalized reports whether feature rows are normalised to unit norm
// before accumulation.
func (m *Moments) RowNormalized() bool { return m.normalized }

// Add accumulates rows feature rows h (row-major, rows×d values) with their
// target rows y (rows×t values; nil when t is 0). A value that is NaN or
// infinite is an error naming its row and column, and nothing of that
// batch is accumulated.
func (m *Moments) Add(h, y []float64, rows int) error {
	return addRows(m, h, y, rows)
}

// AddFloat32 is Add for float32 batches, as GoMLX and most frameworks
// produce them. Values are widened to float64 before any arithmetic.
func (m *Moments) AddFloat32(h, y []float32, rows int) error {
	return addRows(m, h, y, rows)
}

// AddDense accumulates the rows of h (N×d) and y (N×t). y may be nil when
// t is 0.
func (m *Moments) AddDense(h, y mat.Matrix) error {
	r, c := h.Dims()
	if c != m.d {
		return fmt.Errorf("stats: features have %d columns, accumulator expects d=%d", c, m.d)
	}
	hv := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			hv = append(hv, h.At(i, j))
		}
	}
	var yv []float64
	if y != nil {
		yr, yc := y.Dims()
		if yr != r || yc != m.t {
			return fmt.Errorf("stats: targets are %d×%d, want %d×%d (one target row per feature row)", yr, yc, r, m.t)
		}
		yv = make([]float64, 0, r*yc)
		for i := 0; i < r; i++ {
			for j := 0; j < yc; j++ {
				yv = append(yv, y.At(i, j))
			}
		}
	}
	return m.Add(hv, yv, r)
}

func addRows[T float32 | float64](m *Moments, h, y []T, rows int) error {
	if rows < 0 {
		return fmt.Errorf("stats: negative row count %d", rows)
	}
	if len(h) != rows*m.d {
		return fmt.Errorf("stats: %d feature values for %d rows of width d=%d (want %d)", len(h), rows, m.d, rows*m.d)
	}
	if len(y) != rows*m.t {
		return fmt.Errorf("stats: %d target values for %d rows of width t=%d (want %d)", len(y), rows, m.t, rows*m.t)
	}
	// Validate the whole batch first so an error leaves the accumulator untouched.
	maxH, err := largestFinite(h, m.d, false)
	if err != nil {
		return err
	}
	maxY, err := largestFinite(y, m.t, true)
	if err != nil {
		return err
	}
	if m.normalized {
		maxH = 0 // unit rows: the features keep unit 2^0
	}
	m.adaptUnits(maxH, maxY)
	toH, toY := unitScaler(m.eh), unitScaler(m.ey)
	p := m.d + m.t
	// Each chunk's mean and centred Gram are computed on their own, then
	// folded in chunk order: the chunks and the order do not depend on how
	// many run at once, so neither do the bits.
	chunks := (rows + chunkRows - 1) / chunkRows
	workers := max(1, min(chunks, runtime.GOMAXPROCS(0)))
	fill := func(c int, buf *scratch) int {
		start := c * chunkRows
		b := min(chunkRows, rows-start)
		z := buf.rows[:b*p]
		for i := 0; i < b; i++ {
			row := z[i*p : (i+1)*p]
			hs := h[(start+i)*m.d : (start+i+1)*m.d]
			for j, v := range hs {
				row[j] = float64(v)
			}
			if m.normalized {
				normalizeRow(row[:m.d])
			} else {
				toH(row[:m.d])
			}
			ys := y[(start+i)*m.t : (start+i+1)*m.t]
			for j, v := range ys {
				row[m.d+j] = float64(v)
			}
			toY(row[m.d:])
		}
		chunkMoments(z, b, p, buf)
		return b
	}
	if workers == 1 {
		buf := getScratch(min(chunkRows, rows), p)
		defer scratchPool.Put(buf)
		for c := 0; c < chunks; c++ {
			b := fill(c, buf)
			m.combine(int64(b), buf.mean, buf.m2)
		}
		return nil
	}
	bufs := make([]*scratch, workers)
	for w := range bufs {
		bufs[w] = getScratch(chunkRows, p)
		defer scratchPool.Put(bufs[w])
	}
	counts := make([]int, workers)
	for c0 := 0; c0 < chunks; c0 += workers {
		n := min(workers, chunks-c0)
		var wg sync.WaitGroup
		for w := 0; w < n; w++ {
			wg.Go(func() { counts[w] = fill(c0+w, bufs[w]) })
		}
		wg.Wait()
		for w := 0; w < n; w++ {
			m.combine(int64(counts[w]), bufs[w].mean, bufs[w].m2)
		}
	}
	return nil
}

// largestFinite returns the largest absolute value of v, or a
// *NonFiniteError locating the first NaN or infinity (rows of width w).
func largestFinite[T float32 | float64](v []T, w int, target bool) (float64, error) {
	big := 0.0
	for i, x := range v {
		a := math.Abs(float64(x))
		if !(a <= math.MaxFloat64) { // NaN or ±Inf
			return 0, &NonFiniteError{Target: target, Row: i / w, Col: i % w, Value: float64(x)}
		}
		if a > big {
			big = a
		}
	}
	return big, nil
}

// normalizeRow scales v to unit Euclidean norm; a zero row stays zero.
func normalizeRow(v []float64) {
	var scale, ssq float64 = 0, 1
	for _, x := range v { // overflow-safe norm, as LAPACK's dnrm2
		if x != 0 {
			a := math.Abs(x)
			if scale < a {
				ssq = 1 + ssq*(scale/a)*(scale/a)
				scale = a
			} else {
				ssq += (a / scale) * (a / scale)
			}
		}
	}
	if scale == 0 {
		return
	}
	norm := scale * math.Sqrt(ssq)
	for i := range v {
		v[i] /= norm
	}
}

// chunkMoments sets buf.mean to the mean of the b rows z (b×p,
// row-major), centres z in place (it is a scratch copy) and sets the upper
// triangle of buf.m2 to the centred rows' Gram matrix.
func chunkMoments(z []float64, b, p int, buf *scratch) {
	cm := buf.mean
	for j := range cm {
		cm[j] = 0
	}
	for i := 0; i < b; i++ {
		row := z[i*p : (i+1)*p]
		for j, v := range row {
			cm[j] += v
		}
	}
	for j := range cm {
		cm[j] /= float64(b)
	}
	for i := 0; i < b; i++ {
		row := z[i*p : (i+1)*p]
		for j := range row {
			row[j] -= cm[j]
		}
	}
	upperGram(z, p, b, buf.m2)
}

// scratch holds the working memory of one chunk update. Accumulators
// share it through scratchPool, so a pass over many layers keeps one set
// (about chunkRows·p + p² values) instead of one per layer.
type scratch struct {
	rows, mean, m2 []float64
}

var scratchPool sync.Pool

// getScratch returns scratch space for chunks of up to b rows of width p.
func getScratch(b, p int) *scratch {
	s, _ := scratchPool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if cap(s.rows) < b*p {
		s.rows = make([]float64, b*p)
	}
	if cap(s.m2) < p*p {
		s.m2 = make([]float64, p*p)
		s.mean = make([]float64, p)
	}
	s.mean = s.mean[:cap(s.mean)][:p]
	return s
}

// gramBlock is the row-block size of upperGram.
const gramBlock = 128

// upperGram sets the upper triangle (block-wise; some entries below the
// diagonal are written too) of c (p×p) to zᵀ·z, for z b×p row-major, with
// package gemm. Only the blocks on or above the diagonal are computed, so
// it costs about half a full product.
func upperGram(z []float64, p, b int, c []float64) {
	for i0 := 0; i0 < p; i0 += gramBlock {
		i1 := min(p, i0+gramBlock)
		// C[i0:i1, i0:p] = z[:, i0:i1]ᵀ · z[:, i0:p].
		gemm.Float64(gemm.Product{M: i1 - i0, N: p - i0, K: b, TransA: true, LDA: p, LDB: p, LDC: p},
			c[i0*p+i0:], z[i0:], z[i0:])
	}
}

// combine merges the statistics (nb, meanB, m2B) of other rows into m with
// the pairwise update of Chan, Golub and LeVeque. m2B must have its upper
// triangle current.
func (m *Moments) combine(nb int64, meanB, m2B []float64) {
	if nb == 0 {
		return
	}
	p := m.d + m.t
	na := m.n
	n := na + nb
	if na == 0 {
		copy(m.mean, meanB)
		for i := 0; i < p; i++ {
			copy(m.m2[i*p+i:(i+1)*p], m2B[i*p+i:(i+1)*p])
		}
		m.n = n
		return
	}
	f := float64(na) * float64(nb) / float64(n)
	w := float64(nb) / float64(n)
	delta := make([]float64, p)
	for j := range delta {
		delta[j] = meanB[j] - m.mean[j]
	}
	for i := 0; i < p; i++ {
		di := delta[i] * f
		row := m.m2[i*p : (i+1)*p]
		rowB := m2B[i*p : (i+1)*p]
		for j := i; j < p; j++ {
			row[j] += rowB[j] + di*delta[j]
		}
	}
	for j := range m.mean {
		m.mean[j] += delta[j] * w
	}
	m.n = n
}

// Merge adds the statistics of o into m, exactly as if m had also seen every
// row o saw. o is left unchanged. The two must have the same widths and the
// same row normalisation.
func (m *Moments) Merge(o *Moments) error {
	if o.d != m.d || o.t != m.t {
		return fmt.Errorf("stats: cannot merge accumulators of widths (d=%d, t=%d) and (d=%d, t=%d)", m.d, m.t, o.d, o.t)
	}
	if o.normalized != m.normalized {
		return fmt.Errorf("stats: cannot merge a row-normalised accumulator with a plain one")
	}
	// Bring both to common units (the larger of the two for each block).
	eh, ey := m.eh, m.ey
	if o.haveH && (!m.haveH || o.eh > eh) {
		eh = o.eh
	}
	if o.haveY && (!m.haveY || o.ey > ey) {
		ey = o.ey
	}
	if eh != m.eh || ey != m.ey {
		m.rebase(eh, ey)
	}
	m.haveH, m.haveY = m.haveH || o.haveH, m.haveY || o.haveY
	if o.eh == eh && o.ey == ey {
		m.combine(o.n, o.mean, o.m2)
		return nil
	}
	oc := o.Clone()
	oc.rebase(eh, ey)
	m.combine(oc.n, oc.mean, oc.m2)
	return nil
}

// Clone returns an independent copy of m.
func (m *Moments) Clone() *Moments {
	c := &Moments{d: m.d, t: m.t, normalized: m.normalized, n: m.n, eh: m.eh, ey: m.ey, haveH: m.haveH, haveY: m.haveY}
	c.mean = append([]float64(nil), m.mean...)
	c.m2 = append([]float64(nil), m.m2...)
	return c
}

// MeanH returns the mean feature row h̄ (length d). It is all zeros when no
// rows have been added.
func (m *Moments) MeanH() []float64 { return m.unscaled(m.mean[:m.d], m.eh) }

// MeanY returns the mean target row ȳ (length t).
func (m *Moments) MeanY() []float64 { return m.unscaled(m.mean[m.d:], m.ey) }

// unscaled returns a copy of v multiplied by 2^e.
func (m *Moments) unscaled(v []float64, e int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = scalePow2(x, e)
	}
	return out
}

// block copies the (r0:r0+nr, c0:c0+nc) block of the symmetric co-moment
// matrix, scaled by 1/N, into dst (nr×nc row-major), in the data's own
// units. The block lies within one of the feature/target blocks.
func (m *Moments) block(r0, nr, c0, nc int, dst []float64) {
	p := m.d + m.t
	s := 0.0
	if m.n > 0 {
		s = 1 / float64(m.n)
	}
	e := m.unitOf(r0) + m.unitOf(c0)
	for i := 0; i < nr; i++ {
		for j := 0; j < nc; j++ {
			a, b := r0+i, c0+j
			if a > b {
				a, b = b, a
			}
			dst[i*nc+j] = scalePow2(m.m2[a*p+b]*s, e)
		}
	}
}

// CovH returns Σ_H = (1/N)·Hcᵀ·Hc (d×d), the feature covariance divided by N.
func (m *Moments) CovH() *mat.SymDense {
	data := make([]float64, m.d*m.d)
	m.block(0, m.d, 0, m.d, data)
	return mat.NewSymDense(m.d, data)
}

// CovY returns Σ_Y = (1/N)·Ycᵀ·Yc (t×t). It returns nil when t is 0.
func (m *Moments) CovY() *mat.SymDense {
	if m.t == 0 {
		return nil
	}
	data := make([]float64, m.t*m.t)
	m.block(m.d, m.t, m.d, m.t, data)
	return mat.NewSymDense(m.t, data)
}

// CovHY returns Σ_HY = (1/N)·Hcᵀ·Yc (d×t). It returns nil when t is 0.
func (m *Moments) CovHY() *mat.Dense {
	if m.t == 0 {
		return nil
	}
	data := make([]float64, m.d*m.t)
	m.block(0, m.d, m.d, m.t, data)
	return mat.NewDense(m.d, m.t, data)
}

// SecondMomentH returns the uncentred second moment (1/N)·Hᵀ·H = Σ_H + h̄·h̄ᵀ
// (d×d), needed by metrics defined on uncentred features.
func (m *Moments) SecondMomentH() *mat.SymDense {
	s := m.CovH()
	mu := m.MeanH()
	for i := 0; i < m.d; i++ {
		for j := i; j < m.d; j++ {
			s.SetSym(i, j, s.At(i, j)+mu[i]*mu[j])
		}
	}
	return s
}

// NonFiniteError reports a NaN or infinite value in a batch given to Add,
// AddFloat32 or AddDense. Row and Col are 0-based and count within that
// batch; callers that know where the batch came from (a file, a row offset)
// can use them to name the value's place in the source.
type NonFiniteError struct {
	// Target is true for a target value, false for a feature value.
	Target bool
	// Row and Col locate the value in the batch (0-based).
	Row, Col int
	// Value is the offending value (NaN, +Inf or -Inf).
	Value float64
}

// Error implements error.
func (e *NonFiniteError) Error() string {
	what := "feature"
	if e.Target {
		what = "target"
	}
	return fmt.Sprintf("stats: %s value %v at row %d, column %d of this batch (0-based): remove or impute non-finite values before measuring",
		what, e.Value, e.Row, e.Col)
}

// unitSlack is how many binary orders of magnitude a batch's largest value
// may exceed the current unit before the accumulator re-bases: values stay
// below 2^unitSlack units, so their squares and sums cannot overflow.
const unitSlack = 32

// adaptUnits fixes or raises the units of features and targets for a batch
// whose largest absolute values are maxH and maxY.
func (m *Moments) adaptUnits(maxH, maxY float64) {
	eh, ey := m.eh, m.ey
	rebase := false
	if maxH > 0 {
		_, e := math.Frexp(maxH) // maxH = f·2^e with f in [0.5, 1)
		switch {
		case !m.haveH:
			eh, m.haveH = e, true
			rebase = m.n > 0
		case e > m.eh+unitSlack:
			eh, rebase = e, true
		}
	}
	if maxY > 0 {
		_, e := math.Frexp(maxY)
		switch {
		case !m.haveY:
			ey, m.haveY = e, true
			rebase = rebase || m.n > 0
		case e > m.ey+unitSlack:
			ey, rebase = e, true
		}
	}
	if rebase {
		m.rebase(eh, ey)
	} else {
		m.eh, m.ey = eh, ey
	}
}

// rebase re-expresses the accumulated state in units 2^eh (features) and
// 2^ey (targets). Powers of two are exact; values far below the new unit
// may round towards zero, where they no longer matter.
func (m *Moments) rebase(eh, ey int) {
	p := m.d + m.t
	shift := func(i int) int {
		if i < m.d {
			return m.eh - eh
		}
		return m.ey - ey
	}
	for i := range m.mean {
		m.mean[i] = scalePow2(m.mean[i], shift(i))
	}
	for i := 0; i < p; i++ {
		si := shift(i)
		row := m.m2[i*p : (i+1)*p]
		for j := i; j < p; j++ {
			row[j] = scalePow2(row[j], si+shift(j))
		}
	}
	m.eh, m.ey = eh, ey
}

// scalePow2 returns x·2^k, correctly rounded.
func scalePow2(x float64, k int) float64 {
	if k == 0 || x == 0 {
		return x
	}
	return math.Ldexp(x, k)
}

// unitScaler returns a function that divides values by 2^e in place.
func unitScaler(e int) func([]float64) {
	switch {
	case e == 0:
		return func([]float64) {}
	case e > -1020 && e < 1020:
		f := math.Ldexp(1, -e) // a normal power of two: the product is exact or correctly rounded
		return func(v []float64) {
			for i := range v {
				v[i] *= f
			}
		}
	}
	return func(v []float64) {
		for i := range v {
			v[i] = math.Ldexp(v[i], -e)
		}
	}
}

// Rescaled returns a view of m holding the statistics of the features
// divided by 2^eh and the targets divided by 2^ey, where the exponents are
// chosen from the data so that the largest absolute feature and target
// values are of order 1 (0 when nothing was seen). Every scale-invariant
// metric (noise fraction, CKA, stable ranks, subspace alignments) can be
// computed from the view without overflow or underflow whatever the data's
// magnitude; a metric in target units, such as a probe MSE, is the view's
// value times 2^(2·ey). The view shares m's storage and is for reading
// only: add no rows to it, nor to m while the view is in use.
func (m *Moments) Rescaled() (view *Moments, eh, ey int) {
	c := *m
	c.eh, c.ey, c.haveH, c.haveY = 0, 0, false, false
	return &c, m.eh, m.ey
}

// unitOf returns the unit exponent of row/column index i of the joint
// moment matrix.
func (m *Moments) unitOf(i int) int {
	if i < m.d {
		return m.eh
	}
	return m.ey
}

// Bytes returns the memory an accumulator New(d, t) holds:
// 8·((d+t)² + d + t) bytes, or −1 when that overflows int64. Callers that
// take d from their input size the request with it before creating
// accumulators (see package membudget).
func Bytes(d, t int) int64 {
	p := int64(d) + int64(t)
	if p < 0 || p > 1<<30 {
		return -1
	}
	return 8 * (p*p + p)
}

// ScratchBytes returns the working memory Add needs for accumulators of
// widths d and t, on top of Bytes; accumulators share it, so a pass over
// many layers needs it once, for the widest. It is −1 when that overflows.
func ScratchBytes(d, t int) int64 {
	p := int64(d) + int64(t)
	if p < 0 || p > 1<<30 {
		return -1
	}
	return 8 * (2*chunkRows*p + p*p + p)
}
