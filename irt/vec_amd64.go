package irt

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 loops of vec_amd64.s (read there).
var useAVX2 = cpu.X86.HasAVX2

// vecAdd sets dst[i] += src[i] for i < len(dst); src must be at least as
// long as dst.
func vecAdd(dst, src []float64) {
	vecSumRows(dst, src, vecRow0, false)
}

// vecRow0 is the one row at offset 0 (read only).
var vecRow0 = []int32{0}

// vecScaleAcc sets p[i] *= s, then nq[i] += p[i], for i < len(p); nq must
// be at least as long as p.
func vecScaleAcc(p, nq []float64, s float64) {
	_ = nq[:len(p)]
	vecScaleAccAsm(p, nq, s)
}

// vecDeriv sets x = (w·pp[i])·(h[i] − hb), p[i] = x and nq[i] += x for
// i < len(p); nq, pp and h must be at least as long as p.
func vecDeriv(p, nq, pp, h []float64, w, hb float64) {
	_, _, _ = nq[:len(p)], pp[:len(p)], h[:len(p)]
	vecDerivAsm(p, nq, pp, h, w, hb)
}

//go:noescape
func vecScaleAccAsm(p, nq []float64, s float64)

//go:noescape
func vecDerivAsm(p, nq, pp, h []float64, w, hb float64)

// vecDot returns Σ a[i]·b[i] over i < len(a), summed in the order
// vecDotScalar defines; b must be at least as long as a.
func vecDot(a, b []float64) float64 {
	_ = b[:len(a)]
	return vecDotAsm(a, b)
}

//go:noescape
func vecDotAsm(a, b []float64) float64

// vecAddRows adds src to the rows of tab that start at offs:
// tab[o+i] += src[i] for each o in offs, i < len(src). It panics if a row
// does not fit in tab.
func vecAddRows(tab []float64, offs []int32, src []float64) {
	if !vecAddRowsAsm(tab, offs, src) {
		panic("irt: vecAddRows: row outside the table")
	}
}

// vecSumRows adds (sub: subtracts) the rows of tab that start at offs to
// dst: dst[i] ±= tab[o+i] for each o in offs in turn, i < len(dst). It
// panics if a row does not fit in tab.
func vecSumRows(dst, tab []float64, offs []int32, sub bool) {
	if !vecSumRowsAsm(dst, tab, offs, sub) {
		panic("irt: vecSumRows: row outside the table")
	}
}

//go:noescape
func vecAddRowsAsm(tab []float64, offs []int32, src []float64) bool

//go:noescape
func vecSumRowsAsm(dst, tab []float64, offs []int32, neg bool) bool
