package irt

// Element-wise kernels of the E-step and of the standard errors' passes:
// the byte-value accumulators add a row's posterior into a table row, and
// the log-likelihood of a row adds a table row per byte of responses. On
// amd64 with AVX2 they run four float64 at a time (vec_amd64.s); each
// element gets the same IEEE-754 operations in the same order as the
// scalar loops here (vecDot's four lanes included), so the results are bit
// for bit the same on every machine.

// vecAddScalar sets dst[i] += src[i] for i < len(dst); src must be at least
// as long as dst.
func vecAddScalar(dst, src []float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// vecSubScalar sets dst[i] −= src[i] for i < len(dst); src must be at least
// as long as dst.
func vecSubScalar(dst, src []float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] -= v
	}
}

// vecScaleAccScalar sets p[i] *= s, then nq[i] += p[i], for i < len(p).
func vecScaleAccScalar(p, nq []float64, s float64) {
	nq = nq[:len(p)]
	for i := range p {
		x := p[i] * s
		p[i] = x
		nq[i] += x
	}
}

// vecDerivScalar sets x = (w·pp[i])·(h[i] − hb), p[i] = x and nq[i] += x
// for i < len(p).
func vecDerivScalar(p, nq, pp, h []float64, w, hb float64) {
	nq, pp, h = nq[:len(p)], pp[:len(p)], h[:len(p)]
	for i := range p {
		x := w * pp[i] * (h[i] - hb)
		p[i] = x
		nq[i] += x
	}
}

// vecDotScalar returns Σ a[i]·b[i] over i < len(a) in four lanes, as a
// four-wide vector unit sums them: lane l adds the products of the i ≡ l
// (mod 4) below n4 = len(a) rounded down to a multiple of 4, in order; the
// lanes are combined as (s0 + s1) + (s2 + s3), and the products from n4 on
// are added one by one. Four independent sums instead of one chain of
// additions; the order is fixed, so the result is the same everywhere.
func vecDotScalar(a, b []float64) float64 {
	b = b[:len(a)]
	n4 := len(a) &^ 3
	var s0, s1, s2, s3 float64
	for i := 0; i < n4; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	s := (s0 + s1) + (s2 + s3)
	for i := n4; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}
