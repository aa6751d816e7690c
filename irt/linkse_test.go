package irt

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// linkParamVector stacks the free parameters of items in ParamNames order.
func linkParamVector(items []Item) []float64 {
	var x []float64
	for _, it := range items {
		for _, n := range it.Model.ParamNames() {
			switch n {
			case ParamA:
				x = append(x, it.A)
			case ParamD:
				x = append(x, it.D)
			case ParamLogitC:
				x = append(x, math.Log(it.C/(1-it.C)))
			}
		}
	}
	return x
}

// linkItemsFromVector is the inverse of linkParamVector, with the models
// of like.
func linkItemsFromVector(like []Item, x []float64) []Item {
	out := append([]Item(nil), like...)
	k := 0
	for j := range out {
		for _, n := range out[j].Model.ParamNames() {
			switch n {
			case ParamA:
				out[j].A = x[k]
			case ParamD:
				out[j].D = x[k]
			case ParamLogitC:
				out[j].C = Logistic(x[k])
			}
			k++
		}
	}
	return out
}

// linkSETestForms returns n common items on the base form and the same
// items on a new scale θ_new = (θ_base − 0.3)/1.1, perturbed by noise.
func linkSETestForms(rng *rand.Rand, m Model, n int) (base, newForm []Item) {
	base = mmlRandomItems(rng, m, n)
	truth := LinkConstants{A: 1.1, B: 0.3}
	if m == Rasch {
		truth.A = 1
	}
	newForm = make([]Item, n)
	for j, it := range base {
		// new-scale parameters: a_new = A·a_base, b_new = (b_base − B)/A
		a := it.A * truth.A
		b := (it.B() - truth.B) / truth.A
		newForm[j] = NewItemIRT(m, a*math.Exp(0.1*rng.NormFloat64()), b+0.15*rng.NormFloat64(), it.C+0.02*rng.NormFloat64())
	}
	return base, newForm
}

// The analytic Jacobian of every method agrees with central differences
// of Link itself (which re-minimises the criterion at every step, so this
// also checks the implicit-function step). Tolerance 1e-5 absolute or
// relative with a step of 1e-3: the truncation error of central
// differences is then about 1e-7, while BFGS's minimum of the Haebara
// criterion is accurate only to about 1e-9, which a step of 1e-5 would
// magnify to 1e-4.
func TestLinkJacobianFD(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range []Model{Rasch, TwoPL, ThreePL} {
		base, newForm := linkSETestForms(rng, m, 8)
		for _, meth := range []LinkMethod{MeanMean, MeanSigma, MeanGMean, Haebara, StockingLord} {
			for _, sym := range []bool{false, true} {
				if sym && (meth != Haebara && meth != StockingLord) {
					continue
				}
				for _, D := range []float64{1, 1.7} {
					name := fmt.Sprintf("%v/%v/sym=%v/D=%g", m, meth, sym, D)
					t.Run(name, func(t *testing.T) {
						opts := LinkOptions{Symmetric: sym, ScaleD: D}
						c, err := Link(base, newForm, meth, opts)
						if err != nil {
							t.Fatal(err)
						}
						got, err := LinkJacobian(base, newForm, c, meth, opts)
						if err != nil {
							t.Fatal(err)
						}
						xb, xn := linkParamVector(base), linkParamVector(newForm)
						x := append(append([]float64(nil), xb...), xn...)
						pb := len(xb)
						f := func(y, x []float64) {
							cc, err := Link(linkItemsFromVector(base, x[:pb]), linkItemsFromVector(newForm, x[pb:]), meth, opts)
							if err != nil {
								t.Fatal(err)
							}
							y[0], y[1] = cc.A, cc.B
						}
						want := mat.NewDense(2, len(x), nil)
						fd.Jacobian(want, f, x, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-3})
						for r := range 2 {
							for i := range x {
								if g, w := got.At(r, i), want.At(r, i); !scalar.EqualWithinAbsOrRel(g, w, 1e-5, 1e-5) {
									t.Errorf("∂%s/∂γ[%d] = %.8g, want %.8g (finite differences)", "AB"[r:r+1], i, g, w)
								}
							}
						}
					})
				}
			}
		}
	}
}

// kb36LinkRef is a row of testdata/ref/linking/kb36_linking_se.csv.
type kb36LinkRef struct {
	Model, Method         string
	A, ASE, B, BSE, CovAB float64
	LogLikX, LogLikY      float64
}

func readKB36LinkRef(t *testing.T) []kb36LinkRef {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", "ref", "linking", "kb36_linking_se.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	num := func(s string) float64 {
		if s == "NA" {
			return math.NaN()
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var out []kb36LinkRef
	for _, r := range recs[1:] {
		out = append(out, kb36LinkRef{Model: r[0], Method: r[1], A: num(r[2]), ASE: num(r[3]), B: num(r[4]), BSE: num(r[5]),
			CovAB: num(r[6]), LogLikX: num(r[8]), LogLikY: num(r[9])})
	}
	return out
}

// TestLinkDeltaKB36 calibrates Kolen & Brennan's forms X and Y separately
// with FitMML, links X to Y on the 12 common items and compares the
// delta-method SEs with equateIRT's (testdata/ref/linking/README.md: mirt
// 1.47 calibrations, equateIRT 2.5.1 direc).
//
// Tolerances: log-likelihoods 0.01 (both fits stop at a parameter change
// of 1e-4); A and B 2e-3 (the same data and model fitted by two programs
// to 1e-4, plus equateIRT's nlminb minimum); SEs 2 % relative (the
// issue's target is 10 %; the two programs' Oakes information matrices
// agree to about 0.1 %, which is what the SEs show) and cov(A, B) 1e-5.
// Mean–sigma's SE(A) is compared after scaling equateIRT's by n/(n − 1)
// (see LinkJacobian: equateIRT divides by n where the derivative has
// n − 1; unscaled, ours is 9 % above it), and its cov(A, B), which the
// same factor changes, is not compared.
func TestLinkDeltaKB36(t *testing.T) {
	refs := readKB36LinkRef(t)
	var common []int
	for j := 2; j < 36; j += 3 { // It3, It6, …, It36
		common = append(common, j)
	}
	fits := map[string][2]*Result{}
	for _, m := range []Model{Rasch, TwoPL} {
		var pair [2]*Result
		for f, name := range []string{"x", "y"} {
			r := readScoredCSVForTest(t, filepath.Join("testdata", "ref", "linking", "kb36_"+name+"_responses.csv"))
			pair[f] = mustFitMML(t, r, MMLOptions{Model: m})
		}
		fits[map[Model]string{Rasch: "Rasch", TwoPL: "2PL"}[m]] = pair
	}
	methods := map[string]LinkMethod{"mean-mean": MeanMean, "mean-sigma": MeanSigma, "Haebara": Haebara, "Stocking-Lord": StockingLord}
	for _, ref := range refs {
		pair, ok := fits[ref.Model]
		if !ok {
			continue // 3PL: no reference SEs
		}
		t.Run(ref.Model+"/"+ref.Method, func(t *testing.T) {
			x, y := pair[0], pair[1]
			if !scalar.EqualWithinAbs(x.LogLik, ref.LogLikX, 0.01) || !scalar.EqualWithinAbs(y.LogLik, ref.LogLikY, 0.01) {
				t.Fatalf("log-likelihoods %.4f, %.4f, want %.4f, %.4f (mirt)", x.LogLik, y.LogLik, ref.LogLikX, ref.LogLikY)
			}
			pick := func(r *Result) []Item {
				out := make([]Item, len(common))
				for k, j := range common {
					out[k] = r.Items[j]
				}
				return out
			}
			c, se, err := LinkDelta(pick(y), pick(x), y.ItemsCov(common), x.ItemsCov(common), methods[ref.Method], LinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			wantASE, wantBSE := ref.ASE, ref.BSE
			t.Logf("A = %.5f (%.5f), B = %.5f (%.5f); SE(A) = %.5f (%.5f), SE(B) = %.5f (%.5f), cov = %.3g (%.3g)",
				c.A, ref.A, c.B, ref.B, se.A, ref.ASE, se.B, ref.BSE, se.CovAB, ref.CovAB)
			if ref.Method == "mean-sigma" && ref.Model != "Rasch" {
				n := float64(len(common))
				wantASE *= n / (n - 1)
			}
			if !scalar.EqualWithinAbs(c.A, ref.A, 2e-3) || !scalar.EqualWithinAbs(c.B, ref.B, 2e-3) {
				t.Errorf("A, B = %.5f, %.5f, want %.5f, %.5f (equateIRT)", c.A, c.B, ref.A, ref.B)
			}
			if ref.ASE == 0 {
				if se.A != 0 || se.CovAB != 0 {
					t.Errorf("SE(A), cov(A,B) = %g, %g, want 0 (A fixed)", se.A, se.CovAB)
				}
			} else if !scalar.EqualWithinRel(se.A, wantASE, 0.02) {
				t.Errorf("SE(A) = %.5f, want %.5f ± 2 %% (equateIRT)", se.A, wantASE)
			}
			if !scalar.EqualWithinRel(se.B, wantBSE, 0.02) {
				t.Errorf("SE(B) = %.5f, want %.5f ± 2 %% (equateIRT)", se.B, wantBSE)
			}
			if ref.Method != "mean-sigma" && !scalar.EqualWithinAbs(se.CovAB, ref.CovAB, 1e-5) {
				t.Errorf("cov(A, B) = %.3g, want %.3g (equateIRT)", se.CovAB, ref.CovAB)
			}
		})
	}
}
