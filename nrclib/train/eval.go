package train

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// evaluator runs m in inference mode over a whole split in fixed-size
// batches; the last batch is zero-padded to the same size (so that one
// graph serves every batch) and its padding rows are ignored. In inference
// mode every sample's output depends on that sample alone, so padding
// changes nothing.
type evaluator struct {
	exec       *context.Exec
	batch      int
	inputDims  []int
	inSize, t  int
	withProbes bool
	widths     []int
}

func newEvaluator(b backends.Backend, ctx *context.Context, m model.Model, inputDims []int, t, batch int, withProbes bool) (*evaluator, error) {
	ev := &evaluator{batch: batch, inputDims: inputDims, t: t, withProbes: withProbes, inSize: 1}
	for _, d := range inputDims {
		ev.inSize *= d
	}
	for _, p := range m.Probes() {
		ev.widths = append(ev.widths, p.Width)
	}
	fn := func(ctx *context.Context, x *graph.Node) []*graph.Node {
		ctx.SetTraining(x.Graph(), false)
		pred, probes := m.Build(ctx, x)
		if !withProbes {
			return []*graph.Node{pred}
		}
		if len(probes) != len(ev.widths) {
			panic(fmt.Errorf("train: model built %d probe nodes but Probes() lists %d", len(probes), len(ev.widths)))
		}
		for i, p := range probes {
			if p.Rank() != 2 || p.Shape().Dimensions[1] != ev.widths[i] {
				panic(fmt.Errorf("train: probe %d has shape %s, want [batch, %d] as Probes() says", i, p.Shape(), ev.widths[i]))
			}
		}
		return append([]*graph.Node{pred}, probes...)
	}
	e, err := context.NewExec(b, ctx.Checked(false), fn)
	if err != nil {
		return nil, err
	}
	ev.exec = e
	return ev, nil
}

// batchFn receives the predictions (rows × t) and, with probes, each
// probe's features (rows × width) of the samples [start, start+rows).
type batchFn func(start, rows int, pred []float32, probes [][]float32) error

// run evaluates the split and returns the model's MSE over its N·t target
// entries, accumulated in float64.
func (ev *evaluator) run(s *data.Split, fn batchFn) (float64, error) {
	if s.N < 1 {
		return 0, fmt.Errorf("train: cannot evaluate an empty split")
	}
	bs := min(ev.batch, s.N)
	xb := make([]float32, bs*ev.inSize)
	var sse float64
	for start := 0; start < s.N; start += bs {
		rows := min(bs, s.N-start)
		clear(xb)
		copy(xb, s.X[start*ev.inSize:(start+rows)*ev.inSize])
		xt := tensors.FromFlatDataAndDimensions(xb, append([]int{bs}, ev.inputDims...)...)
		out, err := ev.exec.Exec(xt)
		if err != nil {
			return 0, err
		}
		pred := tensors.MustCopyFlatData[float32](out[0])[:rows*ev.t]
		y := s.Y[start*ev.t : (start+rows)*ev.t]
		for i, p := range pred {
			d := float64(p) - float64(y[i])
			sse += d * d
		}
		if fn != nil {
			var probes [][]float32
			for i, o := range out[1:] {
				probes = append(probes, tensors.MustCopyFlatData[float32](o)[:rows*ev.widths[i]])
			}
			if err := fn(start, rows, pred, probes); err != nil {
				return 0, err
			}
		}
		for _, o := range out {
			o.FinalizeAll()
		}
	}
	return sse / float64(s.N*ev.t), nil
}
