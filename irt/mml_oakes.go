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
	one := make([]float64, Q)
	for q := range one {
		one[q] = 1
	}
	base := st0.estepDeriv(items, f.logPrior, f.want, c, &mmlDelta{item: -1, f0: one, f1: one}, false)
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
	// The columns' count terms, in parallel.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range nw {
		wg.Go(func() {
			seq := newMMLSeqEStep(f.d, f.theta)
			dl := mmlDelta{f0: make([]float64, Q), f1: make([]float64, Q)}
			nb := make([]float64, Q)
			col := make([]float64, P)
			for {
				k := int(next.Add(1) - 1)
				if k >= P || f.ctx.Err() != nil {
					return
				}
				dl.item = -1
				switch {
				case k < f.nItemP:
					j := f.paramItem[k]
					dl.item = j
					a := k - f.offs[j]
					for q, th := range f.theta {
						g1, g0 := mmlLogPQGrad(f.model, items[j], th)
						dl.f1[q], dl.f0[q] = g1[a], g0[a]
					}
				case k == lat.kMean:
					copy(dl.f1, lat.sMu)
				default:
					copy(dl.f1, lat.sV)
				}
				st := seq.estepDeriv(items, f.logPrior, f.want, c, &dl, true)
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

// estepDeriv is estepCached with the cache's posteriors p_iq either
// reweighted by dl's factors (deriv false: the factors must be 1, giving the
// counts at the cache's parameters) or replaced by their derivative
// p_iq (h_iq − Σ_r p_ir h_ir), h = dl.f1 for x = 1 (every row for a latent
// parameter, dl.item < 0) and dl.f0 for x = 0 (deriv true).
func (s *mmlSeqEStep) estepDeriv(items []Item, logPrior []float64, want mmlWant, c *mmlLCache, dl *mmlDelta, deriv bool) *mmlStats {
	d := s.d
	t := s.tables
	t.build(items, logPrior, d, false, false)
	s.scratch.ensure(d.J, t.Q, want.r, d.part.n > 0)
	s.total.reset()
	for _, set := range []struct {
		rows *mmlRows
		p0   []float64
		off  []int
		win  []uint8
	}{{&d.comp, c.comp, c.compOff, c.compWin}, {&d.part, c.part, c.partOff, c.partWin}} {
		if set.rows.n == 0 {
			continue
		}
		u := mmlUnit{set: set.rows, lo: 0, hi: set.rows.n}
		if deriv {
			t.runUnitDeriv(u, want, s.scratch, s.part, set.p0, set.off, set.win, dl)
		} else {
			t.runUnitCached(u, want, s.scratch, s.part, set.p0, set.off, set.win, dl)
		}
		s.total.add(s.part)
	}
	// T_j from r_jq when both are wanted; for want.t alone, from u1.
	t.finish(s.total, want)
	return s.total
}

// runUnitDeriv is runUnitCached with each row's weighted posterior replaced
// by its derivative (see estepDeriv).
func (t *mmlTables) runUnitDeriv(u mmlUnit, want mmlWant, sc *mmlScratch, out *mmlStats, p0 []float64, off []int, win []uint8, dl *mmlDelta) {
	out.reset()
	set := u.set
	miss := set.miss != nil
	nb, Q := t.nb, t.Q
	p := sc.p[:Q]
	theta := t.theta[:Q]
	nq := out.nq[:Q]
	g := max(0, dl.item) >> 3 // the first byte group whose counts are wanted
	for i := u.lo; i < u.hi; i++ {
		rb := set.bits[i*nb : (i+1)*nb]
		var mb []uint8
		if miss {
			mb = set.miss[i*nb : (i+1)*nb]
		}
		h := dl.forRow(rb, mb)
		if h == nil {
			continue // the item is missing in this row: its posterior does not move
		}
		lo, hi := int(win[2*i]), int(win[2*i+1])
		pi := p0[off[i] : off[i]+hi-lo+1]
		h = h[lo : hi+1]
		var hbar float64
		for k, x := range pi {
			hbar += x * h[k]
		}
		w := set.w[i]
		var mu float64
		for q := lo; q <= hi; q++ {
			x := w * pi[q-lo] * (h[q-lo] - hbar)
			p[q] = x
			nq[q] += x
			mu += x * theta[q]
		}
		t.accumulateFrom(g, rb, mb, lo, hi, mu, want, sc, out) // items of group g on (oakesAnalytic mirrors the rest)
	}
	if want.r {
		t.flushVec(sc.u, sc.touched, out.r)
	}
	if miss {
		t.flushVec(sc.um, sc.touchM, out.m)
	}
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
