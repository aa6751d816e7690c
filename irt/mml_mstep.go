package irt

import (
	"math"
)

// M-step of the Bock–Aitkin EM algorithm: each free item's parameters
// maximise its expected complete-data log-likelihood given the E-step's
// expected counts (plus the log prior densities, if any),
//
//	ℓ_j = Σ_q r_jq log P_j(θ_q) + (n_jq − r_jq) log(1 − P_j(θ_q)).
//
// For a Rasch or 2PL item, log P − log Q = a·θ + d, so
//
//	ℓ_j = a·T_j + d·R_j − Σ_q n_jq log(1 + exp(a·θ_q + d)),
//
// with T_j = Σ_q θ_q r_jq = Σ_i w_i x_ij E_i[θ] and R_j = Σ_i w_i x_ij: the
// E-step need not produce r_jq for these items. ℓ_j is then concave, and
// Newton's method converges in a few steps. The 3PL ℓ_j, in (a, d, logit c),
// is not concave everywhere; a damped Newton (Levenberg–Marquardt) step with
// step halving keeps every step uphill.
//
// Reference: Bock, R. D. & Aitkin, M. (1981). Marginal maximum likelihood
// estimation of item parameters: application of an EM algorithm.
// Psychometrika, 46, 443–459. Baker & Kim (2004), ch. 6.

// Bounds of logit c (at −20 the asymptote is 2·10⁻⁹, in effect zero) and of
// the slope: |a| = 20 is a step function on any practical θ scale, and a
// bound keeps the likelihood finite when the data push a slope to infinity
// (a Heywood case, reported as a warning).
const (
	mmlLogitCMin = -20.0
	mmlLogitCMax = 20.0
	mmlSlopeMax  = 20.0
)

// mmlItemTarget is what one item's M-step sees.
type mmlItemTarget struct {
	theta []float64
	n     []float64 // n_jq
	r     []float64 // r_jq; needed for 3PL only
	T, R  float64
}

// mmlPriors are the optional prior densities of the item parameters.
type mmlPriors struct {
	slope *NormalPrior // on log a
	diff  *NormalPrior // on b = −d/a
	guess *BetaPrior   // on c
}

// mmlNumFree is the number of free parameters of an item under m.
func mmlNumFree(m Model) int { return m.NumParams() }

// mmlItemVec writes the free parameters of it under m into x: d (Rasch),
// a, d (2PL), a, d, logit c (3PL).
func mmlItemVec(m Model, it Item, x []float64) {
	switch m {
	case Rasch:
		x[0] = it.D
	case TwoPL:
		x[0], x[1] = it.A, it.D
	case ThreePL:
		x[0], x[1], x[2] = it.A, it.D, mmlLogit(it.C)
	}
}

// mmlItemFromVec is the inverse of mmlItemVec.
func mmlItemFromVec(m Model, x []float64) Item {
	switch m {
	case Rasch:
		return Item{Model: Rasch, A: 1, D: x[0]}
	case TwoPL:
		return Item{Model: TwoPL, A: x[0], D: x[1]}
	}
	return Item{Model: ThreePL, A: x[0], D: x[1], C: Logistic(x[2])}
}

func mmlLogit(c float64) float64 {
	return math.Log(c) - math.Log1p(-c)
}

// mmlItemObj returns the M-step objective of an item with free parameters x
// under model m (if needF), its gradient and (if hess) its Hessian.
func mmlItemObj(m Model, x []float64, tg *mmlItemTarget, pr *mmlPriors, needF, hess bool) (f float64, g [3]float64, H [3][3]float64) {
	theta, n := tg.theta, tg.n[:len(tg.theta)]
	switch m {
	case Rasch, TwoPL:
		a, d := 1.0, x[0]
		if m == TwoPL {
			a, d = x[0], x[1]
		}
		var s0, s1, w0, w1, w2, sp float64
		for q, th := range theta {
			nq := n[q]
			if nq == 0 {
				continue
			}
			eta := a*th + d
			// One exponential gives P and, if needed, log(1 + e^η).
			e := math.Exp(-math.Abs(eta))
			var p float64
			if eta >= 0 {
				p = 1 / (1 + e)
			} else {
				p = e / (1 + e)
			}
			if needF {
				sp += nq * (max(eta, 0) + math.Log1p(e))
			}
			s0 += nq * p
			s1 += nq * p * th
			if hess {
				v := nq * p * (1 - p)
				w0 += v
				w1 += v * th
				w2 += v * th * th
			}
		}
		if m == Rasch {
			f = d*tg.R - sp
			g[0] = tg.R - s0
			H[0][0] = -w0
		} else {
			f = a*tg.T + d*tg.R - sp
			g[0] = tg.T - s1
			g[1] = tg.R - s0
			H[0][0], H[0][1], H[1][0], H[1][1] = -w2, -w1, -w1, -w0
		}
	case ThreePL:
		a, d, gam := x[0], x[1], x[2]
		c := Logistic(gam)
		c1 := Logistic(-gam) // 1 − c
		lc1 := -mmlSoftplus(gam)
		r := tg.r[:len(theta)]
		for q, th := range theta {
			nq := n[q]
			if nq == 0 {
				continue
			}
			rq := r[q]
			eta := a*th + d
			e := math.Exp(-math.Abs(eta))
			var s, s1 float64 // σ(η), 1 − σ(η)
			if eta >= 0 {
				s, s1 = 1/(1+e), e/(1+e)
			} else {
				s, s1 = e/(1+e), 1/(1+e)
			}
			P := c + c1*s
			if needF {
				lq := lc1 - (max(eta, 0) + math.Log1p(e))
				f += rq*math.Log(P) + (nq-rq)*lq
			}
			// With ∂P/∂η = (1−c)σ(1−σ), ∂P/∂γ = c(1−c)(1−σ) and
			// 1 − P = (1−c)(1−σ), the terms (n−r)/(1−P)·∂P cancel to
			// (n−r)σ and (n−r)c, which stay finite when 1 − P underflows.
			A := c1 * s * s1 / P // (∂P/∂η)/P
			B := c * c1 * s1 / P // (∂P/∂γ)/P
			ge := rq*A - (nq-rq)*s
			gg := rq*B - (nq-rq)*c
			g[0] += ge * th
			g[1] += ge
			g[2] += gg
			if hess {
				hee := -rq*A*A - (nq-rq)*s*s + ge*(1-2*s)
				hgg := -rq*B*B - (nq-rq)*c*c + gg*(1-2*c)
				heg := -rq*A*B - (nq-rq)*s*c - c*ge
				H[0][0] += hee * th * th
				H[0][1] += hee * th
				H[1][1] += hee
				H[0][2] += heg * th
				H[1][2] += heg
				H[2][2] += hgg
			}
		}
		H[1][0], H[2][0], H[2][1] = H[0][1], H[0][2], H[1][2]
	}
	if pr != nil {
		f += mmlPriorTerms(m, x, pr, &g, &H, hess)
	}
	return f, g, H
}

// mmlPriorTerms adds the gradient and Hessian of the log prior densities to
// g and H and returns the log prior.
func mmlPriorTerms(m Model, x []float64, pr *mmlPriors, g *[3]float64, H *[3][3]float64, hess bool) float64 {
	var lp float64
	if pr.slope != nil && m != Rasch {
		// Lognormal density on a: −log a − (log a − μ)²/(2σ²).
		a := x[0]
		if !(a > 0) {
			return math.Inf(-1)
		}
		mu, s2 := pr.slope.Mean, pr.slope.SD*pr.slope.SD
		u := math.Log(a) - mu
		lp += -math.Log(a) - u*u/(2*s2)
		g[0] += -1/a - u/(s2*a)
		if hess {
			H[0][0] += (1 - (1-u)/s2) / (a * a)
		}
	}
	if pr.diff != nil {
		// Normal density on b = −d/a.
		mu, s2 := pr.diff.Mean, pr.diff.SD*pr.diff.SD
		if m == Rasch {
			b := -x[0]
			e := (b - mu) / s2
			lp += -(b - mu) * (b - mu) / (2 * s2)
			g[0] += e // ∂b/∂d = −1
			if hess {
				H[0][0] -= 1 / s2
			}
		} else {
			a, d := x[0], x[1]
			b := -d / a
			e := -(b - mu) / s2
			lp += -(b - mu) * (b - mu) / (2 * s2)
			ba, bd := d/(a*a), -1/a
			g[0] += e * ba
			g[1] += e * bd
			if hess {
				baa, bad := -2*d/(a*a*a), 1/(a*a)
				H[0][0] += e*baa - ba*ba/s2
				H[0][1] += e*bad - ba*bd/s2
				H[1][0] += e*bad - ba*bd/s2
				H[1][1] += -bd * bd / s2
			}
		}
	}
	if pr.guess != nil && m == ThreePL {
		// Beta density on c = logistic(γ): (α−1) log c + (β−1) log(1−c).
		gam := x[2]
		c := Logistic(gam)
		al, be := pr.guess.Alpha, pr.guess.Beta
		lp += -(al-1)*mmlSoftplus(-gam) - (be-1)*mmlSoftplus(gam)
		g[2] += (al-1)*(1-c) - (be-1)*c
		if hess {
			H[2][2] -= (al + be - 2) * c * (1 - c)
		}
	}
	return lp
}

// mmlMStepItem maximises the item's M-step objective from its current
// value. It returns the new item and false if the objective could not be
// evaluated (non-finite).
func mmlMStepItem(m Model, it Item, tg *mmlItemTarget, pr *mmlPriors) (Item, bool) {
	k := mmlNumFree(m)
	var x [3]float64
	mmlItemVec(m, it, x[:])
	lo := [3]float64{-mmlSlopeMax, math.Inf(-1), mmlLogitCMin}
	hi := [3]float64{mmlSlopeMax, math.Inf(1), mmlLogitCMax}
	if m == Rasch {
		lo[0], hi[0] = math.Inf(-1), math.Inf(1)
	}
	for i := range k {
		x[i] = min(max(x[i], lo[i]), hi[i])
	}
	eval := func(x []float64, needF bool) (float64, [3]float64, [3][3]float64) {
		return mmlItemObj(m, x, tg, pr, needF, true)
	}
	// Without priors the Rasch and 2PL objectives are strictly concave.
	concave := m != ThreePL && pr == nil
	ok := mmlNewton(k, x[:k], lo[:k], hi[:k], concave, eval)
	return mmlItemFromVec(m, x[:k]), ok
}

// mmlNewton maximises f over a box by damped Newton steps Δ solving
// (−H + λI)Δ = g, with the smallest λ ≥ 0 that makes −H + λI positive
// definite (Levenberg–Marquardt). Coordinates at a bound whose gradient
// points outward are held fixed. A step is accepted when f increases or,
// for a strictly concave f (concave), by the natural monotonicity test of
// Deuflhard (2004): the simplified correction Δ̄ = (−H)⁻¹ g(x + tΔ) must be
// shorter than (1 − t/4)·Δ, which needs no value of f. Otherwise the step is
// halved. Iteration stops when the (relative) step falls below 1e-10; x is
// updated in place. It returns false if f or its derivatives are not finite
// at the start.
//
// Reference: Deuflhard, P. (2004). Newton Methods for Nonlinear Problems,
// §3.3. Springer.
func mmlNewton(k int, x, lo, hi []float64, concave bool, eval func([]float64, bool) (float64, [3]float64, [3][3]float64)) bool {
	needF := !concave
	f, g, H := eval(x, needF)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	for _, v := range g[:k] {
		if !mmlFinite(v) {
			return false
		}
	}
	var xn [3]float64
	for iter := 0; iter < 100; iter++ {
		// Free coordinates.
		var idx [3]int
		nf := 0
		for i := 0; i < k; i++ {
			if !((x[i] <= lo[i] && g[i] < 0) || (x[i] >= hi[i] && g[i] > 0)) {
				idx[nf] = i
				nf++
			}
		}
		if nf == 0 {
			return true
		}
		var diagMax float64
		for _, i := range idx[:nf] {
			diagMax = max(diagMax, math.Abs(H[i][i]))
		}
		// Factor −H + λI on the free coordinates.
		var A [3][3]float64
		var L [3][3]float64
		lambda := 0.0
		solved := false
		for try := 0; try < 30; try++ {
			for a, i := range idx[:nf] {
				for c, j := range idx[:nf] {
					A[a][c] = -H[i][j]
				}
				A[a][a] += lambda
			}
			if mmlCholFactor(nf, &A, &L) {
				solved = true
				break
			}
			if lambda == 0 {
				lambda = 1e-8 * max(diagMax, 1e-300)
			} else {
				lambda *= 10
			}
		}
		if !solved {
			return true
		}
		solve := func(g [3]float64) (s [3]float64) {
			var b, y [3]float64
			for a, i := range idx[:nf] {
				b[a] = g[i]
			}
			mmlCholSolveL(nf, &L, b, &y)
			for a, i := range idx[:nf] {
				s[i] = y[a]
			}
			return s
		}
		step := solve(g)
		var stepNorm float64
		for i := 0; i < k; i++ {
			stepNorm += step[i] * step[i]
		}
		stepNorm = math.Sqrt(stepNorm)
		t := 1.0
		accepted := false
		var fn float64
		var gn [3]float64
		var Hn [3][3]float64
		var bar [3]float64
		for try := 0; try < 60; try++ {
			for i := 0; i < k; i++ {
				xn[i] = min(max(x[i]+t*step[i], lo[i]), hi[i])
			}
			fn, gn, Hn = eval(xn[:k], needF)
			finite := !math.IsNaN(fn) && !math.IsInf(fn, 0)
			for _, v := range gn[:k] {
				finite = finite && mmlFinite(v)
			}
			if finite {
				if concave {
					bar = solve(gn)
					var bn float64
					for i := 0; i < k; i++ {
						bn += bar[i] * bar[i]
					}
					if math.Sqrt(bn) <= (1-t/4)*stepNorm {
						accepted = true
						break
					}
				} else if fn >= f {
					accepted = true
					break
				}
			}
			t /= 2
		}
		if !accepted {
			return true
		}
		var change float64
		for i := 0; i < k; i++ {
			change = max(change, math.Abs(xn[i]-x[i])/(1+math.Abs(x[i])))
			x[i] = xn[i]
		}
		f, g, H = fn, gn, Hn
		if change < 1e-10 {
			return true
		}
		if concave {
			// A negligible simplified correction ends the iteration: apply
			// it without another evaluation.
			var small = true
			for i := 0; i < k; i++ {
				small = small && math.Abs(bar[i]) < 1e-10*(1+math.Abs(x[i]))
			}
			if small {
				for i := 0; i < k; i++ {
					x[i] = min(max(x[i]+bar[i], lo[i]), hi[i])
				}
				return true
			}
		}
	}
	return true
}

// mmlCholFactor computes the Cholesky factor L of a symmetric n×n (n ≤ 3)
// matrix; false if it is not positive definite.
func mmlCholFactor(n int, A, L *[3][3]float64) bool {
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			v := A[i][j]
			for k := 0; k < j; k++ {
				v -= L[i][k] * L[j][k]
			}
			if i == j {
				if !(v > 0) {
					return false
				}
				L[i][i] = math.Sqrt(v)
			} else {
				L[i][j] = v / L[j][j]
			}
		}
	}
	return true
}

// mmlCholSolveL solves L Lᵀ s = b.
func mmlCholSolveL(n int, L *[3][3]float64, b [3]float64, s *[3]float64) {
	var y [3]float64
	for i := 0; i < n; i++ {
		v := b[i]
		for k := 0; k < i; k++ {
			v -= L[i][k] * y[k]
		}
		y[i] = v / L[i][i]
	}
	for i := n - 1; i >= 0; i-- {
		v := y[i]
		for k := i + 1; k < n; k++ {
			v -= L[k][i] * s[k]
		}
		s[i] = v / L[i][i]
	}
}

// mmlNormalLogWeights sets lw[q] = log π_q, the normal density with the given
// mean and sd at the nodes, normalised to sum to one (the discrete latent
// distribution of mirt and of NormalQuadrature).
func mmlNormalLogWeights(theta []float64, mean, sd float64, lw []float64) {
	m := math.Inf(-1)
	for q, th := range theta {
		z := (th - mean) / sd
		lw[q] = -0.5 * z * z
		m = max(m, lw[q])
	}
	var s float64
	for _, v := range lw {
		s += math.Exp(v - m)
	}
	ls := m + math.Log(s)
	for q := range lw {
		lw[q] -= ls
	}
}

// mmlFitNormal returns the mean and sd of the discretised normal latent
// distribution that maximises Σ_q n_q log π_q (the latent part of the M-step).
// With fixMean the mean stays at mean0. The maximiser matches the
// distribution's first two moments on the nodes to the posterior's,
// E_π[θ] = Σ n_q θ_q / N and E_π[θ²] = Σ n_q θ_q² / N, found by Newton's
// method in the natural parameters (η₁, η₂) = (μ/σ², −1/(2σ²)).
func mmlFitNormal(theta, nq []float64, fixMean bool, mean0 float64) (mean, sd float64) {
	var N, m1, m2 float64
	for q, th := range theta {
		N += nq[q]
		m1 += nq[q] * th
		m2 += nq[q] * th * th
	}
	m1 /= N
	m2 /= N
	if fixMean {
		// Centre at mean0: work with θ − mean0.
		var c2 float64
		for q, th := range theta {
			z := th - mean0
			c2 += nq[q] * z * z
		}
		c2 /= N
		e2 := -1 / (2 * c2)
		for iter := 0; iter < 100; iter++ {
			// Moments of z² under π ∝ exp(η₂ z²).
			mx := math.Inf(-1)
			for _, th := range theta {
				z := th - mean0
				mx = max(mx, e2*z*z)
			}
			var s, s2, s4 float64
			for _, th := range theta {
				z := th - mean0
				w := math.Exp(e2*z*z - mx)
				s += w
				s2 += w * z * z
				s4 += w * z * z * z * z
			}
			ez2 := s2 / s
			v := s4/s - ez2*ez2
			if !(v > 0) {
				break
			}
			step := (c2 - ez2) / v
			ne := e2 + step
			for ne >= 0 {
				step /= 2
				ne = e2 + step
			}
			e2 = ne
			if math.Abs(step) < 1e-14*math.Abs(e2) {
				break
			}
		}
		return mean0, math.Sqrt(-1 / (2 * e2))
	}
	// Two natural parameters; work in z = θ − m1 for conditioning.
	v0 := m2 - m1*m1
	e1, e2 := 0.0, -1/(2*v0)
	c1, c2 := 0.0, v0 // target moments of z and z²
	for iter := 0; iter < 100; iter++ {
		mx := math.Inf(-1)
		for _, th := range theta {
			z := th - m1
			mx = max(mx, e1*z+e2*z*z)
		}
		var s, s1, s2, s3, s4 float64
		for _, th := range theta {
			z := th - m1
			w := math.Exp(e1*z + e2*z*z - mx)
			s += w
			s1 += w * z
			s2 += w * z * z
			s3 += w * z * z * z
			s4 += w * z * z * z * z
		}
		ez, ez2 := s1/s, s2/s
		v11 := ez2 - ez*ez
		v12 := s3/s - ez*ez2
		v22 := s4/s - ez2*ez2
		det := v11*v22 - v12*v12
		if !(det > 0) {
			break
		}
		g1, g2 := c1-ez, c2-ez2
		d1 := (v22*g1 - v12*g2) / det
		d2 := (-v12*g1 + v11*g2) / det
		for e2+d2 >= 0 {
			d1 /= 2
			d2 /= 2
		}
		e1 += d1
		e2 += d2
		if math.Abs(d1) < 1e-14*(1+math.Abs(e1)) && math.Abs(d2) < 1e-14*math.Abs(e2) {
			break
		}
	}
	v := -1 / (2 * e2)
	return m1 + e1*v, math.Sqrt(v)
}

// mmlEHUpdate sets w to the empirical histogram n_q/N (Bock & Aitkin, 1981;
// Woods, 2007) and, if asked, standardises it to mean 0 (fixMean) and sd 1
// (fixSD) by moving the histogram to the standardised nodes (θ_q − m)/s and
// reading it back at the fixed nodes by linear interpolation, with
// geometric extrapolation in the tails (Woods, 2007; as mirt's
// standardizeQuadrature). Weights are floored at 1e-200 so that log π_q
// stays finite.
//
// Reference: Woods, C. M. (2007). Empirical histograms in item response
// theory with ordinal data. Educational and Psychological Measurement, 67,
// 73–87.
func mmlEHUpdate(theta, nq []float64, fixMean, fixSD bool, w []float64) {
	var N float64
	for _, v := range nq {
		N += v
	}
	for q := range w {
		w[q] = nq[q] / N
	}
	if fixMean || fixSD {
		var m, v float64
		for q, th := range theta {
			m += w[q] * th
		}
		for q, th := range theta {
			v += w[q] * (th - m) * (th - m)
		}
		s := math.Sqrt(v)
		if !fixMean {
			m = 0
		}
		if !fixSD {
			s = 1
		}
		Q := len(theta)
		z := make([]float64, Q)
		for q, th := range theta {
			z[q] = (th - m) / s
		}
		old := append([]float64(nil), w...)
		dz := z[1] - z[0]
		for q, th := range theta {
			switch {
			case th <= z[0]:
				ratio := old[0] / old[1]
				if !(ratio > 1e-7) || math.IsInf(ratio, 0) {
					ratio = 1e-3
				}
				w[q] = old[0] * math.Pow(ratio, (z[0]-th)/dz)
			case th >= z[Q-1]:
				ratio := old[Q-1] / old[Q-2]
				if !(ratio > 1e-7) || math.IsInf(ratio, 0) {
					ratio = 1e-3
				}
				w[q] = old[Q-1] * math.Pow(ratio, (th-z[Q-1])/dz)
			default:
				k := int((th - z[0]) / dz)
				k = min(max(k, 0), Q-2)
				f := (th - z[k]) / dz
				w[q] = old[k] + f*(old[k+1]-old[k])
			}
		}
	}
	var s float64
	for q := range w {
		w[q] = max(w[q], 1e-200)
		s += w[q]
	}
	for q := range w {
		w[q] /= s
	}
}
