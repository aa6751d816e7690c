package irt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecKernels checks vecAdd against the scalar loop bit for
// bit, for every length up to 70 and unaligned starts, with values of mixed
// magnitude, signed zeros, infinities and NaN.
func TestVecKernels(t *testing.T) { checkVecKernels(t) }

func checkVecKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-310, -1e308}
	draw := func() float64 {
		if rng.IntN(10) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(30)-15))
	}
	for n := 0; n <= 70; n++ {
		for off := 0; off < 4; off++ {
			src := make([]float64, n+off+3)
			dst := make([]float64, n+off)
			for i := range src {
				src[i] = draw()
			}
			for i := range dst {
				dst[i] = draw()
			}
			for _, k := range []struct {
				name      string
				vec, want func(dst, src []float64)
			}{{"add", vecAdd, vecAddScalar}} {
				got := append([]float64(nil), dst...)
				exp := append([]float64(nil), dst...)
				k.vec(got[off:], src[off:])
				k.want(exp[off:], src[off:])
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(exp[i]) && !(math.IsNaN(got[i]) && math.IsNaN(exp[i])) {
						t.Fatalf("%s n=%d off=%d [%d]: %v, scalar %v", k.name, n, off, i, got[i], exp[i])
					}
				}
			}
		}
	}
}

// checkVecFused checks vecScaleAcc and vecDeriv against their scalar loops
// bit for bit.
func checkVecFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	vec := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
		}
		return v
	}
	same := func(a, b []float64) bool {
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 70; n++ {
		p, nq, pp, h := vec(n), vec(n+2), vec(n+1), vec(n+3)
		s, w, hb := rng.NormFloat64(), rng.Float64(), rng.NormFloat64()
		p1, nq1 := append([]float64(nil), p...), append([]float64(nil), nq...)
		p2, nq2 := append([]float64(nil), p...), append([]float64(nil), nq...)
		vecScaleAcc(p1, nq1, s)
		vecScaleAccScalar(p2, nq2, s)
		if !same(p1, p2) || !same(nq1, nq2) {
			t.Fatalf("vecScaleAcc n=%d differs from the scalar loop", n)
		}
		if d1, d2 := vecDot(pp[:n], h), vecDotScalar(pp[:n], h); math.Float64bits(d1) != math.Float64bits(d2) {
			t.Fatalf("vecDot n=%d: %v, scalar %v", n, d1, d2)
		}
		if n > 0 {
			var naive, abs float64
			for i := range n {
				naive += pp[i] * h[i]
				abs += math.Abs(pp[i] * h[i])
			}
			if d := vecDot(pp[:n], h); math.Abs(d-naive) > 1e-14*abs {
				t.Fatalf("vecDot n=%d: %v, naive sum %v", n, d, naive)
			}
		}
		vecDeriv(p1, nq1, pp, h, w, hb)
		vecDerivScalar(p2, nq2, pp, h, w, hb)
		if !same(p1, p2) || !same(nq1, nq2) {
			t.Fatalf("vecDeriv n=%d differs from the scalar loop", n)
		}
	}
}

func TestVecFused(t *testing.T) { checkVecFused(t) }

// TestVecShortSource checks that a source shorter than the destination
// panics instead of reading past it.
func TestVecShortSource(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	vecAdd(make([]float64, 5), make([]float64, 4))
}

// checkVecRows checks vecAddRows and vecSumRows against row-by-row scalar
// loops bit for bit, and that a row outside the table panics.
func checkVecRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, width := range []int{0, 1, 3, 4, 5, 16, 21, 61} {
		tab := make([]float64, 40*61)
		for i := range tab {
			tab[i] = rng.NormFloat64()
		}
		src := make([]float64, width)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		var offs []int32
		for k := 0; k < 9; k++ {
			offs = append(offs, int32(rng.IntN(len(tab)-width+1)))
		}
		offs = append(offs, offs[0], int32(len(tab)-width)) // a repeat, the last row
		got := append([]float64(nil), tab...)
		want := append([]float64(nil), tab...)
		vecAddRows(got, offs, src)
		for _, o := range offs {
			vecAddScalar(want[o:int(o)+width], src)
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("vecAddRows width %d: [%d] %v, scalar %v", width, i, got[i], want[i])
			}
		}
		for _, sub := range []bool{false, true} {
			dst := append([]float64(nil), src...)
			exp := append([]float64(nil), src...)
			vecSumRows(dst, tab, offs, sub)
			for _, o := range offs {
				if sub {
					vecSubScalar(exp, tab[o:int(o)+width])
				} else {
					vecAddScalar(exp, tab[o:int(o)+width])
				}
			}
			for i := range dst {
				if math.Float64bits(dst[i]) != math.Float64bits(exp[i]) {
					t.Fatalf("vecSumRows width %d sub %v: [%d] %v, scalar %v", width, sub, i, dst[i], exp[i])
				}
			}
		}
	}
	for _, bad := range []int32{-1, 40*61 - 20} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("offset %d: no panic", bad)
				}
			}()
			vecAddRows(make([]float64, 40*61), []int32{0, bad}, make([]float64, 21))
		}()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("offset %d: no panic", bad)
				}
			}()
			vecSumRows(make([]float64, 21), make([]float64, 40*61), []int32{bad}, false)
		}()
	}
}

func TestVecRows(t *testing.T) { checkVecRows(t) }
