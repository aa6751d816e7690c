package irt

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// esfBrute enumerates all patterns (m ≤ 16) for γ_r.
func esfBrute(eps []float64) []float64 {
	m := len(eps)
	g := make([]float64, m+1)
	for mask := 0; mask < 1<<m; mask++ {
		p, r := 1.0, 0
		for i := 0; i < m; i++ {
			if mask&(1<<i) != 0 {
				p *= eps[i]
				r++
			}
		}
		g[r] += p
	}
	return g
}

func TestESFMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		m := 1 + rng.IntN(12)
		eps := make([]float64, m)
		for i := range eps {
			eps[i] = math.Exp(rng.NormFloat64() * 2)
		}
		got := cmlESF(eps, nil)
		want := esfBrute(eps)
		for r := range want {
			if !scalar.EqualWithinRel(got[r], want[r], 1e-12) {
				t.Fatalf("m=%d: γ_%d = %g, want %g", m, r, got[r], want[r])
			}
		}
	}
}

// TestESFWithoutStable checks the forward/backward difference algorithm
// against the summation algorithm run without the item, for spread and for
// tied difficulties (where a one-directional difference algorithm fails).
func TestESFWithoutStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name   string
		m      int
		spread float64
		ties   bool
	}{
		{"small", 10, 1, false},
		{"125 items ±4", 125, 4, false},
		{"250 items ±4", 250, 4, false},
		{"250 items ±6", 250, 6, false},
		{"60 tied", 60, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := make([]float64, c.m)
			for i := range b {
				if c.ties {
					b[i] = float64(i%3) - 1
				} else {
					b[i] = -c.spread + 2*c.spread*rng.Float64()
				}
			}
			raschCentre(b)
			eps := make([]float64, c.m)
			for i := range b {
				eps[i] = math.Exp(-b[i])
			}
			g := cmlESF(eps, nil)
			for r, v := range g {
				if math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
					t.Fatalf("γ_%d = %g", r, v)
				}
			}
			rest := make([]float64, 0, c.m-1)
			var worst float64
			for k := 0; k < c.m; k++ {
				rest = rest[:0]
				rest = append(rest, eps[:k]...)
				rest = append(rest, eps[k+1:]...)
				want := cmlESF(rest, nil)
				got := cmlESFWithout(g, eps[k], nil)
				for r := range want {
					rel := math.Abs(got[r]-want[r]) / want[r]
					worst = math.Max(worst, rel)
				}
			}
			// Tolerance 1e-10 relative: the summation algorithm itself has
			// rounding error of order m·2⁻⁵³ in every γ.
			t.Logf("worst relative error %.3g", worst)
			if worst > 1e-10 {
				t.Errorf("largest relative error of γ^(i) = %.3g, want ≤ 1e-10", worst)
			}
		})
	}
}

// TestCMLDerivatives checks the analytic gradient and information matrix of
// the conditional log-likelihood against gonum's finite differences for 250
// items of difficulty spread ±4 (complete data) and for missing-data groups.
func TestCMLDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		name    string
		L, N    int
		missing float64
	}{
		{"250 items", 250, 3000, 0},
		{"missing", 20, 400, 0.2},
	} {
		t.Run(c.name, func(t *testing.T) {
			items := make([]Item, c.L)
			for i := range items {
				items[i] = NewItemIRT(Rasch, 1, -4+8*float64(i)/float64(c.L-1), 0)
			}
			theta := make([]float64, c.N)
			for i := range theta {
				theta[i] = 1.5 * rng.NormFloat64()
			}
			r := Simulate(rng, items, theta)
			for i := range r.X {
				if rng.Float64() < c.missing {
					r.X[i] = Missing
				}
			}
			tally, err := raschTallyRows(t.Context(), r, nil, 2)
			if err != nil {
				t.Fatal(err)
			}
			p := newCMLProblem(tally, c.L)
			b := make([]float64, c.L)
			for i := range b {
				b[i] = items[i].B() + 0.1*rng.NormFloat64()
			}
			ll, grad, info := p.evaluate(b, true, 2)
			if math.IsNaN(ll) || math.IsInf(ll, 0) {
				t.Fatalf("log-likelihood %g", ll)
			}
			f := func(x []float64) float64 {
				v, _, _ := p.evaluate(x, false, 1)
				return v
			}
			num := fd.Gradient(nil, f, b, &fd.Settings{Formula: fd.Central, Step: 1e-5})
			for i := range grad {
				if !scalar.EqualWithinAbsOrRel(grad[i], num[i], 1e-4, 1e-5) {
					t.Errorf("grad[%d] = %.8g, want %.8g (finite differences)", i, grad[i], num[i])
				}
			}
			// Information = −Hessian: check a few columns by differencing the gradient.
			for _, j := range []int{0, c.L / 3, c.L - 1} {
				h := 1e-5
				bp := append([]float64(nil), b...)
				bm := append([]float64(nil), b...)
				bp[j] += h
				bm[j] -= h
				_, gp, _ := p.evaluate(bp, true, 1)
				_, gm, _ := p.evaluate(bm, true, 1)
				for i := range b {
					want := -(gp[i] - gm[i]) / (2 * h)
					if !scalar.EqualWithinAbsOrRel(info.At(i, j), want, 1e-4, 1e-5) {
						t.Errorf("info[%d,%d] = %.8g, want %.8g (finite differences)", i, j, info.At(i, j), want)
					}
				}
			}
			// Each row of the information sums to zero: Σ_j Cov(x_i, x_j | r) = Cov(x_i, r | r) = 0.
			for i := 0; i < c.L; i++ {
				var s, d float64
				for j := 0; j < c.L; j++ {
					s += info.At(i, j)
				}
				d = info.At(i, i)
				if math.Abs(s) > 1e-8*d*float64(c.L) {
					t.Errorf("row %d of the information sums to %.3g (diagonal %.3g), want 0", i, s, d)
				}
			}
		})
	}
}
