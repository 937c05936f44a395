package gemm

import (
	"sync"
	"unsafe"
)

// kernelSet is one path's micro-kernel for one element type, with the
// blocking that suits it.
type kernelSet[T float32 | float64] struct {
	mr, nr     int // tile of C computed by micro
	kc, mc, nc int // blocking of k, of A's rows and of B's columns
	// micro computes the mr×nr tile at c (rows ldc apart) from kc steps of
	// packed A (mr values per step) and packed B (nr values per step),
	// adding to c when add ≠ 0.
	micro func(kc int, a, b, c *T, ldc int, add int)
	// copyStrip writes, for each k < kc, the count values src[k·ld …]
	// and w − count zeros at dst[k·w …].
	copyStrip func(dst, src []T, kc, ld, w, count int)
	// transStrip writes dst[k·w + r] = src[r·ld + k] for r < count and
	// zeros for count ≤ r < w, for each k < kc.
	transStrip func(dst, src []T, kc, ld, w, count int)
}

// minFLOPsPerThread is the least work worth a goroutine of its own.
const minFLOPsPerThread = 4e6

// threadsFor returns how many goroutines the product gets.
func threadsFor[T float32 | float64](p *Product, ks *kernelSet[T]) int {
	n := min(threadBound(), int(p.FLOPs()/minFLOPsPerThread))
	strips := (p.M+ks.mr-1)/ks.mr + (p.N+ks.nr-1)/ks.nr
	return max(1, min(n, strips))
}

// scratch pools the packing buffers.
type scratch[T float32 | float64] struct{ buf []T }

var pools32, pools64 sync.Pool

func getScratch[T float32 | float64](n int) *scratch[T] {
	var pool *sync.Pool
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		pool = &pools32
	} else {
		pool = &pools64
	}
	s, _ := pool.Get().(*scratch[T])
	if s == nil {
		s = &scratch[T]{}
	}
	if cap(s.buf) < n {
		s.buf = make([]T, n)
	}
	s.buf = s.buf[:n]
	return s
}

func putScratch[T float32 | float64](s *scratch[T]) {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		pools32.Put(s)
	} else {
		pools64.Put(s)
	}
}

// mul is the blocked product on path with the kernels of table.
func mul[T float32 | float64](path Path, p Product, c, a, b []T, table *[4]*kernelSet[T]) {
	p.normalize(len(c), len(a), len(b))
	if p.M == 0 || p.N == 0 {
		return
	}
	if p.K == 0 {
		if !p.Accumulate {
			for i := 0; i < p.M; i++ {
				clear(c[i*p.LDC : i*p.LDC+p.N])
			}
		}
		return
	}
	ks := table[path]
	if small(&p, ks) {
		mulUnpacked(&p, c, a, b)
		return
	}
	if p.N < ks.nr && p.M > p.N {
		mulSwapped(path, p, c, a, b, table)
		return
	}
	threads := threadsFor(&p, ks)
	kcMax, ncMax := min(ks.kc, p.K), min(ks.nc, roundUp(p.N, ks.nr))
	bs := getScratch[T](kcMax * ncMax)
	defer putScratch(bs)
	for jc := 0; jc < p.N; jc += ks.nc {
		nc := min(ks.nc, p.N-jc)
		for pc := 0; pc < p.K; pc += ks.kc {
			kc := min(ks.kc, p.K-pc)
			packB(&p, ks, b, bs.buf, pc, jc, kc, nc)
			add := p.Accumulate || pc > 0
			blk := block[T]{p: &p, ks: ks, c: c, a: a, bp: bs.buf, pc: pc, jc: jc, kc: kc, nc: nc, add: add}
			if threads == 1 {
				blk.run(0, p.M, 0, nc)
				continue
			}
			blk.parallel(threads)
		}
	}
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// block is one (jc, pc) step of mul: B's panel is packed, A's rows are
// packed by whoever runs a part of it.
type block[T float32 | float64] struct {
	p        *Product
	ks       *kernelSet[T]
	c, a, bp []T
	pc, jc   int
	kc, nc   int
	add      bool
}

// parallel splits the block between threads goroutines by rows of C when
// there are enough row strips, else by column strips.
func (blk *block[T]) parallel(threads int) {
	ks := blk.ks
	rowStrips := (blk.p.M + ks.mr - 1) / ks.mr
	colStrips := (blk.nc + ks.nr - 1) / ks.nr
	var wg sync.WaitGroup
	if rowStrips >= threads || rowStrips >= colStrips {
		threads = min(threads, rowStrips)
		for t := range threads {
			i0 := rowStrips * t / threads * ks.mr
			i1 := min(blk.p.M, rowStrips*(t+1)/threads*ks.mr)
			wg.Go(func() { blk.run(i0, i1, 0, blk.nc) })
		}
	} else {
		threads = min(threads, colStrips)
		for t := range threads {
			j0 := colStrips * t / threads * ks.nr
			j1 := min(blk.nc, colStrips*(t+1)/threads*ks.nr)
			wg.Go(func() { blk.run(0, blk.p.M, j0, j1) })
		}
	}
	wg.Wait()
}

// run computes rows [i0, i1) and panel columns [j0, j1) (j0 a multiple of
// nr) of the block.
func (blk *block[T]) run(i0, i1, j0, j1 int) {
	ks, p := blk.ks, blk.p
	mr, nr := ks.mr, ks.nr
	mcMax := min(ks.mc, roundUp(i1-i0, mr))
	as := getScratch[T](mcMax*blk.kc + mr*nr)
	defer putScratch(as)
	ap, tile := as.buf[:mcMax*blk.kc], as.buf[mcMax*blk.kc:]
	add := 0
	if blk.add {
		add = 1
	}
	for ic := i0; ic < i1; ic += ks.mc {
		mc := min(ks.mc, i1-ic)
		packA(p, ks, blk.a, ap, ic, blk.pc, mc, blk.kc)
		for jr := j0; jr < j1; jr += nr {
			nrem := min(nr, j1-jr)
			bStrip := blk.bp[jr*blk.kc:]
			for ir := 0; ir < mc; ir += mr {
				mrem := min(mr, mc-ir)
				aStrip := ap[ir*blk.kc:]
				ci := (ic+ir)*p.LDC + blk.jc + jr
				if mrem == mr && nrem == nr {
					ks.micro(blk.kc, &aStrip[0], &bStrip[0], &blk.c[ci], p.LDC, add)
					continue
				}
				ks.micro(blk.kc, &aStrip[0], &bStrip[0], &tile[0], nr, 0)
				for i := 0; i < mrem; i++ {
					row := blk.c[ci+i*p.LDC : ci+i*p.LDC+nrem]
					t := tile[i*nr : i*nr+nrem]
					if blk.add {
						for j := range row {
							row[j] += t[j]
						}
					} else {
						copy(row, t)
					}
				}
			}
		}
	}
}

// mulSwapped computes a product with fewer columns than a tile (a network's
// head: N = t) as Cᵀ = Bᵀ·Aᵀ, whose few rows cost at most one tile row
// instead of a tile column per NR, then writes Cᵀ into C. Every element is
// the same sum in the same order as in mul, so the bits do not change.
func mulSwapped[T float32 | float64](path Path, p Product, c, a, b []T, table *[4]*kernelSet[T]) {
	q := Product{M: p.N, N: p.M, K: p.K, TransA: !p.TransB, TransB: !p.TransA, LDA: p.LDB, LDB: p.LDA, LDC: p.M}
	ts := getScratch[T](p.N * p.M)
	defer putScratch(ts)
	ct := ts.buf
	mul(path, q, ct, b, a, table)
	for i := 0; i < p.M; i++ {
		row := c[i*p.LDC : i*p.LDC+p.N]
		for j := range row {
			if p.Accumulate {
				row[j] += ct[j*p.M+i]
			} else {
				row[j] = ct[j*p.M+i]
			}
		}
	}
}
