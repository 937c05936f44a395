package fastexec

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

// convData mirrors simplego's unexported convNode; checkConvData verifies
// the field names, types and offsets.
type convData struct {
	axes              backends.ConvolveAxesConfig
	strides           []int
	paddings          [][2]int
	inputDilations    []int
	kernelDilations   []int
	channelGroupCount int
	batchGroupCount   int

	hasInputDilations, hasKernelDilations            bool
	inputStrides, inputSpatialStrides, kernelStrides []int
	dilatedInputSpatialDims                          []int
}

var (
	convOnce      sync.Once
	convErr       error
	nodeShapeOff  uintptr
	convCalls     atomic.Int64
	stockConv     executor
	convInstalled bool
)

// installConv replaces simplego's ConvGeneral executor.
func installConv() error {
	f, ok := reflect.TypeFor[simplego.Node]().FieldByName("shape")
	if !ok || f.Type != reflect.TypeFor[shapes.Shape]() {
		return fmt.Errorf("%w: simplego.Node has no field \"shape\" of type shapes.Shape", ErrInternals)
	}
	nodeShapeOff = f.Offset
	stockConv = nodeExecutors[backends.OpTypeConvGeneral]
	nodeExecutors[backends.OpTypeConvGeneral] = execConvGeneral
	convInstalled = true
	return nil
}

func nodeShape(node *simplego.Node) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(node), nodeShapeOff))
}

func convParams(node *simplego.Node) (*convData, error) {
	data := (*any)(unsafe.Add(unsafe.Pointer(node), nodeDataOffset))
	convOnce.Do(func() { convErr = checkStruct(*data, "convNode", reflect.TypeFor[convData]()) })
	if convErr != nil {
		return nil, convErr
	}
	return (*convData)((*[2]unsafe.Pointer)(unsafe.Pointer(data))[1]), nil
}

func fallbackConv(reason string, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	c, _ := fallbacks.LoadOrStore("ConvGeneral: "+reason, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	stockCalls.Add(1)
	return stockConv(backend, node, inputs, owned)
}

// convPlan is a ConvGeneral expressed as one im2col matrix P and one
// product. The input X is read as [D0, H, W, D3] (its axes in memory
// order; D3 contiguous). P has a row per (i0, r1, r2) and a column per (q1,
// q2, i3):
//
//	P[(i0, r1, r2), (q1, q2, i3)] = X[i0, p1, p2, i3],  p = (r·α + q·β − lo) / d
//
// and 0 where p falls outside X or between dilated input positions (d > 1).
// Forward layout (NHWC input, [k, k, in, out] or [k, k, out, in] kernel,
// NHWC output): rows are output positions, columns the window taps and
// input channels, output = P · kernel. Kernel-gradient layout (the input's
// batch axis last and its channel axis first, the "kernel" the output
// gradient): rows run over what the sum contracts, output = Pᵀ · kernel.
type convPlan struct {
	d0, h, w, d3   int
	r1, r2, q1, q2 int
	alpha, beta    [2]int
	lo, dil        [2]int
	f              int  // output channels
	transposed     bool // output = Pᵀ · K (kernel-gradient layout)
	kernelOutFirst bool // forward layout with the kernel's out channels before its in channels
}

func eq(a []int, b ...int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ones(s []int, d int) []int {
	out := make([]int, d)
	for i := range out {
		out[i] = 1
		if i < len(s) && s[i] > 0 {
			out[i] = s[i]
		}
	}
	return out
}

// plan recognises the layouts this executor handles.
func plan(c *convData, xs, ks, os shapes.Shape) (convPlan, bool) {
	a := c.axes
	if xs.Rank() != 4 || ks.Rank() != 4 || os.Rank() != 4 || !eq(a.InputSpatial, 1, 2) || c.channelGroupCount > 1 || c.batchGroupCount > 1 {
		return convPlan{}, false
	}
	strides, kdil, idil := ones(c.strides, 2), ones(c.kernelDilations, 2), ones(c.inputDilations, 2)
	var lo [2]int
	for i := 0; i < 2 && i < len(c.paddings); i++ {
		lo[i] = c.paddings[i][0]
	}
	x, k, o := xs.Dimensions, ks.Dimensions, os.Dimensions
	p := convPlan{d0: x[0], h: x[1], w: x[2], d3: x[3], lo: lo, dil: [2]int{idil[0], idil[1]}}
	switch {
	case a.InputBatch == 0 && a.InputChannels == 3 && eq(a.KernelSpatial, 0, 1) &&
		a.OutputBatch == 0 && eq(a.OutputSpatial, 1, 2) && a.OutputChannels == 3 &&
		((a.KernelInputChannels == 2 && a.KernelOutputChannels == 3) || (a.KernelInputChannels == 3 && a.KernelOutputChannels == 2)):
		p.r1, p.r2, p.q1, p.q2 = o[1], o[2], k[0], k[1]
		p.alpha, p.beta = [2]int{strides[0], strides[1]}, [2]int{kdil[0], kdil[1]}
		p.f = o[3]
		p.kernelOutFirst = a.KernelOutputChannels == 2
		kin := k[a.KernelInputChannels]
		return p, kin == p.d3 && o[0] == p.d0 && k[a.KernelOutputChannels] == p.f
	case a.InputChannels == 0 && a.InputBatch == 3 && a.KernelInputChannels == 0 && eq(a.KernelSpatial, 1, 2) &&
		a.KernelOutputChannels == 3 && eq(a.OutputSpatial, 0, 1) && a.OutputBatch == 2 && a.OutputChannels == 3:
		p.r1, p.r2, p.q1, p.q2 = k[1], k[2], o[0], o[1]
		// Here the kernel's spatial positions index the rows.
		p.alpha, p.beta = [2]int{kdil[0], kdil[1]}, [2]int{strides[0], strides[1]}
		p.f = o[3]
		p.transposed = true
		return p, k[0] == p.d0 && o[2] == p.d3 && k[3] == p.f
	}
	return convPlan{}, false
}

// execConvGeneral is the replacement ConvGeneral executor.
func execConvGeneral(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	c, err := convParams(node)
	if err != nil {
		return fallbackConv("internals", backend, node, inputs, owned)
	}
	xs, err := backend.BufferShape(inputs[0])
	if err != nil {
		return nil, err
	}
	ks, err := backend.BufferShape(inputs[1])
	if err != nil {
		return nil, err
	}
	if xs.DType != ks.DType || !isFloat(xs.DType) {
		return fallbackConv("dtype "+xs.DType.String(), backend, node, inputs, owned)
	}
	os := nodeShape(node)
	p, ok := plan(c, xs, ks, os)
	if !ok {
		return fallbackConv("layout", backend, node, inputs, owned)
	}
	out := backend.NewBuffer(os)
	xf, err := backend.BufferData(inputs[0])
	if err != nil {
		return nil, err
	}
	kf, err := backend.BufferData(inputs[1])
	if err != nil {
		return nil, err
	}
	of, err := backend.BufferData(out)
	if err != nil {
		return nil, err
	}
	switch xs.DType {
	case dtypes.Float32:
		conv(&p, of.([]float32), xf.([]float32), kf.([]float32), gemm.Float32)
	case dtypes.Float64:
		conv(&p, of.([]float64), xf.([]float64), kf.([]float64), gemm.Float64)
	}
	convCalls.Add(1)
	return out, nil
}

// im2colChunk is the most elements of P built at once (512 KiB of float32,
// so that P stays in the L2 cache for the product that reads it); the rows
// of P are processed in chunks of this size (a constant, so the summation
// order of the kernel-gradient product never depends on anything but the
// shapes).
const im2colChunk = 1 << 17

type convScratch[T float32 | float64] struct{ p, k []T }

var convPool32, convPool64 sync.Pool

func conv[T float32 | float64](p *convPlan, out, x, kernel []T, mul func(gemm.Product, []T, []T, []T)) {
	cols := p.q1 * p.q2 * p.d3
	rows := p.d0 * p.r1 * p.r2
	chunk := max(1, im2colChunk/cols)
	pool := &convPool64
	if unsafe.Sizeof(out[0]) == 4 {
		pool = &convPool32
	}
	s, _ := pool.Get().(*convScratch[T])
	if s == nil {
		s = &convScratch[T]{}
	}
	defer pool.Put(s)
	if n := min(chunk, rows) * cols; cap(s.p) < n {
		s.p = make([]T, n)
	}
	km := kernel
	if p.kernelOutFirst {
		// [k1, k2, out, in] → [k1, k2, in, out]: a transpose per tap.
		taps := p.q1 * p.q2
		if cap(s.k) < len(kernel) {
			s.k = make([]T, len(kernel))
		}
		km = s.k[:len(kernel)]
		for t := 0; t < taps; t++ {
			src := kernel[t*p.f*p.d3 : (t+1)*p.f*p.d3]
			dst := km[t*p.f*p.d3 : (t+1)*p.f*p.d3]
			for o := 0; o < p.f; o++ {
				for i := 0; i < p.d3; i++ {
					dst[i*p.f+o] = src[o*p.d3+i]
				}
			}
		}
	}
	for r0 := 0; r0 < rows; r0 += chunk {
		n := min(chunk, rows-r0)
		pm := s.p[:n*cols]
		im2col(p, pm, x, r0, n)
		if p.transposed {
			// out[(q1, q2, i3), f] (+)= Σ_r P[r, ·] · K[r, f]
			mul(gemm.Product{M: cols, N: p.f, K: n, TransA: true, Accumulate: r0 > 0}, out, pm, km[r0*p.f:(r0+n)*p.f])
		} else {
			mul(gemm.Product{M: n, N: p.f, K: cols}, out[r0*p.f:(r0+n)*p.f], pm, km)
		}
	}
}

// im2col writes rows [r0, r0+n) of P (see convPlan) into dst.
func im2col[T float32 | float64](p *convPlan, dst, x []T, r0, n int) {
	run := p.d3
	rowLen := p.q1 * p.q2 * run
	for r := r0; r < r0+n; r++ {
		i0 := r / (p.r1 * p.r2)
		a1 := r / p.r2 % p.r1
		a2 := r % p.r2
		row := dst[(r-r0)*rowLen : (r-r0+1)*rowLen]
		for q1 := 0; q1 < p.q1; q1++ {
			seg := row[q1*p.q2*run : (q1+1)*p.q2*run]
			p1, ok := tap(a1*p.alpha[0]+q1*p.beta[0]-p.lo[0], p.dil[0], p.h)
			if !ok {
				clear(seg)
				continue
			}
			base := (i0*p.h + p1) * p.w
			for q2 := 0; q2 < p.q2; q2++ {
				d := seg[q2*run : (q2+1)*run]
				p2, ok := tap(a2*p.alpha[1]+q2*p.beta[1]-p.lo[1], p.dil[1], p.w)
				if !ok {
					clear(d)
					continue
				}
				copy(d, x[(base+p2)*run:(base+p2+1)*run])
			}
		}
	}
}

// tap maps a position t of the padded, dilated input axis to the input
// index, or reports that it is padding or falls between dilated elements.
func tap(t, dil, size int) (int, bool) {
	if t < 0 || t >= size*dil {
		return 0, false
	}
	if dil == 1 {
		return t, true
	}
	if t%dil != 0 {
		return 0, false
	}
	return t / dil, true
}

// checkStruct compares the dynamic type of node data with the mirror type
// want, field by field.
func checkStruct(d any, name string, want reflect.Type) error {
	t := reflect.TypeOf(d)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: node data is %v, want a pointer to %s", ErrInternals, t, name)
	}
	got := t.Elem()
	if got.Name() != name || got.NumField() != want.NumField() || got.Size() != want.Size() {
		return fmt.Errorf("%w: node data is %s with %d fields, want %s with %d",
			ErrInternals, got, got.NumField(), name, want.NumField())
	}
	for i := range want.NumField() {
		g, w := got.Field(i), want.Field(i)
		if g.Name != w.Name || g.Type != w.Type || g.Offset != w.Offset {
			return fmt.Errorf("%w: field %d of %s is %s %s at offset %d, want %s %s at %d",
				ErrInternals, i, got, g.Name, g.Type, g.Offset, w.Name, w.Type, w.Offset)
		}
	}
	return nil
}
