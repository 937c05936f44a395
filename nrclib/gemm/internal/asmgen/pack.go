package main

import (
	"bytes"
	"fmt"
)

// Packing routines. Both copy a block of an operand into the packed strip
// layout the micro-kernels read: kc steps of w consecutive values.
//
// packCopy<T><ISA>(dst, src *T, kc, ld, w int, masks ...) copies, for each
// k < kc, the values src[k·ld + j] for the first lanes of each of the (at
// most two) vectors of the strip, as the load masks allow, and writes w
// values (zeros where the load mask is off) at dst[k·w …].
//
// packTrans<T><ISA>(dst *T, w int, rows *[L]*T, kc int, storeMask)
// transposes one group of L rows (L = the vector's lanes): for k < kc and
// every lane r the store mask allows, dst[k·w + r] = rows[r][k]. Rows the
// caller does not have point at a zero buffer. It works on L×L blocks held
// in registers (unpack and 128-bit-lane shuffles), the k tail with masked
// loads.

func writePacks(b *bytes.Buffer) {
	writeCopyAVX512(b, 4)
	writeCopyAVX512(b, 8)
	writeTransAVX512(b, 4)
	writeTransAVX512(b, 8)
	writeCopyAVX2(b, 4)
	writeCopyAVX2(b, 8)
	writeTransAVX2(b, 4)
	writeTransAVX2(b, 8)
}

func tname(elem int) string { return map[int]string{4: "F32", 8: "F64"}[elem] }

func emit(b *bytes.Buffer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(b, "\t"+format+"\n", args...) }
}

func writeCopyAVX512(b *bytes.Buffer, elem int) {
	name := "packCopy" + tname(elem) + "AVX512"
	p := emit(b)
	mov := map[int]string{4: "VMOVUPS", 8: "VMOVUPD"}[elem]
	kmov := map[int]string{4: "KMOVW", 8: "KMOVB"}[elem]
	fmt.Fprintf(b, "\n// func %s(dst, src *float%d, kc, ld, w, lm0, lm1, sm0, sm1 int)\n", name, elem*8)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-72\n", name)
	p("MOVQ dst+0(FP), DI")
	p("MOVQ src+8(FP), SI")
	p("MOVQ kc+16(FP), CX")
	p("MOVQ ld+24(FP), R8")
	p("SHLQ $%d, R8", log2(elem))
	p("MOVQ w+32(FP), R9")
	p("SHLQ $%d, R9", log2(elem))
	p("MOVQ lm0+40(FP), AX")
	p("%s AX, K1", kmov)
	p("MOVQ lm1+48(FP), AX")
	p("%s AX, K2", kmov)
	p("MOVQ sm0+56(FP), AX")
	p("%s AX, K3", kmov)
	p("MOVQ sm1+64(FP), AX")
	p("%s AX, K4", kmov)
	p("TESTQ CX, CX")
	p("JZ %s_done", name)
	fmt.Fprintf(b, "%s_loop:\n", name)
	p("%s.Z (SI), K1, Z0", mov)
	p("%s.Z 64(SI), K2, Z1", mov)
	p("%s Z0, K3, (DI)", mov)
	p("%s Z1, K4, 64(DI)", mov)
	p("ADDQ R8, SI")
	p("ADDQ R9, DI")
	p("DECQ CX")
	p("JNZ %s_loop", name)
	fmt.Fprintf(b, "%s_done:\n", name)
	p("VZEROUPPER")
	p("RET")
}

func log2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	return l
}

// writeTransAVX512 writes the L×L transpose (L = 16 float32 or 8 float64
// lanes per zmm register).
func writeTransAVX512(b *bytes.Buffer, elem int) {
	name := "packTrans" + tname(elem) + "AVX512"
	L := 64 / elem
	p := emit(b)
	mov := map[int]string{4: "VMOVUPS", 8: "VMOVUPD"}[elem]
	kmov := map[int]string{4: "KMOVW", 8: "KMOVB"}[elem]
	z := func(i int) string { return fmt.Sprintf("Z%d", i) }
	fmt.Fprintf(b, "\n// func %s(dst *float%d, w int, rows *[%d]*float%d, kc int, sm int)\n", name, elem*8, L, elem*8)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-40\n", name)
	p("MOVQ dst+0(FP), DI")
	p("MOVQ w+8(FP), R9")
	p("SHLQ $%d, R9", log2(elem))
	p("MOVQ rows+16(FP), R10")
	p("MOVQ kc+24(FP), CX")
	p("MOVQ sm+32(FP), AX")
	p("%s AX, K2", kmov)
	p("XORQ R12, R12") // byte offset of k0 in each row
	// k-mask: all ones for full blocks.
	p("MOVQ $%d, AX", (1<<L)-1)
	p("%s AX, K1", kmov)
	fmt.Fprintf(b, "%s_block:\n", name)
	p("CMPQ CX, $%d", L)
	p("JGE %s_full", name)
	p("TESTQ CX, CX")
	p("JZ %s_done", name)
	// Tail: mask of the remaining kc < L columns.
	p("MOVQ $1, AX")
	p("SHLQ CX, AX")
	p("DECQ AX")
	p("%s AX, K1", kmov)
	fmt.Fprintf(b, "%s_full:\n", name)
	for r := 0; r < L; r++ {
		p("MOVQ %d(R10), R11", 8*r)
		p("%s.Z (R11)(R12*1), K1, %s", mov, z(r))
	}
	if elem == 4 {
		// Stage 1: interleave 32-bit elements of row pairs.
		for i := 0; i < 8; i++ {
			p("VUNPCKLPS %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i))
			p("VUNPCKHPS %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i+1))
		}
		// Stage 2: interleave 64-bit pairs; V[g][c] in Z(4g+c).
		for g := 0; g < 4; g++ {
			t := 16 + 4*g
			p("VUNPCKLPD %s, %s, %s", z(t+2), z(t), z(4*g+0))
			p("VUNPCKHPD %s, %s, %s", z(t+2), z(t), z(4*g+1))
			p("VUNPCKLPD %s, %s, %s", z(t+3), z(t+1), z(4*g+2))
			p("VUNPCKHPD %s, %s, %s", z(t+3), z(t+1), z(4*g+3))
		}
		// Stages 3–4: for each c, a 4×4 transpose of 128-bit lanes across
		// V[0..3][c]; output k = 4L + c.
		for c := 0; c < 4; c++ {
			v := func(g int) string { return z(4*g + c) }
			x := 16 + 4*c
			p("VSHUFF32X4 $0x44, %s, %s, %s", v(1), v(0), z(x+0))
			p("VSHUFF32X4 $0xEE, %s, %s, %s", v(1), v(0), z(x+1))
			p("VSHUFF32X4 $0x44, %s, %s, %s", v(3), v(2), z(x+2))
			p("VSHUFF32X4 $0xEE, %s, %s, %s", v(3), v(2), z(x+3))
		}
		// Outputs O[k] for k = 4·lane + c, placed in Z0..Z15 by k.
		for c := 0; c < 4; c++ {
			x := 16 + 4*c
			p("VSHUFF32X4 $0x88, %s, %s, %s", z(x+2), z(x+0), z(0+c))
			p("VSHUFF32X4 $0xDD, %s, %s, %s", z(x+2), z(x+0), z(4+c))
			p("VSHUFF32X4 $0x88, %s, %s, %s", z(x+3), z(x+1), z(8+c))
			p("VSHUFF32X4 $0xDD, %s, %s, %s", z(x+3), z(x+1), z(12+c))
		}
	} else {
		// Stage 1: interleave 64-bit elements of row pairs: V[g][c] in Z(8+2g+c)
		// holds, in 128-bit lane l, column 2l+c of rows 2g and 2g+1.
		for g := 0; g < 4; g++ {
			p("VUNPCKLPD %s, %s, %s", z(2*g+1), z(2*g), z(8+2*g))
			p("VUNPCKHPD %s, %s, %s", z(2*g+1), z(2*g), z(8+2*g+1))
		}
		for c := 0; c < 2; c++ {
			v := func(g int) string { return z(8 + 2*g + c) }
			x := 16 + 4*c
			p("VSHUFF64X2 $0x44, %s, %s, %s", v(1), v(0), z(x+0))
			p("VSHUFF64X2 $0xEE, %s, %s, %s", v(1), v(0), z(x+1))
			p("VSHUFF64X2 $0x44, %s, %s, %s", v(3), v(2), z(x+2))
			p("VSHUFF64X2 $0xEE, %s, %s, %s", v(3), v(2), z(x+3))
		}
		for c := 0; c < 2; c++ {
			x := 16 + 4*c
			p("VSHUFF64X2 $0x88, %s, %s, %s", z(x+2), z(x+0), z(0+c))
			p("VSHUFF64X2 $0xDD, %s, %s, %s", z(x+2), z(x+0), z(2+c))
			p("VSHUFF64X2 $0x88, %s, %s, %s", z(x+3), z(x+1), z(4+c))
			p("VSHUFF64X2 $0xDD, %s, %s, %s", z(x+3), z(x+1), z(6+c))
		}
	}
	// Store outputs k = 0..L-1 (fewer in the tail).
	for k := 0; k < L; k++ {
		if k > 0 {
			p("CMPQ CX, $%d", k)
			p("JLE %s_stored", name)
		}
		p("%s %s, K2, (DI)", mov, z(k))
		p("ADDQ R9, DI")
	}
	fmt.Fprintf(b, "%s_stored:\n", name)
	p("ADDQ $%d, R12", L*elem)
	p("SUBQ $%d, CX", L)
	p("JG %s_block", name)
	fmt.Fprintf(b, "%s_done:\n", name)
	p("VZEROUPPER")
	p("RET")
}

func writeCopyAVX2(b *bytes.Buffer, elem int) {
	name := "packCopy" + tname(elem) + "AVX2"
	p := emit(b)
	mm := map[int]string{4: "VMASKMOVPS", 8: "VMASKMOVPD"}[elem]
	fmt.Fprintf(b, "\n// func %s(dst, src *float%d, kc, ld, w int, masks *[4][32]byte)\n", name, elem*8)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-48\n", name)
	p("MOVQ dst+0(FP), DI")
	p("MOVQ src+8(FP), SI")
	p("MOVQ kc+16(FP), CX")
	p("MOVQ ld+24(FP), R8")
	p("SHLQ $%d, R8", log2(elem))
	p("MOVQ w+32(FP), R9")
	p("SHLQ $%d, R9", log2(elem))
	p("MOVQ masks+40(FP), AX")
	p("VMOVDQU 0(AX), Y12")
	p("VMOVDQU 32(AX), Y13")
	p("VMOVDQU 64(AX), Y14")
	p("VMOVDQU 96(AX), Y15")
	p("TESTQ CX, CX")
	p("JZ %s_done", name)
	fmt.Fprintf(b, "%s_loop:\n", name)
	p("%s (SI), Y12, Y0", mm)
	p("%s 32(SI), Y13, Y1", mm)
	p("%s Y0, Y14, (DI)", mm)
	p("%s Y1, Y15, 32(DI)", mm)
	p("ADDQ R8, SI")
	p("ADDQ R9, DI")
	p("DECQ CX")
	p("JNZ %s_loop", name)
	fmt.Fprintf(b, "%s_done:\n", name)
	p("VZEROUPPER")
	p("RET")
}

// writeTransAVX2 writes the L×L transpose (L = 8 float32 or 4 float64 lanes
// per ymm register). The k tail is loaded with VMASKMOV and masks from the
// table (entry i enables the first i lanes); Y14 holds the load mask and
// Y15 the store mask, so the transposes use Y0–Y13.
func writeTransAVX2(b *bytes.Buffer, elem int) {
	name := "packTrans" + tname(elem) + "AVX2"
	L := 32 / elem
	p := emit(b)
	mm := map[int]string{4: "VMASKMOVPS", 8: "VMASKMOVPD"}[elem]
	y := func(i int) string { return fmt.Sprintf("Y%d", i) }
	fmt.Fprintf(b, "\n// func %s(dst *float%d, w int, rows *[%d]*float%d, kc int, masks *[%d][32]byte, sm int)\n", name, elem*8, L, elem*8, L+1)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $0-48\n", name)
	p("MOVQ dst+0(FP), DI")
	p("MOVQ w+8(FP), R9")
	p("SHLQ $%d, R9", log2(elem))
	p("MOVQ rows+16(FP), R10")
	p("MOVQ kc+24(FP), CX")
	p("MOVQ masks+32(FP), R13")
	p("MOVQ sm+40(FP), AX")
	p("SHLQ $5, AX")
	p("VMOVDQU (R13)(AX*1), Y15")
	p("VMOVDQU %d(R13), Y14", 32*L)
	p("XORQ R12, R12")
	fmt.Fprintf(b, "%s_block:\n", name)
	p("CMPQ CX, $%d", L)
	p("JGE %s_full", name)
	p("TESTQ CX, CX")
	p("JZ %s_done", name)
	p("MOVQ CX, AX")
	p("SHLQ $5, AX")
	p("VMOVDQU (R13)(AX*1), Y14")
	fmt.Fprintf(b, "%s_full:\n", name)
	for r := 0; r < L; r++ {
		p("MOVQ %d(R10), R11", 8*r)
		p("%s (R11)(R12*1), Y14, %s", mm, y(r))
	}
	var out []int // register holding output k
	if elem == 4 {
		// Stage 1: 32-bit interleave of row pairs.
		p("VUNPCKLPS Y1, Y0, Y8")
		p("VUNPCKHPS Y1, Y0, Y9")
		p("VUNPCKLPS Y3, Y2, Y10")
		p("VUNPCKHPS Y3, Y2, Y11")
		p("VUNPCKLPS Y5, Y4, Y0")
		p("VUNPCKHPS Y5, Y4, Y1")
		p("VUNPCKLPS Y7, Y6, Y2")
		p("VUNPCKHPS Y7, Y6, Y3")
		// Stage 2: 64-bit interleave; lane l of V[g][c] is column 4l+c of
		// rows 4g..4g+3. V0c in Y4..Y7, V1c in Y8..Y11.
		p("VUNPCKLPD Y10, Y8, Y4")
		p("VUNPCKHPD Y10, Y8, Y5")
		p("VUNPCKLPD Y11, Y9, Y6")
		p("VUNPCKHPD Y11, Y9, Y7")
		p("VUNPCKLPD Y2, Y0, Y8")
		p("VUNPCKHPD Y2, Y0, Y9")
		p("VUNPCKLPD Y3, Y1, Y10")
		p("VUNPCKHPD Y3, Y1, Y11")
		// Stage 3: output k = 4l + c from lane l of V0c and V1c.
		p("VPERM2F128 $0x20, Y8, Y4, Y0")   // k=0
		p("VPERM2F128 $0x31, Y8, Y4, Y1")   // k=4
		p("VPERM2F128 $0x20, Y9, Y5, Y2")   // k=1
		p("VPERM2F128 $0x31, Y9, Y5, Y3")   // k=5
		p("VPERM2F128 $0x20, Y10, Y6, Y12") // k=2
		p("VPERM2F128 $0x31, Y10, Y6, Y13") // k=6
		p("VPERM2F128 $0x20, Y11, Y7, Y4")  // k=3
		p("VPERM2F128 $0x31, Y11, Y7, Y5")  // k=7
		out = []int{0, 2, 12, 4, 1, 3, 13, 5}
	} else {
		p("VUNPCKLPD Y1, Y0, Y4")
		p("VUNPCKHPD Y1, Y0, Y5")
		p("VUNPCKLPD Y3, Y2, Y6")
		p("VUNPCKHPD Y3, Y2, Y7")
		p("VPERM2F128 $0x20, Y6, Y4, Y0") // k=0
		p("VPERM2F128 $0x20, Y7, Y5, Y1") // k=1
		p("VPERM2F128 $0x31, Y6, Y4, Y2") // k=2
		p("VPERM2F128 $0x31, Y7, Y5, Y3") // k=3
		out = []int{0, 1, 2, 3}
	}
	for k := 0; k < L; k++ {
		if k > 0 {
			p("CMPQ CX, $%d", k)
			p("JLE %s_stored", name)
		}
		p("%s %s, Y15, (DI)", mm, y(out[k]))
		p("ADDQ R9, DI")
	}
	fmt.Fprintf(b, "%s_stored:\n", name)
	p("ADDQ $%d, R12", L*elem)
	p("SUBQ $%d, CX", L)
	p("JG %s_block", name)
	fmt.Fprintf(b, "%s_done:\n", name)
	p("VZEROUPPER")
	p("RET")
}
