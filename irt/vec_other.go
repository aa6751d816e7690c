//go:build !amd64

package irt

// vecAdd sets dst[i] += src[i] for i < len(dst); src must be at least as
// long as dst.
func vecAdd(dst, src []float64) { vecAddScalar(dst, src) }

// vecSub sets dst[i] −= src[i] for i < len(dst); src must be at least as
// long as dst.
func vecSub(dst, src []float64) { vecSubScalar(dst, src) }

// vecScaleAcc sets p[i] *= s, then nq[i] += p[i], for i < len(p).
func vecScaleAcc(p, nq []float64, s float64) { vecScaleAccScalar(p, nq, s) }

// vecDeriv sets x = (w·pp[i])·(h[i] − hb), p[i] = x and nq[i] += x for
// i < len(p).
func vecDeriv(p, nq, pp, h []float64, w, hb float64) { vecDerivScalar(p, nq, pp, h, w, hb) }

// vecDot returns Σ a[i]·b[i] over i < len(a), summed in the order
// vecDotScalar defines.
func vecDot(a, b []float64) float64 { return vecDotScalar(a, b) }
