package irt

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Standard errors of MML estimates from the observed information matrix.
//
// The observed-data score is exact by Fisher's identity: the gradient of
// log L at β is the posterior expectation of the complete-data gradient,
// which for item j is Σ_q (r_jq − n_jq P_jq)/(P_jq Q_jq) · ∂P_jq/∂β_j
// (for a Rasch or 2PL item (T_j − Σ_q n_jq P_jq θ_q, R_j − Σ_q n_jq P_jq)),
// and for the latent variance v (mean μ)
//
//	∂ log L/∂v = (Σ_q n_q (θ_q − μ)² − N Σ_q π_q (θ_q − μ)²) / (2v²),
//	∂ log L/∂μ = (Σ_q n_q (θ_q − μ) − N Σ_q π_q (θ_q − μ)) / v,
//
// with π the discretised normal weights. The Hessian is the central
// difference of this gradient, column by column (a fresh E-step at
// β ± δ·e_k each time), which includes every cross-item and item–latent
// term: this is Oakes' (1999) identity as mirt computes it
// (SE.type = "Oakes"). Its negative is inverted by Cholesky. For Rasch
// and 2PL fits on complete data louisHessian computes the same matrix
// analytically in one pass (Louis, 1982); the central differences remain
// for the 3PL, missing responses, and as the tests' reference.
//
// Reference: Oakes, D. (1999). Direct calculation of the information
// matrix via the EM algorithm. JRSS B, 61, 479–482. Chalmers, R. P. (2018).
// Numerical approximation of the observed information matrix with Oakes'
// identity. British Journal of Mathematical and Statistical Psychology, 71,
// 415–436.

// mmlSEDelta is the relative step of the central differences.
const mmlSEDelta = 1e-5

// errMMLInfoNotPD is the warning for an information matrix that is not
// positive definite.
var errMMLInfoNotPD = errors.New("irt: MML information matrix not positive definite: standard errors of weakly identified parameters are NaN")

// seVector returns the parameter vector of the information matrix: the free
// item parameters, then the latent mean and variance (not sd) if estimated.
func (f *mmlFit) seVector(x []float64) []float64 {
	b := append([]float64(nil), x[:f.nItemP]...)
	k := f.nItemP
	if f.estMean {
		b = append(b, x[k])
		k++
	}
	if f.estSD {
		b = append(b, x[k]*x[k])
	}
	return b
}

// mmlLCache holds, for the rows the general kernel handles, each row's
// posterior p_iq at the estimates. Moving one parameter multiplies a row's
// posterior by exp(Δ_q), with Δ the change of log f(x_i | θ_q) (or of
// log π_q), and renormalises it: the E-steps of the standard errors then
// need neither the item tables nor any exponential per row. Posterior mass
// below mmlSETiny of the mode is dropped, identically at β ± δ, so the
// truncation cancels in the central differences.
type mmlLCache struct {
	// Each row's posterior on its window of nodes, rows one after another
	// (row i's node q at off[i] + q − first); comp nil when complete rows
	// use the linear or score kernels.
	comp, part       []float64
	compOff, partOff []int
	compWin, partWin []uint8 // per row: first and last node kept
	items            []Item  // the items and log prior the cache was built for
	logPrior         []float64
}

const (
	mmlSETiny    = 1e-12
	mmlLCacheMax = 64 << 20 // bound on the cache, in float64s
)

// buildLCache computes the cache for items and logPrior (for every row if
// allRows, else for the rows of the general kernel), or returns nil if
// no row uses the general kernel, the cache would be too large, or the
// quadrature has more than 256 nodes.
func (f *mmlFit) buildLCache(items []Item, logPrior []float64, allRows bool) *mmlLCache {
	d, Q := f.d, f.Q
	compGeneral := !mmlAllLinear(items) || f.want.r || allRows
	rows := d.part.n
	if compGeneral {
		rows += d.comp.n
	}
	if rows == 0 || rows*Q > mmlLCacheMax || Q > 256 {
		return nil
	}
	t := newMMLTables(f.J, Q, f.theta)
	t.build(items, logPrior, d, true, d.part.n > 0)
	c := &mmlLCache{items: append([]Item(nil), items...), logPrior: append([]float64(nil), logPrior...)}
	fill := func(set *mmlRows) ([]float64, []int, []uint8) {
		off := make([]int, set.n)
		win := make([]uint8, 2*set.n)
		nw := max(1, min(f.o.Workers, set.n/1024))
		bufs := make([][]float64, nw)
		var wg sync.WaitGroup
		for w := 0; w < nw; w++ {
			lo, hi := w*set.n/nw, (w+1)*set.n/nw
			wg.Go(func() {
				nb := t.nb
				p := make([]float64, Q)
				var offs []int32
				buf := make([]float64, 0, (hi-lo)*Q/3)
				for i := lo; i < hi; i++ {
					var mb []uint8
					if set.miss != nil {
						mb = set.miss[i*nb : (i+1)*nb]
					}
					t.rowLogLik(set.bits[i*nb:(i+1)*nb], mb, p, &offs)
					m := math.Inf(-1)
					for _, v := range p {
						m = max(m, v)
					}
					var s float64
					first, last := Q, 0
					for q, v := range p {
						e := math.Exp(v - m)
						if e < mmlSETiny {
							e = 0
						} else {
							first, last = min(first, q), q
						}
						p[q] = e
						s += e
					}
					off[i] = len(buf)
					for q := first; q <= last; q++ {
						buf = append(buf, p[q]/s)
					}
					win[2*i], win[2*i+1] = uint8(first), uint8(last)
				}
				bufs[w] = buf
			})
		}
		wg.Wait()
		// One slice, the workers' parts in row order.
		n := 0
		for _, b := range bufs {
			n += len(b)
		}
		out := make([]float64, 0, n)
		for w, b := range bufs {
			lo, hi := w*set.n/nw, (w+1)*set.n/nw
			for i := lo; i < hi; i++ {
				off[i] += len(out)
			}
			out = append(out, b...)
		}
		return out, off, win
	}
	if compGeneral && d.comp.n > 0 {
		c.comp, c.compOff, c.compWin = fill(&d.comp)
	}
	if d.part.n > 0 {
		c.part, c.partOff, c.partWin = fill(&d.part)
	}
	return c
}

// mmlDelta is the change of the rows' posteriors when one parameter moves:
// for item ≥ 0, rows with x = 1 are multiplied by f1 = exp(Δ log P) and
// rows with x = 0 by f0 = exp(Δ log Q) of that item; for item < 0 (a latent
// parameter), every row by f1 = exp(Δ log π).
type mmlDelta struct {
	item   int
	f0, f1 []float64
}

// forRow returns the factor of the row with response bits rb and missing
// bits mb (nil if complete): f1 for every row when dl.item < 0, else f1 if
// the row answered item dl.item correctly, f0 if wrongly, nil if it left
// the item out (its posterior does not move).
func (dl *mmlDelta) forRow(rb, mb []uint8) []float64 {
	j := dl.item
	switch {
	case j < 0, rb[j>>3]&(1<<(j&7)) != 0:
		return dl.f1
	case mb == nil || mb[j>>3]&(1<<(j&7)) == 0:
		return dl.f0
	}
	return nil
}

// estepCached is mmlSeqEStep.estep for items and logPrior that differ from
// the cache's in the one parameter described by dl. It does not compute the
// log-likelihood.
func (s *mmlSeqEStep) estepCached(items []Item, logPrior []float64, want mmlWant, c *mmlLCache, dl *mmlDelta) *mmlStats {
	d := s.d
	t := s.tables
	compGeneral := c.comp == nil && (want.r || !mmlAllLinear(items))
	t.build(items, logPrior, d, compGeneral, false)
	s.units = mmlUnits(d, t, want, true, s.units)
	s.scratch.ensure(d.J, t.Q, want.r, d.part.n > 0)
	s.total.reset()
	for _, u := range s.units {
		var p0 []float64
		var off []int
		var win []uint8
		switch {
		case u.score:
		case u.set == &d.comp:
			p0, off, win = c.comp, c.compOff, c.compWin
		default:
			p0, off, win = c.part, c.partOff, c.partWin
		}
		if p0 == nil {
			t.runUnit(d, u, want, s.scratch, s.part)
		} else {
			t.runUnitCached(u, want, s.scratch, s.part, p0, off, win, dl)
		}
		s.total.add(s.part)
	}
	t.finish(s.total, want)
	return s.total
}

// runUnitCached is runUnit with each row's posterior taken from the cache
// p0 and reweighted by dl.
func (t *mmlTables) runUnitCached(u mmlUnit, want mmlWant, sc *mmlScratch, out *mmlStats, p0 []float64, off []int, win []uint8, dl *mmlDelta) {
	out.reset()
	set := u.set
	miss := set.miss != nil
	nb, Q := t.nb, t.Q
	p := sc.p[:Q]
	theta := t.theta[:Q]
	nq := out.nq[:Q]
	for i := u.lo; i < u.hi; i++ {
		rb := set.bits[i*nb : (i+1)*nb]
		var mb []uint8
		if miss {
			mb = set.miss[i*nb : (i+1)*nb]
		}
		fac := dl.forRow(rb, mb)
		lo, hi := int(win[2*i]), int(win[2*i+1])
		pi := p0[off[i] : off[i]+hi-lo+1]
		var s float64
		if fac != nil {
			fac = fac[:Q]
			for q := lo; q <= hi; q++ {
				v := pi[q-lo] * fac[q]
				p[q] = v
				s += v
			}
		} else {
			for q := lo; q <= hi; q++ {
				p[q] = pi[q-lo]
				s += pi[q-lo]
			}
		}
		scale := set.w[i] / s
		var mu float64
		for q := lo; q <= hi; q++ {
			x := p[q] * scale
			p[q] = x
			nq[q] += x
			mu += x * theta[q]
		}
		t.accumulate(rb, mb, lo, hi, mu, want, sc, out)
	}
	if want.r {
		t.flushVec(sc.u, sc.touched, out.r)
	}
	if miss {
		t.flushVec(sc.um, sc.touchM, out.m)
	}
}

// mmlGradWorker evaluates observed-data gradients on one goroutine.
type mmlGradWorker struct {
	f        *mmlFit
	seq      *mmlSeqEStep
	cache    *mmlLCache
	items    []Item
	logPrior []float64
	nbuf     []float64
	dl       mmlDelta
}

func (f *mmlFit) newGradWorker(cache *mmlLCache) *mmlGradWorker {
	return &mmlGradWorker{
		f: f, seq: newMMLSeqEStep(f.d, f.theta), cache: cache,
		items:    append([]Item(nil), f.items...),
		logPrior: make([]float64, f.Q),
		nbuf:     make([]float64, f.Q),
		dl:       mmlDelta{f0: make([]float64, f.Q), f1: make([]float64, f.Q)},
	}
}

// grad writes the gradient of log L (plus log priors) at b into g. If the
// worker has a cache, b must differ from the cache's parameters only in
// component k.
func (w *mmlGradWorker) grad(b, g []float64, k int) {
	f := w.f
	np := f.model.NumParams()
	for j := range w.items {
		if o := f.offs[j]; o >= 0 {
			w.items[j] = mmlItemFromVec(f.model, b[o:o+np])
		}
	}
	mean, v := f.mean, f.sd*f.sd
	if i := f.nItemP; f.estMean {
		mean = b[i]
	}
	if f.estSD {
		v = b[len(b)-1]
	}
	if f.eh {
		for q, x := range f.ehW {
			w.logPrior[q] = math.Log(x)
		}
	} else {
		mmlNormalLogWeights(f.theta, mean, math.Sqrt(v), w.logPrior)
	}
	var st *mmlStats
	if c := w.cache; c != nil {
		dl := &w.dl
		dl.item = -1
		if k < f.nItemP {
			dl.item = f.paramItem[k]
			j := dl.item
			for q, th := range f.theta {
				p1, q1 := mmlLogPQ(w.items[j], th)
				p0, q0 := mmlLogPQ(c.items[j], th)
				dl.f1[q] = math.Exp(p1 - p0)
				dl.f0[q] = math.Exp(q1 - q0)
			}
		} else {
			for q := range dl.f1 {
				dl.f1[q] = math.Exp(w.logPrior[q] - c.logPrior[q])
			}
		}
		st = w.seq.estepCached(w.items, w.logPrior, f.want, c, dl)
	} else {
		st = w.seq.estep(w.items, w.logPrior, f.want)
	}
	for j := range w.items {
		o := f.offs[j]
		if o < 0 {
			continue
		}
		tg := f.target(st, j, w.nbuf)
		_, gj, _ := mmlItemObj(f.model, b[o:o+np], &tg, f.pr, false, false)
		copy(g[o:o+np], gj[:np])
	}
	if f.estMean || f.estSD {
		var N, s1, s2, e1, e2 float64
		for q, th := range f.theta {
			z := th - mean
			pq := math.Exp(w.logPrior[q])
			N += st.nq[q]
			s1 += st.nq[q] * z
			s2 += st.nq[q] * z * z
			e1 += pq * z
			e2 += pq * z * z
		}
		if f.estMean {
			g[f.nItemP] = (s1 - N*e1) / v
		}
		if f.estSD {
			g[len(g)-1] = (s2 - N*e2) / (2 * v * v)
		}
	}
}

// standardErrors fills res.SE, res.Cov and the latent SEs from the observed
// information at x. It returns warnings, or ctx's error.
func (f *mmlFit) standardErrors(x []float64, res *Result) ([]error, error) {
	b := f.seVector(x)
	P := len(b)
	if P == 0 {
		return nil, nil
	}
	// The estimates as items.
	items := append([]Item(nil), f.items...)
	np := f.model.NumParams()
	for j := range items {
		if o := f.offs[j]; o >= 0 {
			items[j] = mmlItemFromVec(f.model, b[o:o+np])
		}
	}
	var H *mat.Dense
	if f.mmlLouisApplies(items) {
		H = f.louisHessian(items, f.mean, f.sd)
	} else {
		H = f.oakesHessian(b, items, !f.o.forceOakes)
	}
	if err := f.ctx.Err(); err != nil {
		return nil, err
	}
	return f.invertInfo(H, res), nil
}

// oakesHessian is the Hessian of log L (plus log priors) at the SE vector b
// (items are b's items), column by column, in parallel over columns: with
// analytic, when every row's posterior is in the cache, by one pass per
// column differentiating the posteriors exactly (oakesColumn), else by
// central differences of the Fisher-identity gradient (two E-steps).
func (f *mmlFit) oakesHessian(b []float64, items []Item, analytic bool) *mat.Dense {
	P := len(b)
	H := mat.NewDense(P, P, nil)
	nw := min(f.o.Workers, P)
	cache := f.buildLCache(items, f.logPrior, analytic)
	if analytic && cache != nil && (cache.comp != nil || f.d.comp.n == 0) {
		f.oakesAnalytic(items, cache, H, nw)
		return H
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var cancelled atomic.Bool
	for w := 0; w < nw; w++ {
		gw := f.newGradWorker(cache)
		wg.Go(func() {
			bp := make([]float64, P)
			gp := make([]float64, P)
			gm := make([]float64, P)
			for {
				k := int(next.Add(1) - 1)
				if k >= P || cancelled.Load() {
					return
				}
				if f.ctx.Err() != nil {
					cancelled.Store(true)
					return
				}
				delta := mmlSEDelta * max(1, math.Abs(b[k]))
				copy(bp, b)
				bp[k] = b[k] + delta
				gw.grad(bp, gp, k)
				bp[k] = b[k] - delta
				gw.grad(bp, gm, k)
				for i := 0; i < P; i++ {
					H.Set(i, k, (gp[i]-gm[i])/(2*delta))
				}
			}
		})
	}
	wg.Wait()
	return H
}

// invertInfo inverts the information −(H + Hᵀ)/2 by Cholesky into res.SE,
// res.Cov and res.ParamCov, returning a warning if it is not positive
// definite.
func (f *mmlFit) invertInfo(H *mat.Dense, res *Result) []error {
	P, _ := H.Dims()
	info := mat.NewSymDense(P, nil)
	for i := 0; i < P; i++ {
		for k := i; k < P; k++ {
			info.SetSym(i, k, -(H.At(i, k)+H.At(k, i))/2)
		}
	}
	cov := mat.NewSymDense(P, nil)
	var warns []error
	var chol mat.Cholesky
	if chol.Factorize(info) {
		if err := chol.InverseTo(cov); err != nil {
			warns = append(warns, errMMLInfoNotPD)
			mmlFillNaN(cov)
		}
	} else {
		warns = append(warns, errMMLInfoNotPD)
		var inv mat.Dense
		if err := inv.Inverse(info); err != nil {
			mmlFillNaN(cov)
		} else {
			for i := 0; i < P; i++ {
				for k := i; k < P; k++ {
					cov.SetSym(i, k, (inv.At(i, k)+inv.At(k, i))/2)
				}
			}
		}
	}
	f.fillSE(cov, res)
	res.ParamCov = cov
	return warns
}

func mmlFillNaN(s *mat.SymDense) {
	n := s.SymmetricDim()
	for i := 0; i < n; i++ {
		for k := i; k < n; k++ {
			s.SetSym(i, k, math.NaN())
		}
	}
}

func mmlSqrtVar(v float64) float64 {
	if v > 0 {
		return math.Sqrt(v)
	}
	return math.NaN()
}

// fillSE converts the covariance of the parameter vector into per-item
// blocks and standard errors in both metrics: b = −d/a by the delta method,
// Var b = ∇bᵀ Σ ∇b with ∇b = (d/a², −1/a), and c = logistic(logit c),
// SE(c) = c(1 − c)·SE(logit c).
func (f *mmlFit) fillSE(cov *mat.SymDense, res *Result) {
	np := f.model.NumParams()
	for j, it := range res.Items {
		o := f.offs[j]
		if o < 0 {
			continue
		}
		blk := make([]float64, np*np)
		for a := 0; a < np; a++ {
			for c := 0; c < np; c++ {
				blk[a*np+c] = cov.At(o+a, o+c)
			}
		}
		res.Cov[j] = newItemCov(f.model, blk)
		var se ItemSE
		switch f.model {
		case Rasch:
			se.D = mmlSqrtVar(blk[0])
			se.B = se.D
		default:
			se.A = mmlSqrtVar(blk[0])
			se.D = mmlSqrtVar(blk[np+1])
			ba, bd := it.D/(it.A*it.A), -1/it.A
			se.B = mmlSqrtVar(ba*ba*blk[0] + 2*ba*bd*blk[1] + bd*bd*blk[np+1])
			if f.model == ThreePL {
				se.LogitC = mmlSqrtVar(blk[2*np+2])
				se.C = it.C * (1 - it.C) * se.LogitC
			}
		}
		res.SE[j] = se
	}
	k := f.nItemP
	if f.estMean {
		res.LatentMeanSE = mmlSqrtVar(cov.At(k, k))
		k++
	}
	if f.estSD {
		res.LatentVarSE = mmlSqrtVar(cov.At(k, k))
	}
}

// fillSkippedSE marks the standard errors of the estimated parameters as
// not computed (NaN), leaving zeros for parameters that were not estimated.
func (f *mmlFit) fillSkippedSE(res *Result) {
	nan := math.NaN()
	for j := range res.Items {
		if f.offs[j] < 0 {
			continue
		}
		se := ItemSE{D: nan, B: nan}
		if f.model != Rasch {
			se.A = nan
		}
		if f.model == ThreePL {
			se.LogitC, se.C = nan, nan
		}
		res.SE[j] = se
	}
	res.Cov = nil
	if f.estMean {
		res.LatentMeanSE = nan
	}
	if f.estSD {
		res.LatentVarSE = nan
	}
}
