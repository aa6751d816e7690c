package irt

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// E-step of the Bock–Aitkin (1981) EM algorithm.
//
// For a row (candidate or response pattern) i with weight w_i the posterior
// over the quadrature nodes θ_q is
//
//	p_iq ∝ π_q · Π_{j observed} P_j(θ_q)^x_ij · Q_j(θ_q)^(1−x_ij),
//
// and the E-step returns the expected counts the M-step needs,
//
//	n_q  = Σ_i w_i p_iq                      (all rows)
//	m_jq = Σ_{i: x_ij missing} w_i p_iq      (so n_jq = n_q − m_jq)
//	r_jq = Σ_{i: x_ij = 1} w_i p_iq          (3PL items)
//	T_j  = Σ_{i: x_ij = 1} w_i E_i[θ]         (enough for Rasch and 2PL items: see mmlItemObj)
//
// and the marginal log-likelihood Σ_i w_i log Σ_q π_q f(x_i | θ_q).
//
// Three kernels compute a row's log-likelihood l_q at every node:
//
//   - score groups (every item has a = 1, c = 0, the row is complete): the
//     raw score is sufficient, so rows with the same score share one
//     posterior and the E-step costs O(J·Q) whatever the number of rows;
//   - linear (every item has c = 0, the row is complete):
//     l_q = c_q + θ_q·Σ_{x=1} a_j + Σ_{x=1} d_j with c_q = log π_q + Σ_j log Q_j(θ_q),
//     so a row costs one table look-up per byte of 8 items, and, because l_q
//     is concave in q, the posterior is walked outward from its mode with one
//     multiplication per node (see mmlTables.fastRow);
//   - general: l_q = c_q + Σ_{x=1} (log P_j − log Q_j)(θ_q) − Σ_{x missing} log Q_j(θ_q),
//     with the sums over a byte of 8 items tabulated for all 256 values.
//
// Rows are split into units of a size that depends only on the number of
// rows; units are processed by Workers goroutines and their partial sums
// added in unit order, so results do not depend on Workers.

const (
	mmlTiny     = 1e-20 // posterior mass (relative to the mode) treated as zero
	mmlLogTiny  = -46.0 // ≈ log(mmlTiny)
	mmlMinUnit  = 1024  // rows per unit, at least
	mmlMaxUnits = 64    // units per row set, at most
)

// mmlWant says which expected counts an E-step must produce.
type mmlWant struct {
	t bool // T_j
	r bool // r_jq (forces the general kernel)
}

// mmlStats are the expected counts of one E-step.
type mmlStats struct {
	ll float64
	nq []float64 // Q
	t  []float64 // J
	r  []float64 // J*Q
	m  []float64 // J*Q, when the data have missing responses
	u1 []float64 // nb*256: Σ w E[θ] by byte value, turned into t at the end
}

func newMMLStats(J, Q int, miss bool) *mmlStats {
	nb := (J + 7) / 8
	s := &mmlStats{nq: make([]float64, Q), t: make([]float64, J), r: make([]float64, J*Q), u1: make([]float64, nb*256)}
	if miss {
		s.m = make([]float64, J*Q)
	}
	return s
}

func (s *mmlStats) reset() {
	s.ll = 0
	clear(s.nq)
	clear(s.t)
	clear(s.r)
	clear(s.m)
	clear(s.u1)
}

func (s *mmlStats) add(o *mmlStats) {
	s.ll += o.ll
	for i, v := range o.nq {
		s.nq[i] += v
	}
	for i, v := range o.t {
		s.t[i] += v
	}
	for i, v := range o.u1 {
		s.u1[i] += v
	}
	for i, v := range o.r {
		s.r[i] += v
	}
	for i, v := range o.m {
		s.m[i] += v
	}
}

// mmlTables holds everything a kernel needs for one set of item parameters
// and one latent distribution. It is read-only while an E-step runs.
type mmlTables struct {
	J, nb, Q int
	theta    []float64
	h        float64 // node spacing
	logQ     []float64
	logPQ    []float64 // J*Q: log P_j(θ_q) − log Q_j(θ_q)
	c        []float64 // log π_q + Σ_j log Q_j(θ_q)
	sumD     float64   // Σ_j d_j R^comp_j (score-group log-likelihood)

	linear bool // every item has c = 0
	score  bool // every item has a = 1 and c = 0
	tabA   []float64
	tabD   []float64
	// Fast walk: dc[q] = c_q − c_{q−1}, fwd[q] = exp(dc[q]), bwd[q] = exp(−dc[q]).
	concave bool
	dc      []float64
	fwd     []float64
	bwd     []float64

	tabL []float64 // nb*256*Q, general kernel
	tabM []float64 // nb*256*Q, log Q_j of missing bytes
}

func newMMLTables(J, Q int, theta []float64) *mmlTables {
	nb := (J + 7) / 8
	return &mmlTables{
		J: J, nb: nb, Q: Q, theta: theta,
		h:     (theta[Q-1] - theta[0]) / float64(Q-1),
		logQ:  make([]float64, J*Q),
		logPQ: make([]float64, J*Q),
		c:     make([]float64, Q),
		tabA:  make([]float64, nb*256),
		tabD:  make([]float64, nb*256),
		dc:    make([]float64, Q),
		fwd:   make([]float64, Q),
		bwd:   make([]float64, Q),
	}
}

// mmlSoftplus returns log(1 + exp(x)) without overflow.
func mmlSoftplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// mmlLogPQ returns log P and log Q = log(1 − P) of item it at theta.
func mmlLogPQ(it Item, theta float64) (lp, lq float64) {
	eta := it.A*theta + it.D
	e := math.Exp(-math.Abs(eta))
	l := math.Log1p(e) // log(1 + e^η) = max(η, 0) + l
	if it.C == 0 {
		return -(max(-eta, 0) + l), -(max(eta, 0) + l)
	}
	var s float64
	if eta >= 0 {
		s = 1 / (1 + e)
	} else {
		s = e / (1 + e)
	}
	return math.Log(it.C + (1-it.C)*s), math.Log1p(-it.C) - (max(eta, 0) + l)
}

// build fills the tables for items and log prior weights logPrior.
// general asks for the general-kernel tables; miss for the missing-byte table.
func (t *mmlTables) build(items []Item, logPrior []float64, d *mmlData, general, miss bool) {
	J, Q, nb := t.J, t.Q, t.nb
	copy(t.c, logPrior)
	t.linear, t.score = true, true
	t.sumD = 0
	for j, it := range items {
		if it.C != 0 {
			t.linear = false
		}
		if it.A != 1 || it.C != 0 {
			t.score = false
		}
		lq := t.logQ[j*Q : (j+1)*Q]
		lpq := t.logPQ[j*Q : (j+1)*Q]
		for q, th := range t.theta {
			p, qq := mmlLogPQ(it, th)
			lq[q] = qq
			lpq[q] = p - qq
			t.c[q] += qq
		}
		t.sumD += it.D * d.Rcomp[j]
	}
	if t.linear {
		for g := 0; g < nb; g++ {
			a := t.tabA[g<<8 : g<<8+256]
			dd := t.tabD[g<<8 : g<<8+256]
			a[0], dd[0] = 0, 0
			nv := 1 << min(8, J-8*g)
			for v := 1; v < nv; v++ {
				low := v & -v
				j := 8*g + bits.TrailingZeros(uint(v))
				a[v] = a[v^low] + items[j].A
				dd[v] = dd[v^low] + items[j].D
			}
		}
		t.concave = true
		for q := 1; q < Q; q++ {
			t.dc[q] = t.c[q] - t.c[q-1]
			if !(t.dc[q] <= t.dc[q-1]) && q > 1 || math.IsInf(t.dc[q], 0) || math.IsNaN(t.dc[q]) {
				t.concave = false
			}
			t.fwd[q] = math.Exp(t.dc[q])
			t.bwd[q] = math.Exp(-t.dc[q])
		}
	}
	if general {
		if t.tabL == nil {
			t.tabL = make([]float64, nb*256*Q)
		}
		mmlBuildVecTable(t.tabL, t.logPQ, J, Q)
	}
	if miss {
		if t.tabM == nil {
			t.tabM = make([]float64, nb*256*Q)
		}
		mmlBuildVecTable(t.tabM, t.logQ, J, Q)
	}
}

// mmlBuildVecTable sets tab[(g<<8|v)*Q+q] = Σ_{bit b of v} src[(8g+b)*Q+q].
func mmlBuildVecTable(tab, src []float64, J, Q int) {
	nb := (J + 7) / 8
	for g := 0; g < nb; g++ {
		base := tab[(g<<8)*Q:]
		clear(base[:Q])
		nv := 1 << min(8, J-8*g)
		for v := 1; v < nv; v++ {
			low := v & -v
			j := 8*g + bits.TrailingZeros(uint(v))
			dst := base[v*Q : v*Q+Q]
			copy(dst, base[(v^low)*Q:(v^low)*Q+Q])
			vecAdd(dst, src[j*Q:j*Q+Q])
		}
	}
}

// mmlScratch is one goroutine's working memory.
type mmlScratch struct {
	l, p []float64
	// Σ log s over unit-weight rows is kept as logAcc + log(prod),
	// multiplying the s ∈ [1, Q] and taking a logarithm every few hundred rows.
	logAcc, prod float64
	u            []float64 // nb*256*Q: Σ w p_q by correct byte value
	um           []float64 // nb*256*Q: Σ w p_q by missing byte value
	touched      []uint64  // nb*4 bitmap of u entries in use
	touchM       []uint64
	offs         []int32 // table row offsets of one row's bytes (mmlByteRows)
}

func newMMLScratch(J, Q int) *mmlScratch {
	nb := (J + 7) / 8
	return &mmlScratch{
		l: make([]float64, Q), p: make([]float64, Q), prod: 1,
		touched: make([]uint64, nb*4),
		touchM:  make([]uint64, nb*4),
	}
}

func (sc *mmlScratch) ensure(J, Q int, wantR, miss bool) {
	nb := (J + 7) / 8
	if wantR && sc.u == nil {
		sc.u = make([]float64, nb*256*Q)
	}
	if miss && sc.um == nil {
		sc.um = make([]float64, nb*256*Q)
	}
}

// mmlUnit is a block of rows of one row set.
type mmlUnit struct {
	set    *mmlRows
	lo, hi int
	score  bool // the score-group computation (no rows)
}

// mmlUnits splits the data into units for the kernels chosen by t and want.
// With whole, each row set is one unit (for single-goroutine E-steps).
func mmlUnits(d *mmlData, t *mmlTables, want mmlWant, whole bool, buf []mmlUnit) []mmlUnit {
	units := buf[:0]
	split := func(set *mmlRows) {
		if set.n == 0 {
			return
		}
		size := max(mmlMinUnit, (set.n+mmlMaxUnits-1)/mmlMaxUnits)
		if whole {
			size = set.n
		}
		for lo := 0; lo < set.n; lo += size {
			units = append(units, mmlUnit{set: set, lo: lo, hi: min(lo+size, set.n)})
		}
	}
	if t.score && !want.t && !want.r {
		if d.comp.n > 0 {
			units = append(units, mmlUnit{score: true})
		}
	} else {
		split(&d.comp)
	}
	split(&d.part)
	return units
}

// finish turns the summed byte-value accumulators into per-item sums.
func (t *mmlTables) finish(s *mmlStats, want mmlWant) {
	switch {
	case want.r && want.t:
		for j := 0; j < t.J; j++ {
			var x float64
			for q, th := range t.theta {
				x += th * s.r[j*t.Q+q]
			}
			s.t[j] = x
		}
	case want.t:
		mmlHistToItemsAdd(s.u1, t.nb, t.J, s.t)
	}
}

// runUnit computes unit u's contribution into out (which it resets).
func (t *mmlTables) runUnit(d *mmlData, u mmlUnit, want mmlWant, sc *mmlScratch, out *mmlStats) {
	out.reset()
	if u.score {
		t.scoreGroups(d, out)
		return
	}
	set := u.set
	miss := set.miss != nil
	general := miss || want.r || !t.linear
	nb := t.nb
	for i := u.lo; i < u.hi; i++ {
		w := set.w[i]
		rb := set.bits[i*nb : (i+1)*nb]
		var mb []uint8
		if miss {
			mb = set.miss[i*nb : (i+1)*nb]
		}
		if general {
			t.generalRow(rb, mb, w, want, sc, out)
		} else {
			t.fastRow(rb, w, want.t, sc, out)
		}
	}
	out.ll += sc.logAcc + math.Log(sc.prod)
	sc.logAcc, sc.prod = 0, 1
	// Turn the byte-value vector accumulators into per-item sums.
	if want.r {
		t.flushVec(sc.u, sc.touched, out.r)
	}
	if miss {
		t.flushVec(sc.um, sc.touchM, out.m)
	}
}

// mmlHistToItemsAdd adds Σ_{v: bit b set} h[g<<8|v] to out[8g+b]: the
// marginal sums of each byte's 2⁸ table, by halving it bit by bit.
func mmlHistToItemsAdd(h []float64, nb, J int, out []float64) {
	var buf [256]float64
	for g := 0; g < nb; g++ {
		copy(buf[:], h[g<<8:g<<8+256])
		for b, n := 7, 128; b >= 0; b, n = b-1, n/2 {
			// buf[0:2n] is the table over the low b+1 bits; the upper half
			// has bit b set.
			var s float64
			for v := n; v < 2*n; v++ {
				s += buf[v]
				buf[v-n] += buf[v]
			}
			if j := 8*g + b; j < J {
				out[j] += s
			}
		}
	}
}

// flushVec adds the touched byte-value vectors of acc to the items they
// contain and clears them.
func (t *mmlTables) flushVec(acc []float64, touched []uint64, out []float64) {
	Q, J := t.Q, t.J
	for g := 0; g < t.nb; g++ {
		for k := 0; k < 4; k++ {
			for word := touched[g*4+k]; word != 0; word &= word - 1 {
				v := k*64 + bits.TrailingZeros64(word)
				src := acc[(g<<8|v)*Q : (g<<8|v)*Q+Q]
				for u := v; u != 0; u &= u - 1 {
					j := g*8 + bits.TrailingZeros(uint(u))
					if j >= J {
						continue
					}
					vecAdd(out[j*Q:j*Q+Q], src)
				}
				clear(src)
			}
			touched[g*4+k] = 0
		}
	}
}

// scoreGroups is the E-step over the complete rows when the raw score is
// sufficient: l_q = c_q + θ_q·s + Σ_{x=1} d_j, one posterior per score s.
func (t *mmlTables) scoreGroups(d *mmlData, out *mmlStats) {
	var ll float64
	for s, W := range d.scoreW {
		if W == 0 {
			continue
		}
		fs := float64(s)
		m := math.Inf(-1)
		for q, th := range t.theta {
			v := t.c[q] + th*fs
			if v > m {
				m = v
			}
		}
		var sum float64
		for q, th := range t.theta {
			sum += math.Exp(t.c[q] + th*fs - m)
		}
		scale := W / sum
		for q, th := range t.theta {
			out.nq[q] += math.Exp(t.c[q]+th*fs-m) * scale
		}
		ll += W * (m + math.Log(sum))
	}
	out.ll += ll + t.sumD
}

// fastRow is the linear kernel for one complete row.
func (t *mmlTables) fastRow(rb []uint8, w float64, wantT bool, sc *mmlScratch, out *mmlStats) {
	var S, Sd float64
	tabA, tabD := t.tabA, t.tabD
	for g, v := range rb {
		k := g<<8 | int(v)
		S += tabA[k]
		Sd += tabD[k]
	}
	Q := t.Q
	p := sc.p[:Q]
	theta := t.theta[:Q]
	c := t.c[:Q]
	var m, s float64
	lo, hi := 0, Q-1
	hs := t.h * S
	if t.concave && math.Abs(hs) < 600 {
		// The mode is the last node q with l_q − l_{q−1} = dc_q + h·S > 0;
		// dc is decreasing, so binary search (branch-free: the compiler
		// turns the conditional add into a conditional move).
		dc := t.dc[:Q]
		qs := 0 // count of q ≥ 1 with dc_q + h·S > 0 found so far
		for n := Q - 1; n > 0; {
			half := n >> 1
			if dc[qs+half+1]+hs > 0 {
				qs += half + 1
				n -= half + 1
			} else {
				n = half
			}
		}
		m = c[qs] + theta[qs]*S
		r := math.Exp(hs)
		ri := 1 / r
		p[qs] = 1
		s = 1
		v := 1.0
		fwd, bwd := t.fwd[:Q], t.bwd[:Q]
		q := qs + 1
		for ; q < Q; q++ {
			v *= fwd[q] * r
			if v < mmlTiny {
				break
			}
			p[q] = v
			s += v
		}
		hi = q - 1
		v = 1
		q = qs - 1
		for ; q >= 0; q-- {
			v *= bwd[q+1] * ri
			if v < mmlTiny {
				break
			}
			p[q] = v
			s += v
		}
		lo = q + 1
	} else {
		m = math.Inf(-1)
		l := sc.l[:Q]
		for q := range l {
			l[q] = c[q] + theta[q]*S
			if l[q] > m {
				m = l[q]
			}
		}
		for q := range l {
			e := math.Exp(l[q] - m)
			p[q] = e
			s += e
		}
	}
	if w == 1 {
		out.ll += m + Sd
		sc.prod *= s
		if sc.prod > 1e250 {
			sc.logAcc += math.Log(sc.prod)
			sc.prod = 1
		}
	} else {
		out.ll += w * (m + Sd + math.Log(s))
	}
	scale := w / s
	nq := out.nq[:Q]
	var mu float64
	for q := lo; q <= hi; q++ {
		x := p[q] * scale
		nq[q] += x
		mu += x * theta[q]
	}
	if wantT {
		u1 := out.u1
		for g, v := range rb {
			if v != 0 {
				u1[g<<8|int(v)] += mu
			}
		}
	}
}

// generalRow is the general kernel for one row (mb nil if complete).
func (t *mmlTables) generalRow(rb, mb []uint8, w float64, want mmlWant, sc *mmlScratch, out *mmlStats) {
	l := sc.l[:t.Q]
	t.rowLogLik(rb, mb, l, &sc.offs)
	t.posterior(l, rb, mb, w, want, sc, out)
}

// rowLogLik sets l_q = log π_q + log f(x | θ_q) for one row; offs is
// scratch space (see mmlByteRows).
func (t *mmlTables) rowLogLik(rb, mb []uint8, l []float64, offs *[]int32) {
	Q := t.Q
	l = l[:Q]
	copy(l, t.c)
	*offs = mmlByteRows((*offs)[:0], rb, 0, Q, 0, nil)
	vecSumRows(l, t.tabL, *offs, false)
	if mb != nil {
		*offs = mmlByteRows((*offs)[:0], mb, 0, Q, 0, nil)
		vecSumRows(l, t.tabM, *offs, true)
	}
}

// mmlByteRows appends to offs the offset (g<<8 | v)·Q + lo of the table
// row of each non-zero byte v of b, g counting from g0, in order, and marks
// g<<8 | v in touched (if not nil). The byte-value tables have nb·256·Q
// entries, far below 2³¹ for any test mmlTables is built for.
func mmlByteRows(offs []int32, b []uint8, g0, Q, lo int, touched []uint64) []int32 {
	for g, v := range b {
		if v == 0 {
			continue
		}
		k := (g+g0)<<8 | int(v)
		if touched != nil {
			touched[k>>6] |= 1 << (k & 63)
		}
		offs = append(offs, int32(k*Q+lo))
	}
	return offs
}

// posterior turns a row's l_q into its posterior and adds it to the counts.
func (t *mmlTables) posterior(l []float64, rb, mb []uint8, w float64, want mmlWant, sc *mmlScratch, out *mmlStats) {
	Q := t.Q
	l = l[:Q]
	p := sc.p[:Q]
	m := math.Inf(-1)
	for _, v := range l {
		if v > m {
			m = v
		}
	}
	// Nodes with l_q < m + log(mmlTiny) carry no mass worth an exp.
	var s float64
	lo, hi := Q, -1
	cut := m + mmlLogTiny
	for q, v := range l {
		if v < cut {
			continue
		}
		e := math.Exp(v - m)
		p[q] = e
		s += e
		if q < lo {
			lo = q
		}
		hi = q
	}
	for q := lo; q <= hi; q++ {
		if l[q] < cut {
			p[q] = 0
		}
	}
	if w == 1 { // log s as in fastRow: one logarithm per few hundred rows
		out.ll += m
		sc.prod *= s
		if sc.prod > 1e250 {
			sc.logAcc += math.Log(sc.prod)
			sc.prod = 1
		}
	} else {
		out.ll += w * (m + math.Log(s))
	}
	scale := w / s
	var mu float64
	if want.t && !want.r { // accumulate needs E_i[θ]
		nq := out.nq[:Q]
		theta := t.theta[:Q]
		for q := lo; q <= hi; q++ {
			x := p[q] * scale
			p[q] = x
			nq[q] += x
			mu += x * theta[q]
		}
	} else {
		vecScaleAcc(p[lo:hi+1], out.nq[lo:hi+1], scale)
	}
	t.accumulate(rb, mb, lo, hi, mu, want, sc, out)
}

// accumulate adds a row's normalised, weighted posterior p (nodes lo..hi in
// sc.p) and posterior mean mu to the byte-value accumulators.
func (t *mmlTables) accumulate(rb, mb []uint8, lo, hi int, mu float64, want mmlWant, sc *mmlScratch, out *mmlStats) {
	t.accumulateFrom(0, rb, mb, lo, hi, mu, want, sc, out)
}

// accumulateFrom is accumulate over the items of byte groups g0 and later
// only (items 8·g0, 8·g0 + 1, …): the Oakes columns need the counts of the
// items from the column's own item on (the Hessian is symmetric).
func (t *mmlTables) accumulateFrom(g0 int, rb, mb []uint8, lo, hi int, mu float64, want mmlWant, sc *mmlScratch, out *mmlStats) {
	Q := t.Q
	p := sc.p[:Q]
	if g0 > 0 {
		rb = rb[g0:]
		if mb != nil {
			mb = mb[g0:]
		}
	}
	if want.r {
		sc.offs = mmlByteRows(sc.offs[:0], rb, g0, Q, lo, sc.touched)
		vecAddRows(sc.u, sc.offs, p[lo:hi+1])
	} else if want.t {
		u1 := out.u1
		for g, v := range rb {
			g += g0
			if v != 0 {
				u1[g<<8|int(v)] += mu
			}
		}
	}
	if mb != nil {
		sc.offs = mmlByteRows(sc.offs[:0], mb, g0, Q, lo, sc.touchM)
		vecAddRows(sc.um, sc.offs, p[lo:hi+1])
	}
}

// mmlEngine runs E-steps over one data set.
type mmlEngine struct {
	d       *mmlData
	J, Q    int
	theta   []float64
	workers int

	tables   *mmlTables
	scratch  []*mmlScratch
	partials []*mmlStats
	units    []mmlUnit
	total    *mmlStats
}

func newMMLEngine(d *mmlData, theta []float64, workers int) *mmlEngine {
	e := &mmlEngine{d: d, J: d.J, Q: len(theta), theta: theta, workers: max(1, workers)}
	e.tables = newMMLTables(e.J, e.Q, theta)
	e.total = newMMLStats(e.J, e.Q, d.part.n > 0)
	return e
}

// estep runs one E-step for items under log prior weights logPrior, in
// parallel over units. The returned stats are owned by e and valid until the
// next call.
func (e *mmlEngine) estep(items []Item, logPrior []float64, want mmlWant) *mmlStats {
	d := e.d
	miss := d.part.n > 0
	t := e.tables
	general := want.r || miss || !mmlAllLinear(items)
	t.build(items, logPrior, d, general, miss)
	e.units = mmlUnits(d, t, want, false, e.units)
	for len(e.partials) < len(e.units) {
		e.partials = append(e.partials, newMMLStats(e.J, e.Q, miss))
	}
	nw := min(e.workers, len(e.units))
	for len(e.scratch) < nw {
		e.scratch = append(e.scratch, newMMLScratch(e.J, e.Q))
	}
	for _, sc := range e.scratch[:nw] {
		sc.ensure(e.J, e.Q, want.r, miss)
	}
	if nw <= 1 {
		for k, u := range e.units {
			t.runUnit(d, u, want, e.scratch[0], e.partials[k])
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < nw; w++ {
			sc := e.scratch[w]
			wg.Go(func() {
				for {
					k := int(next.Add(1) - 1)
					if k >= len(e.units) {
						return
					}
					t.runUnit(d, e.units[k], want, sc, e.partials[k])
				}
			})
		}
		wg.Wait()
	}
	e.total.reset()
	for k := range e.units {
		e.total.add(e.partials[k])
	}
	t.finish(e.total, want)
	return e.total
}

// mmlSeqEStep is a single-goroutine E-step with its own tables and scratch,
// over whole row sets in row order, so its results do not depend on the
// number of goroutines either. Used for the many E-steps of the standard
// errors, which run in parallel with each other.
type mmlSeqEStep struct {
	d       *mmlData
	tables  *mmlTables
	scratch *mmlScratch
	part    *mmlStats
	total   *mmlStats
	units   []mmlUnit
	// Per-parameter scratch and counts of estepDerivItem.
	derivSc               []*mmlScratch
	derivPart, derivTotal []*mmlStats
}

func newMMLSeqEStep(d *mmlData, theta []float64) *mmlSeqEStep {
	Q := len(theta)
	miss := d.part.n > 0
	return &mmlSeqEStep{
		d: d, tables: newMMLTables(d.J, Q, theta), scratch: newMMLScratch(d.J, Q),
		part: newMMLStats(d.J, Q, miss), total: newMMLStats(d.J, Q, miss),
	}
}

func (s *mmlSeqEStep) estep(items []Item, logPrior []float64, want mmlWant) *mmlStats {
	d := s.d
	miss := d.part.n > 0
	t := s.tables
	general := want.r || miss || !mmlAllLinear(items)
	t.build(items, logPrior, d, general, miss)
	s.units = mmlUnits(d, t, want, true, s.units)
	s.scratch.ensure(d.J, t.Q, want.r, miss)
	s.total.reset()
	for _, u := range s.units {
		t.runUnit(d, u, want, s.scratch, s.part)
		s.total.add(s.part)
	}
	t.finish(s.total, want)
	return s.total
}

func mmlAllLinear(items []Item) bool {
	for _, it := range items {
		if it.C != 0 {
			return false
		}
	}
	return true
}
