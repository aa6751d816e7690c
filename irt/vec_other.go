//go:build !amd64

package irt

// vecAdd sets dst[i] += src[i] for i < len(dst); src must be at least as
// long as dst.
func vecAdd(dst, src []float64) { vecAddScalar(dst, src) }

// vecScaleAcc sets p[i] *= s, then nq[i] += p[i], for i < len(p).
func vecScaleAcc(p, nq []float64, s float64) { vecScaleAccScalar(p, nq, s) }

// vecDeriv sets x = (w·pp[i])·(h[i] − hb), p[i] = x and nq[i] += x for
// i < len(p).
func vecDeriv(p, nq, pp, h []float64, w, hb float64) { vecDerivScalar(p, nq, pp, h, w, hb) }

// vecDot returns Σ a[i]·b[i] over i < len(a), summed in the order
// vecDotScalar defines.
func vecDot(a, b []float64) float64 { return vecDotScalar(a, b) }

// vecAddRows adds src to the rows of tab that start at offs:
// tab[o+i] += src[i] for each o in offs, i < len(src).
func vecAddRows(tab []float64, offs []int32, src []float64) {
	for _, o := range offs {
		vecAddScalar(tab[o:int(o)+len(src)], src)
	}
}

// vecSumRows adds (sub: subtracts) the rows of tab that start at offs to
// dst: dst[i] ±= tab[o+i] for each o in offs in turn, i < len(dst).
func vecSumRows(dst, tab []float64, offs []int32, sub bool) {
	for _, o := range offs {
		if sub {
			vecSubScalar(dst, tab[o:int(o)+len(dst)])
		} else {
			vecAddScalar(dst, tab[o:int(o)+len(dst)])
		}
	}
}
