package irt

import (
	"math"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Oakes' (1999) identity with the derivative of the E-step taken
// analytically. The Hessian of log L is
//
//	∂²Q(β'|β)/∂β'² + ∂²Q(β'|β)/∂β'∂β   at β' = β,
//
// the complete-data Hessian of each item (and of the latent distribution)
// at the E-step's counts, plus the change of the Fisher-identity gradient
// through the counts. With the cached posteriors p_iq at the estimates,
// column k of the second term needs ∂p_iq/∂β_k = p_iq (h_iq − Σ_r p_ir h_ir),
// h_iq = ∂ log f(x_i | θ_q)/∂β_k (for an item parameter it depends only on
// x_ij of that item; for a latent moment it is ∂ log π_q/∂β_k), summed into
// ∂n_q, ∂r_mq and ∂m_mq by the E-step's own accumulators, and the item
// gradients are linear in the counts. One pass over the rows per parameter
// instead of the two E-steps of central differences, and no step size; the
// pass of a parameter of item j counts only items from j's byte group on,
// and the Hessian's symmetry gives the rest (half the work).
//
// Reference: Oakes, D. (1999). Direct calculation of the information matrix
// via the EM algorithm. JRSS B, 61, 479–482.

// mmlLogPQGrad returns the gradients of log P and log Q of item it at θ
// with respect to its free parameters under m (d; a, d; a, d, logit c).
func mmlLogPQGrad(m Model, it Item, th float64) (g1, g0 [3]float64) {
	eta := it.A*th + it.D
	e := math.Exp(-math.Abs(eta))
	var s, s1 float64 // σ(η), 1 − σ(η)
	if eta >= 0 {
		s, s1 = 1/(1+e), e/(1+e)
	} else {
		s, s1 = e/(1+e), 1/(1+e)
	}
	c := it.C
	P := c + (1-c)*s
	A := (1 - c) * s * s1 / P // ∂ log P/∂η
	switch m {
	case Rasch:
		g1[0], g0[0] = A, -s
	case TwoPL:
		g1[0], g1[1] = A*th, A
		g0[0], g0[1] = -s*th, -s
	case ThreePL:
		g1[0], g1[1], g1[2] = A*th, A, c*(1-c)*s1/P
		g0[0], g0[1], g0[2] = -s*th, -s, -c
	}
	return g1, g0
}

// oakesAnalytic fills H (P×P, P = len of the SE vector) from the cache c,
// which holds every row's posterior at items and f.logPrior.
func (f *mmlFit) oakesAnalytic(items []Item, c *mmlLCache, H *mat.Dense, nw int) {
	P, _ := H.Dims()
	Q := f.Q
	np := f.model.NumParams()
	// Counts at the estimates: the complete-data Hessians.
	st0 := newMMLSeqEStep(f.d, f.theta)
	base := st0.estepBase(items, f.logPrior, f.want, c)
	nbuf := make([]float64, Q)
	for j, it := range items {
		o := f.offs[j]
		if o < 0 {
			continue
		}
		var x [3]float64
		mmlItemVec(f.model, it, x[:])
		tg := f.target(base, j, nbuf)
		_, _, h := mmlItemObj(f.model, x[:np], &tg, f.pr, false, true)
		for a := 0; a < np; a++ {
			for b := 0; b < np; b++ {
				H.Set(o+a, o+b, h[a][b])
			}
		}
	}
	lat := f.latentTerms(f.mean, f.sd, base.nq)
	if lat.kMean >= 0 {
		H.Set(lat.kMean, lat.kMean, lat.hmm)
	}
	if lat.kVar >= 0 {
		H.Set(lat.kVar, lat.kVar, lat.hvv)
	}
	if lat.kMean >= 0 && lat.kVar >= 0 {
		H.Set(lat.kMean, lat.kVar, lat.hmv)
		H.Set(lat.kVar, lat.kMean, lat.hmv)
	}
	// The columns' count terms, in parallel: one job per free item (its
	// parameters share one pass over the rows) and one per latent moment.
	var jobs [][2]int // first and last column
	for k := 0; k < P; {
		e := k
		if k < f.nItemP {
			for e+1 < f.nItemP && f.paramItem[e+1] == f.paramItem[k] {
				e++
			}
		}
		jobs = append(jobs, [2]int{k, e})
		k = e + 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range nw {
		wg.Go(func() {
			seq := newMMLSeqEStep(f.d, f.theta)
			dls := make([]mmlDelta, np)
			for a := range dls {
				dls[a] = mmlDelta{f0: make([]float64, Q), f1: make([]float64, Q)}
			}
			nb := make([]float64, Q)
			col := make([]float64, P)
			for {
				jb := int(next.Add(1) - 1)
				if jb >= len(jobs) || f.ctx.Err() != nil {
					return
				}
				k0, k1 := jobs[jb][0], jobs[jb][1]
				dl := dls[:k1-k0+1]
				for a := range dl {
					k := k0 + a
					dl[a].item = -1
					switch {
					case k < f.nItemP:
						j := f.paramItem[k]
						dl[a].item = j
						pa := k - f.offs[j]
						for q, th := range f.theta {
							g1, g0 := mmlLogPQGrad(f.model, items[j], th)
							dl[a].f1[q], dl[a].f0[q] = g1[pa], g0[pa]
						}
					case k == lat.kMean:
						copy(dl[a].f1, lat.sMu)
					default:
						copy(dl[a].f1, lat.sV)
					}
				}
				sts := seq.estepDerivItem(items, f.logPrior, f.want, c, dl)
				for a, st := range sts {
					k := k0 + a
					clear(col)
					for m, it := range items {
						o := f.offs[m]
						if o < 0 {
							continue
						}
						var x [3]float64
						mmlItemVec(f.model, it, x[:])
						tg := f.target(st, m, nb)
						tg.R = 0 // a constant of the data
						_, g, _ := mmlItemObj(f.model, x[:np], &tg, nil, false, false)
						copy(col[o:o+np], g[:np])
					}
					if lat.kMean >= 0 || lat.kVar >= 0 {
						var N, s1, s2 float64
						for q, th := range f.theta {
							z := th - f.mean
							N += st.nq[q]
							s1 += st.nq[q] * z
							s2 += st.nq[q] * z * z
						}
						v := f.sd * f.sd
						if lat.kMean >= 0 {
							col[lat.kMean] = (s1 - N*lat.e1) / v
						}
						if lat.kVar >= 0 {
							col[lat.kVar] = (s2 - N*lat.e2) / (2 * v * v)
						}
					}
					for i, v := range col {
						H.Set(i, k, H.At(i, k)+v)
					}
				}
			}
		})
	}
	wg.Wait()
	// The column of a parameter of item j counted only the items of j's
	// byte group and later (runUnitDeriv): the rows of earlier items are
	// the transposed entries of their own columns, which did count item j.
	// Those entries are cross-item terms, with no complete-data part.
	for k := 0; k < f.nItemP; k++ {
		first := (f.paramItem[k] >> 3) << 3 // the first item of its group
		for m := 0; m < first; m++ {
			o := f.offs[m]
			if o < 0 {
				continue
			}
			for a := 0; a < np; a++ {
				H.Set(o+a, k, H.At(k, o+a))
			}
		}
	}
}

// estepBase is estepCached with the cache's posteriors as they are: the
// counts at the cache's parameters.
func (s *mmlSeqEStep) estepBase(items []Item, logPrior []float64, want mmlWant, c *mmlLCache) *mmlStats {
	d := s.d
	t := s.tables
	t.build(items, logPrior, d, false, false)
	s.scratch.ensure(d.J, t.Q, want.r, d.part.n > 0)
	s.total.reset()
	one := &mmlDelta{item: -1, f1: make([]float64, t.Q)}
	for q := range one.f1 {
		one.f1[q] = 1
	}
	for _, set := range c.sets(d) {
		u := mmlUnit{set: set.rows, lo: 0, hi: set.rows.n}
		t.runUnitCached(u, want, s.scratch, s.part, set.p0, set.off, set.win, one)
		s.total.add(s.part)
	}
	// T_j from r_jq when both are wanted; for want.t alone, from u1.
	t.finish(s.total, want)
	return s.total
}

// mmlCachedSet is one row set with its cached posteriors.
type mmlCachedSet struct {
	rows *mmlRows
	p0   []float64
	off  []int
	win  []uint8
}

// sets returns the non-empty row sets of d with their cached posteriors.
func (c *mmlLCache) sets(d *mmlData) []mmlCachedSet {
	var out []mmlCachedSet
	for _, set := range []mmlCachedSet{{&d.comp, c.comp, c.compOff, c.compWin}, {&d.part, c.part, c.partOff, c.partWin}} {
		if set.rows.n > 0 {
			out = append(out, set)
		}
	}
	return out
}

// estepDerivItem returns, for each of the factors dls (the parameters of
// one item, or one latent moment), the counts with the cache's posteriors
// p_iq replaced by their derivative p_iq (h_iq − Σ_r p_ir h_ir), h = f1 for
// x = 1 (every row for a latent parameter, item < 0) and f0 for x = 0. The
// parameters share one pass over the rows; each one's sums are formed in
// the same order as a pass of its own would form them.
func (s *mmlSeqEStep) estepDerivItem(items []Item, logPrior []float64, want mmlWant, c *mmlLCache, dls []mmlDelta) []*mmlStats {
	d := s.d
	t := s.tables
	t.build(items, logPrior, d, false, false)
	miss := d.part.n > 0
	for len(s.derivSc) < len(dls) {
		s.derivSc = append(s.derivSc, newMMLScratch(d.J, t.Q))
		s.derivPart = append(s.derivPart, newMMLStats(d.J, t.Q, miss))
		s.derivTotal = append(s.derivTotal, newMMLStats(d.J, t.Q, miss))
	}
	scs, parts, totals := s.derivSc[:len(dls)], s.derivPart[:len(dls)], s.derivTotal[:len(dls)]
	for a := range dls {
		scs[a].ensure(d.J, t.Q, want.r, miss)
		totals[a].reset()
	}
	for _, set := range c.sets(d) {
		u := mmlUnit{set: set.rows, lo: 0, hi: set.rows.n}
		t.runUnitDerivItem(u, want, scs, parts, set.p0, set.off, set.win, dls)
		for a := range dls {
			totals[a].add(parts[a])
		}
	}
	for _, st := range totals {
		t.finish(st, want)
	}
	return totals
}

// runUnitDerivItem is runUnitCached with each row's weighted posterior
// replaced by its derivative for each factor of dls (see estepDerivItem),
// factor a's counts going to outs[a] through scs[a]. A row that left the
// item out does not move its posterior; nor does a row whose factor is the
// same at every node (the 3PL logit c for a wrong answer: h = −c), since
// the posterior sums to one.
func (t *mmlTables) runUnitDerivItem(u mmlUnit, want mmlWant, scs []*mmlScratch, outs []*mmlStats, p0 []float64, off []int, win []uint8, dls []mmlDelta) {
	np := len(dls)
	for _, o := range outs[:np] {
		o.reset()
	}
	set := u.set
	miss := set.miss != nil
	nb, Q := t.nb, t.Q
	theta := t.theta[:Q]
	g := max(0, dls[0].item) >> 3 // the first byte group whose counts are wanted
	var flat0, flat1 [3]bool      // the factor is constant for x = 0, x = 1
	for a := range dls {
		flat0[a] = mmlConstant(dls[a].f0)
		flat1[a] = mmlConstant(dls[a].f1)
	}
	wantMu := want.t && !want.r // accumulateFrom needs the rows' ∂E_i[θ]
	var offs, moffs []int32
	var hs [3][]float64
	var hbar, mu [3]float64
	var active [3]bool
	for i := u.lo; i < u.hi; i++ {
		rb := set.bits[i*nb : (i+1)*nb]
		var mb []uint8
		if miss {
			mb = set.miss[i*nb : (i+1)*nb]
		}
		lo, hi := int(win[2*i]), int(win[2*i+1])
		n := 0
		for a := range dls {
			h := dls[a].forRow(rb, mb)
			active[a] = false
			if h == nil { // the item is missing in this row
				continue
			}
			if &h[0] == &dls[a].f0[0] && flat0[a] || &h[0] == &dls[a].f1[0] && flat1[a] {
				continue
			}
			active[a] = true
			hs[a] = h[lo : hi+1]
			hbar[a] = 0
			n++
		}
		if n == 0 {
			continue
		}
		pi := p0[off[i] : off[i]+hi-lo+1]
		for a := range np {
			if !active[a] {
				continue
			}
			hbar[a] = vecDot(pi, hs[a])
		}
		w := set.w[i]
		for a := range np {
			if !active[a] {
				continue
			}
			p := scs[a].p[lo : hi+1]
			nq := outs[a].nq[lo : hi+1]
			if !wantMu {
				vecDeriv(p, nq, pi, hs[a], w, hbar[a])
				continue
			}
			h := hs[a][:len(p)]
			pp := pi[:len(p)]
			nq = nq[:len(p)]
			th := theta[lo : hi+1]
			th = th[:len(p)]
			hb := hbar[a]
			var m float64
			for k := range p {
				x := w * pp[k] * (h[k] - hb)
				p[k] = x
				nq[k] += x
				m += x * th[k]
			}
			mu[a] = m
		}
		// The items of group g on (oakesAnalytic mirrors the rest).
		if !want.r {
			for a := range np {
				if active[a] {
					t.accumulateFrom(g, rb, mb, lo, hi, mu[a], want, scs[a], outs[a])
				}
			}
			continue
		}
		// The parameters add to the same table rows: their offsets are
		// found once and marked in the first scratch (shared at the flush).
		offs = mmlByteRows(offs[:0], rb[g:], g, Q, lo, scs[0].touched)
		if mb != nil {
			moffs = mmlByteRows(moffs[:0], mb[g:], g, Q, lo, scs[0].touchM)
		}
		for a := range np {
			if !active[a] {
				continue
			}
			p := scs[a].p[lo : hi+1]
			vecAddRows(scs[a].u, offs, p)
			if mb != nil {
				vecAddRows(scs[a].um, moffs, p)
			}
		}
	}
	for a := range np {
		if want.r {
			// The entries the job's rows touched are marked in scs[0]; a
			// parameter left out of some rows holds zeros there.
			if a < np-1 {
				copy(scs[a+1].touched, scs[a].touched)
			}
			t.flushVec(scs[a].u, scs[a].touched, outs[a].r)
		}
		if miss {
			if want.r && a < np-1 {
				copy(scs[a+1].touchM, scs[a].touchM)
			}
			t.flushVec(scs[a].um, scs[a].touchM, outs[a].m)
		}
	}
}

// mmlConstant reports whether every element of f equals the first (false
// for nil).
func mmlConstant(f []float64) bool {
	if len(f) == 0 {
		return false
	}
	for _, v := range f {
		if v != f[0] {
			return false
		}
	}
	return true
}

// mmlLatentTerms are the latent moments' parts of the information: their
// positions in the SE vector (−1 if not estimated), the scores
// s_μ(q) = ∂ log π_q/∂μ and s_v(q) = ∂ log π_q/∂v, e1 = E_π(θ − μ),
// e2 = E_π(θ − μ)², and Σ_q n_q ∂² log π_q.
type mmlLatentTerms struct {
	kMean, kVar   int
	sMu, sV       []float64
	e1, e2        float64
	hmm, hmv, hvv float64
}

// latentTerms computes the latent parts at mean and sd with counts nq.
// With log π_q = −(θ_q − μ)²/(2v) − log Σ_r exp(−(θ_r − μ)²/(2v)) and z = θ − μ,
//
//	s_μ = (z − e1)/v,   s_v = (z² − e2)/(2v²),
//	∂²/∂μ² = −Σ_r π_r s_μ(r) z_r / v,
//	∂²/∂μ∂v = −Σ_r π_r s_v(r) z_r / v − (z − e1)/v²,
//	∂²/∂v² = −Σ_r π_r s_v(r) z_r² / (2v²) − (z² − e2)/v³.
func (f *mmlFit) latentTerms(mean, sd float64, nq []float64) mmlLatentTerms {
	lt := mmlLatentTerms{kMean: -1, kVar: -1}
	P := f.nItemP
	if f.estMean {
		lt.kMean = P
		P++
	}
	if f.estSD {
		lt.kVar = P
	}
	if lt.kMean < 0 && lt.kVar < 0 {
		return lt
	}
	theta, Q := f.theta, f.Q
	v := sd * sd
	pi := make([]float64, Q)
	for q, th := range theta {
		pi[q] = math.Exp(f.logPrior[q])
		z := th - mean
		lt.e1 += pi[q] * z
		lt.e2 += pi[q] * z * z
	}
	lt.sMu = make([]float64, Q)
	lt.sV = make([]float64, Q)
	var c1mu, c1v, c2v float64
	for q, th := range theta {
		z := th - mean
		lt.sMu[q] = (z - lt.e1) / v
		lt.sV[q] = (z*z - lt.e2) / (2 * v * v)
		c1mu += pi[q] * lt.sMu[q] * z
		c1v += pi[q] * lt.sV[q] * z
		c2v += pi[q] * lt.sV[q] * z * z
	}
	for q, th := range theta {
		z := th - mean
		n := nq[q]
		lt.hmm += n * (-c1mu / v)
		lt.hmv += n * (-c1v/v - (z-lt.e1)/(v*v))
		lt.hvv += n * (-c2v/(2*v*v) - (z*z-lt.e2)/(v*v*v))
	}
	return lt
}
