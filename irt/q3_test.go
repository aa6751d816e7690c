package irt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// q3Direct computes the pairwise-complete Pearson correlation of residuals
// of items j and k directly.
func q3Direct(items []Item, r *Responses, theta []float64, j, k int) float64 {
	var n, sx, sy, sxx, syy, sxy float64
	for i := 0; i < r.N; i++ {
		if math.IsNaN(theta[i]) || r.At(i, j) == Missing || r.At(i, k) == Missing {
			continue
		}
		w := r.Weight(i)
		x := float64(r.At(i, j)) - items[j].Prob(theta[i])
		y := float64(r.At(i, k)) - items[k].Prob(theta[i])
		n += w
		sx += w * x
		sy += w * y
		sxx += w * x * x
		syy += w * y * y
		sxy += w * x * y
	}
	mx, my := sx/n, sy/n
	return (sxy/n - mx*my) / math.Sqrt((sxx/n-mx*mx)*(syy/n-my*my))
}

// TestQ3 checks the blocked computation against direct correlations (with
// and without missing data and weights), that with the true abilities the
// mean Q3 is near 0 (with estimated ones it tends to −1/(J−1)), and that a locally dependent pair (item 9 copies item 3's
// answer for 40 % of candidates) is flagged as the only pair.
func TestQ3(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	L, N := 15, 2000
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(TwoPL, 0.8+0.8*rng.Float64(), -1.5+3*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	for i := 0; i < N; i++ {
		if rng.Float64() < 0.4 {
			r.X[i*L+9] = r.X[i*L+3]
		}
	}
	theta[17] = math.NaN() // skipped
	res := Q3(items, r, theta, 0)
	if len(res.Pairs) != 1 || res.Pairs[0].I != 3 || res.Pairs[0].J != 9 {
		t.Errorf("flagged pairs %v, want only (3, 9)", res.Pairs)
	}
	if math.Abs(res.Mean) > 0.02 {
		t.Errorf("mean Q3 = %.3f with the true θ, want about 0", res.Mean)
	}
	if math.Abs(res.QStar-(res.Max-res.Mean)) > 1e-15 || res.Max != res.Pairs[0].Q3 {
		t.Errorf("Q3* = %g, max %g, mean %g", res.QStar, res.Max, res.Mean)
	}
	check := func(name string, r *Responses, res *Q3Result) {
		for j := 0; j < L; j++ {
			for k := j + 1; k < L; k++ {
				want := q3Direct(items, r, theta, j, k)
				if got := res.Matrix.At(j, k); math.Abs(got-want) > 1e-10 {
					t.Errorf("%s: Q3(%d,%d) = %.12f, want %.12f", name, j, k, got, want)
				}
			}
		}
	}
	check("complete", r, res)
	r.Weights = make([]float64, N)
	for i := range r.Weights {
		r.Weights[i] = 1 + float64(i%3)
	}
	check("weighted", r, Q3(items, r, theta, 0))
	for i := 0; i < 3000; i++ {
		r.X[rng.IntN(len(r.X))] = Missing
	}
	check("missing", r, Q3(items, r, theta, 0))
}
