package measure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/deepnrc/deepnrc/nrclib/npy"
)

// DemoSpec describes the demo written by WriteDemo.
const DemoSpec = `synthetic features of a 5-layer network: 2000 samples, 3 targets; layer l mixes
a linear image of the targets with isotropic noise whose share shrinks with depth, so the
noise fraction falls and CKA rises from fc1 to fc5 (a constructed example, not a trained net)`

// WriteDemo writes a small, deterministic measurement demo into dir:
// Y.npy (2000×3 targets) and fc1..fc5 features with their weights
// (fcK.npy, fcK_W.npy, out×in). It returns the FileSpec that measures
// them. The features are constructed, not trained (see DemoSpec).
func WriteDemo(dir string) (FileSpec, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return FileSpec{}, fmt.Errorf("measure: cannot create the demo directory: %w", err)
	}
	const n, t = 2000, 3
	widths := []int{16, 32, 32, 32, 32}
	rng := rand.New(rand.NewPCG(2026, 3))
	y := make([]float64, n*t)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	spec := FileSpec{Targets: filepath.Join(dir, "Y.npy")}
	if err := npy.WriteFile(spec.Targets, []int{n, t}, y); err != nil {
		return FileSpec{}, err
	}
	for l, d := range widths {
		name := fmt.Sprintf("fc%d", l+1)
		mix := make([]float64, t*d)
		for i := range mix {
			mix[i] = rng.NormFloat64()
		}
		noiseScale := 2.5 * math.Pow(0.3, float64(l))
		h := make([]float64, n*d)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				v := noiseScale * rng.NormFloat64()
				for k := 0; k < t; k++ {
					v += y[i*t+k] * mix[k*d+j]
				}
				h[i*d+j] = v
			}
		}
		out := d
		if l+1 < len(widths) {
			out = widths[l+1]
		} else {
			out = t
		}
		// The layer's weight reads mostly from the signal directions.
		w := make([]float64, out*d)
		for o := 0; o < out; o++ {
			r := make([]float64, t)
			for k := range r {
				r[k] = rng.NormFloat64()
			}
			for j := 0; j < d; j++ {
				v := noiseScale * rng.NormFloat64()
				for k := 0; k < t; k++ {
					v += r[k] * mix[k*d+j]
				}
				w[o*d+j] = v
			}
		}
		lf := LayerFiles{Name: name, Features: filepath.Join(dir, name+".npy"), Weight: filepath.Join(dir, name+"_W.npy")}
		if err := npy.WriteFile(lf.Features, []int{n, d}, h); err != nil {
			return FileSpec{}, err
		}
		if err := npy.WriteFile(lf.Weight, []int{out, d}, w); err != nil {
			return FileSpec{}, err
		}
		spec.Layers = append(spec.Layers, lf)
	}
	return spec, nil
}
