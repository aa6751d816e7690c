package irt

import "math"

// Quadrature is a discrete latent distribution: nodes θ_q with weights w_q
// that sum to 1.
type Quadrature struct {
	Nodes   []float64
	Weights []float64
}

// NormalQuadrature returns n equally spaced nodes on [lo, hi] with weights
// proportional to the normal density with the given mean and sd, normalised to
// sum to 1 (the rectangular quadrature used by Bock & Aitkin, 1981, and by
// mirt's default for one dimension). It panics if n < 2 or sd ≤ 0.
func NormalQuadrature(n int, lo, hi, mean, sd float64) Quadrature {
	if n < 2 || !(sd > 0) || !(hi > lo) {
		panic("irt: NormalQuadrature needs n ≥ 2, sd > 0 and hi > lo")
	}
	q := Quadrature{Nodes: make([]float64, n), Weights: make([]float64, n)}
	step := (hi - lo) / float64(n-1)
	var sum float64
	for i := range q.Nodes {
		x := lo + float64(i)*step
		q.Nodes[i] = x
		z := (x - mean) / sd
		q.Weights[i] = math.Exp(-0.5 * z * z)
		sum += q.Weights[i]
	}
	for i := range q.Weights {
		q.Weights[i] /= sum
	}
	return q
}

// Moments returns the mean and standard deviation of the distribution.
func (q Quadrature) Moments() (mean, sd float64) {
	for i, x := range q.Nodes {
		mean += q.Weights[i] * x
	}
	var v float64
	for i, x := range q.Nodes {
		d := x - mean
		v += q.Weights[i] * d * d
	}
	return mean, math.Sqrt(v)
}
