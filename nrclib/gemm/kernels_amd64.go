package gemm

//go:generate go run ./internal/asmgen -out kernels_amd64.s

const hasAsm = true

// Micro-kernels and packing routines in kernels_amd64.s (see
// internal/asmgen for what each computes).

//go:noescape
func sgemmKernelAVX512(kc int, a, b, c *float32, ldc int, add int)

//go:noescape
func sgemmKernelAVX512x12(kc int, a, b, c *float32, ldc int, add int)

//go:noescape
func dgemmKernelAVX512(kc int, a, b, c *float64, ldc int, add int)

//go:noescape
func sgemmKernelAVX2(kc int, a, b, c *float32, ldc int, add int)

//go:noescape
func dgemmKernelAVX2(kc int, a, b, c *float64, ldc int, add int)

//go:noescape
func packCopyF32AVX512(dst, src *float32, kc, ld, w, lm0, lm1, sm0, sm1 int)

//go:noescape
func packCopyF64AVX512(dst, src *float64, kc, ld, w, lm0, lm1, sm0, sm1 int)

//go:noescape
func packTransF32AVX512(dst *float32, w int, rows *[16]*float32, kc int, sm int)

//go:noescape
func packTransF64AVX512(dst *float64, w int, rows *[8]*float64, kc int, sm int)

//go:noescape
func packCopyF32AVX2(dst, src *float32, kc, ld, w int, masks *[4][32]byte)

//go:noescape
func packCopyF64AVX2(dst, src *float64, kc, ld, w int, masks *[4][32]byte)

//go:noescape
func packTransF32AVX2(dst *float32, w int, rows *[8]*float32, kc int, masks *[9][32]byte, sm int)

//go:noescape
func packTransF64AVX2(dst *float64, w int, rows *[4]*float64, kc int, masks *[5][32]byte, sm int)

var kernels32 = [4]*kernelSet[float32]{
	AVX512: {mr: 14, nr: 32, kc: maxKC, mc: 196, nc: 4096, micro: sgemmKernelAVX512,
		copyStrip: copyF32AVX512, transStrip: transF32AVX512},
	AVX2: {mr: 6, nr: 16, kc: maxKC, mc: 144, nc: 4096, micro: sgemmKernelAVX2,
		copyStrip: copyF32AVX2, transStrip: transF32AVX2},
	Generic: genericSet[float32](),
}

var kernels64 = [4]*kernelSet[float64]{
	AVX512: {mr: 14, nr: 16, kc: maxKC, mc: 112, nc: 4096, micro: dgemmKernelAVX512,
		copyStrip: copyF64AVX512, transStrip: transF64AVX512},
	AVX2: {mr: 6, nr: 8, kc: maxKC, mc: 96, nc: 4096, micro: dgemmKernelAVX2,
		copyStrip: copyF64AVX2, transStrip: transF64AVX2},
	Generic: genericSet[float64](),
}

// Zero rows for transposes of strips with fewer rows than lanes: the
// routines read up to kc values (kc ≤ maxKC) from every row pointer.
var (
	zeros32 [maxKC + 16]float32
	zeros64 [maxKC + 16]float64
)

// laneMask returns the bits of lanes [off, off+lanes) below n, counted from
// off.
func laneMask(n, off, lanes int) int {
	k := min(max(n-off, 0), lanes)
	return 1<<k - 1
}

func copyF32AVX512(dst, src []float32, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	packCopyF32AVX512(&dst[0], &src[0], kc, ld, w,
		laneMask(count, 0, 16), laneMask(count, 16, 16), laneMask(w, 0, 16), laneMask(w, 16, 16))
}

func copyF64AVX512(dst, src []float64, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	packCopyF64AVX512(&dst[0], &src[0], kc, ld, w,
		laneMask(count, 0, 8), laneMask(count, 8, 8), laneMask(w, 0, 8), laneMask(w, 8, 8))
}

func transF32AVX512(dst, src []float32, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	for g := 0; g*16 < w; g++ {
		var rows [16]*float32
		for r := range rows {
			if i := g*16 + r; i < count {
				rows[r] = &src[i*ld]
			} else {
				rows[r] = &zeros32[0]
			}
		}
		packTransF32AVX512(&dst[16*g], w, &rows, kc, laneMask(w, 16*g, 16))
	}
}

func transF64AVX512(dst, src []float64, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	for g := 0; g*8 < w; g++ {
		var rows [8]*float64
		for r := range rows {
			if i := g*8 + r; i < count {
				rows[r] = &src[i*ld]
			} else {
				rows[r] = &zeros64[0]
			}
		}
		packTransF64AVX512(&dst[8*g], w, &rows, kc, laneMask(w, 8*g, 8))
	}
}

// AVX2 lane masks: entry i enables the first i lanes (all bits of a lane
// set, as VMASKMOV wants).
var (
	masks32 = laneTable[[9][32]byte](4)
	masks64 = laneTable[[5][32]byte](8)
)

func laneTable[A [9][32]byte | [5][32]byte](elem int) (t A) {
	for i := range len(t) {
		for j := 0; j < i*elem; j++ {
			t[i][j] = 0xff
		}
	}
	return t
}

func copyMasks(tab [][32]byte, lanes, w, count int) *[4][32]byte {
	clamp := func(n int) int { return min(max(n, 0), lanes) }
	return &[4][32]byte{tab[clamp(count)], tab[clamp(count-lanes)], tab[clamp(w)], tab[clamp(w-lanes)]}
}

func copyF32AVX2(dst, src []float32, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	packCopyF32AVX2(&dst[0], &src[0], kc, ld, w, copyMasks(masks32[:], 8, w, count))
}

func copyF64AVX2(dst, src []float64, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	packCopyF64AVX2(&dst[0], &src[0], kc, ld, w, copyMasks(masks64[:], 4, w, count))
}

func transF32AVX2(dst, src []float32, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	for g := 0; g*8 < w; g++ {
		var rows [8]*float32
		for r := range rows {
			if i := g*8 + r; i < count {
				rows[r] = &src[i*ld]
			} else {
				rows[r] = &zeros32[0]
			}
		}
		packTransF32AVX2(&dst[8*g], w, &rows, kc, &masks32, min(8, w-8*g))
	}
}

func transF64AVX2(dst, src []float64, kc, ld, w, count int) {
	_ = dst[kc*w-1]
	for g := 0; g*4 < w; g++ {
		var rows [4]*float64
		for r := range rows {
			if i := g*4 + r; i < count {
				rows[r] = &src[i*ld]
			} else {
				rows[r] = &zeros64[0]
			}
		}
		packTransF64AVX2(&dst[4*g], w, &rows, kc, &masks64, min(4, w-4*g))
	}
}
