package irt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
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
