package irt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// mmlBenchItems returns n items of model m: a ~ lognormal(0.1, 0.3),
// b ~ N(0, 1), c ~ U(0.1, 0.3) for the 3PL.
func mmlBenchItems(rng *rand.Rand, m Model, n int) []Item {
	items := make([]Item, n)
	for j := range items {
		a := math.Exp(0.1 + 0.3*rng.NormFloat64())
		b := rng.NormFloat64()
		c := 0.1 + 0.2*rng.Float64()
		items[j] = NewItemIRT(m, a, b, c)
	}
	return items
}

// mmlBenchData caches simulated response matrices across benchmark runs.
var mmlBenchData = struct {
	sync.Mutex
	m map[string]*Responses
}{m: map[string]*Responses{}}

func mmlBenchResponses(m Model, n, J int) *Responses {
	mmlBenchData.Lock()
	defer mmlBenchData.Unlock()
	key := fmt.Sprintf("%v/%d/%d", m, n, J)
	if r, ok := mmlBenchData.m[key]; ok {
		return r
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	items := mmlBenchItems(rng, m, J)
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	mmlBenchData.m[key] = r
	return r
}

func benchmarkFitMML(b *testing.B, m Model, n, J int, opts MMLOptions) {
	r := mmlBenchResponses(m, n, J)
	opts.Model = m
	cycles := 0
	for b.Loop() {
		res, err := FitMML(context.Background(), r, opts)
		if err != nil {
			b.Fatal(err)
		}
		if !res.Converged {
			b.Fatalf("not converged: %v", res.Warnings)
		}
		cycles += res.Iterations
	}
	b.ReportMetric(float64(cycles)/float64(b.N), "cycles/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
	b.ReportMetric(float64(n)*float64(J)*float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkFitMML fits 125-item tests of growing size. Fits without standard
// errors ("fit") and with them ("fit+se").
func BenchmarkFitMML(b *testing.B) {
	for _, c := range []struct {
		m  Model
		n  int
		se bool
	}{
		{TwoPL, 10_000, false},
		{TwoPL, 10_000, true},
		{TwoPL, 100_000, false},
		{TwoPL, 1_000_000, false},
		{Rasch, 1_000_000, false},
		{Rasch, 1_000_000, true},
		{ThreePL, 10_000, false},
		{ThreePL, 10_000, true},
	} {
		kind := "fit"
		if c.se {
			kind = "fit+se"
		}
		b.Run(fmt.Sprintf("%v/N=%d/%s", c.m, c.n, kind), func(b *testing.B) {
			benchmarkFitMML(b, c.m, c.n, 125, MMLOptions{SkipSE: !c.se})
		})
	}
}

// BenchmarkMMLStandardErrors times a fit without and with standard errors
// on the same data and reports the cost of the SEs relative to the fit
// (se_over_fit; the target is ≤ 3) and candidates/s of the fit with SEs.
// The 1M cases are skipped under -short.
func BenchmarkMMLStandardErrors(b *testing.B) {
	for _, c := range []struct {
		m Model
		n int
	}{
		{TwoPL, 10_000}, {TwoPL, 100_000}, {TwoPL, 1_000_000},
		{Rasch, 100_000}, {ThreePL, 10_000}, {ThreePL, 100_000},
	} {
		b.Run(fmt.Sprintf("%v/N=%d", c.m, c.n), func(b *testing.B) {
			if c.n >= 1_000_000 && testing.Short() {
				b.Skip("-short: skipping the 1M-candidate case")
			}
			r := mmlBenchResponses(c.m, c.n, 125)
			var fit, all float64
			for b.Loop() {
				t0 := time.Now()
				if _, err := FitMML(context.Background(), r, MMLOptions{Model: c.m, SkipSE: true}); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := FitMML(context.Background(), r, MMLOptions{Model: c.m}); err != nil {
					b.Fatal(err)
				}
				fit += t1.Sub(t0).Seconds()
				all += time.Since(t1).Seconds()
			}
			b.ReportMetric((all-fit)/fit, "se_over_fit")
			b.ReportMetric(float64(c.n)*float64(b.N)/all, "candidates/s")
		})
	}
}
