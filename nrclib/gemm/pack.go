package gemm

// maxKC bounds every path's KC (the zero rows of the transposing packs are
// this long).
const maxKC = 256

// packA copies rows [ic, ic+mc) and columns [pc, pc+kc) of op(A) into ap as
// strips of mr rows: strip s holds, for each k, the mr values
// A[ic+s·mr+r][pc+k] (r < mr) consecutively, zero beyond row mc.
func packA[T float32 | float64](p *Product, ks *kernelSet[T], a, ap []T, ic, pc, mc, kc int) {
	mr, lda := ks.mr, p.LDA
	for s := 0; s*mr < mc; s++ {
		rows := min(mr, mc-s*mr)
		dst := ap[s*mr*kc : (s+1)*mr*kc]
		i0 := ic + s*mr
		if p.TransA {
			// Stored K×M: A[i][k] = a[k·lda + i]; each k's values are contiguous.
			ks.copyStrip(dst, a[pc*lda+i0:], kc, lda, mr, rows)
		} else {
			// Stored M×K: A[i][k] = a[i·lda + k]; a transpose.
			ks.transStrip(dst, a[i0*lda+pc:], kc, lda, mr, rows)
		}
	}
}

// packB copies rows [pc, pc+kc) and columns [jc, jc+nc) of op(B) into bp as
// strips of nr columns: strip s holds, for each k, the nr values
// B[pc+k][jc+s·nr+j] (j < nr) consecutively, zero beyond column nc.
func packB[T float32 | float64](p *Product, ks *kernelSet[T], b, bp []T, pc, jc, kc, nc int) {
	nr, ldb := ks.nr, p.LDB
	for s := 0; s*nr < nc; s++ {
		cols := min(nr, nc-s*nr)
		dst := bp[s*nr*kc : (s+1)*nr*kc]
		j0 := jc + s*nr
		if !p.TransB {
			// Stored K×N: B[k][j] = b[k·ldb + j]; each k's values are contiguous.
			ks.copyStrip(dst, b[pc*ldb+j0:], kc, ldb, nr, cols)
		} else {
			// Stored N×K: B[k][j] = b[j·ldb + k]; a transpose.
			ks.transStrip(dst, b[j0*ldb+pc:], kc, ldb, nr, cols)
		}
	}
}

// copyStripGo writes, for each k < kc, the count values src[k·ld …] and
// w − count zeros at dst[k·w …].
func copyStripGo[T float32 | float64](dst, src []T, kc, ld, w, count int) {
	for k := 0; k < kc; k++ {
		d := dst[k*w : k*w+w]
		copy(d, src[k*ld:k*ld+count])
		clear(d[count:])
	}
}

// transStripGo writes dst[k·w + r] = src[r·ld + k] for r < count and zeros
// for count ≤ r < w, for each k < kc.
func transStripGo[T float32 | float64](dst, src []T, kc, ld, w, count int) {
	for r := 0; r < count; r++ {
		row := src[r*ld : r*ld+kc]
		for k, v := range row {
			dst[k*w+r] = v
		}
	}
	for r := count; r < w; r++ {
		for k := 0; k < kc; k++ {
			dst[k*w+r] = 0
		}
	}
}
