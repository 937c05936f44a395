package measure

import (
	"fmt"
	"math"
)

// A square weight (out = in, or c_out = c_in for a kernel) passed
// transposed has the right shape, so the shape check cannot catch it, and
// every weight metric computed from it is wrong. When the next probe's
// features are given, the orientation can be checked from the data: that
// probe's input is (up to the activation, normalisation and bias) the
// output W·h of this layer, so W·h explains the next features far better
// than Wᵀ·h does. The check compares, unit by unit, the correlation of the
// next features with W·h and with Wᵀ·h (a correlation, so that a ReLU or a
// per-unit affine map in between does not matter), averaged over units.
// For a conv kernel the kernel summed over its spatial taps maps pooled
// input channels to pooled output channels (exactly so for a linear conv
// with circular padding), and plays W's part.

// Thresholds of the orientation verdict on mean absolute correlations.
const (
	// orientMargin is how much better Wᵀ·h must explain the next features
	// than W·h for the weight to be called transposed.
	orientMargin = 0.2
	// orientMin is the mean correlation below which neither orientation
	// explains the next features, so the check says nothing.
	orientMin = 0.3
)

// orientCheck accumulates, for one square weight, the per-unit statistics
// of (W·h)_j, (Wᵀ·h)_j and the next probe's feature j: sums of products
// shifted by the first sample's values (so that a large common offset does
// not cancel), in power-of-two units fixed by the first chunk. Its memory
// is the weight plus a few vectors of its width.
type orientCheck struct {
	layer, next int       // probe indices
	m           int       // the square size
	w           []float64 // m×m, out×in, row-major, scaled to max |w| ≈ 1
	fh, fn      float64   // unit factors of this and the next probe's features
	started     bool
	n           float64
	x, a, b     []float64 // one sample's scaled input and its W·x, Wᵀ·x
	// Shifts (the first sample's a, b, c) and shifted sums per unit.
	a0, b0, c0                          []float64
	sa, sb, sc, saa, sbb, scc, sac, sbc []float64
	bad                                 bool // a non-finite value appeared: no verdict
}

// newOrientCheck prepares the check of probe layer's square m×m weight w
// (out×in) against probe next.
func newOrientCheck(layer, next, m int, w []float64) *orientCheck {
	c := &orientCheck{layer: layer, next: next, m: m, w: make([]float64, len(w))}
	e := unitOf(w)
	for i, v := range w {
		c.w[i] = math.Ldexp(v, -e)
	}
	for _, p := range []*[]float64{&c.x, &c.a, &c.b, &c.a0, &c.b0, &c.c0, &c.sa, &c.sb, &c.sc, &c.saa, &c.sbb, &c.scc, &c.sac, &c.sbc} {
		*p = make([]float64, m)
	}
	return c
}

// unitOf returns the binary exponent of the largest magnitude in v.
func unitOf(v []float64) int {
	big := 0.0
	for _, x := range v {
		big = math.Max(big, math.Abs(x))
	}
	if big == 0 || math.IsInf(big, 0) || math.IsNaN(big) {
		return 0
	}
	_, e := math.Frexp(big)
	return e
}

// add folds rows samples: h (rows×m, this probe) and next (rows×m).
func (c *orientCheck) add(h, next []float64, rows int) {
	if rows == 0 || c.bad {
		return
	}
	m := c.m
	if !c.started {
		c.fh, c.fn = math.Ldexp(1, -unitOf(h[:rows*m])), math.Ldexp(1, -unitOf(next[:rows*m]))
	}
	for r := 0; r < rows; r++ {
		for i := range c.x {
			c.x[i] = h[r*m+i] * c.fh
		}
		clear(c.b)
		for o := 0; o < m; o++ {
			wo := c.w[o*m : (o+1)*m]
			s := 0.0
			for i, v := range c.x {
				s += wo[i] * v
			}
			c.a[o] = s
			if xo := c.x[o]; xo != 0 {
				for j, v := range wo {
					c.b[j] += v * xo // (Wᵀ·x)_j = Σ_o W[o][j]·x_o
				}
			}
		}
		nx := next[r*m : (r+1)*m]
		if !c.started {
			copy(c.a0, c.a)
			copy(c.b0, c.b)
			for j, v := range nx {
				c.c0[j] = v * c.fn
			}
			c.started = true
		}
		for j := 0; j < m; j++ {
			da, db, dc := c.a[j]-c.a0[j], c.b[j]-c.b0[j], nx[j]*c.fn-c.c0[j]
			c.sa[j] += da
			c.sb[j] += db
			c.sc[j] += dc
			c.saa[j] += da * da
			c.sbb[j] += db * db
			c.scc[j] += dc * dc
			c.sac[j] += da * dc
			c.sbc[j] += db * dc
		}
		c.n++
	}
	for j := 0; j < m; j++ {
		if t := c.saa[j] + c.sbb[j] + c.scc[j]; math.IsNaN(t) || math.IsInf(t, 0) {
			c.bad = true
		}
	}
}

// correlations returns the mean absolute per-unit correlation of the next
// features with W·h and with Wᵀ·h over the units where both are defined,
// and how many units that is.
func (c *orientCheck) correlations() (given, transposed float64, units int) {
	if c.bad || c.n < 2 {
		return 0, 0, 0
	}
	cov := func(sx, sy, sxy float64) float64 { return sxy/c.n - (sx/c.n)*(sy/c.n) }
	for j := 0; j < c.m; j++ {
		vaa, vbb, vcc := cov(c.sa[j], c.sa[j], c.saa[j]), cov(c.sb[j], c.sb[j], c.sbb[j]), cov(c.sc[j], c.sc[j], c.scc[j])
		if !(vcc > 1e-24*c.scc[j]/c.n && vaa > 1e-24*c.saa[j]/c.n && vbb > 1e-24*c.sbb[j]/c.n) {
			continue // a dead unit, or a zero row of W
		}
		given += math.Min(math.Abs(cov(c.sa[j], c.sc[j], c.sac[j]))/math.Sqrt(vaa*vcc), 1)
		transposed += math.Min(math.Abs(cov(c.sb[j], c.sc[j], c.sbc[j]))/math.Sqrt(vbb*vcc), 1)
		units++
	}
	if units > 0 {
		given /= float64(units)
		transposed /= float64(units)
	}
	return given, transposed, units
}

// verdict turns the statistics into an error (the weight looks
// transposed) or a note saying what was found.
func (c *orientCheck) verdict(spec FileSpec) (note string, err error) {
	l, nx := spec.Layers[c.layer], spec.Layers[c.next]
	given, transposed, units := c.correlations()
	switch {
	case units == 0:
		return fmt.Sprintf("%s: the orientation of the square weight %s (%d×%d) could not be checked: the features of %s have no "+
			"variance where it applies; make sure it is out×in (PyTorch's layout)", l.Name, l.Weight, c.m, c.m, nx.Name), nil
	case transposed > given+orientMargin && transposed > orientMin:
		return "", fmt.Errorf("measure: the weight %s of layer %s looks transposed: it is square (%d×%d), but applied to %s's features "+
			"as given (W·h) it explains the next probe %s's features poorly (mean |correlation| %.2f over %d units), while its transpose "+
			"(Wᵀ·h) explains them well (%.2f); weights must be out×in (PyTorch's layout): save its transpose (np.save(path, W.T)), "+
			"or pass --no-orientation-check if %s does not directly feed %s",
			l.Weight, l.Name, c.m, c.m, l.Name, nx.Name, given, units, transposed, l.Name, nx.Name)
	case math.Max(given, transposed) < orientMin:
		return fmt.Sprintf("%s: the orientation of the square weight %s (%d×%d) could not be checked: neither W·h nor Wᵀ·h explains "+
			"the features of %s (mean |correlation| %.2f and %.2f); make sure it is out×in (PyTorch's layout)",
			l.Name, l.Weight, c.m, c.m, nx.Name, given, transposed), nil
	case given > transposed+orientMargin:
		return fmt.Sprintf("%s: the square weight %s (%d×%d) is oriented out×in: W·h explains the features of %s "+
			"(mean |correlation| %.2f, against %.2f for Wᵀ·h)", l.Name, l.Weight, c.m, c.m, nx.Name, given, transposed), nil
	}
	return fmt.Sprintf("%s: the orientation of the square weight %s (%d×%d) could not be told from the data: W·h and Wᵀ·h explain "+
		"the features of %s about equally (mean |correlation| %.2f and %.2f); make sure it is out×in (PyTorch's layout)",
		l.Name, l.Weight, c.m, c.m, nx.Name, given, transposed), nil
}

// uncheckedNote says that a square weight's orientation cannot be
// checked because no next probe of its width follows.
func uncheckedNote(l LayerFiles, m int) string {
	return fmt.Sprintf("%s: the weight %s is square (%d×%d), so a transposed file would have the same shape, and its orientation "+
		"cannot be checked here (no next probe of width %d follows, whose features it would explain); make sure it is out×in "+
		"(PyTorch's layout)", l.Name, l.Weight, m, m, m)
}
