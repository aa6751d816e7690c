package irt

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// The per-item covariance blocks and the standard errors come from the same
// inverse information, so the diagonal is SE² exactly, and the delta-method
// SE of b from the block is SE.B (to rounding, 1e-12 relative).
func TestItemCovMatchesSE(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	for _, m := range []Model{Rasch, TwoPL, ThreePL} {
		t.Run(m.String(), func(t *testing.T) {
			opts := MMLOptions{Model: m}
			if m == ThreePL {
				opts.GuessPrior = DefaultGuessPrior(4)
			}
			res := mustFitMML(t, r, opts)
			if res.ParamCov == nil {
				t.Fatal("ParamCov is nil")
			}
			want := m.ParamNames()
			for j, c := range res.Cov {
				if len(c.Names) != len(want) {
					t.Fatalf("item %d: Names = %v, want %v", j, c.Names, want)
				}
				for k := range want {
					if c.Names[k] != want[k] {
						t.Fatalf("item %d: Names = %v, want %v", j, c.Names, want)
					}
				}
				se := res.SE[j]
				checks := []struct {
					name string
					got  float64
					want float64
				}{
					{"d", c.Var(ParamD), se.D * se.D},
					{"a", c.Var(ParamA), se.A * se.A},
					{"logit_c", c.Var(ParamLogitC), se.LogitC * se.LogitC},
				}
				for _, ck := range checks {
					if !scalar.EqualWithinRel(ck.got, ck.want, 1e-12) {
						t.Errorf("item %d: Var(%s) = %g, want SE² = %g", j, ck.name, ck.got, ck.want)
					}
				}
				if got := math.Sqrt(c.VarB(res.Items[j])); !scalar.EqualWithinRel(got, se.B, 1e-12) {
					t.Errorf("item %d: delta-method SE(b) = %g, want SE.B = %g", j, got, se.B)
				}
				if c.Cov(ParamA, ParamD) != c.Cov(ParamD, ParamA) {
					t.Errorf("item %d: block not symmetric", j)
				}
			}
			// ItemsCov stacks the blocks and keeps the cross-item terms.
			items := []int{3, 1}
			s := res.ItemsCov(items)
			np := m.NumParams()
			if got, want := s.SymmetricDim(), len(items)*np; got != want {
				t.Fatalf("ItemsCov dim = %d, want %d", got, want)
			}
			for x, j := range items {
				for a := range np {
					for b := range np {
						if got, want := s.At(x*np+a, x*np+b), res.Cov[j].M[a][b]; got != want {
							t.Errorf("ItemsCov item %d (%d,%d) = %g, want %g", j, a, b, got, want)
						}
					}
				}
			}
			if got, want := s.At(0, np), res.ParamCov.At(3*np, 1*np); got != want {
				t.Errorf("ItemsCov cross term = %g, want ParamCov's %g", got, want)
			}
		})
	}
}

// With SkipSE the covariance is absent, as the SEs are NaN.
func TestItemCovSkipSE(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	res := mustFitMML(t, r, MMLOptions{Model: TwoPL, SkipSE: true})
	if res.Cov != nil || res.ParamCov != nil || res.ItemsCov([]int{0}) != nil {
		t.Errorf("SkipSE: Cov = %v, ParamCov = %v, want nil", res.Cov, res.ParamCov)
	}
	if !math.IsNaN(res.SE[0].B) {
		t.Errorf("SkipSE: SE.B = %g, want NaN", res.SE[0].B)
	}
}

// CML gives the variance of d alone: a 1×1 block equal to SE².
func TestItemCovCML(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	res, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j, c := range res.Cov {
		if got, want := c.Var(ParamD), res.SE[j].D*res.SE[j].D; !scalar.EqualWithinRel(got, want, 1e-12) {
			t.Errorf("item %d: Var(d) = %g, want %g", j, got, want)
		}
	}
	if s := res.ItemsCov([]int{0, 1}); s.At(0, 1) != 0 || s.At(0, 0) != res.Cov[0].M[0][0] {
		t.Errorf("CML ItemsCov not block diagonal from Cov: %v", s)
	}
}
