package data

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Images is an unsplit set of n square RGB images in NHWC layout with their
// raw targets.
type Images struct {
	// X holds N images of Size×Size×3 values, row-major NHWC.
	X []float32
	// Y holds N rows of T raw targets.
	Y []float64
	// N, Size and T are the number of images, their side and the number of
	// targets.
	N, Size, T int
}

// sampleRNG returns the private stream of sample i, so images can be drawn
// in parallel and still depend only on (seed, i).
func sampleRNG(seed, stream uint64, i int) *rng {
	return newRNG(seed, stream<<40|uint64(i))
}

// parallelFor runs body(i) for i in [0, n) on all CPUs.
func parallelFor(n int, body func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				body(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// CarlaLike renders n driving-like scenes of size×size pixels standing in
// for the CARLA (CIL) camera frames. Each scene has a sky above a horizon,
// grass, and a road that narrows towards a vanishing point whose sideways
// shift is set by a steering latent θ ∈ [−1, 1]; the road's dashed centre
// line has a period and a painted fraction set by a speed latent v ∈ [0, 1]
// (long, sparse dashes when fast). A coloured "vehicle" blob of random
// position and size, random sky, grass and road tones, a random dash phase
// and pixel noise are nuisances. Pixel values are in [0, 255] like the
// unnormalised uint8 frames the paper feeds its ResNet.
//
// The two raw targets are smooth functions of the latents on CARLA's
// ranges: steer = tanh(1.5θ + 0.5(c_x − ½)) ∈ (−1, 1) (c_x the blob's
// horizontal position) and speed = 85·v·(1 − 0.3ρ) ∈ [0, 85] (ρ ∈ [0, 1]
// the blob's relative size: a near vehicle slows the car).
func CarlaLike(n, size int, seed uint64) (*Images, error) {
	if n < 2 || size < 8 {
		return nil, fmt.Errorf("data.CarlaLike: need n ≥ 2 and size ≥ 8, got n=%d size=%d", n, size)
	}
	im := &Images{X: make([]float32, n*size*size*3), Y: make([]float64, n*2), N: n, Size: size, T: 2}
	parallelFor(n, func(i int) {
		g := sampleRNG(seed, streamCarla, i)
		theta := g.Uniform(-1, 1)
		v := g.Float64()
		horizon := g.Uniform(0.3, 0.42)
		skyTone := g.Uniform(0.55, 1)
		grass := [3]float64{g.Uniform(0.15, 0.35), g.Uniform(0.35, 0.6), g.Uniform(0.1, 0.3)}
		road := g.Uniform(0.25, 0.45)
		cx, cy := g.Uniform(0.2, 0.8), g.Uniform(horizon+0.15, 0.8)
		rho := g.Float64()
		radius := 0.04 + 0.06*rho
		col := [3]float64{g.Float64(), g.Float64(), g.Float64()}
		period := 0.2 + 0.5*v   // dash period in depth units
		painted := 0.85 - 0.7*v // fraction of each period painted
		phase := g.Float64()
		vp := 0.5 + 0.3*theta // vanishing point
		img := im.X[i*size*size*3 : (i+1)*size*size*3]
		for r := 0; r < size; r++ {
			yn := (float64(r) + 0.5) / float64(size)
			for c := 0; c < size; c++ {
				xn := (float64(c) + 0.5) / float64(size)
				var px [3]float64
				if yn < horizon {
					grad := 1 - 0.4*yn/horizon
					px = [3]float64{0.6 * skyTone * grad, 0.75 * skyTone * grad, skyTone}
				} else {
					depth := (yn - horizon) / (1 - horizon) // 0 at the horizon, 1 at the bottom
					centre := vp + (0.5-vp)*depth
					half := 0.03 + 0.42*depth
					off := math.Abs(xn - centre)
					switch {
					case off > half:
						px = grass
					case off < 0.02+0.05*depth && math.Mod(depth/period+phase, 1) < painted:
						px = [3]float64{1, 0.85, 0} // centre dash, yellow
					case off > half-0.01-0.02*depth:
						px = [3]float64{0.9, 0.9, 0.9} // edge line
					default:
						px = [3]float64{road, road, road * 1.05}
					}
				}
				dx, dy := xn-cx, yn-cy
				w := math.Exp(-(dx*dx + dy*dy) / (2 * radius * radius))
				for k := 0; k < 3; k++ {
					val := (1-w)*px[k] + w*col[k] + 0.02*g.Norm()
					img[(r*size+c)*3+k] = float32(255 * clamp01(val))
				}
			}
		}
		im.Y[i*2] = math.Tanh(1.5*theta + 0.5*(cx-0.5))
		im.Y[i*2+1] = 85 * v * (1 - 0.3*rho)
	})
	return im, nil
}

// utkAge draws an age in years on UTKFace's range 1..116: one in ten is a
// child of 1–10 years, the others follow a log-normal around 32 years,
// rounded and clamped.
func utkAge(g *rng) float64 {
	if g.Float64() < 0.1 {
		return float64(1 + g.IntN(10))
	}
	a := math.Round(math.Exp(math.Log(32) + 0.45*g.Norm()))
	return math.Max(1, math.Min(116, a))
}

// UTKFaceLike renders n face-like images of size×size pixels standing in
// for UTKFace, each with one raw target: an age in years (1–116, integer,
// unscaled). The image is a smooth function of the age and of nuisance
// latents: an elliptical head (skin tone, position jitter, lighting) whose
// size grows through childhood, eyes that move up the face with age, a
// hairline that greys after ~50 and forehead "wrinkle" stripes whose
// contrast grows after ~40, on a random background. Pixels are scaled to
// [−1, 1] as the paper's Normalize(0.5, 0.5) does.
func UTKFaceLike(n, size int, seed uint64) (*Images, error) {
	if n < 2 || size < 8 {
		return nil, fmt.Errorf("data.UTKFaceLike: need n ≥ 2 and size ≥ 8, got n=%d size=%d", n, size)
	}
	im := &Images{X: make([]float32, n*size*size*3), Y: make([]float64, n), N: n, Size: size, T: 1}
	parallelFor(n, func(i int) {
		g := sampleRNG(seed, streamUTK, i)
		age := utkAge(g)
		bg := [3]float64{g.Float64(), g.Float64(), g.Float64()}
		tone := g.Uniform(0.25, 0.9)
		skin := [3]float64{tone, 0.8 * tone, 0.65 * tone}
		light := g.Uniform(0.75, 1.1)
		hairDark := g.Uniform(0.05, 0.35)
		cx, cy := 0.5+g.Uniform(-0.06, 0.06), 0.52+g.Uniform(-0.05, 0.05)
		grow := 1 - math.Exp(-age/12)
		ry := 0.26 + 0.12*grow
		rx := ry * (0.85 - 0.1*grow)
		eyeY := cy + ry*(0.2-0.3*grow)
		grey := sigmoid((age - 52) / 8)
		hair := hairDark + (0.85-hairDark)*grey
		wrinkle := 0.25 * sigmoid((age-42)/8)
		img := im.X[i*size*size*3 : (i+1)*size*size*3]
		for r := 0; r < size; r++ {
			yn := (float64(r) + 0.5) / float64(size)
			for c := 0; c < size; c++ {
				xn := (float64(c) + 0.5) / float64(size)
				px := bg
				ex, ey := (xn-cx)/rx, (yn-cy)/ry
				if e := ex*ex + ey*ey; e < 1 {
					edge := clamp01((1 - e) * 8)
					shade := light * (1 - 0.25*e)
					for k := range px {
						px[k] = (1-edge)*bg[k] + edge*skin[k]*shade
					}
					if ey < -0.55 { // hair cap
						for k := range px {
							px[k] = hair
						}
					} else if ey < -0.1 { // forehead wrinkles
						s := wrinkle * math.Cos(2*math.Pi*ey*6)
						for k := range px {
							px[k] -= s * skin[k]
						}
					}
					for _, side := range [2]float64{-1, 1} {
						dx, dy := (xn-(cx+side*0.4*rx))/(0.12*rx), (yn-eyeY)/(0.07*ry+0.01)
						if dx*dx+dy*dy < 1 {
							px = [3]float64{0.1, 0.08, 0.08}
						}
					}
				}
				for k := 0; k < 3; k++ {
					v := clamp01(px[k] + 0.02*g.Norm())
					img[(r*size+c)*3+k] = float32(2*v - 1)
				}
			}
		}
		im.Y[i] = age
	})
	return im, nil
}
