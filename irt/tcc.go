package irt

import "math"

// TCCInverse returns the θ at which the test characteristic curve
// τ(θ) = Σ_j P_j(θ) equals score, for Σc_j < score < len(items), by
// Newton–Raphson safeguarded by bisection, to |τ(θ) − score| < 1e-10.
// It returns an error wrapping ErrTCCNotIncreasing when an item has a
// non-positive slope, and an error when score is outside (Σc, J), where no θ
// has that true score.
func TCCInverse(items []Item, score float64) (float64, error) {
	return equateInvertTCC(items, score, 0)
}

// RawCSEM returns Lord's IRT conditional standard error of measurement of
// the number-correct score at θ, √(Σ_j P_j(θ)·(1 − P_j(θ))).
//
// Reference: Lord, F. M. (1980). Applications of Item Response Theory to
// Practical Testing Problems, ch. 4. Erlbaum.
func RawCSEM(items []Item, theta float64) float64 {
	var v float64
	for _, it := range items {
		p := it.Prob(theta)
		v += p * (1 - p)
	}
	if v <= 0 {
		return 0
	}
	return math.Sqrt(v)
}
