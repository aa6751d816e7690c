package irt

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// jmlTestData simulates N candidates × L Rasch items, θ ~ N(0, 1),
// difficulties evenly spread over ±2.
func jmlTestData(seed uint64, L, N int) ([]Item, *Responses) {
	rng := rand.New(rand.NewPCG(seed, 99))
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(Rasch, 1, -2+4*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	return items, Simulate(rng, items, theta)
}

// TestFitJMLTwoItems uses Andersen's (1973) exact result: with two items the
// JML difficulty difference is twice the CML one, log(n10/n01); the
// (L−1)/L = 1/2 correction makes JML equal CML.
func TestFitJMLTwoItems(t *testing.T) {
	_, r := jmlTestData(1, 2, 3000)
	var n10, n01 float64
	for i := 0; i < r.N; i++ {
		switch {
		case r.At(i, 0) == 1 && r.At(i, 1) == 0:
			n10++
		case r.At(i, 0) == 0 && r.At(i, 1) == 1:
			n01++
		}
	}
	want := math.Log(n10 / n01) // b2 − b1 by CML
	raw, err := FitJML(t.Context(), r, JMLOptions{NoBiasCorrection: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Items[1].B() - raw.Items[0].B(); math.Abs(got-2*want) > 1e-8 {
		t.Errorf("uncorrected JML b2 − b1 = %.10f, want 2·log(n10/n01) = %.10f", got, 2*want)
	}
	cor, err := FitJML(t.Context(), r, JMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cml, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if math.Abs(cor.Items[i].B()-cml.Items[i].B()) > 1e-8 {
			t.Errorf("item %d: corrected JML b = %.10f, want CML %.10f", i, cor.Items[i].B(), cml.Items[i].B())
		}
	}
	if cor.BiasFactor != 0.5 {
		t.Errorf("bias factor %g, want 1/2", cor.BiasFactor)
	}
}

// TestFitJMLNearCML: on simulated Rasch data (L = 30, N = 2000) the
// corrected JML difficulties agree with CML within 0.05 RMSE (their
// difference is the remaining O(1/L²) bias plus rounding; SE(b) ≈ 0.05).
func TestFitJMLNearCML(t *testing.T) {
	_, r := jmlTestData(2, 30, 2000)
	jml, err := FitJML(t.Context(), r, JMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !jml.Converged {
		t.Fatalf("not converged after %d cycles", jml.Iterations)
	}
	cml, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ss, sum float64
	for i := range cml.Items {
		d := jml.Items[i].B() - cml.Items[i].B()
		ss += d * d
		sum += jml.Items[i].B()
	}
	rmse := math.Sqrt(ss / float64(len(cml.Items)))
	if rmse > 0.05 {
		t.Errorf("RMSE(JML − CML) = %.4f, want ≤ 0.05", rmse)
	}
	if math.Abs(sum) > 1e-9 {
		t.Errorf("Σb = %g, want 0", sum)
	}
	t.Logf("RMSE(JML corrected − CML) = %.4f after %d cycles", rmse, jml.Iterations)
}

// TestFitJMLEquations checks the JML estimating equations at the solution
// (observed = expected scores for every item and non-extreme person), the
// extreme-score adjustments (expected score 0.3 from the end), person
// measures shared by equal raw scores, and Workers invariance.
func TestFitJMLEquations(t *testing.T) {
	_, r := jmlTestData(3, 12, 800)
	// An item everybody gets right, and some missing responses.
	r2 := NewResponses(r.N, r.J+1)
	rng := rand.New(rand.NewPCG(4, 5))
	for i := 0; i < r.N; i++ {
		copy(r2.Row(i), r.Row(i))
		r2.Row(i)[r.J] = 1
		if rng.Float64() < 0.1 {
			r2.Row(i)[rng.IntN(r.J)] = Missing
		}
	}
	res, err := FitJML(t.Context(), r2, JMLOptions{Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	var ei *ExtremeItemsError
	var es *ExtremeScoresWarning
	for _, w := range res.Warnings {
		errors.As(w, &ei)
		errors.As(w, &es)
	}
	if ei == nil || len(ei.AllCorrect) != 1 || ei.AllCorrect[0] != r.J {
		t.Fatalf("warnings %v, want item %d reported all correct", res.Warnings, r.J)
	}
	if es == nil || es.Zero+es.Perfect == 0 {
		t.Errorf("warnings %v, want extreme persons", res.Warnings)
	}
	f := res.BiasFactor
	if want := 11.0 / 12; math.Abs(f-want) > 1e-15 {
		t.Errorf("bias factor %g, want 11/12", f)
	}
	b := make([]float64, r2.J)
	for i := range b {
		b[i] = res.Items[i].B() / f
	}
	// Item equations over non-extreme persons, person equations.
	obs := make([]float64, r.J)
	exp := make([]float64, r.J)
	for n := 0; n < r2.N; n++ {
		row := r2.Row(n)
		pe := res.Persons[n]
		m, s := 0, 0
		var e float64
		for i := 0; i < r.J; i++ {
			if row[i] != Missing {
				m++
				s += int(row[i])
				e += Logistic(pe.Theta - b[i])
			}
		}
		switch {
		case s == 0 || s == m:
			target := 0.3
			if s == m {
				target = float64(m) - 0.3
			}
			if pe.Status != ScoreExtreme || math.Abs(e-target) > 1e-8 {
				t.Errorf("row %d (score %d of %d): %+v, expected score %.6f, want %.1f", n, s, m, pe, e, target)
			}
			continue
		case pe.Status != ScoreOK || math.Abs(e-float64(s)) > 1e-6:
			t.Errorf("row %d: expected score %.8f, want %d", n, e, s)
		}
		for i := 0; i < r.J; i++ {
			if row[i] != Missing {
				obs[i] += float64(row[i])
				exp[i] += Logistic(pe.Theta - b[i])
			}
		}
	}
	for i := range obs {
		if math.Abs(obs[i]-exp[i]) > 1e-6 {
			t.Errorf("item %d: observed %.0f, expected %.8f", i, obs[i], exp[i])
		}
	}
	// The all-correct item: expected score N_i − 0.3 over non-extreme persons.
	var e, n float64
	for k := 0; k < r2.N; k++ {
		if res.Persons[k].Status == ScoreOK {
			e += Logistic(res.Persons[k].Theta - b[r.J])
			n++
		}
	}
	if math.Abs(e-(n-0.3)) > 1e-6 {
		t.Errorf("extreme item: expected score %.6f, want %.1f", e, n-0.3)
	}
	res1, err := FitJML(t.Context(), r2, JMLOptions{Tol: 1e-10, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Items {
		if res.Items[i] != res1.Items[i] {
			t.Fatalf("item %d differs between worker counts", i)
		}
	}
	for k := range res.Persons {
		if res.Persons[k] != res1.Persons[k] {
			t.Fatalf("person %d differs between worker counts", k)
		}
	}
}
