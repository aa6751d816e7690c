package irt

import (
	"math"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Observed information of a Rasch or 2PL fit in one pass over the rows.
//
// For a row i (weight w_i) with posterior p_iq over the nodes, the Hessian
// of its marginal log-likelihood l_i = log Σ_q π_q f(x_i | θ_q) is
// (Louis, 1982)
//
//	∇²l_i = Σ_q p_iq ∇²ℓ_iq + Cov_{p_i}(∇ℓ_iq),   ℓ_iq = log π_q + log f(x_i | θ_q),
//
// the complete-data Hessian minus the missing information. It is the same
// matrix Oakes' (1999) identity gives (mmlFit.oakesHessian computes it by
// central differences of the Fisher-identity gradient), without the 2·P
// E-steps. When every item has c = 0 and every response is observed, each
// component of ∇ℓ_iq has the form x_{i,j(k)}·φ_k(θ_q) − ψ_k(θ_q):
//
//	d_j:  φ = 1, ψ = P_j(θ_q);   a_j:  φ = θ_q, ψ = θ_q·P_j(θ_q);
//	latent mean μ and variance v:  φ = 0, ψ = −∂ log π_q/∂μ or −∂ log π_q/∂v,
//
// and ∇²ℓ_iq does not depend on x_i. Summed over rows the Hessian is then
//
//	H = Σ_q n_q ∇²ℓ_q + Σ_q,r ψ_k(q) (diag(n) − M)_qr ψ_l(r)
//	    + [a_k, a_l] G_{j(k) j(l)} − [a_k] Σ_q A_{j(k) q} ψ_l(q) − [a_l] Σ_q A_{j(l) q} ψ_k(q),
//
// with n_q = Σ_i w_i p_iq, M_qr = Σ_i w_i p_iq p_ir, A_jq = Σ_i w_i x_ij p_iq (θ_q − E_i θ)
// and G_jm = Σ_i w_i x_ij x_im Var_i(θ): a Q×Q, a J×Q and a J×J table, all
// accumulated in the one pass (G by 4-item nibbles, 16×16 cells for each pair
// of nibbles). Priors on the item parameters add their Hessians. This is
// the exact observed information, not the cross-product (XPD) estimator.
//
// Reference: Louis, T. A. (1982). Finding the observed information matrix
// when using the EM algorithm. JRSS B, 44, 226–233. Oakes, D. (1999).
// Direct calculation of the information matrix via the EM algorithm. JRSS B,
// 61, 479–482.

// mmlLouisApplies reports whether the one-pass information applies: a Rasch
// or 2PL fit whose items (fixed ones too) have no lower asymptote, on
// complete rows.
func (f *mmlFit) mmlLouisApplies(items []Item) bool {
	if f.o.forceOakes || f.d.part.n > 0 || f.d.comp.n == 0 {
		return false
	}
	if f.model != Rasch && f.model != TwoPL {
		return false
	}
	return mmlAllLinear(items)
}

// mmlLouisAcc are the sums of one block of rows.
type mmlLouisAcc struct {
	nq []float64 // Q
	m2 []float64 // Q×Q, upper triangle
	a  []float64 // J×Q
	g  []float64 // J×J, upper triangle
}

func newMMLLouisAcc(J, Q int) *mmlLouisAcc {
	return &mmlLouisAcc{nq: make([]float64, Q), m2: make([]float64, Q*Q), a: make([]float64, J*Q), g: make([]float64, J*J)}
}

func (s *mmlLouisAcc) add(o *mmlLouisAcc) {
	for _, p := range [][2][]float64{{s.nq, o.nq}, {s.m2, o.m2}, {s.a, o.a}, {s.g, o.g}} {
		dst, src := p[0], p[1]
		for i, v := range src {
			dst[i] += v
		}
	}
}

// mmlLouisScratch is one goroutine's working memory: byte-value vectors
// for A and nibble-pair cells for G.
type mmlLouisScratch struct {
	p       []float64
	u       []float64 // nb*256*Q
	touched []uint64
	nib     []float64 // pairs*256
}

// mmlNibPairs is the number of nibble pairs (g ≤ h) of nn nibbles.
func mmlNibPairs(nn int) int { return nn * (nn + 1) / 2 }

// mmlLouisBlocks is the number of row blocks of the pass: it depends on the
// number of rows only, so the sums do not depend on Workers.
func mmlLouisBlocks(n int) int { return max(1, min(16, n/4096)) }

// louisHessian returns the Hessian of log L (plus log priors) at items and
// f.logPrior with respect to the SE vector (see seVector), mean and sd
// being the latent moments there.
func (f *mmlFit) louisHessian(items []Item, mean, sd float64) *mat.Dense {
	d, J, Q := f.d, f.J, f.Q
	t := newMMLTables(J, Q, f.theta)
	t.build(items, f.logPrior, d, false, false)
	set := &d.comp
	nb := t.nb
	if f.model == Rasch && t.score {
		// Every slope is 1: rows with the same raw score share one
		// posterior, and only n and M enter the Rasch terms.
		acc := newMMLLouisAcc(J, Q)
		p := make([]float64, Q)
		for sc, W := range d.scoreW {
			if W > 0 {
				t.louisPosterior(float64(sc), W, p, acc)
			}
		}
		return f.louisAssemble(items, mean, sd, acc)
	}
	nn := 2 * nb // nibbles per row, as louisRows splits the bytes
	npairs := mmlNibPairs(nn)
	nBlocks := mmlLouisBlocks(set.n)
	accs := make([]*mmlLouisAcc, nBlocks)
	nw := max(1, min(f.o.Workers, nBlocks))
	slopes := f.model == TwoPL // A and G enter the slopes' terms only
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		wg.Go(func() {
			sc := &mmlLouisScratch{
				p: make([]float64, Q), u: make([]float64, nb*256*Q),
				touched: make([]uint64, nb*4), nib: make([]float64, npairs*256),
			}
			for {
				k := int(next.Add(1) - 1)
				if k >= nBlocks || f.ctx.Err() != nil {
					return
				}
				acc := newMMLLouisAcc(J, Q)
				t.louisRows(set, k*set.n/nBlocks, (k+1)*set.n/nBlocks, slopes, sc, acc)
				if slopes {
					t.flushVec(sc.u, sc.touched, acc.a)
					mmlFlushNibbles(sc.nib, nn, J, acc.g)
				}
				accs[k] = acc
			}
		})
	}
	wg.Wait()
	if f.ctx.Err() != nil {
		return nil
	}
	tot := accs[0]
	for _, a := range accs[1:] {
		tot.add(a)
	}
	return f.louisAssemble(items, mean, sd, tot)
}

// louisRows accumulates rows lo..hi of set into acc.
func (t *mmlTables) louisRows(set *mmlRows, lo, hi int, slopes bool, sc *mmlLouisScratch, acc *mmlLouisAcc) {
	nb, Q := t.nb, t.Q
	theta := t.theta[:Q]
	p := sc.p[:Q]
	nib := sc.nib
	for i := lo; i < hi; i++ {
		rb := set.bits[i*nb : (i+1)*nb]
		var S float64
		for g, v := range rb {
			S += t.tabA[g<<8|int(v)]
		}
		w := set.w[i]
		qlo, qhi, mu, vi := t.louisPosterior(S, w, p, acc)
		if !slopes {
			continue
		}
		// A: Σ w x_ij p_q (θ_q − μ) by byte value.
		for g, v := range rb {
			if v == 0 {
				continue
			}
			k := g<<8 | int(v)
			sc.touched[k>>6] |= 1 << (k & 63)
			u := sc.u[k*Q:][:Q]
			for q := qlo; q <= qhi; q++ {
				u[q] += w * p[q] * (theta[q] - mu)
			}
		}
		// G: w Var_i(θ) by nibble pair.
		var nbv [64]uint8
		nn := 2 * nb
		for g, v := range rb {
			nbv[2*g], nbv[2*g+1] = v&15, v>>4
		}
		pair := 0
		for g := 0; g < nn; g++ {
			u := int(nbv[g])
			if u == 0 {
				pair += nn - g
				continue
			}
			base := nib[pair*256+u*16:]
			for h := g; h < nn; h++ {
				base[(h-g)*256+int(nbv[h])] += vi
			}
			pair += nn - g
		}
	}
}

// louisPosterior computes the normalised posterior p of a complete row
// with Σ_{x=1} a_j = S, adds w·p to acc.nq and w·p·pᵀ to acc.m2, and returns
// the posterior's support, its mean and w times its variance.
func (t *mmlTables) louisPosterior(S, w float64, p []float64, acc *mmlLouisAcc) (qlo, qhi int, mu, wv float64) {
	Q := t.Q
	theta := t.theta[:Q]
	nq := acc.nq[:Q]
	qlo, qhi, s := t.linearPosterior(S, p)
	var m2 float64
	for q := qlo; q <= qhi; q++ {
		x := p[q] / s
		p[q] = x
		mu += x * theta[q]
		m2 += x * theta[q] * theta[q]
	}
	for q := qlo; q <= qhi; q++ {
		x := p[q] * w
		nq[q] += x
		row := acc.m2[q*Q:]
		for r := q; r <= qhi; r++ {
			row[r] += x * p[r]
		}
	}
	return qlo, qhi, mu, w * max(m2-mu*mu, 0)
}

// linearPosterior sets p[lo..hi] to the unnormalised posterior
// exp(l_q − max l) of a complete row with Σ_{x=1} a_j = S under the linear
// tables (as fastRow computes it) and returns lo, hi and the sum.
func (t *mmlTables) linearPosterior(S float64, p []float64) (lo, hi int, s float64) {
	Q := t.Q
	theta := t.theta[:Q]
	c := t.c[:Q]
	hs := t.h * S
	if t.concave && math.Abs(hs) < 600 {
		dc := t.dc[:Q]
		qs := 0
		for n := Q - 1; n > 0; {
			half := n >> 1
			if dc[qs+half+1]+hs > 0 {
				qs += half + 1
				n -= half + 1
			} else {
				n = half
			}
		}
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
		return q + 1, hi, s
	}
	m := math.Inf(-1)
	for q := range p[:Q] {
		p[q] = c[q] + theta[q]*S
		m = max(m, p[q])
	}
	for q := range p[:Q] {
		e := math.Exp(p[q] - m)
		p[q] = e
		s += e
	}
	return 0, Q - 1, s
}

// mmlFlushNibbles adds the nibble-pair cells to g (J×J, upper triangle:
// g[j*J+m], j ≤ m) and clears them. Cell (pair (a, b), u, v) holds the sum
// over rows whose nibble a is u and nibble b is v; item 4a+x and 4b+y are
// both correct where bit x of u and bit y of v are set.
func mmlFlushNibbles(nib []float64, nn, J int, g []float64) {
	pair := 0
	for a := 0; a < nn; a++ {
		for b := a; b < nn; b++ {
			cells := nib[pair*256 : pair*256+256]
			pair++
			// Marginal over u for each bit x, then over v for each bit y.
			var byX [4][16]float64
			for u := 1; u < 16; u++ {
				row := cells[u*16 : u*16+16]
				for x := 0; x < 4; x++ {
					if u>>x&1 == 0 {
						continue
					}
					bx := &byX[x]
					for v := 1; v < 16; v++ {
						bx[v] += row[v]
					}
				}
			}
			clear(cells)
			for x := 0; x < 4; x++ {
				j := 4*a + x
				if j >= J {
					break
				}
				for y := 0; y < 4; y++ {
					m := 4*b + y
					if m >= J {
						break
					}
					if a == b && m < j {
						continue
					}
					var s float64
					for v := 1; v < 16; v++ {
						if v>>y&1 != 0 {
							s += byX[x][v]
						}
					}
					g[j*J+m] += s
				}
			}
		}
	}
}

// louisAssemble builds the P×P Hessian from the pass's sums.
func (f *mmlFit) louisAssemble(items []Item, mean, sd float64, tot *mmlLouisAcc) *mat.Dense {
	J, Q, theta := f.J, f.Q, f.theta
	P := f.nItemP
	kMean, kVar := -1, -1
	if f.estMean {
		kMean = P
		P++
	}
	if f.estSD {
		kVar = P
		P++
	}
	// ψ_k(q) and, for slopes, the item of φ = θ.
	psi := make([]float64, P*Q)
	slopeItem := make([]int, P)
	for k := range slopeItem {
		slopeItem[k] = -1
	}
	np := f.model.NumParams()
	H := mat.NewDense(P, P, nil)
	for j, it := range items {
		o := f.offs[j]
		if o < 0 {
			continue
		}
		for q, th := range theta {
			pj := Logistic(it.A*th + it.D)
			if f.model == Rasch {
				psi[o*Q+q] = pj
			} else {
				psi[o*Q+q] = th * pj
				psi[(o+1)*Q+q] = pj
			}
		}
		if f.model == TwoPL {
			slopeItem[o] = j
		}
		// Complete-data Hessian and priors of the item.
		var x [3]float64
		mmlItemVec(f.model, it, x[:])
		tg := mmlItemTarget{theta: theta, n: tot.nq}
		_, _, h := mmlItemObj(f.model, x[:np], &tg, f.pr, false, true)
		for a := 0; a < np; a++ {
			for c := 0; c < np; c++ {
				H.Set(o+a, o+c, h[a][c])
			}
		}
	}
	if kMean >= 0 || kVar >= 0 {
		v := sd * sd
		pi := make([]float64, Q)
		var e1, e2 float64
		for q, th := range theta {
			pi[q] = math.Exp(f.logPrior[q])
			z := th - mean
			e1 += pi[q] * z
			e2 += pi[q] * z * z
		}
		sMu := make([]float64, Q)
		sV := make([]float64, Q)
		var c1mu, c1v, c2v float64 // Σ π s_μ z, Σ π s_v z, Σ π s_v z²
		for q, th := range theta {
			z := th - mean
			sMu[q] = (z - e1) / v
			sV[q] = (z*z - e2) / (2 * v * v)
			c1mu += pi[q] * sMu[q] * z
			c1v += pi[q] * sV[q] * z
			c2v += pi[q] * sV[q] * z * z
		}
		// Σ_q n_q ∂² log π_q.
		var hmm, hmv, hvv float64
		for q, th := range theta {
			z := th - mean
			n := tot.nq[q]
			hmm += n * (-c1mu / v)
			hmv += n * (-c1v/v - (z-e1)/(v*v))
			hvv += n * (-c2v/(2*v*v) - (z*z-e2)/(v*v*v))
		}
		if kMean >= 0 {
			H.Set(kMean, kMean, hmm)
			for q := range theta {
				psi[kMean*Q+q] = -sMu[q]
			}
		}
		if kVar >= 0 {
			H.Set(kVar, kVar, hvv)
			for q := range theta {
				psi[kVar*Q+q] = -sV[q]
			}
		}
		if kMean >= 0 && kVar >= 0 {
			H.Set(kMean, kVar, hmv)
			H.Set(kVar, kMean, hmv)
		}
	}
	// C = diag(n) − M, symmetric.
	C := make([]float64, Q*Q)
	for q := 0; q < Q; q++ {
		for r := q; r < Q; r++ {
			C[q*Q+r] = -tot.m2[q*Q+r]
			C[r*Q+q] = C[q*Q+r]
		}
		C[q*Q+q] += tot.nq[q]
	}
	// ψ C ψᵀ.
	psiC := make([]float64, P*Q)
	for k := 0; k < P; k++ {
		pk := psi[k*Q : (k+1)*Q]
		out := psiC[k*Q : (k+1)*Q]
		for q, x := range pk {
			if x == 0 {
				continue
			}
			row := C[q*Q : (q+1)*Q]
			for r, c := range row {
				out[r] += x * c
			}
		}
	}
	// Aψ: for slope parameters, Σ_q A_jq ψ_l(q).
	for k := 0; k < P; k++ {
		ck := psiC[k*Q : (k+1)*Q]
		var aK []float64
		if j := slopeItem[k]; j >= 0 {
			aK = tot.a[j*Q : (j+1)*Q]
		}
		for l := k; l < P; l++ {
			pl := psi[l*Q : (l+1)*Q]
			var s float64
			for q, x := range pl {
				s += ck[q] * x
			}
			if aK != nil {
				var u float64
				for q, x := range pl {
					u += aK[q] * x
				}
				s -= u
			}
			if jl := slopeItem[l]; jl >= 0 {
				aL := tot.a[jl*Q : (jl+1)*Q]
				pk := psi[k*Q : (k+1)*Q]
				var u float64
				for q, x := range pk {
					u += aL[q] * x
				}
				s -= u
				if jk := slopeItem[k]; jk >= 0 {
					s += tot.g[min(jk, jl)*J+max(jk, jl)]
				}
			}
			H.Set(k, l, H.At(k, l)+s)
			if l != k {
				H.Set(l, k, H.At(l, k)+s)
			}
		}
	}
	return H
}
