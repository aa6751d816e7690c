package irt

import (
	"errors"
	"math"
	"path/filepath"
	"testing"
)

func readPolyEquateParams(t *testing.T, name string) []Item {
	t.Helper()
	rows := linkReadCSV(t, filepath.Join("testdata", "ref", "linking", name))
	var items []Item
	for _, r := range rows[1:] {
		items = append(items, NewItemIRT(ThreePL, linkAtof(t, r[1]), linkAtof(t, r[2]), linkAtof(t, r[3])))
	}
	return ScaleItems(items, 1.7)
}

// Reference: Kolen's PolyEquate true-score equating of the K&B Table 6.5
// example, as published in jMetrik's unit tests (testdata/ref/linking/
// README.md). Tolerance 1e-5, the precision of the published values.
func TestEquateTrueScoresPolyEquate(t *testing.T) {
	x := readPolyEquateParams(t, "kb36_x_params_polyequate.csv")
	y := readPolyEquateParams(t, "kb36_y_params_polyequate.csv")
	rows := linkReadCSV(t, filepath.Join("testdata", "ref", "linking", "kb36_true_score_polyequate.csv"))
	res, err := EquateTrueScores(x, y)
	if err != nil {
		t.Fatal(err)
	}
	var maxEq, maxTh float64
	for _, r := range rows[1:] {
		s := int(linkAtof(t, r[0]))
		wantTh, wantEq := linkAtof(t, r[1]), linkAtof(t, r[2])
		if d := math.Abs(res.Equated[s] - wantEq); d > 1e-5 {
			t.Errorf("x = %d: e_Y = %.6f, want %.6f (PolyEquate)", s, res.Equated[s], wantEq)
		} else {
			maxEq = math.Max(maxEq, d)
		}
		if wantTh == -99 || wantTh == 99 {
			if !math.IsNaN(res.Theta[s]) {
				t.Errorf("x = %d: θ = %g, want NaN (none)", s, res.Theta[s])
			}
			continue
		}
		if d := math.Abs(res.Theta[s] - wantTh); d > 1e-5 {
			t.Errorf("x = %d: θ = %.6f, want %.6f (PolyEquate)", s, res.Theta[s], wantTh)
		} else {
			maxTh = math.Max(maxTh, d)
		}
	}
	t.Logf("max |Δe_Y| = %.2g, max |Δθ| = %.2g", maxEq, maxTh)
}

// From Table 6.5's 4-decimal parameters, linked here by mean–sigma without
// item 27 (A ≈ 1.1761), the equivalents agree with PolyEquate's to 0.005:
// the transformed parameters differ from PolyEquate's in the 4th decimal.
func TestEquateTrueScoresFromLink(t *testing.T) {
	xf := readKB36Form(t, "kb36_x_params.csv")
	yf := readKB36Form(t, "kb36_y_params.csv")
	base, newForm := kb36Common(t, "It27")
	lc, err := Link(base, newForm, MeanSigma, LinkOptions{ScaleD: 1.7})
	if err != nil {
		t.Fatal(err)
	}
	x := lc.TransformItems(ScaleItems(xf.items, 1.7))
	res, err := EquateTrueScores(x, ScaleItems(yf.items, 1.7))
	if err != nil {
		t.Fatal(err)
	}
	rows := linkReadCSV(t, filepath.Join("testdata", "ref", "linking", "kb36_true_score_polyequate.csv"))
	var maxd float64
	for _, r := range rows[1:] {
		s := int(linkAtof(t, r[0]))
		maxd = math.Max(maxd, math.Abs(res.Equated[s]-linkAtof(t, r[2])))
	}
	if maxd > 5e-3 {
		t.Errorf("max |e_Y − PolyEquate| = %.4f, want ≤ 0.005", maxd)
	}
	t.Logf("A, B = %.6f, %.6f; max |e_Y − PolyEquate| = %.2g", lc.A, lc.B, maxd)
}

func TestEquateTrueScoresIdentities(t *testing.T) {
	yf := readKB36Form(t, "kb36_y_params.csv")
	y := ScaleItems(yf.items, 1.7)
	// A form equated to itself is the identity at every score.
	res, err := EquateTrueScores(y, y)
	if err != nil {
		t.Fatal(err)
	}
	for s, e := range res.Equated {
		if math.Abs(e-float64(s)) > 1e-9 {
			t.Errorf("self-equating: x = %d → %.10f", s, e)
		}
	}
	// Monotone, Σc rule at the bottom, maximum to maximum.
	xf := readKB36Form(t, "kb36_x_params.csv")
	x := ScaleItems(xf.items, 1.7)
	res, err = EquateTrueScores(x, y)
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s < len(res.Equated); s++ {
		if !(res.Equated[s] > res.Equated[s-1]) {
			t.Errorf("not increasing at x = %d: %.6f after %.6f", s, res.Equated[s], res.Equated[s-1])
		}
	}
	for s := 0; float64(s) <= res.SumCX; s++ {
		if want := float64(s) * res.SumCY / res.SumCX; math.Abs(res.Equated[s]-want) > 1e-12 || !math.IsNaN(res.Theta[s]) {
			t.Errorf("x = %d ≤ Σc_X: e_Y = %g θ = %g, want %g and NaN", s, res.Equated[s], res.Theta[s], want)
		}
	}
	if got := res.Equated[len(x)]; got != float64(len(y)) {
		t.Errorf("maximum maps to %g, want %d", got, len(y))
	}
	// 2PL forms: Σc = 0, so only x = 0 and the maximum have no θ.
	two := make([]Item, 10)
	for j := range two {
		two[j] = NewItemIRT(TwoPL, 1+0.1*float64(j), -1+0.2*float64(j), 0)
	}
	res, err = EquateTrueScores(two, two)
	if err != nil {
		t.Fatal(err)
	}
	if res.Equated[0] != 0 || res.Equated[10] != 10 || !math.IsNaN(res.Theta[0]) || math.IsNaN(res.Theta[1]) {
		t.Errorf("2PL ends: %v %v", res.Equated, res.Theta)
	}
}

func TestEquateTrueScoresErrors(t *testing.T) {
	items := []Item{NewItemIRT(TwoPL, 1, 0, 0), NewItemIRT(TwoPL, -0.5, 1, 0), NewItemIRT(TwoPL, 1, 1, 0)}
	if _, err := EquateTrueScores(items, items); !errors.Is(err, ErrTCCNotIncreasing) {
		t.Errorf("negative slope: err = %v, want ErrTCCNotIncreasing", err)
	}
	items[1] = Item{Model: ThreePL, A: 1, C: 1.2}
	if _, err := EquateTrueScores(items, items); !errors.Is(err, ErrTCCNotIncreasing) {
		t.Errorf("c > 1: err = %v, want ErrTCCNotIncreasing", err)
	}
	if _, err := EquateTrueScores(nil, items); err == nil {
		t.Error("no items: no error")
	}
}

func TestObservedScoreDists(t *testing.T) {
	yf := readKB36Form(t, "kb36_y_params.csv")
	y := ScaleItems(yf.items, 1.7)
	p1 := NormalQuadrature(41, -5, 5, 0.2, 1.1)
	p2 := NormalQuadrature(41, -5, 5, 0, 1)
	fx, fy := ObservedScoreDists(y, y, p1, p2, 0.5)
	var s float64
	for k := range fx {
		if math.Abs(fx[k]-fy[k]) > 1e-15 {
			t.Fatalf("same form: f_X(%d) = %g, f_Y = %g", k, fx[k], fy[k])
		}
		s += fx[k]
	}
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("distribution sums to %.15g", s)
	}
	// w1 = 1 is population 1 alone.
	fx1, _ := ObservedScoreDists(y, y, p1, p2, 1)
	want := SummedScoreDist(y, p1)
	for k := range want {
		if math.Abs(fx1[k]-want[k]) > 1e-15 {
			t.Fatalf("w1 = 1: f(%d) = %g, want %g", k, fx1[k], want[k])
		}
	}
}
