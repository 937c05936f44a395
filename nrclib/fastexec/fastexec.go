// Package fastexec makes GoMLX's pure-Go backend (simplego) multiply
// matrices with package gemm instead of its own scalar kernel, and run the
// element-wise ops of a training step (Add, Sub, Mul, Max, Min, Sign on
// float32 and float64) with vector loops that give the same bits as
// simplego's scalar ones.
//
// simplego executes every DotGeneral node through an entry of its
// unexported table of op executors, read at each execution. Install
// replaces that entry (through //go:linkname) with an executor that maps the
// node's operands onto gemm products — one per batch element, each operand
// read in place as a plain or transposed matrix — and hands every other case
// (other dtypes, axis orders that are not a matrix in memory) to the stock
// executor it kept. The element-wise executors take equal shapes or a
// single-element operand, reuse an owned input buffer as simplego's do, and
// hand other broadcasts to simplego. Results are written into a fresh buffer of the node's
// normalised output shape [batch, lhs cross, rhs cross], as the stock
// executor does, so the graph around the node is unchanged.
//
// This leans on GoMLX v0.26.0 internals: the table's name and type, and the
// names, types and offsets of the fields of simplego's Node and of its
// DotGeneral parameters. Check verifies all of them against the running
// binary, Install refuses to install when they differ (saying which symbol
// or field changed), and the package's tests fail loudly in that case.
// go.mod pins github.com/gomlx/gomlx at v0.26.0.
//
// $DEEPNRC_GEMM=stock leaves simplego's executor in place; any other value
// selects the gemm path (see package gemm).
package fastexec

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/deepnrc/deepnrc/nrclib/gemm"
)

// opDot is the executor table index of DotGeneral.
const opDot = backends.OpTypeDotGeneral

// executor is the type of simplego's node executors (its unexported
// nodeExecutor).
type executor = func(*simplego.Backend, *simplego.Node, []*simplego.Buffer, []bool) (*simplego.Buffer, error)

//go:linkname nodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var nodeExecutors [backends.OpTypeLast]executor

// dotGeneralData mirrors simplego's unexported dotGeneralNodeData; Check
// verifies that the field names, types and offsets agree.
type dotGeneralData struct {
	lhsContractingAxes, lhsBatchAxes                       []int
	rhsContractingAxes, rhsBatchAxes                       []int
	batchSize, lhsCrossSize, rhsCrossSize, contractingSize int
	lhsBlockedShape, rhsBlockedShape, outputBlockedShape   shapes.Shape
}

var (
	installOnce sync.Once
	installErr  error
	stockDot    executor
	// nodeDataOffset is the offset of simplego.Node's "data" field.
	nodeDataOffset uintptr
	// dataChecked is set once the dynamic type of a DotGeneral node's data
	// has been compared with dotGeneralData.
	dataOnce sync.Once
	dataErr  error

	fastCalls, stockCalls atomic.Int64
	fallbacks             sync.Map // reason string → *atomic.Int64
)

// ErrInternals is wrapped by the errors of Check and Install when GoMLX's
// internals are not what this package was written for.
var ErrInternals = errors.New("fastexec: GoMLX's simplego internals differ from v0.26.0 " +
	"(pin github.com/gomlx/gomlx v0.26.0, or update nrclib/fastexec)")

// Check verifies, without changing anything, that the simplego internals
// this package uses are present with the expected names, types and offsets:
// the executor table and its DotGeneral entry, and simplego.Node's "data"
// field. The layout of the DotGeneral parameters can only be seen on a real
// node; the executor checks it on its first call and falls back to the
// stock executor (counted under the reason "internals") if it differs.
func Check() error {
	for _, t := range []backends.OpType{backends.OpTypeDotGeneral, backends.OpTypeAdd, backends.OpTypeSub,
		backends.OpTypeMul, backends.OpTypeMax, backends.OpTypeMin, backends.OpTypeDiv, backends.OpTypeSign,
		backends.OpTypeConvGeneral, backends.OpTypeReduceSum, backends.OpTypeBroadcastInDim} {
		if nodeExecutors[t] == nil {
			return fmt.Errorf("%w: simplego.nodeExecutors has no %s executor", ErrInternals, t)
		}
	}
	f, ok := reflect.TypeFor[simplego.Node]().FieldByName("data")
	if !ok || f.Type.Kind() != reflect.Interface || f.Type.NumMethod() != 0 {
		return fmt.Errorf("%w: simplego.Node has no field \"data\" of type any", ErrInternals)
	}
	return nil
}

// Install makes simplego run float32 and float64 DotGeneral nodes with
// package gemm, unless $DEEPNRC_GEMM is "stock". It is idempotent and safe
// for concurrent use; call it before executing graphs (backend creation in
// nrclib/backend does). It returns the error of the first call: a bad
// $DEEPNRC_GEMM, or internals that differ from GoMLX v0.26.0 (then nothing
// is installed).
func Install() error {
	installOnce.Do(func() {
		if _, stock, err := gemm.FromEnv(); err != nil {
			installErr = err
			return
		} else if stock {
			return
		}
		if err := Check(); err != nil {
			installErr = err
			return
		}
		f, _ := reflect.TypeFor[simplego.Node]().FieldByName("data")
		nodeDataOffset = f.Offset
		stockDot = nodeExecutors[backends.OpTypeDotGeneral]
		nodeExecutors[backends.OpTypeDotGeneral] = execDotGeneral
		installElementwise()
		if err := installConv(); err != nil {
			installErr = err
		}
	})
	return installErr
}

// Installed reports whether simplego's DotGeneral runs through this package.
func Installed() bool { return stockDot != nil }

// Stats counts the executions of the replaced ops since the program started.
type Stats struct {
	// Fast is the number of DotGeneral executions computed with gemm.
	Fast int64
	// Elementwise is the number of Add, Sub, Mul, Max, Min, Div, Sign,
	// ReduceSum and BroadcastInDim executions computed with vector loops
	// and copies.
	Elementwise int64
	// Conv is the number of ConvGeneral executions computed by im2col and
	// gemm.
	Conv int64
	// Stock is the number handed to simplego's own executor, and
	// Fallbacks the same by reason ("dtype bfloat16", "layout", …).
	Stock     int64
	Fallbacks map[string]int64
}

// ReadStats returns the counts so far.
func ReadStats() Stats {
	s := Stats{Fast: fastCalls.Load(), Elementwise: elementwiseCalls.Load(), Conv: convCalls.Load(), Stock: stockCalls.Load(), Fallbacks: map[string]int64{}}
	fallbacks.Range(func(k, v any) bool {
		s.Fallbacks[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return s
}

func fallback(reason string, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	c, _ := fallbacks.LoadOrStore(reason, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	stockCalls.Add(1)
	return stockDot(backend, node, inputs, owned)
}

// params returns the DotGeneral parameters of node, or an error when they
// are not laid out as dotGeneralData.
func params(node *simplego.Node) (*dotGeneralData, error) {
	data := (*any)(unsafe.Add(unsafe.Pointer(node), nodeDataOffset))
	dataOnce.Do(func() { dataErr = checkData(*data) })
	if dataErr != nil {
		return nil, dataErr
	}
	// An interface holding a pointer keeps it in its second word.
	return (*dotGeneralData)((*[2]unsafe.Pointer)(unsafe.Pointer(data))[1]), nil
}

// checkData compares the dynamic type of a DotGeneral node's data with
// dotGeneralData, field by field.
func checkData(d any) error {
	return checkStruct(d, "dotGeneralNodeData", reflect.TypeFor[dotGeneralData]())
}

// operand describes how one DotGeneral operand lies in memory as a matrix
// per batch element.
type operand struct {
	// crossFirst: the non-batch axes are [cross…, contracting…] (rows are
	// cross indices, contiguous along k); otherwise [contracting…, cross…].
	crossFirst bool
}

// layout checks that an operand of the given shape is, per batch element, a
// matrix in memory: batch axes leading and in order, then its cross axes
// and its contracting axes as two contiguous runs (contracting axes in
// increasing order, which with the pairing check in matrixLayout makes the
// flattened contracting index agree between the operands).
func layout(dims []int, contracting, batch []int) (operand, bool) {
	for i, a := range batch {
		if a != i {
			return operand{}, false
		}
	}
	nb := len(batch)
	if !slices.IsSorted(contracting) {
		return operand{}, false
	}
	rest := len(dims) - nb
	nc := len(contracting)
	isContract := func(a int) bool { return slices.Contains(contracting, a) }
	// contracting axes must be a contiguous run at the start or at the end
	// of the non-batch axes.
	atEnd, atStart := true, true
	for i := 0; i < nc; i++ {
		if !isContract(nb + rest - nc + i) {
			atEnd = false
		}
		if !isContract(nb + i) {
			atStart = false
		}
	}
	switch {
	case atEnd:
		return operand{crossFirst: true}, true
	case atStart:
		return operand{crossFirst: false}, true
	}
	return operand{}, false
}

// execDotGeneral is the replacement DotGeneral executor.
func execDotGeneral(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	p, err := params(node)
	if err != nil {
		return fallback("internals", backend, node, inputs, owned)
	}
	ls, err := backend.BufferShape(inputs[0])
	if err != nil {
		return nil, err
	}
	rs, err := backend.BufferShape(inputs[1])
	if err != nil {
		return nil, err
	}
	if ls.DType != rs.DType || (ls.DType != dtypes.Float32 && ls.DType != dtypes.Float64) {
		return fallback("dtype "+ls.DType.String(), backend, node, inputs, owned)
	}
	lo, ok1 := layout(ls.Dimensions, p.lhsContractingAxes, p.lhsBatchAxes)
	ro, ok2 := layout(rs.Dimensions, p.rhsContractingAxes, p.rhsBatchAxes)
	if !ok1 || !ok2 || !slices.IsSorted(p.rhsContractingAxes) {
		return fallback("layout", backend, node, inputs, owned)
	}
	m, n, k, batch := p.lhsCrossSize, p.rhsCrossSize, p.contractingSize, p.batchSize
	prod := gemm.Product{M: m, N: n, K: k, TransA: !lo.crossFirst, TransB: ro.crossFirst}
	out := backend.NewBuffer(shapes.Make(ls.DType, batch, m, n))
	if out == nil {
		return nil, errors.New("fastexec: the backend is finalized")
	}
	lflat, err := backend.BufferData(inputs[0])
	if err != nil {
		return nil, err
	}
	rflat, err := backend.BufferData(inputs[1])
	if err != nil {
		return nil, err
	}
	oflat, err := backend.BufferData(out)
	if err != nil {
		return nil, err
	}
	switch ls.DType {
	case dtypes.Float32:
		batched(prod, batch, oflat.([]float32), lflat.([]float32), rflat.([]float32), gemm.Float32)
	case dtypes.Float64:
		batched(prod, batch, oflat.([]float64), lflat.([]float64), rflat.([]float64), gemm.Float64)
	}
	fastCalls.Add(1)
	return out, nil
}

// batched runs one product per batch element; the operands of element b
// start b·(rows·cols) into each flat slice.
func batched[T float32 | float64](p gemm.Product, batch int, c, a, b []T, f func(gemm.Product, []T, []T, []T)) {
	sa, sb, sc := p.M*p.K, p.K*p.N, p.M*p.N
	for i := range batch {
		f(p, c[i*sc:(i+1)*sc], a[i*sa:(i+1)*sa], b[i*sb:(i+1)*sb])
	}
}

// WithStock runs f with simplego's own executors in place of every one this
// package installed, then puts them back: for benchmarks that compare the
// two. No other goroutine may execute graphs meanwhile.
func WithStock(f func()) {
	if !Installed() {
		f()
		return
	}
	saved := map[backends.OpType]executor{opDot: nodeExecutors[opDot], backends.OpTypeConvGeneral: nodeExecutors[backends.OpTypeConvGeneral]}
	nodeExecutors[opDot] = stockDot
	nodeExecutors[backends.OpTypeConvGeneral] = stockConv
	for t, e := range stockOps {
		saved[t] = nodeExecutors[t]
		nodeExecutors[t] = e
	}
	defer func() {
		for t, e := range saved {
			nodeExecutors[t] = e
		}
	}()
	f()
}
