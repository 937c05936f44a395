package fastexec

import (
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/deepnrc/deepnrc/nrclib/fastexec/internal/elementwise"
)

// binaryOps are the element-wise ops given vector executors.
var binaryOps = map[backends.OpType]elementwise.Op{
	backends.OpTypeAdd: elementwise.Add,
	backends.OpTypeSub: elementwise.Sub,
	backends.OpTypeMul: elementwise.Mul,
	backends.OpTypeMax: elementwise.Max,
	backends.OpTypeMin: elementwise.Min,
}

// stockOps keeps simplego's executors of the ops replaced here.
var stockOps = map[backends.OpType]executor{}

var elementwiseCalls atomic.Int64

// installElementwise replaces the executors of binaryOps and Sign.
func installElementwise() {
	for t, op := range binaryOps {
		stockOps[t] = nodeExecutors[t]
		nodeExecutors[t] = binaryExecutor(t, op)
	}
	stockOps[backends.OpTypeSign] = nodeExecutors[backends.OpTypeSign]
	nodeExecutors[backends.OpTypeSign] = execSign
}

func fallbackOp(t backends.OpType, reason string, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	c, _ := fallbacks.LoadOrStore(t.String()+": "+reason, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	stockCalls.Add(1)
	return stockOps[t](backend, node, inputs, owned)
}

func isFloat(dt dtypes.DType) bool { return dt == dtypes.Float32 || dt == dtypes.Float64 }

// binaryExecutor returns the executor of op t for float32 and float64
// operands of equal shapes or with one operand of a single element (a
// scalar); other broadcasts and dtypes go to simplego's executor. Like
// simplego's, it writes into an operand's buffer when the executor owns it
// and it has the output's shape.
func binaryExecutor(t backends.OpType, op elementwise.Op) executor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		ls, err := backend.BufferShape(inputs[0])
		if err != nil {
			return nil, err
		}
		rs, err := backend.BufferShape(inputs[1])
		if err != nil {
			return nil, err
		}
		if ls.DType != rs.DType || !isFloat(ls.DType) {
			return fallbackOp(t, "dtype "+ls.DType.String(), backend, node, inputs, owned)
		}
		// scalar: 0 none, 1 the right operand, 2 the left one.
		var out shapes.Shape
		scalar := 0
		single := func(s, other shapes.Shape) bool {
			return s.Size() == 1 && (s.IsScalar() || s.Rank() == other.Rank())
		}
		switch {
		case ls.Equal(rs):
			out = ls
		case single(rs, ls):
			out, scalar = ls, 1
		case single(ls, rs):
			out, scalar = rs, 2
		default:
			return fallbackOp(t, "broadcast", backend, node, inputs, owned)
		}
		output := reuseOrNew(backend, inputs, owned, out)
		flats := make([]any, 3)
		for i, b := range []*simplego.Buffer{inputs[0], inputs[1], output} {
			if b == nil { // reused as the output
				b = output
			}
			if flats[i], err = backend.BufferData(b); err != nil {
				return nil, err
			}
		}
		switch out.DType {
		case dtypes.Float32:
			binary(op, scalar, flats[2].([]float32), flats[0].([]float32), flats[1].([]float32))
		case dtypes.Float64:
			binary(op, scalar, flats[2].([]float64), flats[0].([]float64), flats[1].([]float64))
		}
		elementwiseCalls.Add(1)
		return output, nil
	}
}

// reuseOrNew returns an owned input buffer of the output's shape, marking
// it taken (simplego's convention: its slot in inputs becomes nil), or a new
// buffer. A taken input's data stays readable through the returned buffer.
func reuseOrNew(backend *simplego.Backend, inputs []*simplego.Buffer, owned []bool, out shapes.Shape) *simplego.Buffer {
	for i := len(inputs) - 1; i >= 0; i-- {
		if !owned[i] || inputs[i] == nil {
			continue
		}
		if s, err := backend.BufferShape(inputs[i]); err == nil && s.Equal(out) {
			b := inputs[i]
			inputs[i] = nil
			return b
		}
	}
	return backend.NewBuffer(out)
}

func binary[T float32 | float64](op elementwise.Op, scalar int, dst, a, b []T) {
	switch scalar {
	case 1:
		elementwise.Scalar(op, dst, a, b[0], false)
	case 2:
		elementwise.Scalar(op, dst, b, a[0], true)
	default:
		elementwise.Binary(op, dst, a, b)
	}
}

// execSign is the Sign executor for float32 and float64.
func execSign(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	s, err := backend.BufferShape(inputs[0])
	if err != nil {
		return nil, err
	}
	if !isFloat(s.DType) {
		return fallbackOp(backends.OpTypeSign, "dtype "+s.DType.String(), backend, node, inputs, owned)
	}
	in := inputs[0]
	output := reuseOrNew(backend, inputs, owned, s)
	src, err := backend.BufferData(in)
	if err != nil {
		return nil, err
	}
	dst, err := backend.BufferData(output)
	if err != nil {
		return nil, err
	}
	switch s.DType {
	case dtypes.Float32:
		elementwise.Sign(dst.([]float32), src.([]float32))
	case dtypes.Float64:
		elementwise.Sign(dst.([]float64), src.([]float64))
	}
	elementwiseCalls.Add(1)
	return output, nil
}
