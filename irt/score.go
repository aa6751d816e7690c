package irt

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ScoringMethod selects how a candidate's θ is estimated from a response
// pattern and known item parameters.
type ScoringMethod int

// The scoring methods. The zero ScoringMethod is invalid, so that an unset
// option is detectable.
const (
	MLE ScoringMethod = iota + 1 // maximum likelihood
	WLE                          // weighted likelihood (Warm, 1989)
	EAP                          // expected a posteriori (Bock & Mislevy, 1982)
	MAP                          // maximum a posteriori with a normal prior
)

// String returns the method's name as the command line spells it.
func (m ScoringMethod) String() string {
	switch m {
	case MLE:
		return "mle"
	case WLE:
		return "wle"
	case EAP:
		return "eap"
	case MAP:
		return "map"
	}
	return fmt.Sprintf("ScoringMethod(%d)", int(m))
}

// ParseScoringMethod reads a scoring method name: mle (or ml), wle, eap or
// map, in any case.
func ParseScoringMethod(s string) (ScoringMethod, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mle", "ml":
		return MLE, nil
	case "wle":
		return WLE, nil
	case "eap":
		return EAP, nil
	case "map":
		return MAP, nil
	}
	return 0, fmt.Errorf("irt: unknown scoring method %q: want mle, wle, eap or map", s)
}

// ScoreStatus says how a person estimate was obtained.
type ScoreStatus int

// The statuses of a PersonEstimate.
const (
	// ScoreOK: a regular estimate.
	ScoreOK ScoreStatus = iota
	// ScoreExtreme: every answered item right, or every one wrong. The MLE
	// is infinite; MLE reports the search bound (±ScoreOptions.Bound) with
	// the SE from the information there, and FitJML reports its
	// extreme-score adjusted measure. WLE, EAP and MAP estimates of such
	// patterns are finite and have status ScoreOK.
	ScoreExtreme
	// ScoreAtBound: the estimate stopped at the search bound although the
	// pattern is not extreme (possible for 3PL patterns below chance level,
	// or WLE of a very short test).
	ScoreAtBound
	// ScoreNoResponses: no item answered. EAP reports the prior mean and SD,
	// MAP the normal prior's mean and SD; MLE and WLE report NaN for Theta
	// and SE (reports write NaN as an empty cell).
	ScoreNoResponses
)

// String returns a lower-case name of the status.
func (s ScoreStatus) String() string {
	switch s {
	case ScoreOK:
		return "ok"
	case ScoreExtreme:
		return "extreme"
	case ScoreAtBound:
		return "at_bound"
	case ScoreNoResponses:
		return "no_responses"
	}
	return fmt.Sprintf("ScoreStatus(%d)", int(s))
}

// PersonEstimate is a candidate's θ estimate with its standard error.
// Theta and SE are finite unless Status is ScoreNoResponses with MLE or WLE.
type PersonEstimate struct {
	Theta, SE float64
	Status    ScoreStatus
}

// ScoreOptions controls person scoring. The zero value is valid.
type ScoreOptions struct {
	// Prior is the latent distribution for EAP. Empty means
	// NormalQuadrature(121, −6, 6, PriorMean, PriorSD), the rectangular
	// quadrature of mirt 1.47's fscores for one dimension (121 points on
	// theta_lim = [−6, 6]); with it EAPs agree with mirt to 1e-14. 61 points
	// (older mirt) change EAPs by less than 1e-6 and halve the cost.
	Prior Quadrature
	// PriorMean and PriorSD define the normal prior of MAP and of the
	// default EAP quadrature. If PriorSD is zero, MAP uses the mean and SD of
	// Prior when Prior is set, else N(PriorMean, 1).
	PriorMean, PriorSD float64
	// Bound limits MLE and WLE to [−Bound, Bound] (and MAP to at least that
	// range); zero means 6. An all-right (all-wrong) pattern gets +Bound
	// (−Bound) by MLE.
	Bound   float64
	MaxIter int     // root-finding iterations; zero means 100
	Tol     float64 // convergence of θ; zero means 1e-10
	Workers int     // ScoreAll goroutines; zero means runtime.GOMAXPROCS(0)
}

// ScoreRow estimates θ for one response row (0, 1 or Missing per item,
// parallel to items) by method m. See scorer for the formulas. It builds
// the tables ScoreAll builds (a few milliseconds for 125 items), so the two
// agree exactly; score many rows with ScoreAll. It panics if
// len(row) != len(items) or m is invalid.
func ScoreRow(items []Item, row []uint8, m ScoringMethod, opts ScoreOptions) PersonEstimate {
	if len(row) != len(items) {
		panic("irt: len(row) != len(items)")
	}
	s := newScorer(items, m, opts)
	var ws scoreWork
	return s.score(row, &ws)
}

// ScoreAll estimates θ for every row of r by method m, splitting the rows
// over opts.Workers goroutines. Each row's estimate depends only on the row,
// so the output is identical whatever the number of workers. It checks ctx
// between blocks of rows and panics if r.J != len(items) or m is invalid.
//
// Speed (GOMAXPROCS=2, 125 items, 10⁶ candidates; BenchmarkScoreAll): Rasch
// EAP 0.07 s and WLE 0.03 s (complete rows are scored once per raw score),
// 2PL EAP 1.2 s and WLE 5.4 s, 3PL EAP 0.9 s (complete rows sum their log
// likelihood by byte of 8 items, as the MML E-step does; 2.2 s item by
// item), WLE 1.7 s and MAP 1.5 s;
// complete 2PL rows by MLE or WLE cost one evaluation each from the
// interpolated root (scoreGrid), 2–3× less than these 2PL WLE figures, and
// complete 3PL rows by MLE, WLE or MAP about one each from the root
// interpolated on byte tables (scoreGrid3PL; by scoreRoot alone, about
// seven: WLE 5.7 s, MAP 5.3 s).
func ScoreAll(ctx context.Context, items []Item, r *Responses, m ScoringMethod, opts ScoreOptions) ([]PersonEstimate, error) {
	if r.J != len(items) {
		panic("irt: r.J != len(items)")
	}
	s := newScorer(items, m, opts)
	out := make([]PersonEstimate, r.N)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const block = 4096
	nBlocks := (r.N + block - 1) / block
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, max(nBlocks, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ws scoreWork
			for bi := range next {
				for i := bi * block; i < min((bi+1)*block, r.N); i++ {
					out[i] = s.score(r.Row(i), &ws)
				}
			}
		}()
	}
	var err error
feed:
	for bi := 0; bi < nBlocks; bi++ {
		select {
		case next <- bi:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scorer holds the precomputed tables of one scoring run. It is read-only
// after construction and safe for concurrent use.
//
// Formulas, for item j with z = a·θ + d, P* = 1/(1 + e^(−z)),
// P = c + (1 − c)·P*, Q = 1 − P:
//
//	P'  = (1 − c)·a·P*·(1 − P*),   P'' = P'·a·(1 − 2P*),
//	score      S(θ) = Σ_j (x_j − P_j)·P'_j / (P_j·Q_j)   (= Σ a_j·(x_j − P_j) if c = 0),
//	information I(θ) = Σ_j P'_j² / (P_j·Q_j),
//	J(θ) = Σ_j P'_j·P''_j / (P_j·Q_j).
//
// MLE solves S(θ) = 0 (Lord, 1980), SE = 1/√I(θ̂). WLE solves
// S(θ) + J(θ)/(2·I(θ)) = 0, the maximum of L(θ)·√I(θ) (Warm, 1989),
// SE = 1/√I(θ̂). MAP solves S(θ) − (θ − μ)/σ² = 0 and its SE is
// 1/√(−ℓ”(θ̂) + 1/σ²) with the observed curvature ℓ” of the log-likelihood
// (equal to −I(θ) when c = 0). Roots are found by Newton steps with the
// Fisher slope −I(θ) inside a bisection bracket, so they never leave the
// search interval (scoreRoot). Complete rows skip most of that search: for
// c = 0 items the root is interpolated in S = Σ_{x=1} a_j (scoreGrid);
// when some c ≠ 0, the score is S(θ) = Σ_{x=1} u_j(θ) − Σ_j a_j·P*_j(θ) with
// u_j = P'_j/P_j + P'_j/Q_j, the row-dependent sum is looked up on a grid
// by byte of 8 items, and a row whose estimating function has one clear
// root on the grid starts exact Newton steps from its interpolated root
// (scoreGrid3PL); other rows, and rows with missing responses, go to
// scoreRoot. EAP is the posterior mean Σ_q θ_q·w_q·L(θ_q) / Σ_q w_q·L(θ_q)
// over the prior quadrature, with the posterior SD as SE (Bock & Mislevy,
// 1982). Missing responses are left out of the likelihood.
//
// References: Warm, T. A. (1989). Weighted likelihood estimation of ability
// in item response theory. Psychometrika, 54, 427–450. Bock, R. D. &
// Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a
// microcomputer environment. Applied Psychological Measurement, 6, 431–444.
// Lord, F. M. (1980). Applications of Item Response Theory to Practical
// Testing Problems. Erlbaum.
type scorer struct {
	items  []Item
	method ScoringMethod
	bound  float64
	lo, hi float64 // search interval
	mean   float64 // normal prior (MAP)
	sd     float64
	maxIt  int
	tol    float64

	allC0     bool // every item has c = 0
	raschLike bool // every item has c = 0 and the same slope: raw score is sufficient

	grid  *scoreGrid    // MLE and WLE starting values for complete rows of c = 0 items
	grid3 *scoreGrid3PL // MLE, WLE and MAP of complete rows when some c ≠ 0
	walk  *eapWalk      // EAP of complete rows of c = 0 items

	// EAP tables over the prior nodes.
	nodes  []float64
	logW   []float64 // log prior weight (−Inf for zero weight)
	lq     []float64 // lq[j*Q+q] = log Q_j(θ_q)
	lr     []float64 // lr[j*Q+q] = log P_j(θ_q) − log Q_j(θ_q) (3PL items only)
	lrTab  []float64 // lr summed over the correct items of each byte of 8, all 256 patterns (mmlBuildVecTable)
	sumLQ  []float64 // Σ_j lq[j*Q+q]
	pMean  float64   // prior mean and SD (for empty rows)
	pSD    float64
	priorQ Quadrature
}

// scoreWork is per-goroutine scratch space.
type scoreWork struct {
	logL    []float64
	present []int
	memo    []PersonEstimate // by raw score for complete rows of Rasch-like items
	memoOK  []bool
	grid3   grid3PLWork
	bytes   []uint8 // a complete row packed by scorePackRow (EAP)
	offs    []int32 // the table rows of its bytes
}

func newScorer(items []Item, m ScoringMethod, opts ScoreOptions) *scorer {
	if m < MLE || m > MAP {
		panic("irt: invalid scoring method")
	}
	s := &scorer{items: items, method: m, maxIt: opts.MaxIter, tol: opts.Tol, bound: opts.Bound}
	if s.maxIt <= 0 {
		s.maxIt = 100
	}
	if s.tol <= 0 {
		s.tol = 1e-10
	}
	if s.bound <= 0 {
		s.bound = 6
	}
	s.mean, s.sd = opts.PriorMean, opts.PriorSD
	if s.sd <= 0 {
		s.sd = 1
		if len(opts.Prior.Nodes) > 0 {
			s.mean, s.sd = opts.Prior.Moments()
		}
	}
	s.lo, s.hi = -s.bound, s.bound
	if m == MAP {
		s.lo = math.Min(s.lo, s.mean-10*s.sd)
		s.hi = math.Max(s.hi, s.mean+10*s.sd)
	}
	s.allC0, s.raschLike = true, true
	for _, it := range items {
		if it.C != 0 {
			s.allC0 = false
		}
		if it.C != 0 || it.A != items[0].A {
			s.raschLike = false
		}
	}
	if s.allC0 && (m == WLE || m == MLE) && !s.raschLike {
		s.grid = newScoreGrid(s, m)
	}
	if !s.allC0 && m != EAP {
		s.grid3 = newScoreGrid3PL(s)
	}
	if m == EAP {
		q := opts.Prior
		if len(q.Nodes) == 0 {
			q = NormalQuadrature(121, -6, 6, s.mean, s.sd)
		}
		s.priorQ = q
		s.pMean, s.pSD = q.Moments()
		Q := len(q.Nodes)
		s.nodes = q.Nodes
		s.logW = make([]float64, Q)
		for k, w := range q.Weights {
			s.logW[k] = math.Log(w)
		}
		s.lq = make([]float64, len(items)*Q)
		s.sumLQ = make([]float64, Q)
		if !s.allC0 {
			s.lr = make([]float64, len(items)*Q)
		}
		for j, it := range items {
			for k, th := range q.Nodes {
				z := it.A*th + it.D
				var lp, lq float64
				if it.C == 0 {
					lp, lq = scoreLogLogistic(z), scoreLogLogistic(-z)
				} else {
					lp = math.Log(it.C + (1-it.C)*Logistic(z))
					lq = math.Log1p(-it.C) + scoreLogLogistic(-z)
				}
				s.lq[j*Q+k] = lq
				s.sumLQ[k] += lq
				if s.lr != nil {
					s.lr[j*Q+k] = lp - lq
				}
			}
		}
		if s.allC0 {
			s.walk = newEAPWalk(s.nodes, s.sumLQ, s.logW)
		} else {
			s.lrTab = make([]float64, (len(items)+7)/8*256*Q)
			mmlBuildVecTable(s.lrTab, s.lr, len(items), Q)
		}
	}
	return s
}

// eapWalk computes the EAP of a complete row of c = 0 items without an
// exponential per node. The log posterior is l_k = c_k + θ_k·S with
// c_k = log w_k + Σ_j log Q_j(θ_k) and S = Σ_{x=1} a_j (Σ d_j cancels). On
// equally spaced nodes (spacing h) with c concave, l_k − l_{k−1} =
// Δc_k + h·S decreases in k: the mode is found by bisection and the
// posterior walked outward from it, each node's weight the previous one's
// times exp(Δc_k)·exp(h·S), until it falls below 1e-20 of the mode's (as
// the MML E-step's linear kernel does). The result differs from the direct
// sum by rounding (~1e-15) and the dropped tails (< 1e-18).
type eapWalk struct {
	h            float64
	dc, fwd, bwd []float64
}

// newEAPWalk returns nil unless the nodes are equally spaced and c concave.
func newEAPWalk(nodes, sumLQ, logW []float64) *eapWalk {
	Q := len(nodes)
	if Q < 3 {
		return nil
	}
	h := (nodes[Q-1] - nodes[0]) / float64(Q-1)
	w := &eapWalk{h: h, dc: make([]float64, Q), fwd: make([]float64, Q), bwd: make([]float64, Q)}
	for k := 1; k < Q; k++ {
		if math.Abs(nodes[k]-nodes[k-1]-h) > 1e-9*h {
			return nil
		}
		w.dc[k] = sumLQ[k] + logW[k] - sumLQ[k-1] - logW[k-1]
		if math.IsInf(w.dc[k], 0) || math.IsNaN(w.dc[k]) || (k > 1 && !(w.dc[k] <= w.dc[k-1])) {
			return nil
		}
		w.fwd[k], w.bwd[k] = math.Exp(w.dc[k]), math.Exp(-w.dc[k])
	}
	return w
}

// eap returns the posterior mean and SD for Σ_{x=1} a_j = S, or false if
// h·S is too large for the walk.
func (w *eapWalk) eap(nodes []float64, S float64, p []float64) (PersonEstimate, bool) {
	Q := len(nodes)
	hs := w.h * S
	if !(math.Abs(hs) < 600) {
		return PersonEstimate{}, false
	}
	dc := w.dc[:Q]
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
	s0 := 1.0
	v := 1.0
	q := qs + 1
	for ; q < Q; q++ {
		v *= w.fwd[q] * r
		if v < mmlTiny {
			break
		}
		p[q] = v
		s0 += v
	}
	hi := q - 1
	v = 1
	for q = qs - 1; q >= 0; q-- {
		v *= w.bwd[q+1] * ri
		if v < mmlTiny {
			break
		}
		p[q] = v
		s0 += v
	}
	lo := q + 1
	var s1 float64
	for k := lo; k <= hi; k++ {
		s1 += p[k] * nodes[k]
	}
	mean := s1 / s0
	var s2 float64
	for k := lo; k <= hi; k++ {
		d := nodes[k] - mean
		s2 += p[k] * d * d
	}
	return PersonEstimate{Theta: mean, SE: math.Sqrt(s2 / s0), Status: ScoreOK}, true
}

// scoreLogisticPair returns 1/(1 + e^(−z)) and 1/(1 + e^z) with one
// exponential, each accurate to full relative precision.
func scoreLogisticPair(z float64) (p, q float64) {
	if z >= 0 {
		e := math.Exp(-z)
		p = 1 / (1 + e)
		return p, e * p
	}
	e := math.Exp(z)
	q = 1 / (1 + e)
	return e * q, q
}

// scoreLogLogistic returns log(1/(1 + e^(−z))) without overflow.
func scoreLogLogistic(z float64) float64 {
	if z >= 0 {
		return -math.Log1p(math.Exp(-z))
	}
	return z - math.Log1p(math.Exp(z))
}

// score estimates θ for one row.
func (s *scorer) score(row []uint8, ws *scoreWork) PersonEstimate {
	n, r := 0, 0
	for _, v := range row {
		if v != Missing {
			n++
			r += int(v)
		}
	}
	if n == 0 {
		switch s.method {
		case EAP:
			return PersonEstimate{Theta: s.pMean, SE: s.pSD, Status: ScoreNoResponses}
		case MAP:
			return PersonEstimate{Theta: s.mean, SE: s.sd, Status: ScoreNoResponses}
		}
		return PersonEstimate{Theta: math.NaN(), SE: math.NaN(), Status: ScoreNoResponses}
	}
	complete := n == len(row)
	if complete && s.raschLike {
		if ws.memo == nil {
			ws.memo = make([]PersonEstimate, len(row)+1)
			ws.memoOK = make([]bool, len(row)+1)
		}
		if ws.memoOK[r] {
			return ws.memo[r]
		}
		e := s.scoreRow(row, n, r, ws)
		ws.memo[r], ws.memoOK[r] = e, true
		return e
	}
	return s.scoreRow(row, n, r, ws)
}

func (s *scorer) scoreRow(row []uint8, n, r int, ws *scoreWork) PersonEstimate {
	if s.method == EAP {
		return s.eap(row, n, ws)
	}
	if s.method == MLE && (r == 0 || r == n) {
		th := s.hi
		if r == 0 {
			th = s.lo
		}
		_, info, _ := s.derivs(row, th, false)
		return PersonEstimate{Theta: th, SE: 1 / math.Sqrt(info), Status: ScoreExtreme}
	}
	f := func(th float64) (float64, float64) {
		sc, info, jj := s.derivs(row, th, s.method == WLE)
		switch s.method {
		case WLE:
			return sc + jj/(2*info), -info
		case MAP:
			return sc - (th-s.mean)/(s.sd*s.sd), -info - 1/(s.sd*s.sd)
		}
		return sc, -info
	}
	// Start from the logit of the proportion correct (mapped into the
	// bracket), or for a complete row of c = 0 items from the root
	// interpolated on the grid (see scoreGrid), which one Newton step
	// polishes.
	start := math.Log((float64(r) + 0.5) / (float64(n-r) + 0.5))
	if g := s.grid; g != nil && n == len(row) {
		var S float64
		for j, v := range row {
			if v == 1 {
				S += s.items[j].A
			}
		}
		if th0, ok := g.start(S); ok {
			if e, ok := s.gridNewton(S, th0); ok {
				return e
			}
			start = th0
		}
	}
	if s.grid3 != nil && n == len(row) {
		if e, ok := s.grid3.score(s, row, &ws.grid3); ok {
			return e
		}
	}
	th, status := scoreRoot(f, s.lo, s.hi, start, s.maxIt, s.tol)
	var se float64
	if s.method == MAP {
		se = 1 / math.Sqrt(s.observedInfo(row, th)+1/(s.sd*s.sd))
	} else {
		_, info, _ := s.derivs(row, th, false)
		se = 1 / math.Sqrt(info)
	}
	return PersonEstimate{Theta: th, SE: se, Status: status}
}

// derivs returns S(θ), I(θ) and (if wantJ) J(θ) over the answered items.
// For c = 0 items the score Σ a_j·x_j − Σ a_j·P_j keeps the two sums apart,
// so that with equal slopes the result depends on the pattern only through
// the raw score (which makes ScoreAll's memo by raw score exact).
func (s *scorer) derivs(row []uint8, th float64, wantJ bool) (sc, info, jj float64) {
	var ax float64
	for j, v := range row {
		if v == Missing {
			continue
		}
		it := &s.items[j]
		z := it.A*th + it.D
		ps, qs := scoreLogisticPair(z)
		if it.C == 0 {
			pq := ps * qs
			info += it.A * it.A * pq
			sc -= it.A * ps
			if v == 1 {
				ax += it.A
			}
			if wantJ {
				jj += it.A * it.A * it.A * pq * (qs - ps)
			}
			continue
		}
		p := it.C + (1-it.C)*ps
		q := (1 - it.C) * qs
		dp := (1 - it.C) * it.A * ps * qs
		pq := p * q
		info += dp * dp / pq
		sc += (float64(v) - p) * dp / pq
		if wantJ {
			jj += dp * dp * it.A * (qs - ps) / pq
		}
	}
	return sc + ax, info, jj
}

// observedInfo returns −ℓ”(θ), the observed information of the answered
// items: for one item ℓ' = u/v with u = P'·(x − P), v = P·Q, and
// ℓ” = (u'·v − u·v')/v², u' = P”·(x − P) − P'², v' = P'·(1 − 2P).
func (s *scorer) observedInfo(row []uint8, th float64) float64 {
	var h float64
	for j, v := range row {
		if v == Missing {
			continue
		}
		it := &s.items[j]
		z := it.A*th + it.D
		ps, qs := scoreLogisticPair(z)
		if it.C == 0 {
			h += it.A * it.A * ps * qs
			continue
		}
		x := float64(v)
		p := it.C + (1-it.C)*ps
		q := (1 - it.C) * qs
		dp := (1 - it.C) * it.A * ps * qs
		d2p := dp * it.A * (qs - ps)
		u := dp * (x - p)
		vv := p * q
		du := d2p*(x-p) - dp*dp
		dv := dp * (q - p)
		h -= (du*vv - u*dv) / (vv * vv)
	}
	return h
}

// scoreRoot finds the root of a decreasing function f on [lo, hi]. It
// takes Newton steps with the slope f returns until two points are known,
// then secant steps (which also account for parts of f the returned slope
// leaves out, such as WLE's correction term), always inside a bracket that
// shrinks with every evaluation; a step that would leave the bracket is
// replaced by bisection. The ends lo and hi are evaluated only when a step
// reaches them; if f does not change sign on [lo, hi] it returns the end the
// root lies beyond, with ScoreAtBound.
func scoreRoot(f func(float64) (float64, float64), lo, hi, start float64, maxIt int, tol float64) (float64, ScoreStatus) {
	loOK, hiOK := false, false // f(lo) > 0, f(hi) < 0 verified
	margin := 1e-3 * (hi - lo) // start inside, so that reaching an end evaluates it
	x := math.Max(lo+margin, math.Min(hi-margin, start))
	var px, pv float64
	havePrev := false
	for it := 0; it < maxIt; it++ {
		v, slope := f(x)
		if v == 0 {
			return x, ScoreOK
		}
		if v > 0 {
			lo, loOK = x, true
		} else {
			hi, hiOK = x, true
		}
		if havePrev && x != px {
			if sec := (v - pv) / (x - px); sec < 0 {
				slope = sec
			}
		}
		px, pv, havePrev = x, v, true
		nx := x - v/slope
		if !(slope < 0) || math.IsNaN(nx) {
			nx = 0.5 * (lo + hi)
		}
		if nx >= hi {
			if !hiOK {
				if fh, _ := f(hi); fh >= 0 {
					return hi, ScoreAtBound
				}
				hiOK = true
			}
			nx = 0.5 * (lo + hi)
		} else if nx <= lo {
			if !loOK {
				if fl, _ := f(lo); fl <= 0 {
					return lo, ScoreAtBound
				}
				loOK = true
			}
			nx = 0.5 * (lo + hi)
		}
		if math.Abs(nx-x) < tol || (loOK && hiOK && hi-lo < tol) {
			return nx, ScoreOK
		}
		x = nx
	}
	return x, ScoreOK
}

// eap computes the posterior mean and SD over the prior nodes. The
// log-likelihood at node q is Σ_{answered} log Q_j(θ_q) + Σ_{x=1} (log P_j −
// log Q_j)(θ_q); for c = 0 items log P − log Q = a·θ + d, so the correct
// answers add θ_q·Σa_j + Σd_j and cost O(1) per node.
func (s *scorer) eap(row []uint8, n int, ws *scoreWork) PersonEstimate {
	Q := len(s.nodes)
	if cap(ws.logL) < Q {
		ws.logL = make([]float64, Q)
	}
	ll := ws.logL[:Q]
	if s.walk != nil && n == len(row) {
		var sa float64
		for j, v := range row {
			if v == 1 {
				sa += s.items[j].A
			}
		}
		if e, ok := s.walk.eap(s.nodes, sa, ll); ok {
			return e
		}
	}
	copy(ll, s.sumLQ)
	var sa float64
	if s.lrTab != nil && n == len(row) {
		// A complete row: one table row per byte of 8 items.
		nb := (len(row) + 7) / 8
		if len(ws.bytes) != nb {
			ws.bytes = make([]uint8, nb)
		}
		scorePackRow(row, ws.bytes)
		ws.offs = mmlByteRows(ws.offs[:0], ws.bytes, 0, Q, 0, nil)
		vecSumRows(ll, s.lrTab, ws.offs, false)
		row = nil
	}
	for j, v := range row {
		switch v {
		case 0:
		case Missing:
			lq := s.lq[j*Q : (j+1)*Q]
			for k := range ll {
				ll[k] -= lq[k]
			}
		default:
			if it := &s.items[j]; it.C == 0 {
				sa += it.A // Σd_j is constant over nodes and cancels
			} else {
				lr := s.lr[j*Q : (j+1)*Q]
				for k := range ll {
					ll[k] += lr[k]
				}
			}
		}
	}
	mx := math.Inf(-1)
	for k, th := range s.nodes {
		ll[k] += th*sa + s.logW[k]
		if ll[k] > mx {
			mx = ll[k]
		}
	}
	var s0, s1 float64
	for k, th := range s.nodes {
		p := math.Exp(ll[k] - mx)
		ll[k] = p
		s0 += p
		s1 += p * th
	}
	mean := s1 / s0
	var s2 float64
	for k, th := range s.nodes {
		d := th - mean
		s2 += ll[k] * d * d
	}
	return PersonEstimate{Theta: mean, SE: math.Sqrt(s2 / s0), Status: ScoreOK}
}

// scoreGrid holds, for a complete row of c = 0 items, the value of
// S = Σ_j a_j·x_j at which each grid node θ_k is the MLE or WLE: the score
// equation is S = g(θ) with g(θ) = T(θ) = Σ_j a_j P_j(θ) (MLE), minus
// J(θ)/(2I(θ)) (WLE), a function of θ alone, with
//
//	g' = I (MLE),   g' = I − (J'·I − J²)/(2I²) (WLE),   J' = Σ_j a_j⁴ P_j Q_j (1 − 6 P_j Q_j).
//
// The inverse θ(S) is interpolated by cubic Hermite polynomials with slopes
// 1/g' (error ~1e-9 on 1025 nodes over [−6, 6]); one Newton step on the
// exact equation from there leaves an error of order 1e-18, and
// I(θ̂) ≈ I(θ₀) + J(θ₀)·(θ̂ − θ₀) gives the SE to the same order. A row thus
// costs one evaluation of the J item probabilities instead of the four to
// eight of scoreRoot. If the step is not tiny (the interpolation was poor),
// scoreRoot takes over from the interpolated start.
type scoreGrid struct {
	theta, g, gp []float64 // g increasing, gp = g' > 0
	wle          bool
}

// newScoreGrid tabulates g and g' on 1025 nodes over the search interval,
// or returns nil if g is not increasing there.
func newScoreGrid(s *scorer, m ScoringMethod) *scoreGrid {
	const K = 1025
	gr := &scoreGrid{theta: make([]float64, K), g: make([]float64, K), gp: make([]float64, K), wle: m == WLE}
	for k := range gr.theta {
		th := s.lo + (s.hi-s.lo)*float64(k)/(K-1)
		T, info, jj, jp := s.c0Sums(th)
		v, vp := T, info
		if gr.wle {
			v -= jj / (2 * info)
			vp -= (jp*info - jj*jj) / (2 * info * info)
		}
		if !(info > 0) || !(vp > 0) || math.IsNaN(v) || (k > 0 && !(v > gr.g[k-1])) {
			return nil
		}
		gr.theta[k], gr.g[k], gr.gp[k] = th, v, vp
	}
	return gr
}

// c0Sums returns T = Σ a P, I = Σ a² P Q, J = Σ a³ P Q (Q − P) and
// J' = Σ a⁴ P Q (1 − 6 P Q) at θ over all items (every c = 0).
func (s *scorer) c0Sums(th float64) (T, info, jj, jp float64) {
	for j := range s.items {
		it := &s.items[j]
		ps, qs := scoreLogisticPair(it.A*th + it.D)
		a := it.A
		pq := ps * qs
		a2 := a * a
		T += a * ps
		info += a2 * pq
		jj += a2 * a * pq * (qs - ps)
		jp += a2 * a2 * pq * (1 - 6*pq)
	}
	return T, info, jj, jp
}

// start returns the interpolated root for S, false if S is outside the
// grid (the root is at or beyond a bound).
func (gr *scoreGrid) start(S float64) (float64, bool) {
	g := gr.g
	if !(S > g[0] && S < g[len(g)-1]) {
		return 0, false
	}
	k := sort.SearchFloat64s(g, S) // g[k−1] < S ≤ g[k]
	dS := g[k] - g[k-1]
	t := (S - g[k-1]) / dS
	t2, t3 := t*t, t*t*t
	return (2*t3-3*t2+1)*gr.theta[k-1] + (t3-2*t2+t)*dS/gr.gp[k-1] +
		(-2*t3+3*t2)*gr.theta[k] + (t3-t2)*dS/gr.gp[k], true
}

// gridNewton takes one exact Newton step from th0 for a complete row with
// Σ a_j x_j = S; false if the step is not below 1e-6.
func (s *scorer) gridNewton(S, th0 float64) (PersonEstimate, bool) {
	T, info, jj, jp := s.c0Sums(th0)
	f, fp := S-T, -info
	if s.grid.wle {
		f += jj / (2 * info)
		fp += (jp*info - jj*jj) / (2 * info * info)
	}
	step := -f / fp
	if !(math.Abs(step) < 1e-6) {
		return PersonEstimate{}, false
	}
	th := th0 + step
	if th <= s.lo || th >= s.hi {
		return PersonEstimate{}, false
	}
	return PersonEstimate{Theta: th, SE: 1 / math.Sqrt(info+jj*step), Status: ScoreOK}, true
}
