package fastexec

import (
	"slices"
	"sync/atomic"
	"unsafe"

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
	backends.OpTypeDiv: elementwise.Div,
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
	stockOps[backends.OpTypeReduceSum] = nodeExecutors[backends.OpTypeReduceSum]
	nodeExecutors[backends.OpTypeReduceSum] = execReduceSum
	stockOps[backends.OpTypeBroadcastInDim] = nodeExecutors[backends.OpTypeBroadcastInDim]
	nodeExecutors[backends.OpTypeBroadcastInDim] = execBroadcastInDim
}

// intsData returns a node's data when it is a []int (the axes of reduce
// and BroadcastInDim nodes).
func intsData(node *simplego.Node) ([]int, bool) {
	v, ok := (*(*any)(unsafe.Add(unsafe.Pointer(node), nodeDataOffset))).([]int)
	return v, ok
}

// execReduceSum sums over a block of consecutive axes of a float tensor,
// each output the sum over the block in memory order (simplego's order, so
// the same bits); other axis sets go to simplego.
func execReduceSum(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	const t = backends.OpTypeReduceSum
	s, err := backend.BufferShape(inputs[0])
	if err != nil {
		return nil, err
	}
	axes, ok := intsData(node)
	if !ok {
		return fallbackOp(t, "internals", backend, node, inputs, owned)
	}
	if !isFloat(s.DType) || len(axes) == 0 {
		return fallbackOp(t, "dtype or no axes", backend, node, inputs, owned)
	}
	sorted := slices.Clone(axes)
	slices.Sort(sorted)
	if sorted[len(sorted)-1]-sorted[0] != len(sorted)-1 {
		return fallbackOp(t, "axes", backend, node, inputs, owned)
	}
	bl := blockDims{a: 1, b: 1, c: 1}
	for k, d := range s.Dimensions {
		switch {
		case k < sorted[0]:
			bl.a *= d
		case k <= sorted[len(sorted)-1]:
			bl.b *= d
		default:
			bl.c *= d
		}
	}
	out := backend.NewBuffer(nodeShape(node))
	src, err := backend.BufferData(inputs[0])
	if err != nil {
		return nil, err
	}
	dst, err := backend.BufferData(out)
	if err != nil {
		return nil, err
	}
	switch s.DType {
	case dtypes.Float32:
		sumBlocks(bl, dst.([]float32), src.([]float32))
	case dtypes.Float64:
		sumBlocks(bl, dst.([]float64), src.([]float64))
	}
	elementwiseCalls.Add(1)
	return out, nil
}

func sumBlocks[T float32 | float64](bl blockDims, dst, src []T) {
	for a := 0; a < bl.a; a++ {
		elementwise.SumRows(dst[a*bl.c:(a+1)*bl.c], src[a*bl.b*bl.c:(a+1)*bl.b*bl.c], bl.b)
	}
}

// execBroadcastInDim repeats a float operand along a block of new (or size
// 1) axes — [A, C] to [A, B, C] — by copies; other mappings go to
// simplego.
func execBroadcastInDim(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	const t = backends.OpTypeBroadcastInDim
	s, err := backend.BufferShape(inputs[0])
	if err != nil {
		return nil, err
	}
	axes, ok := intsData(node)
	if !ok {
		return fallbackOp(t, "internals", backend, node, inputs, owned)
	}
	os := nodeShape(node)
	if !isFloat(s.DType) || len(axes) != s.Rank() || !slices.IsSorted(axes) {
		return fallbackOp(t, "layout", backend, node, inputs, owned)
	}
	small := make([]int, os.Rank())
	for i := range small {
		small[i] = 1
	}
	for i, a := range axes {
		small[a] = s.Dimensions[i]
	}
	bl, ok := blocks(small, os.Dimensions)
	if !ok {
		return fallbackOp(t, "layout", backend, node, inputs, owned)
	}
	out := backend.NewBuffer(os)
	src, err := backend.BufferData(inputs[0])
	if err != nil {
		return nil, err
	}
	dst, err := backend.BufferData(out)
	if err != nil {
		return nil, err
	}
	switch s.DType {
	case dtypes.Float32:
		repeatBlocks(bl, dst.([]float32), src.([]float32))
	case dtypes.Float64:
		repeatBlocks(bl, dst.([]float64), src.([]float64))
	}
	elementwiseCalls.Add(1)
	return out, nil
}

// repeatBlocks writes dst[a, b, :] = src[a, :] for every b, doubling the
// copied run each time.
func repeatBlocks[T float32 | float64](bl blockDims, dst, src []T) {
	n := bl.b * bl.c
	for a := 0; a < bl.a; a++ {
		block := dst[a*n : (a+1)*n]
		done := copy(block, src[a*bl.c:(a+1)*bl.c])
		for done < n {
			done += copy(block[done:], block[:done])
		}
	}
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
		// scalar: 0 none, 1 the right operand, 2 the left one; or the
		// right (3) or left (4) operand broadcast along a block of axes.
		var out shapes.Shape
		scalar := 0
		var bl blockDims
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
			var ok bool
			if bl, ok = blocks(rs.Dimensions, ls.Dimensions); ok {
				out, scalar = ls, 3
			} else if bl, ok = blocks(ls.Dimensions, rs.Dimensions); ok {
				out, scalar = rs, 4
			} else {
				return fallbackOp(t, "broadcast", backend, node, inputs, owned)
			}
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
			binary(op, scalar, bl, flats[2].([]float32), flats[0].([]float32), flats[1].([]float32))
		case dtypes.Float64:
			binary(op, scalar, bl, flats[2].([]float64), flats[0].([]float64), flats[1].([]float64))
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

func binary[T float32 | float64](op elementwise.Op, scalar int, bl blockDims, dst, a, b []T) {
	switch scalar {
	case 1:
		elementwise.Scalar(op, dst, a, b[0], false)
	case 2:
		elementwise.Scalar(op, dst, b, a[0], true)
	case 3:
		broadcastBinary(op, bl, dst, a, b, false)
	case 4:
		broadcastBinary(op, bl, dst, b, a, true)
	default:
		elementwise.Binary(op, dst, a, b)
	}
}

// blockDims splits a shape as [A, B, C]: a smaller operand of shape
// [A, 1, C] is broadcast along B.
type blockDims struct{ a, b, c int }

// blocks reports whether small (same rank as big) is big with a block of
// consecutive axes set to 1 — [A, 1…1, C] against [A, B…, C] — and returns
// the sizes. BatchNorm's per-channel vectors ([1, 1, 1, C]) and the
// per-sample means of a global pooling ([N, 1, 1, C]) are such.
func blocks(small, big []int) (blockDims, bool) {
	if len(small) != len(big) {
		return blockDims{}, false
	}
	i, j := -1, -1
	for k := range big {
		if small[k] != big[k] {
			if i < 0 {
				i = k
			}
			j = k + 1
		}
	}
	if i < 0 {
		return blockDims{}, false
	}
	bd := blockDims{a: 1, b: 1, c: 1}
	for k := range big {
		switch {
		case k < i:
			bd.a *= big[k]
		case k < j:
			if small[k] != 1 {
				return blockDims{}, false
			}
			bd.b *= big[k]
		default:
			bd.c *= big[k]
		}
	}
	return bd, true
}

// tileLen is the length of the repeated small operand a broadcast binary
// op works through at a time.
const tileLen = 2048

// broadcastBinary computes dst = big op small (or small op big) with small
// [A, C] broadcast along B of big [A, B, C].
func broadcastBinary[T float32 | float64](op elementwise.Op, bl blockDims, dst, big, small []T, smallFirst bool) {
	reps := max(1, tileLen/bl.c)
	tile := make([]T, reps*bl.c)
	for a := 0; a < bl.a; a++ {
		row := small[a*bl.c : (a+1)*bl.c]
		for r := 0; r < reps; r++ {
			copy(tile[r*bl.c:], row)
		}
		for off := a * bl.b * bl.c; off < (a+1)*bl.b*bl.c; off += len(tile) {
			n := min(len(tile), (a+1)*bl.b*bl.c-off)
			if smallFirst {
				elementwise.Binary(op, dst[off:off+n], tile[:n], big[off:off+n])
			} else {
				elementwise.Binary(op, dst[off:off+n], big[off:off+n], tile[:n])
			}
		}
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
