// Package gemm multiplies dense float32 and float64 matrices fast, in pure Go
// and Go assembly (no cgo): C = A·B or C += A·B, with either operand stored
// transposed.
//
// It is the matrix product behind deepnrc's training on GoMLX's pure-Go
// backend (package nrclib/fastexec installs it there) and behind the
// co-moments of the metric pass (package nrclib/stats).
//
// # Algorithm
//
// The product is blocked as in GotoBLAS and BLIS: panels of B (KC×NC) and
// blocks of A (MC×KC) are packed into contiguous, zero-padded strips, and a
// register-blocked micro-kernel computes one MR×NR tile of C at a time from
// them with fused multiply-adds. The micro-kernels are written in Go
// assembly for AVX-512 (tiles 14×32 float32, 14×16 float64) and AVX2 with
// FMA (6×16 float32, 6×8 float64); a portable pure-Go kernel (4×4) serves
// every other CPU and architecture. Products too small to repay packing
// (few rows or columns) take an unpacked path.
//
// # Determinism
//
// Every element of C is one sum over k taken in increasing order, in blocks
// of KC (a constant of the path), by one accumulator. Work is split between
// threads by rows and columns of C only, never along k, so the result is
// bit-for-bit the same for any number of threads (any GOMAXPROCS). Different
// paths (AVX-512, AVX2, generic) round differently and may differ in the
// last bits.
//
// # Paths
//
// The path is chosen at start-up from the CPU (golang.org/x/sys/cpu): AVX-512
// when the CPU has AVX-512F, else AVX2 with FMA, else generic. The
// environment variable DEEPNRC_GEMM forces one ("avx512", "avx2",
// "generic"; "stock" is read by nrclib/fastexec and leaves GoMLX's own
// matrix product in place; "" or "auto" is the default), so that tests can
// exercise every path on one machine. SetPath changes it at run time.
package gemm
