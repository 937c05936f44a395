package gemm

import "unsafe"

// Tile of the portable kernel.
const (
	genericMR = 4
	genericNR = 4
)

// microGeneric is the portable micro-kernel: a 4×4 tile with sixteen scalar
// accumulators, each summed over k in increasing order.
func microGeneric[T float32 | float64](kc int, a, b, c *T, ldc int, add int) {
	as := unsafe.Slice(a, kc*genericMR)
	bs := unsafe.Slice(b, kc*genericNR)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	for k := 0; k < kc; k++ {
		ak := as[k*genericMR : k*genericMR+4 : k*genericMR+4]
		bk := bs[k*genericNR : k*genericNR+4 : k*genericNR+4]
		a0, a1, a2, a3 := ak[0], ak[1], ak[2], ak[3]
		b0, b1, b2, b3 := bk[0], bk[1], bk[2], bk[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	rows := [4][4]T{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i := range rows {
		r := cs[i*ldc : i*ldc+4 : i*ldc+4]
		if add != 0 {
			r[0] += rows[i][0]
			r[1] += rows[i][1]
			r[2] += rows[i][2]
			r[3] += rows[i][3]
		} else {
			r[0], r[1], r[2], r[3] = rows[i][0], rows[i][1], rows[i][2], rows[i][3]
		}
	}
}

func genericSet[T float32 | float64]() *kernelSet[T] {
	return &kernelSet[T]{mr: genericMR, nr: genericNR, kc: maxKC, mc: 128, nc: 2048, micro: microGeneric[T],
		copyStrip: copyStripGo[T], transStrip: transStripGo[T]}
}
