package irt

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// driftLordDelta is δ_j of statistic s computed directly: link with Link,
// transform the new item, subtract.
func driftLordDelta(s DriftStatistic, j int, base, newForm []Item, m LinkMethod) []float64 {
	c, err := Link(base, newForm, m, LinkOptions{})
	if err != nil {
		panic(err)
	}
	ib, in := base[j], newForm[j]
	if s == DriftArea {
		// Trapezoid rule over [−3, 3], step 0.1.
		lin := c.Transform(in)
		var sa float64
		for q := range 61 {
			th, w := -3+0.1*float64(q), 0.1
			if q == 0 || q == 60 {
				w = 0.05
			}
			sa += w * (ib.Prob(th) - lin.Prob(th))
		}
		return []float64{sa}
	}
	var d []float64
	if ib.Model != Rasch {
		d = append(d, ib.A-in.A/c.A)
	}
	if s == DriftLordAB {
		return append(d, ib.B()-c.Theta(in.B()))
	}
	d = append(d, ib.D-(in.D-in.A*c.B/c.A))
	if ib.Model == ThreePL {
		d = append(d, logit(ib.C)-logit(in.C))
	}
	return d
}

// TestDriftComponentsGradient checks the analytic gradients of δ_j
// (through the item's own parameters and the link) against central
// differences of δ_j recomputed with Link, for every model, statistic and
// link method. Tolerance 1e-5 absolute or 1e-4 relative with a step of
// 1e-3, as in TestLinkJacobianFD: the curve criteria's minimum is accurate
// only to about 1e-9, which a smaller step would magnify.
func TestDriftComponentsGradient(t *testing.T) {
	for _, model := range []Model{Rasch, TwoPL, ThreePL} {
		for _, s := range []DriftStatistic{DriftLord, DriftLordAB, DriftArea, DriftLordFull, DriftLordB} {
			for _, m := range []LinkMethod{MeanSigma, Haebara, StockingLord} {
				t.Run(fmt.Sprintf("%v/%v/%v", model, s, m), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(3, 4))
					base, newForm := linkSETestForms(rng, model, 8)
					c, err := Link(base, newForm, m, LinkOptions{})
					if err != nil {
						t.Fatal(err)
					}
					jac, err := LinkJacobian(base, newForm, c, m, LinkOptions{})
					if err != nil {
						t.Fatal(err)
					}
					xb, xn := linkParamVector(base), linkParamVector(newForm)
					const j, h = 3, 1e-3
					_, grad := driftComponents(s, j, c, base, newForm, jac, 0)
					for k := range len(xb) + len(xn) {
						at := func(step float64) []float64 {
							b, n := append([]float64(nil), xb...), append([]float64(nil), xn...)
							if k < len(xb) {
								b[k] += step
							} else {
								n[k-len(xb)] += step
							}
							return driftLordDelta(s, j, linkItemsFromVector(base, b), linkItemsFromVector(newForm, n), m)
						}
						up, down := at(h), at(-h)
						for r := range up {
							fd := (up[r] - down[r]) / (2 * h)
							if !scalar.EqualWithinAbsOrRel(grad[r][k], fd, 1e-5, 1e-4) {
								t.Errorf("∂δ_%d/∂γ_%d = %.7f, want %.7f (central difference)", r, k, grad[r][k], fd)
							}
						}
					}
				})
			}
		}
	}
}

func TestScreenDriftSELord(t *testing.T) {
	t.Run("2pl one shifted", func(t *testing.T) {
		base, newForm, cov := driftHandForms([]int{6}, 0.8)
		for _, s := range []DriftStatistic{DriftLord, DriftLordAB, DriftLordFull} {
			res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Statistic: s})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Dropped) != 1 || res.Dropped[0] != 6 {
				t.Fatalf("%v: dropped %v, want [6]", s, res.Dropped)
			}
			// Critical value χ²_{2, 1 − 0.05/10} = 10.59663 (qchisq(1 - 0.005, 2) in R).
			if res.Statistic != s || !scalar.EqualWithinAbs(res.Threshold, 10.59663, 1e-5) {
				t.Errorf("%v: statistic %v, critical value %.5f, want %v and 10.59663", s, res.Statistic, res.Threshold, s)
			}
			it := res.Items[6]
			if it.DF != 2 || !(it.ChiSq > res.Threshold) || it.ChiSq == it.Z*it.Z || !(it.P < 0.005) {
				t.Errorf("%v: item 6 X² = %g (df %d, p %g), Z² = %g, want X² beyond %g with df 2, not Z²", s, it.ChiSq, it.DF, it.P, it.Z*it.Z, res.Threshold)
			}
			for _, k := range res.Kept {
				if it := res.Items[k]; it.ChiSq > 1e-6 || it.Reason == "" {
					t.Errorf("%v: kept item %d X² = %g, reason %q, want 0 and a reason", s, k, it.ChiSq, it.Reason)
				}
			}
		}
	})
	t.Run("rasch equals b", func(t *testing.T) {
		// A Rasch item has one parameter: Lord's X² is the square of the
		// b statistic's z, with df 1.
		rng := rand.New(rand.NewPCG(5, 6))
		base, newForm := linkSETestForms(rng, Rasch, 10)
		cov := mat.NewSymDense(10, nil)
		for j := range 10 {
			cov.SetSym(j, j, 0.05*0.05)
		}
		rb, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: MeanMean, MaxDropShare: 1})
		if err != nil {
			t.Fatal(err)
		}
		rl, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: MeanMean, MaxDropShare: 1, Statistic: DriftLord})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rb.Dropped) != fmt.Sprint(rl.Dropped) || !scalar.EqualWithinRel(rl.Threshold, rb.Threshold*rb.Threshold, 1e-9) {
			t.Errorf("Lord dropped %v at %g, b dropped %v at %g², want the same", rl.Dropped, rl.Threshold, rb.Dropped, rb.Threshold)
		}
		for j := range rl.Items {
			if got, want := rl.Items[j].ChiSq, rb.Items[j].Z*rb.Items[j].Z; rl.Items[j].DF != 1 || !scalar.EqualWithinAbsOrRel(got, want, 1e-9, 1e-9) {
				t.Errorf("item %d: X² = %g (df %d), want z² = %g (df 1)", j, got, rl.Items[j].DF, want)
			}
		}
	})
	t.Run("statistic option", func(t *testing.T) {
		base, newForm, cov := driftHandForms(nil, 0)
		res, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{})
		if err != nil || res.Statistic != DriftB {
			t.Errorf("zero Statistic: got %v, %v, want DriftB, nil", res.Statistic, err)
		}
		if _, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Statistic: DriftStatistic(9)}); err == nil {
			t.Error("err = nil, want an error")
		}
	})
}

// TestDriftChiSqCond checks the conditional chi-squares against their
// closed forms on a fixed 3×3 covariance Σ of δ = (δ_a, δ_d, δ_c):
// X²(a, d | c) = δᵀΣ⁻¹δ − δ_c²/Σ_cc; X²(d | a, c) = (Σ⁻¹δ)_d²/(Σ⁻¹)_dd;
// and with Var δ_c = 0, X²(a, d | c) is the X² of (δ_a, δ_d) alone.
func TestDriftChiSqCond(t *testing.T) {
	sig := mat.NewSymDense(3, []float64{
		0.020, 0.006, -0.010,
		0.006, 0.030, 0.025,
		-0.010, 0.025, 0.090,
	})
	delta := []float64{0.15, -0.4, 0.3}
	// Σ = G·cb·Gᵀ with G = [I | 0] and a 1×1 zero cn.
	grad := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}
	cn := mat.NewSymDense(1, nil)
	full, ok := driftChiSq(delta, grad, sig, cn)
	if !ok {
		t.Fatal("Σ not positive definite")
	}
	var inv mat.Dense
	if err := inv.Inverse(sig); err != nil {
		t.Fatal(err)
	}
	var x mat.VecDense
	x.MulVec(&inv, mat.NewVecDense(3, delta))
	for _, tc := range []struct {
		name         string
		tested, cond []int
		want         float64
	}{
		{"(a, d) | c", []int{0, 1}, []int{2}, full - delta[2]*delta[2]/sig.At(2, 2)},
		{"d | a, c", []int{1}, []int{0, 2}, x.AtVec(1) * x.AtVec(1) / inv.At(1, 1)},
		{"c | a, d", []int{2}, []int{0, 1}, x.AtVec(2) * x.AtVec(2) / inv.At(2, 2)},
		{"a, d, c", []int{0, 1, 2}, nil, full},
	} {
		got, ok := driftChiSqCond(delta, grad, sig, cn, tc.tested, tc.cond)
		if !ok || !scalar.EqualWithinRel(got, tc.want, 1e-10) {
			t.Errorf("%s: X² = %.10g (ok %v), want %.10g", tc.name, got, ok, tc.want)
		}
	}
	// The split: X²(a | c) + X²(d | a, c) = X²(a, d | c), and driftSplit
	// returns both parts.
	xa, _ := driftChiSqCond(delta, grad, sig, cn, []int{0}, []int{2})
	xd, _ := driftChiSqCond(delta, grad, sig, cn, []int{1}, []int{0, 2})
	xad, _ := driftChiSqCond(delta, grad, sig, cn, []int{0, 1}, []int{2})
	if !scalar.EqualWithinRel(xa+xd, xad, 1e-10) {
		t.Errorf("X²(a | c) + X²(d | a, c) = %g + %g, want X²(a, d | c) = %g", xa, xd, xad)
	}
	it3 := NewItemIRT(ThreePL, 1, 0, 0.2)
	if sa, sd := driftSplit(delta, grad, sig, cn, it3, it3); sa != xa || sd != xd {
		t.Errorf("driftSplit = %g, %g, want %g, %g", sa, sd, xa, xd)
	}
	// c without variance: condition on nothing.
	s0 := mat.NewSymDense(3, nil)
	s0.CopySym(sig)
	s0.SetSym(0, 2, 0)
	s0.SetSym(1, 2, 0)
	s0.SetSym(2, 2, 0)
	got, ok := driftChiSqCond(delta, grad, s0, cn, []int{0, 1}, []int{2})
	want, _ := driftChiSq(delta[:2], [][]float64{grad[0], grad[1]}, sig, cn)
	if !ok || !scalar.EqualWithinRel(got, want, 1e-10) {
		t.Errorf("Var δ_c = 0: X² = %g (ok %v), want the X² of (δ_a, δ_d) %g", got, ok, want)
	}
}

// TestScreenDriftSEConditional: on 3PL forms the statistics have their
// degrees of freedom (DriftLord 2, DriftLordB 1, DriftLordFull 3), the
// conditional X²'s are at most the whole vector's (a part of it), and on
// Rasch items DriftLordB is DriftLord; on the hand-made 2PL forms
// DriftLordB drops the shifted item alone.
func TestScreenDriftSEConditional(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	base, newForm := linkSETestForms(rng, ThreePL, 12)
	cov := mat.NewSymDense(36, nil)
	for j := range 12 {
		cov.SetSym(3*j, 3*j, 0.1*0.1)
		cov.SetSym(3*j+1, 3*j+1, 0.12*0.12)
		cov.SetSym(3*j+2, 3*j+2, 0.5*0.5)
		cov.SetSym(3*j, 3*j+1, 0.2*0.1*0.12)
		cov.SetSym(3*j+1, 3*j+2, 0.7*0.12*0.5)
	}
	res := map[DriftStatistic]DriftResult{}
	for _, s := range []DriftStatistic{DriftLord, DriftLordB, DriftLordFull} {
		r, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Statistic: s, MaxDropShare: 1, Alpha: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		res[s] = r
	}
	for j := range 12 {
		full, cond, b := res[DriftLordFull].Items[j], res[DriftLord].Items[j], res[DriftLordB].Items[j]
		if full.DF != 3 || cond.DF != 2 || b.DF != 1 {
			t.Errorf("item %d: df %d, %d, %d, want 3, 2, 1", j, full.DF, cond.DF, b.DF)
		}
		if !(cond.ChiSq >= 0 && b.ChiSq >= 0) {
			t.Errorf("item %d: X² %g, %g, want ≥ 0", j, cond.ChiSq, b.ChiSq)
		}
	}
	// Same link (nothing dropped at the first round) for the first item.
	r0 := map[DriftStatistic]DriftResult{}
	for _, s := range []DriftStatistic{DriftLord, DriftLordB, DriftLordFull} {
		r, _ := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Statistic: s, MaxDropShare: 1, Alpha: 1e-12})
		r0[s] = r
	}
	for j := range 12 {
		full, cond, b := r0[DriftLordFull].Items[j].ChiSq, r0[DriftLord].Items[j].ChiSq, r0[DriftLordB].Items[j].ChiSq
		if !(cond <= full*(1+1e-12)) || !(b >= 0) {
			t.Errorf("item %d: X²(a, d | c) %g ≤ X² %g does not hold, or X²(b | a, c) = %g", j, cond, full, b)
		}
	}
	t.Run("split", func(t *testing.T) {
		// Critical value χ²_{1, 1 − 0.05/(2·12)} = 9.474626 (qchisq(1 - 0.05/24, 1) in R);
		// a 0.8 shift of b (a kept) is caught by its difficulty part alone,
		// a slope ×2 (b kept) by its slope part (and, through the
		// correlation of δ_a and δ_b, maybe by the difficulty part too).
		for _, tc := range []struct {
			db, slope float64
			comp      string
		}{{0.8, 1, "difficulty"}, {0, 2, "slope"}} {
			nf := append([]Item(nil), newForm...)
			it := nf[5]
			nf[5] = NewItemIRT(ThreePL, it.A*tc.slope, it.B()+tc.db, it.C)
			r, err := ScreenDriftSE(base, nf, cov, cov, DriftOptions{Statistic: DriftLordSplit, MaxDropShare: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := r.Items[5]
			if !scalar.EqualWithinAbs(r.Threshold, 9.474626, 1e-5) || !got.Dropped || !strings.HasPrefix(got.Component, tc.comp) || got.DF != 1 ||
				got.ChiSq != max(got.SplitChiSq[0], got.SplitChiSq[1]) {
				t.Errorf("%s: threshold %g, item 5 dropped %v by %q (df %d), want 9.474626, dropped by %q (df 1); reason %q", tc.comp, r.Threshold, got.Dropped, got.Component, got.DF, tc.comp, got.Reason)
			}
		}
	})
	t.Run("rasch", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		base, newForm := linkSETestForms(rng, Rasch, 10)
		cov := mat.NewSymDense(10, nil)
		for j := range 10 {
			cov.SetSym(j, j, 0.05*0.05)
		}
		rl, err1 := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: MeanMean, MaxDropShare: 1, Statistic: DriftLord})
		rb, err2 := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Method: MeanMean, MaxDropShare: 1, Statistic: DriftLordB})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for j := range rl.Items {
			if a, b := rl.Items[j].ChiSq, rb.Items[j].ChiSq; !scalar.EqualWithinAbsOrRel(a, b, 1e-12, 1e-12) {
				t.Errorf("item %d: DriftLordB X² %g, DriftLord %g, want equal", j, b, a)
			}
		}
	})
	t.Run("2pl one shifted", func(t *testing.T) {
		base, newForm, cov := driftHandForms([]int{6}, 0.8)
		r, err := ScreenDriftSE(base, newForm, cov, cov, DriftOptions{Statistic: DriftLordB})
		if err != nil {
			t.Fatal(err)
		}
		// Critical value χ²_{1, 1 − 0.05/10} = 7.879439 (qchisq(0.995, 1) in R).
		if len(r.Dropped) != 1 || r.Dropped[0] != 6 || !scalar.EqualWithinAbs(r.Threshold, 7.879439, 1e-6) || r.Items[6].DF != 1 {
			t.Errorf("dropped %v at %g (df %d), want [6] at 7.879439 (df 1)", r.Dropped, r.Threshold, r.Items[6].DF)
		}
	})
}
