package gemm

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/cpu"
)

// Path names a family of micro-kernels.
type Path int

// The paths, fastest first.
const (
	// AVX512 uses 512-bit AVX-512F fused multiply-adds.
	AVX512 Path = iota + 1
	// AVX2 uses 256-bit AVX2 and FMA3.
	AVX2
	// Generic is portable Go, for every CPU and architecture.
	Generic
)

// EnvPath is the environment variable that forces a path: "avx512",
// "avx2", "generic", or "stock" (understood by nrclib/fastexec: GoMLX's own
// DotGeneral stays in place; gemm itself then uses its default path). Unset,
// empty or "auto" picks the fastest path the CPU supports.
const EnvPath = "DEEPNRC_GEMM"

// Stock is the value of EnvPath that keeps GoMLX's own matrix product.
const Stock = "stock"

// String returns the path's name as EnvPath spells it.
func (p Path) String() string {
	switch p {
	case AVX512:
		return "avx512"
	case AVX2:
		return "avx2"
	case Generic:
		return "generic"
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// Supported reports whether this CPU can run path p.
func Supported(p Path) bool {
	switch p {
	case AVX512:
		return hasAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA
	case AVX2:
		return hasAsm && cpu.X86.HasAVX2 && cpu.X86.HasFMA
	case Generic:
		return true
	}
	return false
}

// Best returns the fastest path this CPU supports.
func Best() Path {
	for _, p := range []Path{AVX512, AVX2} {
		if Supported(p) {
			return p
		}
	}
	return Generic
}

// Available lists the paths this CPU supports, fastest first.
func Available() []Path {
	var out []Path
	for _, p := range []Path{AVX512, AVX2, Generic} {
		if Supported(p) {
			out = append(out, p)
		}
	}
	return out
}

// ParsePath reads a value of EnvPath. It returns stock = true for "stock"
// (with the default path), and an error naming the accepted values for
// anything else unknown, or for a path this CPU cannot run.
func ParsePath(s string) (p Path, stock bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Best(), false, nil
	case Stock:
		return Best(), true, nil
	case "avx512":
		p = AVX512
	case "avx2":
		p = AVX2
	case "generic":
		p = Generic
	default:
		return 0, false, fmt.Errorf("gemm: %s=%q: use auto (default), avx512, avx2, generic or stock", EnvPath, s)
	}
	if !Supported(p) {
		return 0, false, fmt.Errorf("gemm: %s=%s: this CPU cannot run the %s path (it supports %v)", EnvPath, s, p, Available())
	}
	return p, false, nil
}

// FromEnv parses $DEEPNRC_GEMM (see ParsePath).
func FromEnv() (p Path, stock bool, err error) { return ParsePath(os.Getenv(EnvPath)) }

var (
	active     atomic.Int32
	maxThreads atomic.Int32
	envErr     error
)

func init() {
	p, _, err := FromEnv()
	if err != nil {
		envErr = err
		p = Best()
	}
	active.Store(int32(p))
}

// EnvError returns the error of parsing $DEEPNRC_GEMM at start-up, or nil.
// On an error the package uses Best(); callers that create backends report
// it (nrclib/fastexec does).
func EnvError() error { return envErr }

// Active returns the path products use now.
func Active() Path { return Path(active.Load()) }

// SetPath makes products use path p from now on and returns the previous
// one. It is an error to choose a path this CPU cannot run.
func SetPath(p Path) (Path, error) {
	if !Supported(p) {
		return Active(), fmt.Errorf("gemm: this CPU cannot run the %s path (it supports %v)", p, Available())
	}
	return Path(active.Swap(int32(p))), nil
}

// SetMaxThreads bounds the goroutines one product may use and returns the
// previous bound; n ≤ 0 means GOMAXPROCS (the default). Threads never change
// the result (see the package doc).
func SetMaxThreads(n int) int { return int(maxThreads.Swap(int32(n))) }

func threadBound() int {
	if n := int(maxThreads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Product describes C (M×N) = A (M×K) · B (K×N), all row-major.
//
// A is stored M×K with rows LDA elements apart, or, with TransA, K×M with
// rows LDA apart (so A is the transpose of what is stored); likewise B is
// stored K×N, or N×K with TransB. A leading dimension of 0 means the stored
// matrix's own width. C's rows are LDC elements apart (0: N).
type Product struct {
	M, N, K        int
	TransA, TransB bool
	LDA, LDB, LDC  int
	// Accumulate adds the product to C instead of overwriting C.
	Accumulate bool
}

// FLOPs returns the nominal floating-point operations of the product,
// 2·M·N·K.
func (p Product) FLOPs() float64 { return 2 * float64(p.M) * float64(p.N) * float64(p.K) }

// normalize fills default leading dimensions and checks the slices; a
// mismatch is a programming error and panics.
func (p *Product) normalize(lenC, lenA, lenB int) {
	if p.M < 0 || p.N < 0 || p.K < 0 {
		panic(fmt.Sprintf("gemm: negative dimensions %d×%d×%d", p.M, p.N, p.K))
	}
	rowsA, colsA := p.M, p.K
	if p.TransA {
		rowsA, colsA = p.K, p.M
	}
	rowsB, colsB := p.K, p.N
	if p.TransB {
		rowsB, colsB = p.N, p.K
	}
	if p.LDA == 0 {
		p.LDA = max(colsA, 1)
	}
	if p.LDB == 0 {
		p.LDB = max(colsB, 1)
	}
	if p.LDC == 0 {
		p.LDC = max(p.N, 1)
	}
	check := func(name string, rows, cols, ld, n int) {
		if ld < cols {
			panic(fmt.Sprintf("gemm: %s has %d columns but leading dimension %d", name, cols, ld))
		}
		if rows > 0 && cols > 0 && n < (rows-1)*ld+cols {
			panic(fmt.Sprintf("gemm: %s (%d×%d, leading dimension %d) needs %d elements, got %d", name, rows, cols, ld, (rows-1)*ld+cols, n))
		}
	}
	check("A", rowsA, colsA, p.LDA, lenA)
	check("B", rowsB, colsB, p.LDB, lenB)
	check("C", p.M, p.N, p.LDC, lenC)
}

// Float32 computes the product p of a and b into c with the active path.
// It panics when a slice is too short for the dimensions given.
func Float32(p Product, c, a, b []float32) { mul(Active(), p, c, a, b, &kernels32) }

// Float64 computes the product p of a and b into c with the active path.
// It panics when a slice is too short for the dimensions given.
func Float64(p Product, c, a, b []float64) { mul(Active(), p, c, a, b, &kernels64) }
