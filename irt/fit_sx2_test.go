package irt

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSX2Collapse follows mirt's collapseCells on a small table: an empty
// group is dropped, a one-candidate group merges forward, and groups with an
// expected count below 1 merge into their neighbour with fewer candidates.
func TestSX2Collapse(t *testing.T) {
	gs := []sx2Group{
		{n: 1, o1: 0, e1: 0.2, e0: 0.8},    // one candidate: into the next
		{n: 0},                             // empty: dropped
		{n: 5, o1: 1, e1: 0.9, e0: 4.1},    // (after the merge e1 = 1.1: fine)
		{n: 20, o1: 8, e1: 9, e0: 11},      //
		{n: 3, o1: 2, e1: 2.5, e0: 0.5},    // e0 < 1: neighbours have 20 and 30 → up
		{n: 30, o1: 29, e1: 29.5, e0: 0.5}, // last with e0 < 1: into the previous
	}
	got := sx2Collapse(gs, 1)
	want := []sx2Group{
		{n: 6, o1: 1, e1: 1.1, e0: 4.9},
		{n: 53, o1: 39, e1: 41, e0: 12},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d groups %v, want %v", len(got), got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.n != w.n || g.o1 != w.o1 || math.Abs(g.e1-w.e1) > 1e-12 || math.Abs(g.e0-w.e0) > 1e-12 {
			t.Errorf("group %d: %+v, want %+v", i, g, w)
		}
	}
}

// TestSX2TypeI: with the generating parameters (KnownParams) and the true
// N(0, 1) prior, p-values of 2PL items reject at α = .05 in 3–8 % of
// items × replications (the χ² approximation is a little conservative
// after collapsing). A 3PL item (a = 2.5, c = 0.3) among Rasch items, fitted by CML
// as a Rasch item, is flagged (p < .001).
func TestSX2TypeI(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation study")
	}
	rng := rand.New(rand.NewPCG(51, 52))
	L, N, reps := 20, 1000, 30
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(TwoPL, 0.7+rng.Float64(), -1.8+3.6*float64(i)/float64(L-1), 0)
	}
	prior := NormalQuadrature(61, -6, 6, 0, 1)
	theta := make([]float64, N)
	reject, total := 0, 0
	for rep := 0; rep < reps; rep++ {
		for i := range theta {
			theta[i] = rng.NormFloat64()
		}
		r := Simulate(rng, items, theta)
		for _, s := range SX2(items, r, prior, SX2Options{KnownParams: true}) {
			if math.IsNaN(s.P) {
				t.Fatalf("NaN statistic: %s", s.Reason)
			}
			total++
			if s.P < 0.05 {
				reject++
			}
		}
	}
	rate := float64(reject) / float64(total)
	t.Logf("rejection rate at .05: %.3f over %d tests", rate, total)
	if rate < 0.03 || rate > 0.08 {
		t.Errorf("rejection rate %.3f, want 0.03–0.08", rate)
	}

	// Misspecification.
	N = 3000
	gen := make([]Item, L)
	for i := range gen {
		gen[i] = NewItemIRT(Rasch, 1, -1.8+3.6*float64(i)/float64(L-1), 0)
	}
	gen[7] = NewItemIRT(ThreePL, 2.5, 0.8, 0.3)
	theta = make([]float64, N)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, gen, theta)
	fit, err := FitCML(context.Background(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := SX2(fit.Items, r, prior, SX2Options{})
	if st[7].P > 0.001 {
		t.Errorf("3PL item fitted as Rasch: S-X² = %.1f (df %d), p = %.3g, want p < .001", st[7].X2, st[7].DF, st[7].P)
	}
	flagged := 0
	for j, s := range st {
		if j != 7 && s.P < 0.01 {
			flagged++
		}
	}
	if flagged > 2 {
		t.Errorf("%d Rasch items flagged at .01, want ≤ 2", flagged)
	}
	t.Logf("3PL item: S-X² = %.1f, df %d, p = %.3g", st[7].X2, st[7].DF, st[7].P)
}

func TestSX2Missing(t *testing.T) {
	items := []Item{NewItemIRT(Rasch, 1, 0, 0), NewItemIRT(Rasch, 1, 0, 0), NewItemIRT(Rasch, 1, 0, 0)}
	r := &Responses{N: 2, J: 3, X: []uint8{1, 0, 1, 0, Missing, 1}}
	for _, s := range SX2(items, r, NormalQuadrature(61, -6, 6, 0, 1), SX2Options{}) {
		if !math.IsNaN(s.X2) || !math.IsNaN(s.P) || s.Reason == "" {
			t.Errorf("%+v, want NaN with a reason", s)
		}
	}
}
