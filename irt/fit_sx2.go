package irt

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SX2Options controls SX2. The zero value is valid and follows mirt's
// itemfit defaults.
type SX2Options struct {
	// MinCell is the smallest expected count allowed in a cell; score
	// groups are collapsed until every cell reaches it. Zero means 1
	// (mirt's mincell).
	MinCell float64
	// KnownParams says the item parameters were not estimated from these
	// data (e.g. bank values), so no degrees of freedom are subtracted for
	// them. By default each item loses Model.NumParams() of them.
	KnownParams bool
	// LatentParams is the number of estimated parameters of the latent
	// distribution, subtracted from every item's degrees of freedom as mirt
	// does (e.g. 1 for a Rasch fit that estimates the latent variance).
	LatentParams int
}

// SX2Stat is the S-X² statistic of one item.
type SX2Stat struct {
	X2     float64 // NaN if it cannot be computed (see Reason)
	DF     int
	P      float64 // upper-tail χ² probability; NaN with X2
	Groups int     // score groups after collapsing
	Reason string  // why X2 is NaN; empty otherwise
}

// SX2 computes Orlando & Thissen's (2000, 2003) S-X² item-fit statistic for
// every item: candidates are grouped by their summed score k = 1, …, J−1
// (0 and J carry no information), and in each group the observed number of
// correct answers O_jk is compared with its model expectation N_k·E_jk,
//
//	E_jk = Σ_q w_q·P_j(θ_q)·f^{−j}(k−1 | θ_q) / Σ_q w_q·f(k | θ_q),
//
// where f and f^{−j} are the summed-score distributions of all items and of
// all items but j (Lord–Wingersky, SummedScoreProbs; f^{−j} by undoing j's
// step of f, sx2LeaveOut, so all items cost O(J²·Q)) and (θ_q, w_q) is the
// latent distribution prior — mirt uses NormalQuadrature(61, −6, 6, μ, σ)
// with the fitted latent mean and SD. Then
//
//	S-X²_j = Σ_k N_k·(O_jk/N_k − E_jk)² / (E_jk·(1 − E_jk)),
//
// i.e. Σ (O − E)²/E over the correct and incorrect cells. Score groups are
// collapsed as mirt's itemfit does: empty groups are dropped, a group of a
// single candidate is merged into the next (the last into the previous),
// and while any expected cell count is below MinCell the first such group is
// merged into its neighbour with fewer candidates (the lower one on ties; the
// first and last group into their only neighbour). The degrees of freedom
// are the number of groups left minus the item's free parameters (unless
// KnownParams) minus LatentParams; the p-value is the χ² upper tail
// (gonum distuv.ChiSquared). With fewer than one degree of freedom X2 is NaN.
//
// S-X² needs complete data: if any response is Missing every statistic is
// NaN with a Reason (drop or impute incomplete rows first). Row weights
// count as frequencies.
//
// References: Orlando, M. & Thissen, D. (2000). Likelihood-based item-fit
// indices for dichotomous item response theory models. Applied
// Psychological Measurement, 24, 50–64. Orlando, M. & Thissen, D. (2003).
// Further investigation of the performance of S-X2. Applied Psychological
// Measurement, 27, 289–298. Chalmers, R. P. (2012). mirt, R/itemfit.R.
func SX2(items []Item, r *Responses, prior Quadrature, opts SX2Options) []SX2Stat {
	J := len(items)
	if r.J != J {
		panic("irt: SX2: r.J != len(items)")
	}
	minCell := opts.MinCell
	if minCell <= 0 {
		minCell = 1
	}
	out := make([]SX2Stat, J)
	fail := func(reason string) []SX2Stat {
		for j := range out {
			out[j] = SX2Stat{X2: math.NaN(), P: math.NaN(), Reason: reason}
		}
		return out
	}
	if J < 3 {
		return fail("S-X² needs at least 3 items")
	}
	// Observed tables over summed scores.
	nk := make([]float64, J+1)
	ok := make([]float64, (J+1)*J) // ok[k*J+j]: weighted correct answers to j at score k
	incomplete := 0
	for i := 0; i < r.N; i++ {
		row := r.Row(i)
		s := 0
		miss := false
		for _, v := range row {
			if v == Missing {
				miss = true
				break
			}
			s += int(v)
		}
		if miss {
			incomplete++
			continue
		}
		w := r.Weight(i)
		nk[s] += w
		base := ok[s*J : (s+1)*J]
		for j, v := range row {
			if v == 1 {
				base[j] += w
			}
		}
	}
	if incomplete > 0 {
		return fail(fmt.Sprintf("S-X² needs complete data: %d rows have missing responses", incomplete))
	}
	// Model tables: denominators Σ_q w_q f(k|θ_q) and numerators per item.
	Q := len(prior.Nodes)
	p := make([]float64, J*Q)
	for j, it := range items {
		for q, th := range prior.Nodes {
			p[j*Q+q] = it.Prob(th)
		}
	}
	lw := func(q int, f []float64) []float64 {
		f = f[:0]
		f = append(f, 1)
		for j := 0; j < J; j++ {
			pj := p[j*Q+q]
			f = append(f, f[len(f)-1]*pj)
			for x := len(f) - 2; x >= 1; x-- {
				f[x] = f[x]*(1-pj) + f[x-1]*pj
			}
			f[0] *= 1 - pj
		}
		return f
	}
	den := make([]float64, J+1)
	full := make([]float64, Q*(J+1)) // full[q*(J+1)+x]: f(x | θ_q) over all items
	var buf []float64
	for q := range prior.Nodes {
		buf = lw(q, buf)
		copy(full[q*(J+1):], buf)
		for x, v := range buf {
			den[x] += prior.Weights[q] * v
		}
	}
	buf = make([]float64, J)
	num := make([]float64, J+1)
	chi := func(df int) distuv.ChiSquared { return distuv.ChiSquared{K: float64(df)} }
	for j, it := range items {
		for k := range num {
			num[k] = 0
		}
		for q := range prior.Nodes {
			sx2LeaveOut(full[q*(J+1):(q+1)*(J+1)], p[j*Q+q], buf)
			wp := prior.Weights[q] * p[j*Q+q]
			for x, v := range buf { // f^{−j}(x) feeds score x+1
				num[x+1] += wp * v
			}
		}
		var groups []sx2Group
		for k := 1; k < J; k++ {
			e := num[k] / den[k]
			groups = append(groups, sx2Group{
				n: nk[k], o1: ok[k*J+j], e1: nk[k] * e, e0: nk[k] * (1 - e),
			})
		}
		groups = sx2Collapse(groups, minCell)
		var x2 float64
		cells := 0
		for _, g := range groups {
			o0 := g.n - g.o1
			if g.e1 > 0 {
				x2 += (g.o1 - g.e1) * (g.o1 - g.e1) / g.e1
				cells++
			}
			if g.e0 > 0 {
				x2 += (o0 - g.e0) * (o0 - g.e0) / g.e0
				cells++
			}
		}
		df := cells - len(groups) - opts.LatentParams
		if !opts.KnownParams {
			df -= it.Model.NumParams()
		}
		st := SX2Stat{X2: x2, DF: df, Groups: len(groups)}
		if df <= 0 {
			st.X2, st.P, st.DF = math.NaN(), math.NaN(), 0
			st.Reason = fmt.Sprintf("%d score groups left after collapsing: no degrees of freedom", len(groups))
		} else {
			st.P = chi(df).Survival(x2)
		}
		out[j] = st
	}
	return out
}

// sx2LeaveOut writes into g (length J) the summed-score distribution of
// all items but one, f^{−j}, from that of all J items f (length J + 1) and
// the left-out item's probability p, by undoing the last Lord–Wingersky
// step f(x) = (1 − p)·f^{−j}(x) + p·f^{−j}(x − 1): forward,
//
//	g(0) = f(0)/(1 − p),  g(x) = (f(x) − p·g(x − 1))/(1 − p),
//
// when p ≤ 1/2, backward from g(J − 1) = f(J)/p when p > 1/2. Each step
// multiplies an earlier rounding error by p/(1 − p) or (1 − p)/p, whichever
// is at most 1, so the recursion is stable; values that rounding leaves
// below zero are set to zero. This costs O(J) per item and node instead of
// the O(J²) of a fresh recursion without the item, so S-X² costs O(J²·Q)
// for all items rather than O(J³·Q).
func sx2LeaveOut(f []float64, p float64, g []float64) {
	J := len(g)
	if p <= 0.5 {
		q := 1 - p
		g[0] = f[0] / q
		for x := 1; x < J; x++ {
			g[x] = max(0, (f[x]-p*g[x-1])/q)
		}
		return
	}
	q := 1 - p
	g[J-1] = f[J] / p
	for x := J - 1; x >= 1; x-- {
		g[x-1] = max(0, (f[x]-q*g[x])/p)
	}
}

// sx2Group is one summed-score group of an item's S-X² table: candidates n,
// correct answers o1, expected correct e1 and incorrect e0.
type sx2Group struct{ n, o1, e1, e0 float64 }

func (g *sx2Group) add(h sx2Group) {
	g.n += h.n
	g.o1 += h.o1
	g.e1 += h.e1
	g.e0 += h.e0
}

// sx2Collapse merges score groups as mirt's collapseCells does for a
// dichotomous item (see SX2).
func sx2Collapse(gs []sx2Group, minCell float64) []sx2Group {
	// Drop empty groups.
	out := gs[:0]
	for _, g := range gs {
		if g.n != 0 {
			out = append(out, g)
		}
	}
	gs = out
	// Merge single-candidate groups forward, the last one backward.
	if len(gs) > 1 {
		out = gs[:0:0]
		for i := 0; i < len(gs)-1; i++ {
			if gs[i].n == 1 {
				gs[i+1].add(gs[i])
				continue
			}
			out = append(out, gs[i])
		}
		out = append(out, gs[len(gs)-1])
		gs = out
		if n := len(gs); n > 1 && gs[n-1].n == 1 {
			gs[n-2].add(gs[n-1])
			gs = gs[:n-1]
		}
	}
	small := func(g sx2Group) bool {
		return (g.e1 < minCell && g.e1 != 0) || (g.e0 < minCell && g.e0 != 0)
	}
	for len(gs) > 1 {
		w := -1
		for i, g := range gs {
			if small(g) {
				w = i
				break
			}
		}
		if w < 0 {
			break
		}
		var into int
		switch {
		case w == 0:
			into = 1
		case w == len(gs)-1:
			into = w - 1
		case gs[w-1].n <= gs[w+1].n:
			into = w - 1
		default:
			into = w + 1
		}
		gs[into].add(gs[w])
		gs = append(gs[:w], gs[w+1:]...)
	}
	return gs
}
