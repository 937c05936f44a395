package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"testing"
)

// reference computes op(A)·op(B) in float64 with plain loops.
func reference[T float32 | float64](p Product, a, b []T) []float64 {
	out := make([]float64, p.M*p.N)
	for i := 0; i < p.M; i++ {
		for j := 0; j < p.N; j++ {
			var s float64
			for k := 0; k < p.K; k++ {
				var x, y T
				if p.TransA {
					x = a[k*p.LDA+i]
				} else {
					x = a[i*p.LDA+k]
				}
				if p.TransB {
					y = b[j*p.LDB+k]
				} else {
					y = b[k*p.LDB+j]
				}
				s += float64(x) * float64(y)
			}
			out[i*p.N+j] = s
		}
	}
	return out
}

func randSlice[T float32 | float64](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(rng.Float64()*2 - 1)
	}
	return s
}

// operands allocates A, B and C for p with the leading dimensions padded by
// pad elements (pad > 0 exercises strided views), C filled with c0.
func operands[T float32 | float64](rng *rand.Rand, p *Product, pad int) (a, b, c []T) {
	ra, ca := p.M, p.K
	if p.TransA {
		ra, ca = p.K, p.M
	}
	rb, cb := p.K, p.N
	if p.TransB {
		rb, cb = p.N, p.K
	}
	p.LDA, p.LDB, p.LDC = ca+pad, cb+pad, p.N+pad
	a = randSlice[T](rng, max(1, ra*p.LDA))
	b = randSlice[T](rng, max(1, rb*p.LDB))
	c = randSlice[T](rng, max(1, p.M*p.LDC))
	return a, b, c
}

// check compares c (the product of p, with c0 the values before) with the
// reference within tol·√K·max|A||B| (the forward error bound of a sum of K
// rounded products), and checks that padding columns were left alone.
func check[T float32 | float64](t *testing.T, name string, p Product, a, b, c0, c []T, eps float64) {
	t.Helper()
	ref := reference(p, a, b)
	tol := eps * float64(p.K+1)
	for i := 0; i < p.M; i++ {
		for j := 0; j < p.LDC; j++ {
			got := float64(c[i*p.LDC+j])
			if j >= p.N {
				if c[i*p.LDC+j] != c0[i*p.LDC+j] {
					t.Fatalf("%s: C[%d][%d] is padding but changed from %v to %v", name, i, j, c0[i*p.LDC+j], got)
				}
				continue
			}
			want := ref[i*p.N+j]
			if p.Accumulate {
				want += float64(c0[i*p.LDC+j])
			}
			if d := math.Abs(got - want); d > tol || math.IsNaN(got) {
				t.Fatalf("%s: C[%d][%d] = %v, want %v (|Δ| %.3g > %.3g)", name, i, j, got, want, d, tol)
			}
		}
	}
}

// edgeSizes returns, for a path's tile, the sizes around it.
func edgeSizes(mr, nr, kc int) (ms, ns, ks []int) {
	ms = []int{1, mr - 1, mr, mr + 1, 3*mr + 5}
	ns = []int{1, nr - 1, nr, nr + 1, 2*nr + 3}
	ks = []int{1, 2, 5, kc - 1, kc + 3}
	return
}

func forEachPath(t *testing.T, f func(t *testing.T, p Path)) {
	for _, p := range Available() {
		t.Run(p.String(), func(t *testing.T) {
			old, err := SetPath(p)
			if err != nil {
				t.Fatal(err)
			}
			defer SetPath(old)
			f(t, p)
		})
	}
}

func TestFloat32EdgeShapes(t *testing.T) {
	forEachPath(t, func(t *testing.T, path Path) {
		ks := kernels32[path]
		testEdgeShapes(t, ks.mr, ks.nr, ks.kc, Float32, 2e-7)
	})
}

func TestFloat64EdgeShapes(t *testing.T) {
	forEachPath(t, func(t *testing.T, path Path) {
		ks := kernels64[path]
		testEdgeShapes(t, ks.mr, ks.nr, ks.kc, Float64, 4e-16)
	})
}

func testEdgeShapes[T float32 | float64](t *testing.T, mr, nr, kc int, f func(Product, []T, []T, []T), eps float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	ms, ns, kks := edgeSizes(mr, nr, kc)
	n := 0
	for _, m := range ms {
		for _, nn := range ns {
			for _, k := range kks {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					for _, acc := range []bool{false, true} {
						pad := (n % 3) * 3
						n++
						p := Product{M: m, N: nn, K: k, TransA: tr[0], TransB: tr[1], Accumulate: acc}
						a, b, c := operands[T](rng, &p, pad)
						c0 := slices.Clone(c)
						f(p, c, a, b)
						check(t, fmt.Sprintf("%dx%dx%d tA=%v tB=%v acc=%v pad=%d", m, nn, k, tr[0], tr[1], acc, pad), p, a, b, c0, c, eps)
					}
				}
			}
		}
	}
}

// TestLargeShapes checks products that span several blocks in every
// dimension (MC, NC and KC), on every path.
func TestLargeShapes(t *testing.T) {
	forEachPath(t, func(t *testing.T, path Path) {
		rng := rand.New(rand.NewPCG(3, 4))
		ks := kernels32[path]
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			p := Product{M: 2*ks.mc + 7, N: 300, K: 2*ks.kc + 9, TransA: tr[0], TransB: tr[1]}
			a, b, c := operands[float32](rng, &p, 1)
			c0 := slices.Clone(c)
			Float32(p, c, a, b)
			check(t, fmt.Sprintf("large tA=%v", tr[0]), p, a, b, c0, c, 2e-7)
		}
		ks64 := kernels64[path]
		p := Product{M: ks64.mc + 3, N: 2*ks64.nr + 1, K: ks64.kc + 1, TransB: true}
		a, b, c := operands[float64](rng, &p, 0)
		c0 := slices.Clone(c)
		Float64(p, c, a, b)
		check(t, "large f64", p, a, b, c0, c, 4e-16)
	})
}

// TestZeroDimensions: K = 0 gives C = 0 (or leaves C with Accumulate);
// M = 0 or N = 0 touch nothing.
func TestZeroDimensions(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Float32(Product{M: 2, N: 2, K: 0, Accumulate: true}, c, nil, nil)
	if !slices.Equal(c, []float32{1, 2, 3, 4}) {
		t.Fatalf("K=0 with Accumulate changed C: %v", c)
	}
	Float32(Product{M: 2, N: 2, K: 0}, c, nil, nil)
	if !slices.Equal(c, []float32{0, 0, 0, 0}) {
		t.Fatalf("K=0 did not zero C: %v", c)
	}
	Float64(Product{M: 0, N: 5, K: 3}, nil, nil, make([]float64, 15))
}

// TestThreadsDoNotChangeBits: the same product with 1, 2, 3 and 7
// goroutines is bit-identical, on every path.
func TestThreadsDoNotChangeBits(t *testing.T) {
	forEachPath(t, func(t *testing.T, path Path) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			p := Product{M: 300, N: 260, K: 700, TransA: tr[0], TransB: tr[1]}
			a, b, c := operands[float32](rng, &p, 0)
			var first []float32
			for _, th := range []int{1, 2, 3, 7} {
				old := SetMaxThreads(th)
				cc := slices.Clone(c)
				Float32(p, cc, a, b)
				SetMaxThreads(old)
				if first == nil {
					first = cc
				} else if !slices.Equal(first, cc) {
					t.Fatalf("tA=%v tB=%v: %d threads changed the result", tr[0], tr[1], th)
				}
			}
		}
	})
}

// TestPathsAgree: the paths differ only by rounding.
func TestPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := Product{M: 129, N: 257, K: 513}
	a, b, c := operands[float32](rng, &p, 0)
	var outs [][]float32
	for _, path := range Available() {
		old, _ := SetPath(path)
		cc := slices.Clone(c)
		Float32(p, cc, a, b)
		SetPath(old)
		outs = append(outs, cc)
	}
	for i := 1; i < len(outs); i++ {
		for j := range outs[0] {
			if d := math.Abs(float64(outs[0][j] - outs[i][j])); d > 2e-7*float64(p.K) {
				t.Fatalf("%s and %s differ by %g at %d", Available()[0], Available()[i], d, j)
			}
		}
	}
}

func TestParsePath(t *testing.T) {
	for _, s := range []string{"", "auto", " AVX2 ", "generic", "stock"} {
		p, stock, err := ParsePath(s)
		if err != nil && Supported(AVX2) {
			t.Fatalf("%q: %v", s, err)
		}
		if stock != (s == "stock") {
			t.Fatalf("%q: stock = %v", s, stock)
		}
		if err == nil && !Supported(p) {
			t.Fatalf("%q: unsupported path %s", s, p)
		}
	}
	if _, _, err := ParsePath("avx9"); err == nil {
		t.Fatal("avx9 accepted")
	}
}

// TestEnvForcesPath runs a child process with DEEPNRC_GEMM set and checks
// that it starts on the forced path.
func TestEnvForcesPath(t *testing.T) {
	if os.Getenv("GEMM_TEST_CHILD") != "" {
		fmt.Printf("active=%s err=%v\n", Active(), EnvError())
		return
	}
	for _, p := range Available() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvForcesPath$", "-test.v")
		cmd.Env = append(os.Environ(), "GEMM_TEST_CHILD=1", EnvPath+"="+p.String())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", p, err, out)
		}
		if want := "active=" + p.String() + " err=<nil>"; !slices.Contains(splitLines(string(out)), want) {
			t.Fatalf("%s=%s: child printed\n%s\nwant a line %q", EnvPath, p, out, want)
		}
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

// TestSkinnySameBits: a product with fewer columns than a tile (computed as
// its transpose) has the bits of the same product computed directly, here
// forced through the blocked path by a wide copy of B.
func TestSkinnySameBits(t *testing.T) {
	forEachPath(t, func(t *testing.T, path Path) {
		rng := rand.New(rand.NewPCG(11, 12))
		ks := kernels32[path]
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			p := Product{M: 300, N: 3, K: 2*ks.kc + 5, TransA: tr[0], TransB: tr[1]}
			a, b, c := operands[float32](rng, &p, 0)
			c0 := slices.Clone(c)
			Float32(p, c, a, b)
			check(t, "skinny", p, a, b, c0, c, 2e-7)
			// The same columns inside a product at least one tile wide.
			wide := Product{M: p.M, N: ks.nr, K: p.K, TransA: p.TransA, TransB: p.TransB}
			wa, wb, wc := operands[float32](rng, &wide, 0)
			copy(wa, a)
			for k := 0; k < p.K; k++ {
				for j := 0; j < p.N; j++ {
					if p.TransB {
						wb[j*wide.LDB+k] = b[j*p.LDB+k]
					} else {
						wb[k*wide.LDB+j] = b[k*p.LDB+j]
					}
				}
			}
			Float32(wide, wc, wa, wb)
			for i := 0; i < p.M; i++ {
				for j := 0; j < p.N; j++ {
					if c[i*p.LDC+j] != wc[i*wide.LDC+j] {
						t.Fatalf("tA=%v: C[%d][%d] = %v skinny, %v wide", tr[0], i, j, c[i*p.LDC+j], wc[i*wide.LDC+j])
					}
				}
			}
		}
	})
}

// TestGeneratedFileIsCurrent: kernels_amd64.s is what asmgen writes.
func TestGeneratedFileIsCurrent(t *testing.T) {
	out := t.TempDir() + "/k.s"
	if b, err := exec.Command("go", "run", "./internal/asmgen", "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("asmgen: %v\n%s", err, b)
	}
	want, _ := os.ReadFile(out)
	got, _ := os.ReadFile("kernels_amd64.s")
	if string(got) != string(want) {
		t.Fatal("kernels_amd64.s differs from what internal/asmgen writes: run go generate ./nrclib/gemm")
	}
}
