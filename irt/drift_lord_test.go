package irt

import (
	"fmt"
	"math/rand/v2"
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
		for _, s := range []DriftStatistic{DriftLord, DriftLordAB, DriftArea} {
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
		for _, s := range []DriftStatistic{DriftLord, DriftLordAB} {
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
