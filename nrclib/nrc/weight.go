package nrc

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Weight is the weight of a probed layer, kept in the orientation the
// metrics need: M is in×k, its rows indexed by the layer's input features
// (the probe's width), so that the layer's top input subspace is spanned by
// the top left singular vectors of M.
//
//   - Dense layer with W out×in (PyTorch layout): M = Wᵀ (in×out); its left
//     singular vectors are W's right singular vectors.
//   - Conv layer with kernel c_out×c_in×kh×kw: M = W reshaped to
//     c_in×(c_out·kh·kw) (the paper code's W.transpose(0,1).flatten(1)).
//
// Construct it with DenseWeight, DenseWeightInOut, ConvWeightOIHW or
// ConvWeightHWIO; they copy their input.
type Weight struct {
	// M is in×k as described above.
	M *mat.Dense
	// Conv reports whether the weight came from a convolution kernel.
	Conv bool
}

// In returns the number of input features the weight consumes.
func (w *Weight) In() int { r, _ := w.M.Dims(); return r }

func checkWeightData(what string, want int, data []float64) error {
	if len(data) != want {
		return fmt.Errorf("nrc: %s weight has %d values, its shape needs %d", what, len(data), want)
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("nrc: %s weight value %d is %v: the model diverged or the file is corrupt", what, i, v)
		}
	}
	return nil
}

// DenseWeight returns the weight of a Linear layer stored out×in, row-major
// (PyTorch's layout: y = W·x).
func DenseWeight(out, in int, data []float64) (*Weight, error) {
	if out < 1 || in < 1 {
		return nil, fmt.Errorf("nrc: dense weight shape %d×%d is empty", out, in)
	}
	if err := checkWeightData("dense", out*in, data); err != nil {
		return nil, err
	}
	m := mat.NewDense(in, out, nil)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			m.Set(i, o, data[o*in+i])
		}
	}
	return &Weight{M: m}, nil
}

// DenseWeightInOut returns the weight of a Linear layer stored in×out,
// row-major (GoMLX's layout: y = x·W).
func DenseWeightInOut(in, out int, data []float64) (*Weight, error) {
	if out < 1 || in < 1 {
		return nil, fmt.Errorf("nrc: dense weight shape %d×%d is empty", in, out)
	}
	if err := checkWeightData("dense", out*in, data); err != nil {
		return nil, err
	}
	return &Weight{M: mat.NewDense(in, out, append([]float64(nil), data...))}, nil
}

// ConvWeightOIHW returns the weight of a convolution whose kernel is stored
// c_out×c_in×kh×kw, row-major (PyTorch's layout).
func ConvWeightOIHW(cout, cin, kh, kw int, data []float64) (*Weight, error) {
	if cout < 1 || cin < 1 || kh < 1 || kw < 1 {
		return nil, fmt.Errorf("nrc: conv kernel shape %d×%d×%d×%d is empty", cout, cin, kh, kw)
	}
	if err := checkWeightData("conv", cout*cin*kh*kw, data); err != nil {
		return nil, err
	}
	k := cout * kh * kw
	m := mat.NewDense(cin, k, nil)
	for o := 0; o < cout; o++ {
		for i := 0; i < cin; i++ {
			for s := 0; s < kh*kw; s++ {
				m.Set(i, o*kh*kw+s, data[(o*cin+i)*kh*kw+s])
			}
		}
	}
	return &Weight{M: m, Conv: true}, nil
}

// ConvWeightHWIO returns the weight of a convolution whose kernel is stored
// kh×kw×c_in×c_out, row-major (GoMLX's channels-last layout). The column
// order of M differs from ConvWeightOIHW's, which changes no metric.
func ConvWeightHWIO(kh, kw, cin, cout int, data []float64) (*Weight, error) {
	if cout < 1 || cin < 1 || kh < 1 || kw < 1 {
		return nil, fmt.Errorf("nrc: conv kernel shape %d×%d×%d×%d is empty", kh, kw, cin, cout)
	}
	if err := checkWeightData("conv", cout*cin*kh*kw, data); err != nil {
		return nil, err
	}
	k := cout * kh * kw
	m := mat.NewDense(cin, k, nil)
	for s := 0; s < kh*kw; s++ {
		for i := 0; i < cin; i++ {
			for o := 0; o < cout; o++ {
				m.Set(i, o*kh*kw+s, data[(s*cin+i)*cout+o])
			}
		}
	}
	return &Weight{M: m, Conv: true}, nil
}
