package irt

import "math"

// scoreGrid3PL scores complete rows by MLE, WLE or MAP when some item has
// c ≠ 0, where the estimating function is not a function of one sufficient
// statistic. For item j with P = c + (1 − c)·P*, P' = (1 − c)·a·P*·Q*,
// r_j = P'/P and P'/Q = a·P*, the score of a complete row is
//
//	S(θ) = Σ_{x=1} r_j − Σ_{x=0} a_j·P*_j = Σ_{x=1} u_j(θ) − Σ_all a_j·P*_j,   u_j = r_j + a_j·P*_j,
//
// and the estimating function f(θ) = Σ_{x=1} u_j(θ) + b(θ) splits into a
// part that depends on the row through its correct answers and a part b
// that does not: b = −Σ a_j·P*_j plus J/(2I) (WLE) or −(θ − μ)/σ² (MAP),
// with I and J over all items (see scorer). Σ_{x=1} u_j and its derivative
// are tabulated on K equally spaced nodes over the search interval by byte
// of 8 items, all 256 answer patterns of each byte (as the MML E-step does,
// mmlBuildVecTable), so f at every node costs ⌈J/8⌉ table rows.
//
// A row takes this path if f has exactly one sign change on the nodes,
// from f(lo) > 0 to f(hi) < 0, and no interval can hide further roots
// (see bracket); the root of the cubic Hermite interpolant of f on the
// bracketing interval, with f' at its two ends, starts Newton steps with
// the exact f and f' (grid3PLSums), accepted when a step is below
// grid3PLNewtonTol. Any other row falls back to scoreRoot.
type scoreGrid3PL struct {
	k        int       // nodes
	h        float64   // node spacing
	theta    []float64 // nodes lo … hi
	nb       int       // bytes per row, ⌈J/8⌉
	base     []float64 // b(θ_k)
	baseD    []float64 // b'(θ_k)
	tab      []float64 // tab[(g<<8|v)*k + q] = Σ_{bit i of v} u_{8g+i}(θ_q)
	tabD     []float64 // the same for u'
	curv     []float64 // curv[q]: bound on |f”| over [θ_q, θ_{q+1}] for any row
	method   ScoringMethod
	mean, sd float64
}

// The grid and the acceptance rule of scoreGrid3PL. Nodes are 0.15 apart
// (81 over [−6, 6]; MAP's default [−10, 10] gets 121, 0.167 apart), where
// for 125 items the interpolated root is within 1e-6 of the exact one for
// all but about 0.1% of the rows, so nearly every row costs one exact
// evaluation: 61 nodes need a second one for 6% of the rows and 121 spend
// more on the table sums than they save (BenchmarkScoreAll, WLE). Newton
// steps with the exact derivative converge quadratically: after a step
// below 1e-6 the error is of order |f”/f'|·1e-12, well inside the 1e-10
// of scoreRoot, and first-order updates of the information give the SE to
// the same order.
const (
	grid3PLSpacing   = 0.15
	grid3PLMaxNodes  = 121
	grid3PLNewtonTol = 1e-6
	grid3PLMaxNewton = 4
)

// newScoreGrid3PL tabulates the grid for the scorer's items and method
// (MLE, WLE or MAP); nil (every row goes to scoreRoot) if at some node the
// information is not positive or a tabulated value is not finite.
func newScoreGrid3PL(s *scorer) *scoreGrid3PL {
	K := min(grid3PLMaxNodes, 1+int(math.Ceil((s.hi-s.lo)/grid3PLSpacing-1e-9)))
	J := len(s.items)
	gr := &scoreGrid3PL{
		k: K, h: (s.hi - s.lo) / float64(K-1), nb: (J + 7) / 8,
		theta: make([]float64, K), base: make([]float64, K), baseD: make([]float64, K),
		curv: make([]float64, K-1), method: s.method, mean: s.mean, sd: s.sd,
	}
	u := make([]float64, J*K)
	du := make([]float64, J*K)
	// bound[q] bounds |f”(θ_q)| and bound[K+q] |f”| at the midpoint of
	// interval q: |b” + Σ_{x=1} u_j”| ≤ max(|b” + Σ max(u_j”, 0)|, |b” + Σ min(u_j”, 0)|).
	// u” and b” are central differences of the exact u' and b'.
	bound := make([]float64, 2*K)
	const delta = 1e-5
	for q := range gr.theta {
		th := s.lo + gr.h*float64(q)
		gr.theta[q] = th
		b, bd, ok := gr.baseAt(s, th)
		if !ok {
			return nil
		}
		gr.base[q], gr.baseD[q] = b, bd
		for j := range s.items {
			uj, duj := grid3PLItem(&s.items[j], th)
			if math.IsNaN(uj+duj) || math.IsInf(uj+duj, 0) {
				return nil
			}
			u[j*K+q], du[j*K+q] = uj, duj
		}
		for half, at := range []float64{th, th + gr.h/2} {
			if q == K-1 && half == 1 {
				break
			}
			_, bp, ok1 := gr.baseAt(s, at+delta)
			_, bm, ok2 := gr.baseAt(s, at-delta)
			if !ok1 || !ok2 {
				return nil
			}
			pos := (bp - bm) / (2 * delta)
			neg := pos
			for j := range s.items {
				_, dp := grid3PLItem(&s.items[j], at+delta)
				_, dm := grid3PLItem(&s.items[j], at-delta)
				if d2 := (dp - dm) / (2 * delta); d2 > 0 {
					pos += d2
				} else {
					neg += d2
				}
			}
			bound[half*K+q] = math.Max(math.Abs(pos), math.Abs(neg))
		}
	}
	// Twice the largest of the three samples, for the variation between them.
	for q := range gr.curv {
		gr.curv[q] = 2 * math.Max(bound[K+q], math.Max(bound[q], bound[q+1]))
	}
	gr.tab = make([]float64, gr.nb*256*K)
	gr.tabD = make([]float64, gr.nb*256*K)
	mmlBuildVecTable(gr.tab, u, J, K)
	mmlBuildVecTable(gr.tabD, du, J, K)
	return gr
}

// grid3PLItem returns u = r + a·P* and u' = r' + a²·P*·Q* for one item.
func grid3PLItem(it *Item, th float64) (u, du float64) {
	ps, qs, r, dr := grid3PLTerms(it, th)
	return r + it.A*ps, dr + it.A*it.A*ps*qs
}

// grid3PLTerms returns P*, Q*, r = P'/P and r' = r·(a·(Q* − P*) − r) at θ
// with one exponential, one division and no branch on the sign of
// z = a·θ + d: with e = e^(−z) and D = (1 + e)·(1 + c·e),
//
//	P* = (1 + c·e)/D,   Q* = e·P*,   r = (1 − c)·a·e/D,
//
// each to full relative precision while D is finite; below z = −300,
// where it might not be, D = (1 + e')·(c + e') with e' = e^z and
// Q* = (c + e')/D, P* = e'·Q*, r = (1 − c)·a·e'/D.
func grid3PLTerms(it *Item, th float64) (ps, qs, r, dr float64) {
	a, c := it.A, it.C
	z := a*th + it.D
	if z < -300 {
		e := math.Exp(z)
		inv := 1 / ((1 + e) * (c + e))
		qs = (c + e) * inv
		ps = e * qs
		r = (1 - c) * a * e * inv
	} else {
		e := math.Exp(-z)
		ce := 1 + c*e
		inv := 1 / ((1 + e) * ce)
		ps = ce * inv
		qs = e * ps
		r = (1 - c) * a * e * inv
	}
	return ps, qs, r, r * (a*(qs-ps) - r)
}

// baseAt returns b(θ) and b'(θ), the estimating function and its
// derivative for the all-wrong row; false if they are not finite or
// I(θ) is not positive (MLE, WLE).
func (gr *scoreGrid3PL) baseAt(s *scorer, th float64) (b, bd float64, ok bool) {
	var e grid3PLSums
	e.add(s.items, nil, th, gr.method)
	f, fp := gr.estimating(&e, th)
	return f, fp, (gr.method == MAP || e.info > 0) && !math.IsNaN(f+fp) && !math.IsInf(f+fp, 0)
}

// grid3PLSums holds, at one θ, the score S and its first two derivatives
// and I, I', J, J' over all items:
//
//	S'  = Σ_{x=1} r'_j − Σ_{x=0} a²·P*·Q*,
//	S”  = Σ_{x=1} r”_j − Σ_{x=0} a³·P*·Q*·(Q* − P*),   r” = r'·(a·(Q* − P*) − r) − r·(2a²·P*·Q* + r'),
//	I   = Σ a·P*·r,            I' = Σ a·P*·(a·Q*·r + r'),
//	J   = Σ a²·P*·(Q* − P*)·r, J' = Σ a²·(a·P*·Q*·(Q* − 3P*)·r + P*·(Q* − P*)·r').
type grid3PLSums struct {
	sc, sc1, sc2 float64
	info, info1  float64
	jj, jj1      float64
}

// add sums over the items for the complete row (nil: all wrong) what
// method m needs: S, S' and, for MAP, S”; else I, I' and, for WLE, J, J'.
func (e *grid3PLSums) add(items []Item, row []uint8, th float64, m ScoringMethod) {
	for j := range items {
		it := &items[j]
		a := it.A
		ps, qs, r, dr := grid3PLTerms(it, th)
		aps := a * ps
		apq := aps * qs * a // a²·P*·Q*
		dq := qs - ps
		if row != nil && row[j] == 1 {
			e.sc += r
			e.sc1 += dr
			if m == MAP {
				e.sc2 += dr*(a*dq-r) - r*(2*apq+dr)
			}
		} else {
			e.sc -= aps
			e.sc1 -= apq
			if m == MAP {
				e.sc2 -= apq * a * dq
			}
		}
		if m != MAP {
			e.info += aps * r
			e.info1 += aps * (a*qs*r + dr)
			if m == WLE {
				e.jj += a * aps * dq * r
				e.jj1 += a * (apq*(qs-3*ps)*r + aps*dq*dr)
			}
		}
	}
}

// estimating returns f(θ) and f'(θ) from the sums: S (MLE),
// S + J/(2I) (WLE), S − (θ − μ)/σ² (MAP).
func (gr *scoreGrid3PL) estimating(e *grid3PLSums, th float64) (f, fp float64) {
	switch gr.method {
	case WLE:
		return e.sc + e.jj/(2*e.info), e.sc1 + (e.jj1*e.info-e.jj*e.info1)/(2*e.info*e.info)
	case MAP:
		v := gr.sd * gr.sd
		return e.sc - (th-gr.mean)/v, e.sc1 - 1/v
	}
	return e.sc, e.sc1
}

// grid3PLWork is a goroutine's scratch space for scoreGrid3PL.
type grid3PLWork struct {
	bytes []uint8
	f     []float64
}

// score returns the estimate for a complete 0/1 row, false if the row
// must go to scoreRoot.
func (gr *scoreGrid3PL) score(s *scorer, row []uint8, w *grid3PLWork) (PersonEstimate, bool) {
	K := gr.k
	if len(w.f) != K || len(w.bytes) != gr.nb {
		w.f = make([]float64, K)
		w.bytes = make([]uint8, gr.nb)
	}
	scorePackRow(row, w.bytes)
	f := w.f[:K]
	copy(f, gr.base)
	bytes := w.bytes
	for g := 0; g+1 < len(bytes); g += 2 { // two table rows per pass over f
		t0 := gr.tab[(g<<8|int(bytes[g]))*K:][:K]
		t1 := gr.tab[((g+1)<<8|int(bytes[g+1]))*K:][:K]
		for q := range f {
			f[q] += t0[q] + t1[q]
		}
	}
	if g := len(bytes) - 1; g%2 == 0 {
		t := gr.tab[(g<<8|int(bytes[g]))*K:][:K]
		for q := range f {
			f[q] += t[q]
		}
	}
	q, d0, d1, ok := gr.bracket(f, w.bytes)
	if !ok {
		return PersonEstimate{}, false
	}
	th, ok := gr.hermiteRoot(f[q], f[q+1], d0, d1, q)
	if !ok {
		return PersonEstimate{}, false
	}
	// The iterates stay within a node of the bracket.
	lo, hi := gr.theta[q]-gr.h, gr.theta[q+1]+gr.h
	for it := 0; it < grid3PLMaxNewton; it++ {
		e := grid3PLSums{}
		e.add(s.items, row, th, gr.method)
		fv, fp := gr.estimating(&e, th)
		step := -fv / fp
		if !(fp < 0) || math.IsNaN(step) {
			return PersonEstimate{}, false
		}
		nth := th + step
		if !(nth > lo && nth < hi && nth > s.lo && nth < s.hi) {
			return PersonEstimate{}, false
		}
		if math.Abs(step) < grid3PLNewtonTol {
			// SE from the information at θ̂ to first order in the step.
			var info float64
			if gr.method == MAP {
				info = -(e.sc1 + e.sc2*step) + 1/(gr.sd*gr.sd)
			} else {
				info = e.info + e.info1*step
			}
			return PersonEstimate{Theta: nth, SE: 1 / math.Sqrt(info), Status: ScoreOK}, true
		}
		th = nth
	}
	return PersonEstimate{}, false
}

// derivAt returns f'(θ_q) for the row's bytes.
func (gr *scoreGrid3PL) derivAt(bytes []uint8, q int) float64 {
	d := gr.baseD[q]
	for g, v := range bytes {
		d += gr.tabD[(g<<8|int(v))*gr.k+q]
	}
	return d
}

// bracket returns the interval q with f(θ_q) > 0 ≥ f(θ_{q+1}), and f' at
// its ends, if it is the only sign change, f(θ_0) > 0 > f(θ_{K−1}), and no interval can hold
// further roots. With C_i a bound on |f”| over interval i (curv), f has no
// root in a same-sign interval with min(|f_i|, |f_{i+1}|) ≥ C_i·h²/8 (at a
// minimum of |f| inside, |f| rises by at most C_i·(h/2)²/2 to the nearer
// end), nor, next to the bracket, if f_q + |f'_q|·h − C·h²/2 > 0 (left) or
// f_{q+1} − |f'_{q+1}|·h + C·h²/2 < 0 (right); f is decreasing on the
// bracket if f'_q + f'_{q+1} + C_q·h < 0. C_i comes from three samples per
// interval (see newScoreGrid3PL), so the test is a safeguard, not a proof.
func (gr *scoreGrid3PL) bracket(f []float64, bytes []uint8) (q int, d0, d1 float64, ok bool) {
	K := len(f)
	if !(f[0] > 0) || !(f[K-1] < 0) {
		return 0, 0, 0, false
	}
	changes := 0
	for i := 0; i < K-1; i++ {
		if (f[i] > 0) != (f[i+1] > 0) {
			changes++
			q = i
		}
	}
	if changes != 1 {
		return 0, 0, 0, false
	}
	h2 := gr.h * gr.h
	for i := 0; i < K-1; i++ {
		if i >= q-1 && i <= q+1 {
			continue
		}
		if math.Min(math.Abs(f[i]), math.Abs(f[i+1])) < gr.curv[i]*h2/8 {
			return 0, 0, 0, false
		}
	}
	d0, d1 = gr.derivAt(bytes, q), gr.derivAt(bytes, q+1)
	if !(d0+d1+gr.curv[q]*gr.h < 0) {
		return 0, 0, 0, false
	}
	if q > 0 && !(f[q]-d0*gr.h-gr.curv[q-1]*h2/2 > 0) &&
		!(math.Min(f[q-1], f[q]) >= gr.curv[q-1]*h2/8) {
		return 0, 0, 0, false
	}
	if q+2 < K && !(f[q+1]+d1*gr.h+gr.curv[q+1]*h2/2 < 0) &&
		!(math.Max(f[q+1], f[q+2]) <= -gr.curv[q+1]*h2/8) {
		return 0, 0, 0, false
	}
	return q, d0, d1, true
}

// hermiteRoot returns the root in [θ_q, θ_{q+1}] of the cubic Hermite
// interpolant of the values f0, f1 and slopes fp0, fp1 at the two nodes,
// found by Newton steps on the cubic inside its bracket; false if the
// cubic is not decreasing on the interval.
func (gr *scoreGrid3PL) hermiteRoot(f0, f1, fp0, fp1 float64, q int) (float64, bool) {
	d0, d1 := gr.h*fp0, gr.h*fp1
	// p(t) = f0 + d0·t + c2·t² + c3·t³ on t ∈ [0, 1].
	c2 := 3*(f1-f0) - 2*d0 - d1
	c3 := 2*(f0-f1) + d0 + d1
	if !(d0 < 0 && d1 < 0) {
		return 0, false
	}
	if c3 < 0 { // p' has an interior maximum at −c2/(3c3)
		if tm := -c2 / (3 * c3); tm > 0 && tm < 1 && !(d0+2*c2*tm+3*c3*tm*tm < 0) {
			return 0, false
		}
	}
	lo, hi := 0.0, 1.0
	t := f0 / (f0 - f1)
	for it := 0; it < 20; it++ {
		p := f0 + t*(d0+t*(c2+t*c3))
		if p > 0 {
			lo = t
		} else {
			hi = t
		}
		nt := t - p/(d0+t*(2*c2+3*c3*t))
		if !(nt > lo && nt < hi) {
			nt = 0.5 * (lo + hi)
		}
		if math.Abs(nt-t) < 1e-13 {
			t = nt
			break
		}
		t = nt
	}
	return gr.theta[q] + gr.h*t, true
}

// scorePackRow sets bytes[g] to the correct answers of items 8g … 8g+7 of
// a complete 0/1 row, bit i for item 8g+i (the byte tables' index, as
// mmlBuildVecTable lays them out).
func scorePackRow(row, bytes []uint8) {
	for g := range bytes {
		var v uint8
		for i, x := range row[8*g : min(8*g+8, len(row))] {
			v |= x << i
		}
		bytes[g] = v
	}
}
