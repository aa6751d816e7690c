package irt

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Benchmarks of the Rasch estimators and person scoring at the scale of a
// large testing programme: 125 items, up to a million candidates. Run with
// GOMAXPROCS=2 go test -run XXX -bench . ./irt

// BenchmarkFitCML fits 125 complete Rasch items; the target is under 5 s
// for a million candidates on 2 cores.
func BenchmarkFitCML(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := cmlBenchData(n, 125)
			var iters int
			for b.Loop() {
				res, err := FitCML(b.Context(), r, CMLOptions{})
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iterations
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters/op")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}

// cmlBenchData simulates n candidates × L Rasch items quickly (one uniform
// draw per cell from a PCG, difficulties spread over ±2.5).
func cmlBenchData(n, L int) *Responses {
	rng := rand.New(rand.NewPCG(11, uint64(n)))
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(Rasch, 1, -2.5+5*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	return Simulate(rng, items, theta)
}

// BenchmarkFitJML fits 125 complete Rasch items by joint ML.
func BenchmarkFitJML(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := cmlBenchData(n, 125)
			var iters int
			for b.Loop() {
				res, err := FitJML(b.Context(), r, JMLOptions{})
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iterations
			}
			b.ReportMetric(float64(iters)/float64(b.N), "cycles/op")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}

func scoreBenchData(n, L int, model Model) ([]Item, *Responses) {
	rng := rand.New(rand.NewPCG(31, uint64(n)))
	items := make([]Item, L)
	for i := range items {
		b := -2.5 + 5*float64(i)/float64(L-1)
		items[i] = NewItemIRT(model, 0.6+0.8*rng.Float64(), b, 0.2)
	}
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	return items, Simulate(rng, items, theta)
}

// BenchmarkScoreAll scores 125-item responses by EAP and WLE for Rasch,
// 2PL and 3PL items, and by MAP for 3PL items.
func BenchmarkScoreAll(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		for _, model := range []Model{Rasch, TwoPL, ThreePL} {
			items, r := scoreBenchData(n, 125, model)
			methods := []ScoringMethod{EAP, WLE}
			if model == ThreePL {
				methods = append(methods, MAP)
			}
			for _, m := range methods {
				b.Run(strconv.Itoa(n)+"/"+model.String()+"/"+m.String(), func(b *testing.B) {
					for b.Loop() {
						if _, err := ScoreAll(b.Context(), items, r, m, ScoreOptions{}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
				})
			}
		}
	}
}

// BenchmarkInfitOutfit computes item and person mean squares for 125 2PL
// items from the generating abilities.
func BenchmarkInfitOutfit(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			items, r := scoreBenchData(n, 125, TwoPL)
			theta := make([]float64, n)
			for i := range theta {
				theta[i] = float64(i%97)/24 - 2
			}
			for b.Loop() {
				InfitOutfit(items, r, theta)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
