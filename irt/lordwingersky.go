package irt

// SummedScoreProbs returns P(X = x | θ) for x = 0..len(items), the
// distribution of the number-correct score at theta, by the recursion of
// Lord & Wingersky (1984): adding item j with probability P_j,
//
//	f_j(x) = f_{j−1}(x)·(1 − P_j) + f_{j−1}(x − 1)·P_j.
//
// out is reused if it has capacity len(items)+1.
//
// Reference: Lord, F. M. & Wingersky, M. S. (1984). Comparison of IRT
// true-score and equipercentile observed-score "equatings". Applied
// Psychological Measurement, 8(4), 453–461.
func SummedScoreProbs(items []Item, theta float64, out []float64) []float64 {
	n := len(items)
	if cap(out) < n+1 {
		out = make([]float64, n+1)
	}
	out = out[:n+1]
	for i := range out {
		out[i] = 0
	}
	out[0] = 1
	for j, it := range items {
		p := it.Prob(theta)
		q := 1 - p
		out[j+1] = out[j] * p
		for x := j; x >= 1; x-- {
			out[x] = out[x]*q + out[x-1]*p
		}
		out[0] *= q
	}
	return out
}

// SummedScoreDist returns the marginal number-correct distribution
// Σ_q w_q · P(X = x | θ_q) over the latent distribution quad.
func SummedScoreDist(items []Item, quad Quadrature) []float64 {
	dist := make([]float64, len(items)+1)
	buf := make([]float64, len(items)+1)
	for q, theta := range quad.Nodes {
		buf = SummedScoreProbs(items, theta, buf)
		w := quad.Weights[q]
		for x, p := range buf {
			dist[x] += w * p
		}
	}
	return dist
}
