package irt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSX2LeaveOut: the distribution of all items but one, undone from the
// distribution of all items, equals a fresh Lord–Wingersky recursion without
// the item, to 1e-12 of the distribution's largest value, for probabilities
// from 1e-9 to 1 − 1e-9 and up to 400 items.
func TestSX2LeaveOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lw := func(ps []float64) []float64 {
		f := []float64{1}
		for _, p := range ps {
			f = append(f, f[len(f)-1]*p)
			for x := len(f) - 2; x >= 1; x-- {
				f[x] = f[x]*(1-p) + f[x-1]*p
			}
			f[0] *= 1 - p
		}
		return f
	}
	for _, J := range []int{3, 10, 125, 400} {
		ps := make([]float64, J)
		for j := range ps {
			switch j % 5 {
			case 0:
				ps[j] = 1e-9
			case 1:
				ps[j] = 1 - 1e-9
			default:
				ps[j] = rng.Float64()
			}
		}
		full := lw(ps)
		g := make([]float64, J)
		for j := range ps {
			without := lw(append(append([]float64(nil), ps[:j]...), ps[j+1:]...))
			sx2LeaveOut(full, ps[j], g)
			peak := 0.0
			for _, v := range without {
				peak = max(peak, v)
			}
			for x := range g {
				if d := math.Abs(g[x] - without[x]); d > 1e-12*peak {
					t.Fatalf("J = %d, item %d (p = %g), score %d: %g, want %g", J, j, ps[j], x, g[x], without[x])
				}
			}
		}
	}
}
