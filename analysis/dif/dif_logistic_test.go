package dif

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/analysis"
)

// TestLogisticDIFSaturated uses two score levels, where M0 (score) and M2
// (score, group, score×group) are saturated in their cells, so the fits
// are the observed proportions and everything is closed-form:
//
//	cell        n   right  proportion
//	ref,   X=0  40  10     0.25
//	ref,   X=1  60  42     0.70
//	focal, X=0  30   6     0.20
//	focal, X=1  20  10     0.50
//
// M0: P(X=0) = 16/70, P(X=1) = 52/80. χ²(2) = 2 Σ [k·ln(p_cell/p_X) + (n−k)·ln((1−p_cell)/(1−p_X))]
// = 2.807120, p = e^(−χ²/2) = 0.245721. Deviances: D₀ (intercept only, 68 of 150)
// = 206.635584, D(M0) = 178.847680, D(M2) = 176.040560; Nagelkerke
// ΔR² = 0.020600. M2's coefficients are logits of the cells: β₀ = logit .25
// = −1.098612, β₁ = logit .7 − β₀ = 1.945910, β₂ = logit .2 − β₀ = −0.287682,
// β₃ = logit .5 − logit .2 − β₁ = −0.559616.
func TestLogisticDIFSaturated(t *testing.T) {
	var c logitCells
	c.add(0, 0, 40, 10)
	c.add(1, 0, 60, 42)
	c.add(0, 1, 30, 6)
	c.add(1, 1, 20, 10)
	r := logisticResult(&c, LogisticOptions{Alpha: 0.05, ModerateR2: 0.035, LargeR2: 0.07})
	const tol = 1e-6
	for _, cmp := range []struct {
		name      string
		got, want float64
	}{
		{"chi2", r.ChiSquare, 2.807120},
		{"p", r.P, 0.245721},
		{"deltaR2", r.DeltaR2, 0.020600},
		{"b0", r.Beta[0], -1.098612},
		{"b1", r.Beta[1], 1.945910},
		{"b2", r.Beta[2], -0.287682},
		{"b3", r.Beta[3], -0.559616},
		{"chi2 parts", r.ChiUniform + r.ChiNonUniform, r.ChiSquare},
	} {
		if math.Abs(cmp.got-cmp.want) > tol {
			t.Errorf("%s = %.6f, want %.6f", cmp.name, cmp.got, cmp.want)
		}
	}
	if !r.Converged || r.Category != ETSA || r.NReference != 100 || r.NFocal != 50 {
		t.Errorf("converged %v category %s n %d/%d, want true A 100/50", r.Converged, r.Category, r.NReference, r.NFocal)
	}
}

// At the maximum of M1's likelihood the score equations Σ (k − n·p)·z = 0
// hold for z = 1, X, G.
func TestLogisticDIFScoreEquations(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var c logitCells
	for s := 0; s <= 20; s++ {
		for g := 0; g < 2; g++ {
			n := float64(5 + rng.IntN(40))
			p := 1 / (1 + math.Exp(-(0.3*float64(s-10) - 0.5*float64(g))))
			k := math.Round(n * p)
			c.add(float64(s), float64(g), n, k)
		}
	}
	var mx, n float64
	for i := range c.n {
		mx += c.n[i] * c.x[i]
		n += c.n[i]
	}
	b, _, ok := fitLogistic(&c, 3, mx/n)
	if !ok {
		t.Fatal("M1 did not converge")
	}
	var g [3]float64
	for i := range c.n {
		p := 1 / (1 + math.Exp(-(b[0] + b[1]*c.x[i] + b[2]*c.g[i])))
		res := c.k[i] - c.n[i]*p
		g[0] += res
		g[1] += res * c.x[i]
		g[2] += res * c.g[i]
	}
	for a, v := range g {
		if math.Abs(v) > 1e-6 {
			t.Errorf("score equation %d = %g, want 0", a, v)
		}
	}
	if math.Abs(b[2]+0.5) > 0.25 {
		t.Errorf("group effect %.3f, want about -0.5", b[2])
	}
}

// A simulated item 1 logit harder for the focal group is found, favouring
// the reference group, by both the logistic and the MH procedure.
func TestLogisticDIFSimulated(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	const n, j = 4000, 30
	d := simtest.Rasch(rng, n, j, []analysis.Status{analysis.Operational})
	groups := make([]Group, n)
	for i := range groups {
		groups[i] = Reference
		if i%2 == 1 {
			groups[i] = Focal
			// Item 0: for focal candidates who got it right, turn a third
			// of the rights into a wrong option (lowers the odds by ~0.7 logits).
			c := i*j + 0
			if d.Scored[c] == 1 && rng.Float64() < 0.4 {
				d.Raw[c], d.Scored[c] = 1, 0
			}
		}
	}
	lr, err := Logistic(d, groups, nil, LogisticOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mh, err := MantelHaenszel(d, groups, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lr[0].P > 1e-6 || lr[0].Favours != FavoursReference || lr[0].GroupEffect > -0.3 {
		t.Errorf("logistic item 0: p %.3g effect %.3f favours %s", lr[0].P, lr[0].GroupEffect, lr[0].Favours)
	}
	if mh[0].Category == ETSA || mh[0].Favours != FavoursReference {
		t.Errorf("MH item 0: D %.3f category %s favours %s", mh[0].DDIF, mh[0].Category, mh[0].Favours)
	}
	var falseC int
	for k := 1; k < j; k++ {
		if mh[k].Category == ETSC || lr[k].Category == ETSC {
			falseC++
		}
	}
	if falseC > 0 {
		t.Errorf("%d DIF-free items in category C", falseC)
	}
}
