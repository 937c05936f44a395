package gemm

// smallFMAs is the largest product (M·N·K multiply-adds) computed without
// packing: below it, packing and tile bookkeeping cost more than they save.
const smallFMAs = 8192

// small reports whether p takes the unpacked path.
func small[T float32 | float64](p *Product, _ *kernelSet[T]) bool {
	return p.M*p.N*p.K <= smallFMAs
}

// mulUnpacked computes p directly from the operands, one row of C at a
// time, each element's sum taken over k in increasing order.
func mulUnpacked[T float32 | float64](p *Product, c, a, b []T) {
	at := func(i, k int) T {
		if p.TransA {
			return a[k*p.LDA+i]
		}
		return a[i*p.LDA+k]
	}
	for i := 0; i < p.M; i++ {
		row := c[i*p.LDC : i*p.LDC+p.N]
		if p.TransB {
			for j := range row {
				brow := b[j*p.LDB : j*p.LDB+p.K]
				var s T
				for k, v := range brow {
					s += at(i, k) * v
				}
				if p.Accumulate {
					row[j] += s
				} else {
					row[j] = s
				}
			}
			continue
		}
		if !p.Accumulate {
			clear(row)
		}
		// Accumulating into row k by k adds the terms of every element in
		// increasing k as well; a separate sum then keeps Accumulate's
		// addition last, as in the packed path.
		if p.Accumulate {
			tmp := make([]T, p.N)
			axpyRows(p, tmp, b, at, i)
			for j := range row {
				row[j] += tmp[j]
			}
			continue
		}
		axpyRows(p, row, b, at, i)
	}
}

func axpyRows[T float32 | float64](p *Product, row, b []T, at func(i, k int) T, i int) {
	for k := 0; k < p.K; k++ {
		aik := at(i, k)
		brow := b[k*p.LDB : k*p.LDB+p.N]
		for j, v := range brow {
			row[j] += aik * v
		}
	}
}
