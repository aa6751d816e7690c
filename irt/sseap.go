package irt

import "math"

// SummedScoreEstimate is one row of a summed-score EAP table.
type SummedScoreEstimate struct {
	Score int     // raw (number-correct) score x
	Theta float64 // E[θ | X = x]
	SE    float64 // SD[θ | X = x]
	Prob  float64 // marginal P(X = x) under the prior
}

// SummedScoreEAP returns, for every raw score x = 0..len(items), the
// posterior mean and SD of θ given the number-correct score (Thissen,
// Pommerich, Billeaud & Williams, 1995):
//
//	P(X = x)      = Σ_q w_q·f(x | θ_q),
//	E[θ | X = x]  = Σ_q θ_q·w_q·f(x | θ_q) / P(X = x),
//	SD[θ | X = x] = √(Σ_q (θ_q − E)²·w_q·f(x | θ_q) / P(X = x)),
//
// where f(x | θ) comes from the Lord–Wingersky recursion (SummedScoreProbs)
// and (θ_q, w_q) is the prior quadrature — typically the calibrated latent
// distribution, e.g. NormalQuadrature(121, −6, 6, mean, sd). Under the
// Rasch model the raw score is sufficient and the table equals the pattern
// EAPs. A score with P(X = x) = 0 in floating point (possible only far
// outside the prior's range) gets NaN for Theta and SE.
//
// References: Thissen, D., Pommerich, M., Billeaud, K. & Williams, V. S. L.
// (1995). Item response theory for scores on tests including polytomous
// items with ordered responses. Applied Psychological Measurement, 19,
// 39–49. Lord, F. M. & Wingersky, M. S. (1984), see SummedScoreProbs.
func SummedScoreEAP(items []Item, prior Quadrature) []SummedScoreEstimate {
	n := len(items)
	post := make([]float64, (n+1)*len(prior.Nodes)) // w_q·f(x | θ_q), x-major
	Q := len(prior.Nodes)
	var buf []float64
	for q, th := range prior.Nodes {
		buf = SummedScoreProbs(items, th, buf)
		for x, p := range buf {
			post[x*Q+q] = prior.Weights[q] * p
		}
	}
	out := make([]SummedScoreEstimate, n+1)
	for x := range out {
		row := post[x*Q : (x+1)*Q]
		var s0, s1 float64
		for q, p := range row {
			s0 += p
			s1 += p * prior.Nodes[q]
		}
		e := SummedScoreEstimate{Score: x, Prob: s0, Theta: math.NaN(), SE: math.NaN()}
		if s0 > 0 {
			e.Theta = s1 / s0
			var s2 float64
			for q, p := range row {
				d := prior.Nodes[q] - e.Theta
				s2 += p * d * d
			}
			e.SE = math.Sqrt(s2 / s0)
		}
		out[x] = e
	}
	return out
}
