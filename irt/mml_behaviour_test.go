package irt

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// mmlSimulated returns n candidates' responses to items, θ ~ N(mean, sd²).
func mmlSimulated(seed uint64, items []Item, n int, mean, sd float64) *Responses {
	rng := rand.New(rand.NewPCG(seed, 99))
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = mean + sd*rng.NormFloat64()
	}
	return Simulate(rng, items, theta)
}

func mustFitMML(t testing.TB, r *Responses, opts MMLOptions) *Result {
	t.Helper()
	res, err := FitMML(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFitMMLWorkers checks that results do not depend on the number of
// E-step goroutines: estimates, log-likelihood and standard errors are
// identical (==), with and without missing responses.
func TestFitMMLWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, m := range []Model{Rasch, TwoPL, ThreePL} {
		for _, missing := range []bool{false, true} {
			name := mmlModelNames[m]
			if missing {
				name += "/missing"
			}
			t.Run(name, func(t *testing.T) {
				items := mmlBenchItems(rng, m, 30)
				r := mmlSimulated(uint64(m), items, 6000, 0, 1)
				if missing {
					for k := range r.X {
						if k%7 == 3 {
							r.X[k] = Missing
						}
					}
				}
				opts := MMLOptions{Model: m, Workers: 1}
				if m == ThreePL {
					opts.GuessPrior = DefaultGuessPrior(4)
				}
				a := mustFitMML(t, r, opts)
				opts.Workers = 4
				b := mustFitMML(t, r, opts)
				if a.LogLik != b.LogLik || a.Iterations != b.Iterations || a.LatentSD != b.LatentSD {
					t.Errorf("loglik, cycles, sd = %v, %d, %v with 1 worker, %v, %d, %v with 4",
						a.LogLik, a.Iterations, a.LatentSD, b.LogLik, b.Iterations, b.LatentSD)
				}
				for j := range a.Items {
					if a.Items[j] != b.Items[j] || a.SE[j] != b.SE[j] {
						t.Fatalf("item %d: %+v, SE %+v with 1 worker; %+v, SE %+v with 4", j, a.Items[j], a.SE[j], b.Items[j], b.SE[j])
					}
				}
			})
		}
	}
}

// TestFitMMLAcceleration checks that SQUAREM reaches the maximum plain EM
// reaches, in fewer cycles. Both run to a tolerance of 1e-7; estimates agree
// within 1e-4 and log-likelihoods within 1e-6.
func TestFitMMLAcceleration(t *testing.T) {
	for _, c := range []struct {
		data  string
		model Model
	}{{"lsat7", TwoPL}, {"lsat6", Rasch}, {"mathexam14w", TwoPL}, {"lsat7", ThreePL}} {
		t.Run(c.data+"/"+mmlModelNames[c.model], func(t *testing.T) {
			r := readScoredCSVForTest(t, mmlRefPath(c.data+".csv"))
			opts := MMLOptions{Model: c.model, Tol: 1e-7, MaxIter: 20000, SkipSE: true}
			if c.model == ThreePL {
				opts.GuessPrior = DefaultGuessPrior(5)
			}
			acc := mustFitMML(t, r, opts)
			opts.NoAcceleration = true
			em := mustFitMML(t, r, opts)
			if !acc.Converged || !em.Converged {
				t.Fatalf("converged: SQUAREM %v, EM %v", acc.Converged, em.Converged)
			}
			if acc.Iterations >= em.Iterations {
				t.Errorf("SQUAREM took %d cycles, EM %d", acc.Iterations, em.Iterations)
			}
			if math.Abs(acc.LogLik-em.LogLik) > 1e-6 {
				t.Errorf("loglik = %.9f with SQUAREM, %.9f with EM", acc.LogLik, em.LogLik)
			}
			for j := range acc.Items {
				x, y := acc.Items[j], em.Items[j]
				if math.Abs(x.A-y.A) > 1e-4 || math.Abs(x.D-y.D) > 1e-4 || math.Abs(x.C-y.C) > 1e-4 {
					t.Errorf("item %d: %+v with SQUAREM, %+v with EM", j, x, y)
				}
			}
			if math.Abs(acc.LatentSD-em.LatentSD) > 1e-4 {
				t.Errorf("latent sd = %.6f with SQUAREM, %.6f with EM", acc.LatentSD, em.LatentSD)
			}
		})
	}
}

func TestFitMMLDegenerateItems(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	for i := 0; i < r.N; i++ {
		r.X[i*r.J+1] = 1 // everybody right
		r.X[i*r.J+3] = 0 // nobody right
		if i%2 == 0 {
			r.X[i*r.J+4] = Missing // item 4 stays estimable
		}
	}
	_, err := FitMML(context.Background(), r, MMLOptions{})
	var de *DegenerateItemsError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *DegenerateItemsError", err)
	}
	if len(de.Items) != 2 || de.Items[0] != 1 || !de.AllCorrect[0] || de.Items[1] != 3 || de.AllCorrect[1] {
		t.Errorf("Items, AllCorrect = %v, %v, want [1 3], [true false]", de.Items, de.AllCorrect)
	}
	// Fixed degenerate items are fine: their parameters are given.
	fixed := make([]bool, r.J)
	fixed[1], fixed[3] = true, true
	start := make([]Item, r.J)
	start[1] = Item{Model: TwoPL, A: 1, D: 4}
	start[3] = Item{Model: TwoPL, A: 1, D: -4}
	if _, err := FitMML(context.Background(), r, MMLOptions{Fixed: fixed, Start: start, SkipSE: true}); err != nil {
		t.Errorf("anchored fit with degenerate fixed items: %v", err)
	}
}

func TestFitMMLBadInput(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	r.X[17] = 2
	if _, err := FitMML(context.Background(), r, MMLOptions{}); err == nil {
		t.Error("response 2 accepted")
	}
	r.X[17] = 0
	for _, o := range []MMLOptions{
		{Model: Model(9)},
		{Tol: -1},
		{QuadPoints: 3},
		{QuadMin: 2, QuadMax: 1},
		{Start: make([]Item, 2)},
		{Fixed: make([]bool, 4)},
		{Fixed: []bool{true, false, false, false, false}},
		{GuessPrior: &BetaPrior{Alpha: 0, Beta: 2}},
		{SlopePrior: &NormalPrior{SD: 0}},
	} {
		if _, err := FitMML(context.Background(), r, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestFitMMLNotConverged(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("sat12_scored.csv"))
	res := mustFitMML(t, r, MMLOptions{MaxIter: 3, SkipSE: true})
	if res.Converged || res.Iterations != 3 || !(res.MaxChange > 1e-4) {
		t.Errorf("Converged, Iterations, MaxChange = %v, %d, %g; want false, 3, > 1e-4", res.Converged, res.Iterations, res.MaxChange)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || errors.Is(w, ErrNotConverged)
	}
	if !found {
		t.Errorf("warnings %v do not wrap ErrNotConverged", res.Warnings)
	}
}

func TestFitMMLContext(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("sat12_scored.csv"))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := FitMML(ctx, r, MMLOptions{Progress: func(c Cycle) {
		n++
		if c.Iter != n {
			t.Errorf("cycle %d reported as %d", n, c.Iter)
		}
		if n == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n != 2 {
		t.Errorf("%d cycles after cancelling at 2", n)
	}
}

// TestFitMMLWeights fits the 32 distinct patterns of LSAT7 with their
// frequencies as weights and compares with the 1000 expanded rows.
// Tolerance 1e-8: the two sum in different orders.
func TestFitMMLWeights(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("lsat7.csv"))
	idx := map[string]int{}
	var pat Responses
	pat.J = r.J
	for i := 0; i < r.N; i++ {
		k := string(r.Row(i))
		if j, ok := idx[k]; ok {
			pat.Weights[j]++
			continue
		}
		idx[k] = pat.N
		pat.X = append(pat.X, r.Row(i)...)
		pat.Weights = append(pat.Weights, 1)
		pat.N++
	}
	for _, m := range []Model{Rasch, TwoPL} {
		a := mustFitMML(t, r, MMLOptions{Model: m, Tol: 1e-8})
		b := mustFitMML(t, &pat, MMLOptions{Model: m, Tol: 1e-8})
		if a.N != 1000 || b.N != 1000 {
			t.Errorf("N = %v and %v, want 1000", a.N, b.N)
		}
		if math.Abs(a.LogLik-b.LogLik) > 1e-8 {
			t.Errorf("%v: loglik %.10f expanded, %.10f weighted", m, a.LogLik, b.LogLik)
		}
		for j := range a.Items {
			if math.Abs(a.Items[j].D-b.Items[j].D) > 1e-6 || math.Abs(a.SE[j].D-b.SE[j].D) > 1e-6 {
				t.Errorf("%v item %d: d, SE %.8f, %.8f expanded; %.8f, %.8f weighted", m, j, a.Items[j].D, a.SE[j].D, b.Items[j].D, b.SE[j].D)
			}
		}
	}
}

// TestMMLItemObjDerivatives checks the M-step objective's analytic gradient
// and Hessian against central differences (gonum's fd), with all priors on.
func TestMMLItemObjDerivatives(t *testing.T) {
	q := NormalQuadrature(21, -4, 4, 0, 1)
	tg := mmlItemTarget{theta: q.Nodes, n: make([]float64, 21), r: make([]float64, 21)}
	for k, th := range q.Nodes {
		tg.n[k] = 100 * math.Exp(-th*th/2)
		tg.r[k] = tg.n[k] * Logistic(1.3*th-0.2) * 0.9
		tg.T += th * tg.r[k]
		tg.R += tg.r[k]
	}
	pr := &mmlPriors{slope: &NormalPrior{Mean: 0.1, SD: 0.5}, diff: &NormalPrior{Mean: 0.3, SD: 1.5}, guess: DefaultGuessPrior(4)}
	for _, c := range []struct {
		m Model
		x []float64
	}{{Rasch, []float64{0.4}}, {TwoPL, []float64{1.4, -0.3}}, {ThreePL, []float64{1.1, 0.2, -1.2}}} {
		for _, p := range []*mmlPriors{nil, pr} {
			f := func(x []float64) float64 { v, _, _ := mmlItemObj(c.m, x, &tg, p, true, false); return v }
			_, g, H := mmlItemObj(c.m, c.x, &tg, p, true, true)
			wantG := fd.Gradient(nil, f, c.x, &fd.Settings{Formula: fd.Central})
			k := len(c.x)
			wantH := mat.NewSymDense(k, nil)
			fd.Hessian(wantH, f, c.x, &fd.Settings{Formula: fd.Central})
			for i := 0; i < k; i++ {
				if math.Abs(g[i]-wantG[i]) > 1e-5*(1+math.Abs(wantG[i])) {
					t.Errorf("%v priors %v: gradient[%d] = %.8g, want %.8g (fd)", c.m, p != nil, i, g[i], wantG[i])
				}
				for j := 0; j < k; j++ {
					if math.Abs(H[i][j]-wantH.At(i, j)) > 1e-3*(1+math.Abs(wantH.At(i, j))) {
						t.Errorf("%v priors %v: Hessian[%d][%d] = %.8g, want %.8g (fd)", c.m, p != nil, i, j, H[i][j], wantH.At(i, j))
					}
				}
			}
		}
	}
}

func TestDefaultGuessPrior(t *testing.T) {
	for k := 2; k <= 6; k++ {
		p := DefaultGuessPrior(k)
		mode := (p.Alpha - 1) / (p.Alpha + p.Beta - 2)
		if math.Abs(mode-1/float64(k)) > 1e-12 || p.Alpha+p.Beta != 22 {
			t.Errorf("k=%d: Beta(%v, %v), mode %v, want mode 1/k and α+β = 22", k, p.Alpha, p.Beta, mode)
		}
	}
}

// TestFitMMLPriors checks that priors move estimates toward the prior and
// that the reported log-likelihood excludes them: it equals the marginal
// log-likelihood evaluated at the estimates.
func TestFitMMLPriors(t *testing.T) {
	r := readScoredCSVForTest(t, mmlRefPath("mathexam14w.csv"))
	res := mustFitMML(t, r, MMLOptions{Model: ThreePL, GuessPrior: DefaultGuessPrior(5), SlopePrior: &NormalPrior{Mean: 0, SD: 0.5}, SkipSE: true})
	if !res.Converged {
		t.Fatalf("not converged: %v", res.Warnings)
	}
	for j, it := range res.Items {
		if it.C < 0.02 || it.C > 0.45 || it.A > 5 {
			t.Errorf("item %d: a = %.3f, c = %.3f: priors not effective", j, it.A, it.C)
		}
	}
	d, _ := mmlPackData(r, 1)
	q := NormalQuadrature(61, -6, 6, 0, 1)
	lp := make([]float64, 61)
	mmlNormalLogWeights(q.Nodes, 0, 1, lp)
	ll := newMMLEngine(d, q.Nodes, 1).estep(res.Items, lp, mmlWant{}).ll
	if math.Abs(ll-res.LogLik) > 1e-9 {
		t.Errorf("LogLik = %.6f, marginal log-likelihood at the estimates %.6f", res.LogLik, ll)
	}
}
