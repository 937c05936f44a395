package measure

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/npy"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
)

// reluChain writes targets and two probes h1 → h2 = relu(W·h1 + b) of a
// square layer W (m×m), where h1 carries `rank` latent factors plus noise;
// it returns the directory's spec with W given as stored or transposed.
func reluChain(t *testing.T, m, rank int, noise float64, transposed bool) FileSpec {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	rng := rand.New(rand.NewPCG(uint64(m), uint64(rank)))
	const n = 600
	z := randVec(rng, n*rank)
	mix := randVec(rng, rank*m)
	h1 := make([]float64, n*m)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			v := noise * rng.NormFloat64()
			for k := 0; k < rank; k++ {
				v += z[i*rank+k] * mix[k*m+j]
			}
			h1[i*m+j] = v
		}
	}
	w := randVec(rng, m*m)
	b := randVec(rng, m)
	h2 := make([]float64, n*m)
	for i := 0; i < n; i++ {
		for o := 0; o < m; o++ {
			s := b[o] * 0.5
			for j := 0; j < m; j++ {
				s += w[o*m+j] * h1[i*m+j]
			}
			h2[i*m+o] = math.Max(s, 0)
		}
	}
	stored := w
	if transposed {
		stored = make([]float64, m*m)
		for o := 0; o < m; o++ {
			for j := 0; j < m; j++ {
				stored[j*m+o] = w[o*m+j]
			}
		}
	}
	y := make([]float64, n*2)
	copy(y, z[:min(len(z), n*2)])
	if rank < 2 {
		y = randVec(rng, n*2)
	} else {
		for i := 0; i < n; i++ {
			y[i*2], y[i*2+1] = z[i*rank], z[i*rank+1]
		}
	}
	for name, v := range map[string]struct {
		shape []int
		data  []float64
	}{"Y.npy": {[]int{n, 2}, y}, "h1.npy": {[]int{n, m}, h1}, "h2.npy": {[]int{n, m}, h2}, "W1.npy": {[]int{m, m}, stored}} {
		if err := npy.WriteFile(f.path(name), v.shape, v.data); err != nil {
			t.Fatal(err)
		}
	}
	return FileSpec{Targets: f.path("Y.npy"), Layers: []LayerFiles{
		{Name: "fc1", Features: f.path("h1.npy"), Weight: f.path("W1.npy")},
		{Name: "fc2", Features: f.path("h2.npy")},
	}}
}

// A square weight passed transposed is refused where the next probe shows
// it; passed as stored it is accepted and the check is reported; a square
// weight with no next probe gets a note saying it could not be checked.
func TestSquareWeightOrientation(t *testing.T) {
	for _, c := range []struct {
		m, rank int
		noise   float64
	}{{64, 64, 0}, {32, 8, 0.3}, {16, 3, 0.1}} {
		spec := reluChain(t, c.m, c.rank, c.noise, false)
		rep, err := FromFiles(spec, nrc.Options{Rank: 2})
		if err != nil {
			t.Fatalf("m=%d rank=%d, W as stored: %v", c.m, c.rank, err)
		}
		if !hasNote(rep, "is oriented out×in") {
			t.Errorf("m=%d rank=%d, W as stored: notes %q", c.m, c.rank, rep.Notes)
		}
		_, err = FromFiles(reluChain(t, c.m, c.rank, c.noise, true), nrc.Options{Rank: 2})
		if err == nil || !strings.Contains(err.Error(), "looks transposed") || !strings.Contains(err.Error(), "W.T") {
			t.Errorf("m=%d rank=%d, W transposed: %v", c.m, c.rank, err)
		}
		spec.SkipOrientationCheck = true
		spec.Layers[0].Weight = reluChain(t, c.m, c.rank, c.noise, true).Layers[0].Weight
		if rep, err := FromFiles(spec, nrc.Options{Rank: 2}); err != nil || !hasNote(rep, "not checked") {
			t.Errorf("m=%d, check turned off: %v", c.m, err)
		}
	}
	// The last layer's square weight has no next probe.
	spec := reluChain(t, 16, 16, 0, false)
	spec.Layers = spec.Layers[:1]
	rep, err := FromFiles(spec, nrc.Options{Rank: 2})
	if err != nil || !hasNote(rep, "cannot be checked here") {
		t.Errorf("no next probe: %v, notes %q", err, rep.Notes)
	}
}
