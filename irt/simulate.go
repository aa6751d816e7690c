package irt

import "math/rand/v2"

// Simulate draws a scored response matrix for candidates with abilities theta
// answering items, each response 1 with probability P_j(θ_i). The draws are
// made row by row, item by item, from rng, so the result is a deterministic
// function of the generator's state.
func Simulate(rng *rand.Rand, items []Item, theta []float64) *Responses {
	r := NewResponses(len(theta), len(items))
	for i, t := range theta {
		row := r.Row(i)
		for j := range items {
			if rng.Float64() < items[j].Prob(t) {
				row[j] = 1
			}
		}
	}
	return r
}
