package irt

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestLouisMatchesOakes checks the one-pass observed information (Louis,
// 1982), and the one-pass-per-parameter analytic Oakes information, against the central differences of the Fisher-identity gradient
// (Oakes, 1999) that mirt computes: the two are the same matrix, so the
// covariances agree to the differences' error (relative step 1e-5, error
// about 1e-9 of the SEs' product in the inverse; 1e-6 allows for it).
func TestLouisMatchesOakes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping 17 pairs of fits comparing the information matrices")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const J, N = 23, 3000
	items2 := mmlBenchItems(rng, TwoPL, J)
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = 0.3 + 1.2*rng.NormFloat64()
	}
	r2 := Simulate(rng, items2, theta)
	itemsR := mmlBenchItems(rng, Rasch, J)
	rR := Simulate(rng, itemsR, theta)
	// Six items: identical patterns are collapsed into weighted rows.
	r6 := Simulate(rng, items2[:6], theta)
	r17 := Simulate(rng, items2[:17], theta) // a partial last byte with an empty last nibble
	items3 := mmlBenchItems(rng, ThreePL, J)
	r3 := Simulate(rng, items3, theta)
	// Missing responses: 10 % of the cells.
	r2m := Simulate(rng, items2, theta)
	for i := range r2m.X {
		if rng.Float64() < 0.1 {
			r2m.X[i] = Missing
		}
	}
	fixed := make([]bool, J)
	start := make([]Item, J)
	for j := 0; j < J; j += 3 {
		fixed[j], start[j] = true, items2[j]
	}
	cases := []struct {
		name string
		r    *Responses
		o    MMLOptions
	}{
		{"2pl", r2, MMLOptions{Model: TwoPL}},
		{"rasch", rR, MMLOptions{Model: Rasch}},
		{"2pl-anchored", r2, MMLOptions{Model: TwoPL, Fixed: fixed, Start: start}},
		{"rasch-anchored", rR, MMLOptions{Model: Rasch, Fixed: fixed, Start: start}},
		{"2pl-priors", r2, MMLOptions{Model: TwoPL, SlopePrior: &NormalPrior{0, 0.5}, DiffPrior: &NormalPrior{0, 2}}},
		{"2pl-eh", r2, MMLOptions{Model: TwoPL, EmpiricalHistogram: true, Tol: 1e-4}},
		{"2pl-21nodes", r2, MMLOptions{Model: TwoPL, QuadPoints: 21}},
		{"2pl-6items", r6, MMLOptions{Model: TwoPL}},
		{"rasch-6items", r6, MMLOptions{Model: Rasch}},
		{"2pl-17items", r17, MMLOptions{Model: TwoPL}},
		// One pass per parameter (oakesAnalytic) against central differences.
		{"3pl", r3, MMLOptions{Model: ThreePL, GuessPrior: DefaultGuessPrior(4)}},
		{"3pl-anchored", r3, MMLOptions{Model: ThreePL, GuessPrior: DefaultGuessPrior(4), Fixed: fixed, Start: anchors3(items3, fixed)}},
		{"2pl-missing", r2m, MMLOptions{Model: TwoPL}},
		{"rasch-missing", r2m, MMLOptions{Model: Rasch}},
		{"2pl-missing-anchored", r2m, MMLOptions{Model: TwoPL, Fixed: fixed, Start: start}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.o.Tol == 0 {
				c.o.Tol = 1e-6
			}
			got, err := FitMML(context.Background(), c.r, c.o)
			if err != nil {
				t.Fatal(err)
			}
			o := c.o
			o.forceOakes = true
			want, err := FitMML(context.Background(), c.r, o)
			if err != nil {
				t.Fatal(err)
			}
			if got.ParamCov == nil || want.ParamCov == nil {
				t.Fatal("no covariance")
			}
			P := got.ParamCov.SymmetricDim()
			worst := 0.0
			for i := 0; i < P; i++ {
				for k := i; k < P; k++ {
					g, w := got.ParamCov.At(i, k), want.ParamCov.At(i, k)
					scale := math.Sqrt(want.ParamCov.At(i, i) * want.ParamCov.At(k, k))
					worst = max(worst, math.Abs(g-w)/scale)
				}
			}
			if worst > 1e-6 || math.IsNaN(worst) {
				t.Errorf("largest covariance difference %.3g of the SEs' product, want ≤ 1e-6", worst)
			}
			if math.Abs(got.LatentVarSE-want.LatentVarSE) > 1e-6*want.LatentVarSE ||
				math.Abs(got.LatentMeanSE-want.LatentMeanSE) > 1e-6*want.LatentMeanSE {
				t.Errorf("latent SEs %v %v, want %v %v", got.LatentMeanSE, got.LatentVarSE, want.LatentMeanSE, want.LatentVarSE)
			}
			t.Logf("P=%d worst %.3g", P, worst)
		})
	}
}

// anchors3 returns the starting values with the items marked in fixed at
// their generating values.
func anchors3(items []Item, fixed []bool) []Item {
	start := make([]Item, len(items))
	for j, fx := range fixed {
		if fx {
			start[j] = items[j]
		}
	}
	return start
}

// TestInformationWorkers checks that the one-pass information (several row
// blocks at this N) and InfitOutfit (several blocks of 4096) do not depend
// on the number of goroutines: covariances and fit statistics are ==.
func TestInformationWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	items := mmlBenchItems(rng, TwoPL, 20)
	theta := make([]float64, 20_000)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	var covs [][]float64
	var fits [][]MeanSquareFit
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, w := range []int{1, 3} {
		runtime.GOMAXPROCS(w)
		res, err := FitMML(context.Background(), r, MMLOptions{Model: TwoPL, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		P := res.ParamCov.SymmetricDim()
		c := make([]float64, 0, P*P)
		for i := 0; i < P; i++ {
			for k := 0; k < P; k++ {
				c = append(c, res.ParamCov.At(i, k))
			}
		}
		covs = append(covs, c)
		f, _ := InfitOutfit(res.Items, r, theta)
		fits = append(fits, f)
	}
	for i := range covs[0] {
		if covs[0][i] != covs[1][i] {
			t.Fatalf("covariance %d: %v with 1 worker, %v with 3", i, covs[0][i], covs[1][i])
		}
	}
	for j := range fits[0] {
		if fits[0][j] != fits[1][j] {
			t.Fatalf("item %d fit: %+v with 1 goroutine, %+v with 3", j, fits[0][j], fits[1][j])
		}
	}
}
