package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// handSGD applies the documented update to w (d×t) for one batch in float64.
func handSGD(w, buf []float64, x, y []float64, rows, d, t int, lr, mu, wd float64) float64 {
	pred := make([]float64, rows*t)
	var loss float64
	for r := 0; r < rows; r++ {
		for k := 0; k < t; k++ {
			for j := 0; j < d; j++ {
				pred[r*t+k] += x[r*d+j] * w[j*t+k]
			}
			e := pred[r*t+k] - y[r*t+k]
			loss += e * e
		}
	}
	loss /= float64(rows * t)
	for j := 0; j < d; j++ {
		for k := 0; k < t; k++ {
			g := 0.0
			for r := 0; r < rows; r++ {
				g += 2 * (pred[r*t+k] - y[r*t+k]) * x[r*d+j] / float64(rows*t)
			}
			g += wd * w[j*t+k]
			buf[j*t+k] = mu*buf[j*t+k] + g
		}
	}
	for i := range w {
		w[i] -= lr * buf[i]
	}
	return loss
}

func TestStepMatchesHandComputation(t *testing.T) {
	const d, tt, rows = 3, 2, 4
	w0 := []float32{0.5, -0.25, 1, 0.75, -0.5, 0.125}
	m := &linearModel{d: d, t: tt, w0: w0}
	ctx := context.New()
	const mu, wd = 0.9, 0.01
	step, err := NewStep(testBackend, ctx, m, SGD{Momentum: mu, WeightDecay: wd}, []int{d}, tt)
	if err != nil {
		t.Fatal(err)
	}
	defer step.Finalize()
	batches := []struct {
		x, y []float32
		lr   float64
	}{
		{[]float32{1, 2, 0, -1, 0.5, 1, 0, 0, 2, 1, 1, 1}, []float32{1, 0, 0, 1, 2, -1, 0.5, 0.5}, 0.1},
		{[]float32{0, 1, 1, 2, -1, 0, 1, 1, -1, 0.5, 0, 0.25}, []float32{0, 1, 1, 1, -1, 0, 0.25, 0}, 0.05},
		{[]float32{1, 1, 1, -2, 0, 1, 0, 3, 0, 1, -1, 2}, []float32{2, 0, -1, 1, 1, 1, 0, 2}, 0.05},
	}
	w := make([]float64, len(w0))
	for i, v := range w0 {
		w[i] = float64(v)
	}
	buf := make([]float64, len(w0))
	for i, b := range batches {
		got, err := step.Run(b.x, b.y, rows, b.lr)
		if err != nil {
			t.Fatal(err)
		}
		want := handSGD(w, buf, to64(b.x), to64(b.y), rows, d, tt, b.lr, mu, wd)
		if math.Abs(float64(got)-want) > 1e-5*math.Max(1, want) {
			t.Errorf("step %d: loss %v, hand computation %v", i+1, got, want)
		}
		gotW := weightsOf(ctx, "/lin")
		for j := range w {
			if math.Abs(float64(gotW[j])-w[j]) > 1e-5 {
				t.Errorf("step %d: w[%d] = %v, hand computation %v", i+1, j, gotW[j], w[j])
			}
		}
		v := ctx.GetVariableByScopeAndName(MomentumScope+"/lin", "weights")
		if v == nil {
			t.Fatal("no momentum buffer under " + MomentumScope + "/lin")
		}
		gotBuf := tensors.MustCopyFlatData[float32](v.MustValue())
		for j := range buf {
			if math.Abs(float64(gotBuf[j])-buf[j]) > 1e-5 {
				t.Errorf("step %d: momentum[%d] = %v, hand computation %v", i+1, j, gotBuf[j], buf[j])
			}
		}
	}
}

func TestStepRejectsWrongTargetWidth(t *testing.T) {
	m := &linearModel{d: 2, t: 1, w0: []float32{1, 1}}
	step, err := NewStep(testBackend, context.New(), m, SGD{}, []int{2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = step.Run([]float32{1, 2}, []float32{1, 2}, 1, 0.1)
	if err == nil {
		t.Fatal("a model with 1 output trained on 2 targets gave no error")
	}
	if _, err := step.Run([]float32{1}, []float32{1, 2}, 1, 0.1); err == nil {
		t.Fatal("a batch with too few inputs gave no error")
	}
}

func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
