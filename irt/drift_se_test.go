package irt

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// driftHandForms returns 10 2PL common items on the base form and the same
// items on a new scale with θ_base = 1.2·θ_new − 0.4 exactly, except that
// the items in shifted have b moved by shift (on the base scale); and a
// covariance of every item's (a, d) with SD(a) = 0.08, SD(d) = 0.07 and
// correlation 0.3, on each form.
func driftHandForms(shifted []int, shift float64) (base, newForm []Item, cov *mat.SymDense) {
	c := LinkConstants{A: 1.2, B: -0.4}
	bs := []float64{-1.6, -1.1, -0.7, -0.4, -0.1, 0.2, 0.5, 0.8, 1.2, 1.7}
	as := []float64{0.9, 1.3, 1.1, 1.6, 0.8, 1.2, 1.4, 1.0, 1.5, 1.1}
	n := len(bs)
	base = make([]Item, n)
	newForm = make([]Item, n)
	for j := range bs {
		base[j] = NewItemIRT(TwoPL, as[j], bs[j], 0)
		b := bs[j]
		for _, k := range shifted {
			if k == j {
				b += shift
			}
		}
		// b_base = A·b_new + B, a_base = a_new/A
		newForm[j] = NewItemIRT(TwoPL, as[j]*c.A, (b-c.B)/c.A, 0)
	}
	cov = mat.NewSymDense(2*n, nil)
	for j := range n {
		cov.SetSym(2*j, 2*j, 0.08*0.08)
		cov.SetSym(2*j+1, 2*j+1, 0.07*0.07)
		cov.SetSym(2*j, 2*j+1, 0.3*0.08*0.07)
	}
	return base, newForm, cov
}

func TestScreenDriftSEHandMade(t *testing.T) {
	t.Run("no drift", func(t *testing.T) {
		base, newForm, cov := driftHandForms(nil, 0)
		res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Dropped) != 0 || len(res.Kept) != 10 {
			t.Errorf("dropped %v, want none", res.Dropped)
		}
		// The items are exact: the link recovers A and B, every difference is 0.
		if !scalar.EqualWithinAbs(res.Constants.A, 1.2, 1e-6) || !scalar.EqualWithinAbs(res.Constants.B, -0.4, 1e-6) {
			t.Errorf("constants %+v, want A = 1.2, B = -0.4", res.Constants)
		}
		for _, it := range res.Items {
			if math.Abs(it.Diff) > 1e-6 || it.Reason == "" {
				t.Errorf("item %d: Diff = %g, Reason %q, want 0 and a reason", it.Index, it.Diff, it.Reason)
			}
		}
		// Critical value z_{1 − 0.05/20} = 2.807034 (qnorm(1 - 0.0025) in R).
		if !scalar.EqualWithinAbs(res.Threshold, 2.807034, 1e-6) {
			t.Errorf("critical value %.6f, want 2.807034", res.Threshold)
		}
	})
	t.Run("one shifted", func(t *testing.T) {
		base, newForm, cov := driftHandForms([]int{6}, 0.8)
		for _, m := range []LinkMethod{MeanSigma, Haebara, StockingLord} {
			res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: m})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Dropped) != 1 || res.Dropped[0] != 6 {
				t.Fatalf("%v: dropped %v, want [6]", m, res.Dropped)
			}
			it := res.Items[6]
			// Its b on the new form is 0.8 too high, so Diff = b_base −
			// b_linked is negative; it was measured in round 1 with the
			// item in the link, which pulled the constants its way. After
			// it is dropped the others are exact again.
			if !it.Dropped || it.Round != 1 || !(it.Diff < -0.5 && it.Diff > -0.8) {
				t.Errorf("%v: item 6 = %+v, want dropped in round 1 with −0.8 < Diff < −0.5", m, it)
			}
			// SE(Diff) has the leading terms Var b_base + A²·Var b_new
			// (ItemCov.VarB); the link's own error changes it little here.
			ic := ItemCov{Names: []string{ParamA, ParamD}, M: [][]float64{{cov.At(12, 12), cov.At(12, 13)}, {cov.At(13, 12), cov.At(13, 13)}}}
			if it.SE <= math.Sqrt(ic.VarB(base[6])) {
				t.Errorf("%v: SE = %g, want above the base SE %g", m, it.SE, math.Sqrt(ic.VarB(base[6])))
			}
			if got := it.Diff / it.SE; got != it.Z {
				t.Errorf("%v: Z = %g, want Diff/SE = %g", m, it.Z, got)
			}
			if !scalar.EqualWithinAbs(res.Constants.A, 1.2, 1e-6) || !scalar.EqualWithinAbs(res.Constants.B, -0.4, 1e-6) {
				t.Errorf("%v: constants %+v, want A = 1.2, B = -0.4", m, res.Constants)
			}
			for _, k := range res.Kept {
				if math.Abs(res.Items[k].Diff) > 1e-6 {
					t.Errorf("%v: kept item %d Diff = %g, want 0", m, k, res.Items[k].Diff)
				}
			}
		}
	})
	t.Run("rasch", func(t *testing.T) {
		// Rasch items, A fixed at 1, B = 0.25; item 2's b moved by 0.6;
		// Var d = 0.06² on both forms.
		bs := []float64{-1.5, -0.9, -0.4, 0, 0.3, 0.7, 1.1, 1.6}
		n := len(bs)
		base := make([]Item, n)
		newForm := make([]Item, n)
		cov := mat.NewSymDense(n, nil)
		for j, b := range bs {
			base[j] = NewItemIRT(Rasch, 1, b, 0)
			if j == 2 {
				b += 0.6
			}
			newForm[j] = NewItemIRT(Rasch, 1, b-0.25, 0)
			cov.SetSym(j, j, 0.06*0.06)
		}
		res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: MeanMean})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Dropped) != 1 || res.Dropped[0] != 2 {
			t.Fatalf("dropped %v, want [2]", res.Dropped)
		}
		if res.Constants.A != 1 || !scalar.EqualWithinAbs(res.Constants.B, 0.25, 1e-12) || res.SE.A != 0 {
			t.Errorf("constants %+v, SE(A) = %g, want A = 1, B = 0.25, SE(A) = 0", res.Constants, res.SE.A)
		}
		// Mean–mean with n kept items: B = mean(b_base − b_new), so
		// Var B = 2·0.06²/(n−1) and, for a kept item,
		// Var D = 2·0.06²·(1 − 1/(n−1)).
		if got, want := res.SE.B, math.Sqrt(2*0.06*0.06/float64(n-1)); !scalar.EqualWithinRel(got, want, 1e-12) {
			t.Errorf("SE(B) = %g, want %g", got, want)
		}
		if got, want := res.Items[0].SE, math.Sqrt(2*0.06*0.06*(1-1/float64(n-1))); !scalar.EqualWithinRel(got, want, 1e-12) {
			t.Errorf("SE(D) of a kept item = %g, want %g", got, want)
		}
	})
	t.Run("limit", func(t *testing.T) {
		base, newForm, cov := driftHandForms([]int{1, 4, 8}, 0.9)
		res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: Haebara})
		var lim *DriftLimitError
		if !errors.As(err, &lim) {
			t.Fatalf("err = %v, want *DriftLimitError", err)
		}
		// floor(0.2·10) = 2 may be dropped; the third stays flagged.
		if lim.Anchors != 10 || lim.MaxDrop != 2 || lim.Dropped != 2 || lim.Flagged < 1 || len(res.Dropped) != 2 {
			t.Errorf("limit error %+v with %d dropped, want 10 anchors, 2 dropped, max 2, ≥ 1 flagged", lim, len(res.Dropped))
		}
		res, err = ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: Haebara, MaxDropShare: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Dropped; len(got) != 3 || got[0] != 1 || got[1] != 4 || got[2] != 8 {
			t.Errorf("MaxDropShare 0.5: dropped %v, want [1 4 8]", got)
		}
	})
}
