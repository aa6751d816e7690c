package irt

// Elementary symmetric functions (ESFs) for conditional maximum likelihood
// in the Rasch model.
//
// For easiness parameters ε_1, …, ε_m (ε_i = exp(−b_i) for difficulty b_i)
// the elementary symmetric function of order r is
//
//	γ_r(ε) = Σ_{x ∈ {0,1}^m, Σx = r} Π_i ε_i^{x_i},   γ_0 = 1,
//
// the normaliser of the conditional probability of a response pattern given
// its raw score r: P(x | r) = Π_i ε_i^{x_i} / γ_r(ε) (Fischer, 1974; Andersen,
// 1972). γ^{(i)} denotes the ESFs of the items without item i, γ^{(i,j)} those
// without items i and j; ∂γ_r/∂ε_i = γ^{(i)}_{r−1}.
//
// Numerical range. Scaling every ε by c multiplies γ_r by c^r, so callers
// divide the ε by their geometric mean (centre the difficulties) and add
// r·log c back to log γ_r. Then γ_0 = γ_m = 1, the sequence is log-concave
// (Newton's inequalities), its minimum is at an end and its maximum is below
// Π_i(1 + ε_i) = exp(Σ_i softplus(b̄ − b_i)): for 250 items with difficulties
// spread uniformly over ±4 logits that is about 1e131, far inside float64.
//
// References: Fischer, G. H. (1974). Einführung in die Theorie
// psychologischer Tests. Huber (the summation algorithm). Verhelst, N. D.,
// Glas, C. A. W. & van der Sluis, A. (1984). Estimation problems in the Rasch
// model: the basic symmetric functions. Computational Statistics Quarterly,
// 1, 245–262 (stability of the summation and difference algorithms).

// cmlESF returns γ_0, …, γ_m of eps (m = len(eps)) by the summation
// algorithm: adding item k with easiness ε_k,
//
//	γ_r ← γ_r + ε_k·γ_{r−1},   r = k, …, 1,
//
// which only adds positive numbers and so is numerically stable. out is
// reused if it has capacity m+1.
func cmlESF(eps []float64, out []float64) []float64 {
	m := len(eps)
	if cap(out) < m+1 {
		out = make([]float64, m+1)
	}
	g := out[:m+1]
	for r := range g {
		g[r] = 0
	}
	g[0] = 1
	for k, e := range eps {
		for r := k + 1; r >= 1; r-- {
			g[r] += e * g[r-1]
		}
	}
	return g
}

// cmlESFWithout returns the ESFs h_0, …, h_{m−1} of an item set with one
// item of easiness e removed, given the ESFs g_0, …, g_m of the full set
// (m = len(g) − 1). It inverts g_r = h_r + e·h_{r−1} (the difference
// algorithm) in the stable direction for each r:
//
//	forward   h_r = g_r − e·h_{r−1},    while e·h_{r−1} ≤ h_r,
//	backward  h_{r−1} = (g_r − h_r)/e,  from h_{m−1} = g_m/e down,
//
// Forward, an error in h_{r−1} reaches h_r multiplied by e·h_{r−1}/h_r ≤ 1;
// backward, an error in h_r reaches h_{r−1} multiplied by h_r/(e·h_{r−1}) ≤ 1.
// Because h is log-concave, e·h_{r−1}/h_r increases with r, so one switch
// point splits the orders into a forward and a backward part and no error is
// ever amplified. The cost is O(m). out is reused if it has capacity m.
func cmlESFWithout(g []float64, e float64, out []float64) []float64 {
	m := len(g) - 1
	if cap(out) < m {
		out = make([]float64, m)
	}
	h := out[:m]
	if m == 0 {
		return h
	}
	h[0] = g[0]
	r := 1
	for ; r < m; r++ {
		t := e * h[r-1]
		if t > 0.5*g[r] { // h_r would be < t: switch to the backward recursion
			break
		}
		h[r] = g[r] - t
	}
	if r == m {
		return h
	}
	// Backward from the top down to h_r.
	h[m-1] = g[m] / e
	for s := m - 1; s > r; s-- {
		v := (g[s] - h[s]) / e
		if v < 0 { // rounding at a tiny order; the true value is ≥ 0
			v = 0
		}
		h[s-1] = v
	}
	return h
}
