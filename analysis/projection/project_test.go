package projection

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/analysis/simulate"

	"github.com/itemlab/itemlab/irt"
)

// TestClassificationBruteForce checks Lee's (2010) accuracy and consistency
// against a brute-force simulation: the same candidates answer the form many
// times, and their raw-score decisions are compared with their true status
// (true score at or above the raw cut) and with each other.
func TestClassificationBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var items []irt.Item
	for j := 0; j < 50; j++ {
		items = append(items, irt.NewItemIRT(irt.ThreePL, 0.7+rng.Float64(), rng.NormFloat64(), 0.15+0.1*rng.Float64()))
	}
	n := 2000
	if testing.Short() {
		n = 500
	}
	thetas := make([]float64, n)
	hist := irt.Quadrature{Nodes: thetas, Weights: make([]float64, n)}
	for i := range thetas {
		thetas[i] = rng.NormFloat64()
		hist.Weights[i] = 1 / float64(n)
	}
	cut := -0.4
	s, err := scale.Define(items, scale.Options{CutTheta: &cut})
	if err != nil {
		t.Fatal(err)
	}
	P, err := Project(items, nil, s, Population{Hist: &hist}, nil, Options{Cuts: []float64{390}, Shifts: []float64{0}, Reps: -1})
	if err != nil {
		t.Fatal(err)
	}
	xc := P.At.RawCut
	reps := 100
	var agree, consistent, pass float64
	prev := make([]bool, n)
	for r := 0; r < reps; r++ {
		resp := irt.Simulate(rng, items, thetas)
		for i := 0; i < n; i++ {
			raw := 0
			for _, v := range resp.Row(i) {
				raw += int(v)
			}
			p := raw >= xc
			if p == (irt.TCC(items, thetas[i]) >= float64(xc)) {
				agree++
			}
			if p {
				pass++
			}
			if r > 0 && p == prev[i] {
				consistent++
			}
			prev[i] = p
		}
	}
	acc := agree / float64(n*reps)
	cons := consistent / float64(n*(reps-1))
	rate := pass / float64(n*reps)
	// Monte Carlo SE of these shares is below 0.003 at n·reps = 200 000.
	if math.Abs(P.At.Lee.Accuracy-acc) > 0.01 {
		t.Errorf("Lee accuracy %.4f, brute force %.4f", P.At.Lee.Accuracy, acc)
	}
	if math.Abs(P.At.Lee.Consistency-cons) > 0.01 {
		t.Errorf("Lee consistency %.4f, brute force %.4f", P.At.Lee.Consistency, cons)
	}
	if math.Abs(P.At.PassRate-rate) > 0.01 {
		t.Errorf("projected pass rate %.4f, brute force %.4f", P.At.PassRate, rate)
	}
	t.Logf("accuracy %.4f (bf %.4f), consistency %.4f (bf %.4f), pass %.4f (bf %.4f), Rudner accuracy %.4f",
		P.At.Lee.Accuracy, acc, P.At.Lee.Consistency, cons, P.At.PassRate, rate, P.At.Rudner.Accuracy)
	if d := P.At.Lee.Accuracy - P.At.Rudner.Accuracy; math.Abs(d) > 0.03 {
		t.Errorf("Rudner accuracy %.4f far from Lee's %.4f", P.At.Rudner.Accuracy, P.At.Lee.Accuracy)
	}
	if c := P.At.Lee; math.Abs(c.Accuracy+c.FalsePass+c.FalseFail-1) > 1e-9 {
		t.Errorf("accuracy + false pass + false fail = %g, want 1", c.Accuracy+c.FalsePass+c.FalseFail)
	}
}

// TestProjectionSimulated checks, over simulated administrations with known
// truth, that the pass rate projected from the generating parameters is
// close to the true-score pass rate of the simulated candidates, and that
// a second form's projection (for its own population) is close to what its
// candidates actually get.
func TestProjectionSimulated(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 3
	}
	var d1, d2 float64
	for seed := 1; seed <= seeds; seed++ {
		sim, err := simulate.Simulate(rand.New(rand.NewPCG(uint64(seed), 99)), simulate.Options{Forms: 2})
		if err != nil {
			t.Fatal(err)
		}
		items := func(f simulate.Form) []irt.Item {
			var its []irt.Item
			for _, it := range f.Items {
				if it.Status == analysis.Operational {
					its = append(its, it.Item)
				}
			}
			return its
		}
		f1, f2 := sim.Forms[0], sim.Forms[1]
		s, err := scale.Define(items(f1), scale.Options{CutTheta: &sim.CutTheta})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Cuts: []float64{390}, Shifts: []float64{0}, Reps: -1}
		p1, err := Project(items(f1), nil, s, Population{Mean: 0, SD: 1}, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		truePass := 0
		for _, p := range f1.Persons {
			if irt.TCC(items(f1), p.Theta) >= float64(p1.At.RawCut) {
				truePass++
			}
		}
		d1 += p1.At.PassRate - float64(truePass)/float64(len(f1.Persons))
		p2, err := Project(items(f2), nil, s, Population{Mean: sim.Options.FormShift, SD: 1}, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		idx := f2.Data.ItemsWithStatus(analysis.Operational)
		passed := 0
		for _, raw := range f2.Data.RawScores(idx) {
			if raw >= p2.At.RawCut {
				passed++
			}
		}
		d2 += p2.At.PassRate - float64(passed)/float64(f2.Data.N)
	}
	d1 /= float64(seeds)
	d2 /= float64(seeds)
	t.Logf("mean difference: form 1 vs true-score pass rate %+.4f, form 2 vs observed %+.4f", d1, d2)
	if math.Abs(d1) > 0.015 {
		t.Errorf("form 1: projected minus true-score pass rate averages %+.4f, want within 0.015", d1)
	}
	if math.Abs(d2) > 0.02 {
		t.Errorf("form 2: projected minus observed pass rate averages %+.4f, want within 0.02", d2)
	}
}

func TestProjectionErrors(t *testing.T) {
	items := simtest.Items3PL()
	th := -0.5
	s, _ := scale.Define(items, scale.Options{CutTheta: &th})
	if _, err := Project(items, nil, s, Population{SD: 0}, nil, Options{}); err == nil {
		t.Error("SD 0: no error")
	}
	if _, err := Project(items, nil, s, Population{SD: 1}, nil, Options{Cuts: []float64{600}}); err == nil {
		t.Error("cut 600: no error")
	}
	if _, err := Project(nil, nil, s, Population{SD: 1}, nil, Options{}); err == nil {
		t.Error("no items: no error")
	}
}

// TestShiftGrid checks the shared node grid of the shifted populations
// against a quadrature centred on each shifted mean: shift 0 is the same
// distribution bit for bit, every other shift agrees within 1e-9 at every
// raw score (the trapezoidal rule on a normal density with nodes 0.15 SD
// apart hardly depends on where they fall), and the pass rates within 1e-9.
func TestShiftGrid(t *testing.T) {
	items := simtest.Items3PL()
	for _, pop := range []Population{{Mean: 0, SD: 1}, {Mean: 0.3, SD: 0.8}, {Mean: -0.2, SD: 1.3}} {
		shifts := []float64{-0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.7}
		got := pop.shiftDists(items, shifts, nil)
		for k, d := range shifts {
			want := irt.SummedScoreDist(items, pop.quadrature(d))
			for x := range want {
				if d == 0 && got[k][x] != want[x] {
					t.Fatalf("%+v, shift 0, raw %d: P = %v, want %v exactly (the unshifted quadrature)", pop, x, got[k][x], want[x])
				}
				if math.Abs(got[k][x]-want[x]) > 1e-9 {
					t.Errorf("%+v, shift %g, raw %d: P = %.12f, want %.12f (quadrature centred on the shifted mean)", pop, d, x, got[k][x], want[x])
				}
			}
			if g, w := tailSum(got[k], 60), tailSum(want, 60); math.Abs(g-w) > 1e-9 {
				t.Errorf("%+v, shift %g: P(X ≥ 60) = %.12f, want %.12f", pop, d, g, w)
			}
		}
	}
}

// TestProjectCancelled checks that a cancelled context stops the bootstrap
// with the context's error.
func TestProjectCancelled(t *testing.T) {
	items := simtest.Items3PL()
	th := -0.5
	s, _ := scale.Define(items, scale.Options{CutTheta: &th})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Project(items, nil, s, Population{SD: 1}, nil, Options{Reps: 100000, Ctx: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v, want context.Canceled", err)
	}
}

// BenchmarkProject times the projection of a 100-item 3PL form with the
// run's defaults (cuts 350–430, 11 shifts, 200 replications).
func BenchmarkProject(b *testing.B) {
	sim, err := simulate.Simulate(rand.New(rand.NewPCG(1, 99)), simulate.Options{Examinees: 200})
	if err != nil {
		b.Fatal(err)
	}
	var items []irt.Item
	var ses []irt.ItemSE
	for _, it := range sim.Forms[0].Items {
		if it.Status == analysis.Operational {
			items = append(items, it.Item)
			ses = append(ses, irt.ItemSE{A: 0.08, B: 0.1, C: 0.03})
		}
	}
	s, err := scale.Define(items, scale.Options{CutTheta: &sim.CutTheta})
	if err != nil {
		b.Fatal(err)
	}
	reps := 0
	for b.Loop() {
		P, err := Project(items, ses, s, Population{Mean: 0, SD: 1, N: 2000}, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		reps += P.Reps
	}
	b.ReportMetric(float64(reps)/b.Elapsed().Seconds(), "reps/s")
}
