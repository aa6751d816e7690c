package irt

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// mmlRandomItems returns n items of model m with a ~ U(0.8, 2), b ~ N(0, 1)
// and, for the 3PL, c ~ U(0.1, 0.3).
func mmlRandomItems(rng *rand.Rand, m Model, n int) []Item {
	items := make([]Item, n)
	for j := range items {
		a := 0.8 + 1.2*rng.Float64()
		b := rng.NormFloat64()
		c := 0.1 + 0.2*rng.Float64()
		items[j] = NewItemIRT(m, a, b, c)
	}
	return items
}

func mmlRMSE(got, want []float64) float64 {
	var s float64
	for i := range got {
		s += (got[i] - want[i]) * (got[i] - want[i])
	}
	return math.Sqrt(s / float64(len(got)))
}

func mmlParams(items []Item, f func(Item) float64) []float64 {
	out := make([]float64, len(items))
	for j, it := range items {
		out[j] = f(it)
	}
	return out
}

func mmlA(it Item) float64 { return it.A }
func mmlB(it Item) float64 { return it.B() }

// TestFitMMLRecovery fits data simulated from known items. At N = 5000,
// SE(b) ≈ 0.03–0.08 and SE(a) ≈ 0.03–0.06 for these items, so RMSEs below
// 0.10 allow for sampling error without hiding bias; the 3PL's b is less
// precise (SE ≈ 0.05–0.15 at N = 20000 for hard, flat items).
func TestFitMMLRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("parameter recovery: skipped in -short mode")
	}
	t.Run("2PL/N=5000", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		items := mmlRandomItems(rng, TwoPL, 125)
		res := mustFitMML(t, mmlSimulated(11, items, 5000, 0, 1), MMLOptions{SkipSE: true})
		rb := mmlRMSE(mmlParams(res.Items, mmlB), mmlParams(items, mmlB))
		ra := mmlRMSE(mmlParams(res.Items, mmlA), mmlParams(items, mmlA))
		t.Logf("RMSE(b) = %.3f, RMSE(a) = %.3f", rb, ra)
		if rb > 0.10 {
			t.Errorf("RMSE(b) = %.3f, want ≤ 0.10", rb)
		}
		if ra > 0.10 {
			t.Errorf("RMSE(a) = %.3f, want ≤ 0.10", ra)
		}
	})
	t.Run("3PL/N=20000", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		items := mmlRandomItems(rng, ThreePL, 125)
		res := mustFitMML(t, mmlSimulated(12, items, 20000, 0, 1), MMLOptions{Model: ThreePL, GuessPrior: DefaultGuessPrior(5), SkipSE: true})
		got := mmlRMSE(mmlParams(res.Items, mmlB), mmlParams(items, mmlB))
		t.Logf("RMSE(b) = %.3f after %d cycles", got, res.Iterations)
		if got > 0.15 {
			t.Errorf("RMSE(b) = %.3f, want ≤ 0.15", got)
		}
	})
	t.Run("Rasch/sd=1.5", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		items := mmlRandomItems(rng, Rasch, 40)
		res := mustFitMML(t, mmlSimulated(13, items, 5000, 0, 1.5), MMLOptions{Model: Rasch})
		// SE of the sd ≈ 0.02 here.
		if math.Abs(res.LatentSD-1.5) > 0.08 {
			t.Errorf("latent sd = %.3f, want 1.5 ± 0.08", res.LatentSD)
		}
		// SE(var) ≈ 2σ·SE(σ).
		if se := res.LatentVarSE; !(se > 0.03 && se < 0.12) {
			t.Errorf("SE(latent variance) = %.3f, want about 0.07", se)
		}
		if got := mmlRMSE(mmlParams(res.Items, mmlB), mmlParams(items, mmlB)); got > 0.10 {
			t.Errorf("RMSE(b) = %.3f, want ≤ 0.10", got)
		}
	})
}

// TestFitMMLMissingDesign calibrates two forms in one run: 60 items, form A
// (half the candidates) takes items 0–39, form B items 20–59, the items not
// taken are Missing, and form B's group is abler (N(0.5, 1) against N(0, 1)).
// Concurrent MML puts both on one scale; 3000 candidates per form give
// SE(b) ≈ 0.04–0.10, so RMSE(b) ≤ 0.10.
func TestFitMMLMissingDesign(t *testing.T) {
	if testing.Short() {
		t.Skip("parameter recovery: skipped in -short mode")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	items := mmlRandomItems(rng, TwoPL, 60)
	const n = 3000
	theta := make([]float64, 2*n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
		if i >= n {
			theta[i] += 0.5
		}
	}
	r := Simulate(rng, items, theta)
	for i := 0; i < 2*n; i++ {
		row := r.Row(i)
		lo, hi := 40, 60 // form A: not 40–59
		if i >= n {
			lo, hi = 0, 20 // form B: not 0–19
		}
		for j := lo; j < hi; j++ {
			row[j] = Missing
		}
	}
	// The combined population is a normal mixture; the N(0, 1) latent
	// distribution misfits slightly, the empirical histogram does not.
	for _, eh := range []bool{false, true} {
		res := mustFitMML(t, r, MMLOptions{EmpiricalHistogram: eh, SkipSE: true})
		got := mmlRMSE(mmlParams(res.Items, mmlB), mmlParams(items, func(it Item) float64 {
			// True b on the fitted scale: the pooled population has mean
			// 0.25 and sd √(1 + 0.0625).
			return (it.B() - 0.25) / math.Sqrt(1.0625)
		}))
		t.Logf("empirical histogram %v: RMSE(b) = %.3f", eh, got)
		if got > 0.10 {
			t.Errorf("empirical histogram %v: RMSE(b) = %.3f, want ≤ 0.10", eh, got)
		}
	}
}

// TestFitMMLCoverage checks the standard errors: over replications, 95 %
// Wald intervals a ± 1.96·SE(a), d ± 1.96·SE(d) and b ± 1.96·SE(b) should
// cover the true values about 95 % of the time. 2PL, 20 items, 1000
// candidates, 100 replications: 2000 intervals per parameter, so the
// binomial sd of a coverage is 0.5 %; ITEMLAB_LONG=1 runs 400 replications.
func TestFitMMLCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("coverage study: skipped in -short mode")
	}
	reps := 100
	if os.Getenv("ITEMLAB_LONG") == "1" {
		reps = 400
	}
	rng := rand.New(rand.NewPCG(7, 8))
	items := mmlRandomItems(rng, TwoPL, 20)
	var n, in [3]int
	for rep := 0; rep < reps; rep++ {
		res := mustFitMML(t, mmlSimulated(uint64(1000+rep), items, 1000, 0, 1), MMLOptions{})
		for j, it := range res.Items {
			se := res.SE[j]
			for k, c := range [3][3]float64{
				{it.A, items[j].A, se.A},
				{it.D, items[j].D, se.D},
				{it.B(), items[j].B(), se.B},
			} {
				n[k]++
				if math.Abs(c[0]-c[1]) <= 1.96*c[2] {
					in[k]++
				}
			}
		}
	}
	for k, name := range []string{"a", "d", "b"} {
		cov := float64(in[k]) / float64(n[k])
		t.Logf("coverage of 95%% intervals for %s: %.3f (%d intervals)", name, cov, n[k])
		if cov < 0.90 || cov > 0.98 {
			t.Errorf("coverage of 95%% intervals for %s = %.3f, want 0.90–0.98", name, cov)
		}
	}
}

// TestFitMMLAnchored simulates 100 bank items (fixed at their true values)
// and 25 pretest items (free) taken by a population N(0.3, 1.1²) and checks
// that the calibration puts the pretest items on the bank's scale and
// recovers the population. At N = 2000, SE(b) of a pretest item ≈ 0.05–0.1
// and SE of the latent mean ≈ 0.03.
func TestFitMMLAnchored(t *testing.T) {
	if testing.Short() {
		t.Skip("parameter recovery: skipped in -short mode")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	items := mmlRandomItems(rng, TwoPL, 125)
	fixed := make([]bool, 125)
	for j := 0; j < 100; j++ {
		fixed[j] = true
	}
	r := mmlSimulated(21, items, 2000, 0.3, 1.1)
	start := append([]Item(nil), items...)
	start[7].D -= 0.6 * start[7].A // a drifted anchor: its bank b is 0.6 too high
	res := mustFitMML(t, r, MMLOptions{Fixed: fixed, Start: start})
	if !res.Converged || res.PriorUpdate != "MWU-MEM" {
		t.Fatalf("Converged = %v, PriorUpdate = %q", res.Converged, res.PriorUpdate)
	}
	if math.Abs(res.LatentMean-0.3) > 0.1 || math.Abs(res.LatentSD-1.1) > 0.1 {
		t.Errorf("latent mean, sd = %.3f, %.3f, want 0.3, 1.1 (± 0.1)", res.LatentMean, res.LatentSD)
	}
	if !(res.LatentMeanSE > 0.01 && res.LatentMeanSE < 0.06) {
		t.Errorf("SE(latent mean) = %.3f, want about 0.03", res.LatentMeanSE)
	}
	rb := mmlRMSE(mmlParams(res.Items[100:], mmlB), mmlParams(items[100:], mmlB))
	t.Logf("latent mean, sd = %.3f (%.3f), %.3f; pretest RMSE(b) = %.3f; drifted anchor displacement %.3f",
		res.LatentMean, res.LatentMeanSE, res.LatentSD, rb, res.Displacement[7])
	if rb > 0.15 {
		t.Errorf("pretest RMSE(b) = %.3f, want ≤ 0.15", rb)
	}
	for j := 0; j < 100; j++ {
		if res.Items[j] != start[j] || res.Cov[j].Names != nil || res.SE[j] != (ItemSE{}) {
			t.Fatalf("fixed item %d changed: %+v, SE %+v", j, res.Items[j], res.SE[j])
		}
	}
	var disp []float64
	for j := 0; j < 100; j++ {
		if j != 7 {
			disp = append(disp, res.Displacement[j])
		}
	}
	if got := mmlRMSE(disp, make([]float64, len(disp))); got > 0.12 {
		t.Errorf("RMS displacement of the sound anchors = %.3f, want ≤ 0.12", got)
	}
	if got := res.Displacement[7]; math.Abs(got+0.6) > 0.2 {
		t.Errorf("displacement of the drifted anchor = %.3f, want −0.6 ± 0.2", got)
	}
	if !math.IsNaN(res.Displacement[110]) {
		t.Errorf("displacement of a free item = %v, want NaN", res.Displacement[110])
	}
}

// TestFitMMLAnchoredMixed anchors 2PL bank items and calibrates 3PL
// pretest items: the free items stay 3PL, the fixed keep their model.
func TestFitMMLAnchoredMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	bank := mmlRandomItems(rng, TwoPL, 30)
	pre := mmlRandomItems(rng, ThreePL, 5)
	items := append(append([]Item(nil), bank...), pre...)
	fixed := make([]bool, len(items))
	for j := range bank {
		fixed[j] = true
	}
	r := mmlSimulated(22, items, 3000, -0.2, 1)
	res := mustFitMML(t, r, MMLOptions{Model: ThreePL, Fixed: fixed, Start: items, GuessPrior: DefaultGuessPrior(4)})
	for j, it := range res.Items {
		if fixed[j] && (it.Model != TwoPL || it != items[j]) {
			t.Errorf("fixed item %d = %+v, want %+v", j, it, items[j])
		}
		if !fixed[j] && (it.Model != ThreePL || !(it.C > 0.01) || !(res.SE[j].C > 0)) {
			t.Errorf("free item %d = %+v, SE %+v: want a 3PL with c and SE(c) > 0", j, it, res.SE[j])
		}
	}
	if math.Abs(res.LatentMean+0.2) > 0.1 {
		t.Errorf("latent mean = %.3f, want −0.2 ± 0.1", res.LatentMean)
	}
}

// TestFitMMLEmpiricalHistogram fits a skewed population (a mixture
// 0.75·N(−0.35, 0.7²) + 0.25·N(1.05, 0.7²), mean 0, sd ≈ 1) both ways: the
// histogram fits better, is standardised to mean 0 and sd 1, and shows the
// right skew.
func TestFitMMLEmpiricalHistogram(t *testing.T) {
	if testing.Short() {
		t.Skip("parameter recovery: skipped in -short mode")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	items := mmlRandomItems(rng, TwoPL, 40)
	theta := make([]float64, 8000)
	for i := range theta {
		if rng.Float64() < 0.75 {
			theta[i] = -0.35 + 0.7*rng.NormFloat64()
		} else {
			theta[i] = 1.05 + 0.7*rng.NormFloat64()
		}
	}
	r := Simulate(rng, items, theta)
	normal := mustFitMML(t, r, MMLOptions{SkipSE: true})
	eh := mustFitMML(t, r, MMLOptions{EmpiricalHistogram: true, SkipSE: true})
	if !eh.Converged || eh.PriorUpdate != "EH" {
		t.Fatalf("Converged = %v, PriorUpdate = %q", eh.Converged, eh.PriorUpdate)
	}
	if !(eh.LogLik > normal.LogLik+5) {
		t.Errorf("loglik = %.2f with a histogram, %.2f normal: want the histogram clearly better", eh.LogLik, normal.LogLik)
	}
	if math.Abs(eh.LatentMean) > 0.01 || math.Abs(eh.LatentSD-1) > 0.01 {
		t.Errorf("histogram mean, sd = %.4f, %.4f, want 0, 1", eh.LatentMean, eh.LatentSD)
	}
	var skew float64
	for q, th := range eh.Latent.Nodes {
		z := (th - eh.LatentMean) / eh.LatentSD
		skew += eh.Latent.Weights[q] * z * z * z
	}
	if !(skew > 0.2) {
		t.Errorf("histogram skewness = %.3f, want clearly positive (population ≈ 0.5)", skew)
	}
	if eh.NumParams != 2*40+61-3 {
		t.Errorf("NumParams = %d, want %d", eh.NumParams, 2*40+61-3)
	}
	if got := mmlRMSE(mmlParams(eh.Items, mmlB), mmlParams(items, mmlB)); got > 0.10 {
		t.Errorf("RMSE(b) = %.3f with the histogram, want ≤ 0.10", got)
	}
	var hw *HeywoodWarning
	for _, w := range eh.Warnings {
		if errors.As(w, &hw) {
			t.Errorf("warning %v", w)
		}
	}
}
