package irt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

// mirtScoringCase loads a data set's mirt items and pattern scores from
// testdata/ref/scoring (see its README.md).
type mirtScoringCase struct {
	items    []Item
	priorSD  float64
	patterns [][]uint8
	eap, se  []float64
	ml       []float64
}

func loadMirtScoring(t *testing.T, ds, model string) mirtScoringCase {
	t.Helper()
	dir := filepath.Join("testdata", "ref", "scoring")
	ih, irows := refCSVTable(t, filepath.Join(dir, ds+"_mirt_"+model+"_items.csv"))
	a := refCSVColumn(t, ih, irows, "a1")
	d := refCSVColumn(t, ih, irows, "d")
	var c mirtScoringCase
	for i := range a {
		m := TwoPL
		if model == "Rasch" {
			m = Rasch
		}
		c.items = append(c.items, Item{Model: m, A: a[i], D: d[i]})
	}
	c.priorSD = 1
	if model == "Rasch" {
		sh, srows := refCSVTable(t, filepath.Join(dir, "mirt_fit_summary.csv"))
		v := refCSVColumn(t, sh, srows, "latent_var")
		for k, row := range srows {
			if row[0] == ds && row[1] == "Rasch" {
				c.priorSD = math.Sqrt(v[k])
			}
		}
	}
	h, rows := refCSVTable(t, filepath.Join(dir, ds+"_mirt_pattern_scores.csv"))
	for _, row := range rows {
		x := make([]uint8, len(a))
		for j := range x {
			if row[j] == "1" {
				x[j] = 1
			}
		}
		c.patterns = append(c.patterns, x)
	}
	c.eap = refCSVColumn(t, h, rows, "EAP_"+model)
	c.se = refCSVColumn(t, h, rows, "SE_"+model)
	c.ml = refCSVColumn(t, h, rows, "ML_"+model)
	return c
}

// TestScoreMatchesMirt compares EAP (θ and posterior SD) and ML scores of
// every observed LSAT6/LSAT7 pattern with mirt 1.47's fscores, given mirt's
// item parameters (Rasch: prior N(0, latent_var) of the fit). Tolerances:
// EAP 1e-9 — same quadrature (121 points on [−6, 6]), so only rounding
// differs (we see 1e-14); ML 1e-4 — mirt's optimiser stops early (we see
// 3.4e-6). mirt gives no ML for all-0/all-1 patterns (infinite).
func TestScoreMatchesMirt(t *testing.T) {
	for _, ds := range []string{"lsat7", "lsat6"} {
		for _, model := range []string{"2PL", "Rasch"} {
			t.Run(ds+"/"+model, func(t *testing.T) {
				c := loadMirtScoring(t, ds, model)
				opts := ScoreOptions{PriorSD: c.priorSD}
				var maxEAP, maxSE, maxML float64
				for i, x := range c.patterns {
					e := ScoreRow(c.items, x, EAP, opts)
					maxEAP = math.Max(maxEAP, math.Abs(e.Theta-c.eap[i]))
					maxSE = math.Max(maxSE, math.Abs(e.SE-c.se[i]))
					if math.Abs(e.Theta-c.eap[i]) > 1e-9 || math.Abs(e.SE-c.se[i]) > 1e-9 {
						t.Errorf("pattern %v: EAP %.10f (SE %.10f), want %.10f (%.10f) (mirt)", x, e.Theta, e.SE, c.eap[i], c.se[i])
					}
					m := ScoreRow(c.items, x, MLE, ScoreOptions{})
					if math.IsNaN(c.ml[i]) {
						if m.Status != ScoreExtreme || math.Abs(m.Theta) != 6 {
							t.Errorf("pattern %v: MLE %+v, want ±6 with status extreme", x, m)
						}
						continue
					}
					maxML = math.Max(maxML, math.Abs(m.Theta-c.ml[i]))
					if math.Abs(m.Theta-c.ml[i]) > 1e-4 || m.Status != ScoreOK {
						t.Errorf("pattern %v: MLE %.6f (%v), want %.6f (mirt)", x, m.Theta, m.Status, c.ml[i])
					}
				}
				t.Logf("max |ΔEAP| = %.2g, max |ΔSE| = %.2g, max |ΔML| = %.2g", maxEAP, maxSE, maxML)
			})
		}
	}
}

// scoreTestItems returns a mixed test: Rasch, 2PL and 3PL items.
func scoreTestItems(rng *rand.Rand, n int) []Item {
	items := make([]Item, n)
	for i := range items {
		b := rng.NormFloat64()
		switch i % 3 {
		case 0:
			items[i] = NewItemIRT(Rasch, 1, b, 0)
		case 1:
			items[i] = NewItemIRT(TwoPL, 0.7+rng.Float64(), b, 0)
		default:
			items[i] = NewItemIRT(ThreePL, 0.8+rng.Float64(), b, 0.1+0.15*rng.Float64())
		}
	}
	return items
}

// scoreTestLogLik is the log-likelihood of a row, computed directly.
func scoreTestLogLik(items []Item, row []uint8, th float64) float64 {
	var ll float64
	for j, v := range row {
		if v == Missing {
			continue
		}
		p := items[j].Prob(th)
		if v == 1 {
			ll += math.Log(p)
		} else {
			ll += math.Log1p(-p)
		}
	}
	return ll
}

// TestScoreStationarity checks each modal estimator against the criterion it
// maximises or the equation it solves, differentiated numerically by gonum's
// fd: the log-likelihood (MLE); log L + ½·log I (WLE with c = 0 items,
// Warm 1989); Warm's estimating equation S + J/(2I) = 0 with
// J = Σ P'·P”/(P·Q) from numerical P' and P” (WLE with 3PL items, where it
// is not the stationary point of L·√I); log L + log φ((θ−μ)/σ) (MAP); and
// the MAP SE against the numerical curvature of the log posterior.
func TestScoreStationarity(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	mixed := scoreTestItems(rng, 24)
	noC := make([]Item, len(mixed))
	for i, it := range mixed {
		noC[i] = it
		if it.C != 0 {
			noC[i] = NewItemIRT(TwoPL, it.A, it.B(), 0)
		}
	}
	mu, sd := 0.3, 1.2
	deriv := func(f func(float64) float64, x float64) float64 {
		return fd.Derivative(f, x, &fd.Settings{Formula: fd.Central, Step: 1e-5})
	}
	for _, set := range []struct {
		items  []Item
		has3PL bool
	}{{noC, false}, {mixed, true}} {
		items, has3PL := set.items, set.has3PL
		for trial := 0; trial < 30; trial++ {
			th := rng.NormFloat64()
			row := Simulate(rng, items, []float64{th}).Row(0)
			if trial%4 == 0 {
				row[trial%24] = Missing
			}
			info := func(x float64) float64 {
				var s float64
				for j, v := range row {
					if v != Missing {
						s += items[j].Info(x)
					}
				}
				return s
			}
			ll := func(x float64) float64 { return scoreTestLogLik(items, row, x) }
			crit := map[ScoringMethod]func(float64) float64{
				MLE: ll,
				WLE: func(x float64) float64 { return ll(x) + 0.5*math.Log(info(x)) },
				MAP: func(x float64) float64 {
					z := (x - mu) / sd
					return ll(x) - 0.5*z*z
				},
			}
			for _, m := range []ScoringMethod{MLE, WLE, MAP} {
				e := ScoreRow(items, row, m, ScoreOptions{PriorMean: mu, PriorSD: sd})
				if e.Status != ScoreOK {
					continue // an extreme pattern: checked elsewhere
				}
				var slope float64
				if m == WLE && has3PL {
					var jj float64
					for j, v := range row {
						if v == Missing {
							continue
						}
						p := items[j].Prob(e.Theta)
						d1 := deriv(items[j].Prob, e.Theta)
						d2 := deriv(items[j].DProb, e.Theta)
						jj += d1 * d2 / (p * (1 - p))
					}
					slope = deriv(ll, e.Theta) + jj/(2*info(e.Theta))
				} else {
					slope = deriv(crit[m], e.Theta)
				}
				if math.Abs(slope) > 1e-6 {
					t.Errorf("3PL %v trial %d %v: θ = %.6f, criterion slope %.3g, want 0", has3PL, trial, m, e.Theta, slope)
				}
				if m == MAP {
					f := func(x []float64) float64 { return crit[MAP](x[0]) }
					h := mat.NewSymDense(1, nil)
					fd.Hessian(h, f, []float64{e.Theta}, &fd.Settings{Formula: fd.Central, Step: 1e-4})
					want := 1 / math.Sqrt(-h.At(0, 0))
					if math.Abs(e.SE/want-1) > 1e-5 {
						t.Errorf("trial %d MAP: SE = %.6f, want %.6f (numerical curvature)", trial, e.SE, want)
					}
				}
			}
		}
	}
}

func TestScoreEdgeCases(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	items := scoreTestItems(rng, 12)
	all := func(v uint8) []uint8 {
		row := make([]uint8, len(items))
		for i := range row {
			row[i] = v
		}
		return row
	}
	opts := ScoreOptions{}
	for _, m := range []ScoringMethod{MLE, WLE, EAP, MAP} {
		for _, v := range []uint8{0, 1} {
			e := ScoreRow(items, all(v), m, opts)
			if math.IsNaN(e.Theta) || math.IsInf(e.Theta, 0) || math.IsNaN(e.SE) || math.IsInf(e.SE, 0) || e.SE <= 0 {
				t.Errorf("%v all-%d: %+v, want finite", m, v, e)
			}
			if m == MLE && (e.Status != ScoreExtreme || e.Theta != 6*(2*float64(v)-1)) {
				t.Errorf("MLE all-%d: %+v, want ±6, extreme", v, e)
			}
			if m == MLE {
				want := 1 / math.Sqrt(TestInfo(items, e.Theta))
				if math.Abs(e.SE-want) > 1e-12*want {
					t.Errorf("MLE all-%d: SE %.6g, want the information at the bound %.6g", v, e.SE, want)
				}
			}
		}
		e := ScoreRow(items, all(Missing), m, opts)
		if e.Status != ScoreNoResponses {
			t.Errorf("%v no responses: status %v", m, e.Status)
		}
		switch m {
		case EAP:
			if math.Abs(e.Theta) > 1e-12 || math.Abs(e.SE-1) > 1e-3 {
				t.Errorf("EAP no responses: %+v, want prior N(0, 1)", e)
			}
		case MAP:
			if e.Theta != 0 || e.SE != 1 {
				t.Errorf("MAP no responses: %+v, want prior N(0, 1)", e)
			}
		default:
			if !math.IsNaN(e.Theta) || !math.IsNaN(e.SE) {
				t.Errorf("%v no responses: %+v, want NaN", m, e)
			}
		}
	}
	// Rasch WLE of all-right/all-wrong is symmetric for symmetric items.
	sym := []Item{NewItemIRT(Rasch, 1, -1, 0), NewItemIRT(Rasch, 1, 0, 0), NewItemIRT(Rasch, 1, 1, 0)}
	hi := ScoreRow(sym, []uint8{1, 1, 1}, WLE, opts)
	lo := ScoreRow(sym, []uint8{0, 0, 0}, WLE, opts)
	if math.Abs(hi.Theta+lo.Theta) > 1e-9 || hi.Theta < 1 || hi.Status != ScoreOK {
		t.Errorf("WLE extremes %+v and %+v, want finite and symmetric", hi, lo)
	}
	// At θ = b for one Rasch item the score of x = 1 is 1/2, etc.: a 2-item
	// Rasch test with b = ±1 and pattern (1,0) has MLE θ = 0 exactly.
	two := []Item{NewItemIRT(Rasch, 1, -1, 0), NewItemIRT(Rasch, 1, 1, 0)}
	if e := ScoreRow(two, []uint8{1, 0}, MLE, opts); math.Abs(e.Theta) > 1e-12 {
		t.Errorf("MLE of (1,0) with b = ∓1: %.3g, want 0", e.Theta)
	}
	if _, err := ParseScoringMethod("ML"); err != nil {
		t.Error(err)
	}
	if _, err := ParseScoringMethod("bayes"); err == nil {
		t.Error("ParseScoringMethod(bayes) did not fail")
	}
}

// TestScoreAllDeterministic checks that ScoreAll equals ScoreRow row by row
// and does not depend on the number of workers, with missing cells and the
// Rasch memo path.
func TestScoreAllDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, rasch := range []bool{false, true} {
		items := scoreTestItems(rng, 30)
		if rasch {
			for i := range items {
				items[i] = NewItemIRT(Rasch, 1, items[i].B(), 0)
			}
		}
		theta := make([]float64, 9000)
		for i := range theta {
			theta[i] = rng.NormFloat64()
		}
		r := Simulate(rng, items, theta)
		for i := 0; i < 500; i++ {
			r.X[rng.IntN(len(r.X))] = Missing
		}
		for _, m := range []ScoringMethod{MLE, WLE, EAP, MAP} {
			a, err := ScoreAll(t.Context(), items, r, m, ScoreOptions{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			b, err := ScoreAll(t.Context(), items, r, m, ScoreOptions{Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%v row %d: %+v with 1 worker, %+v with 3", m, i, a[i], b[i])
				}
				if i%97 == 0 {
					if e := ScoreRow(items, r.Row(i), m, ScoreOptions{}); e != a[i] {
						t.Fatalf("%v row %d: ScoreAll %+v, ScoreRow %+v", m, i, a[i], e)
					}
				}
			}
		}
	}
}

// TestSummedScoreEAPRasch: under the Rasch model the raw score is
// sufficient, so the summed-score EAP equals the pattern EAP (mirt's Rasch
// EAPs of LSAT7 depend only on the raw score), and the score probabilities
// sum to 1.
func TestSummedScoreEAPRasch(t *testing.T) {
	c := loadMirtScoring(t, "lsat7", "Rasch")
	prior := NormalQuadrature(121, -6, 6, 0, c.priorSD)
	tab := SummedScoreEAP(c.items, prior)
	var total float64
	for _, e := range tab {
		total += e.Prob
	}
	if math.Abs(total-1) > 1e-12 {
		t.Errorf("Σ P(X = x) = %.15f, want 1", total)
	}
	for i, x := range c.patterns {
		r := 0
		for _, v := range x {
			r += int(v)
		}
		if math.Abs(tab[r].Theta-c.eap[i]) > 1e-9 || math.Abs(tab[r].SE-c.se[i]) > 1e-9 {
			t.Errorf("score %d: %.8f (%.8f), want mirt's pattern EAP %.8f (%.8f)", r, tab[r].Theta, tab[r].SE, c.eap[i], c.se[i])
		}
	}
	// Means of the summed-score EAPs weighted by P(X = x) recover the prior mean.
	var m float64
	for _, e := range tab {
		m += e.Prob * e.Theta
	}
	if math.Abs(m) > 1e-12 {
		t.Errorf("E[E[θ|X]] = %.3g, want the prior mean 0", m)
	}
}

func ExampleScoreRow() {
	items := []Item{
		NewItemIRT(Rasch, 1, -1, 0),
		NewItemIRT(Rasch, 1, 0, 0),
		NewItemIRT(Rasch, 1, 1, 0),
	}
	row := []uint8{1, 1, 0}
	for _, m := range []ScoringMethod{MLE, WLE, EAP, MAP} {
		e := ScoreRow(items, row, m, ScoreOptions{})
		fmt.Printf("%s: θ = %.3f, SE = %.3f\n", m, e.Theta, e.SE)
	}
	e := ScoreRow(items, []uint8{1, 1, 1}, MLE, ScoreOptions{})
	fmt.Printf("all right by MLE: θ = %.0f (%s)\n", e.Theta, e.Status)
	// Output:
	// mle: θ = 0.803, SE = 1.310
	// wle: θ = 0.638, SE = 1.286
	// eap: θ = 0.315, SE = 0.796
	// map: θ = 0.305, SE = 0.782
	// all right by MLE: θ = 6 (extreme)
}

func ExampleSummedScoreEAP() {
	items := []Item{
		NewItemIRT(TwoPL, 1.2, -0.5, 0),
		NewItemIRT(TwoPL, 0.8, 0, 0),
		NewItemIRT(TwoPL, 1.5, 0.7, 0),
	}
	for _, e := range SummedScoreEAP(items, NormalQuadrature(121, -6, 6, 0, 1)) {
		fmt.Printf("x = %d: P = %.3f, E[θ|x] = %6.3f, SD = %.3f\n", e.Score, e.Prob, e.Theta, e.SE)
	}
	// Output:
	// x = 0: P = 0.198, E[θ|x] = -0.925, SD = 0.786
	// x = 1: P = 0.331, E[θ|x] = -0.284, SD = 0.762
	// x = 2: P = 0.306, E[θ|x] =  0.344, SD = 0.758
	// x = 3: P = 0.164, E[θ|x] =  1.050, SD = 0.761
}
