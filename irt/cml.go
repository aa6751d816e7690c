package irt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// CMLOptions controls FitCML. The zero value is valid.
type CMLOptions struct {
	MaxIter int     // Newton–Raphson iterations; zero means 100
	Tol     float64 // largest change of a difficulty at convergence; zero means 1e-8
	Workers int     // goroutines for tallying and for the information matrix; zero means runtime.GOMAXPROCS(0)
}

// ExtremeScoresWarning reports candidates whose raw score (over the items
// they were presented) is 0 or perfect. Such a score carries no information
// about the item difficulties under the Rasch model: conditional ML leaves
// these candidates out; joint ML leaves them out of the estimation and then
// gives them an extreme-score adjusted measure. Candidates with no response
// at all are counted in Empty. The counts are sums of row weights.
type ExtremeScoresWarning struct {
	Method        string // "cml" or "jml"
	Zero, Perfect float64
	Empty         float64
}

func (w *ExtremeScoresWarning) Error() string {
	s := fmt.Sprintf("irt: %s: %g candidates with a zero score and %g with a perfect score carry no information on the items",
		w.Method, w.Zero, w.Perfect)
	if w.Empty > 0 {
		s += fmt.Sprintf("; %g with no responses", w.Empty)
	}
	return s
}

// ExtremeItemsError reports items that every informative candidate (raw
// score neither 0 nor perfect) presented with the item answered correctly,
// or every one incorrectly, or that no informative candidate saw: their
// Rasch difficulty is −∞ or +∞ (or undefined). FitCML returns it as an
// error; FitJML records it as a warning and gives the items an
// extreme-score adjusted difficulty. Indices are 0-based item columns.
type ExtremeItemsError struct {
	Method     string
	AllCorrect []int
	AllWrong   []int // includes items no informative candidate answered
}

func (e *ExtremeItemsError) Error() string {
	var parts []string
	if len(e.AllCorrect) > 0 {
		parts = append(parts, fmt.Sprintf("items %v answered correctly by every informative candidate", e.AllCorrect))
	}
	if len(e.AllWrong) > 0 {
		parts = append(parts, fmt.Sprintf("items %v answered correctly by no informative candidate", e.AllWrong))
	}
	return fmt.Sprintf("irt: %s: %s", e.Method, strings.Join(parts, "; "))
}

// FitCML estimates Rasch item difficulties by conditional maximum likelihood
// (Andersen, 1972; Fischer, 1974). Conditioning on each candidate's raw score
// r removes the person parameter:
//
//	log L_c = −Σ_i s_i·b_i − Σ_g Σ_r n_{gr}·log γ_r(ε_g),   ε_i = exp(−b_i),
//
// where s_i is the number of correct answers to item i, n_{gr} the number of
// candidates in presentation group g with raw score r and γ_r(ε_g) the
// elementary symmetric function of the items presented to group g (see
// esf.go). Candidates are grouped by the set of items they answered (the
// way eRm treats NA); with complete data there is one group and the raw
// score distribution is all that is needed besides the item totals.
// Candidates with a zero or perfect score within their group contribute
// nothing and are left out (counted in an ExtremeScoresWarning).
//
// The gradient is ∂log L_c/∂b_i = Σ_r n_r·π_{ri} − s_i with
// π_{ri} = ε_i·γ^{(i)}_{r−1}/γ_r, and the information matrix is the sum over
// score groups of the conditional covariance of the item responses,
//
//	I_ij = Σ_r n_r·(π_{rij} − π_{ri}·π_{rj}),   I_ii = Σ_r n_r·π_{ri}(1 − π_{ri}),
//
// with π_{rij} = ε_i·ε_j·γ^{(i,j)}_{r−2}/γ_r. The difficulties are normalised to
// sum to zero (eRm's sum0); Newton–Raphson runs on the first L−1 of them,
// b = W·η with W = [I_{L−1}; −1ᵀ], with step halving if log L_c drops.
// Standard errors are the square roots of diag(W·(Wᵀ·I·W)⁻¹·Wᵀ), which is how
// eRm computes se.beta (there from nlm's numerical Hessian).
//
// The result has Method "cml", Items as Rasch items with D = −b, LogLik the
// conditional log-likelihood, NumParams = L−1 and N the weight of candidates
// with at least one response (as eRm's information criteria use). Items that
// every informative candidate answered correctly (or incorrectly) make the
// estimates infinite: FitCML then returns an *ExtremeItemsError. A design in
// which the items do not connect (an information matrix that is not positive
// definite under the constraint) is an error too. If MaxIter is reached the
// result has Converged false and a warning wrapping ErrNotConverged.
//
// Cost: one pass over the data (O(N·J), split over Workers) to tally the
// score groups, then O(L³) per Newton iteration for complete data; 10⁶
// candidates × 125 items take about 0.11 s on 2 cores (BenchmarkFitCML).
//
// References: Andersen, E. B. (1972). The numerical solution of a set of
// conditional estimation equations. JRSS B, 34, 42–54. Mair, P. &
// Hatzinger, R. (2007). Extended Rasch modeling: the eRm package. Journal of
// Statistical Software, 20(9).
func FitCML(ctx context.Context, r *Responses, opts CMLOptions) (*Result, error) {
	if opts.MaxIter <= 0 {
		opts.MaxIter = 100
	}
	if opts.Tol <= 0 {
		opts.Tol = 1e-8
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	L := r.J
	if L < 2 {
		return nil, errors.New("irt: cml: need at least 2 items")
	}
	tally, err := raschTallyRows(ctx, r, nil, workers)
	if err != nil {
		return nil, err
	}
	res := &Result{Model: Rasch, Method: "cml", Fixed: make([]bool, L)}
	if w := tally.extremeWarning("cml"); w != nil {
		res.Warnings = append(res.Warnings, w)
	}
	res.N = tally.total
	tot, pres := tally.itemTotals(L)
	if e := raschExtremeItems("cml", tot, pres, nil); e != nil {
		return nil, e
	}
	prob := newCMLProblem(tally, L)

	// Start: centred log-odds of an incorrect answer (PROX without expansion).
	b := make([]float64, L)
	for i := range b {
		b[i] = math.Log((pres[i] - tot[i]) / tot[i])
	}
	raschCentre(b)

	ll, grad, info := prob.evaluate(b, true, workers)
	var maxChange float64
	iter := 0
	converged := false
	for iter < opts.MaxIter {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		iter++
		step, err := cmlNewtonStep(grad, info)
		if err != nil {
			return nil, err
		}
		var newLL float64
		var newB []float64
		scale := 1.0
		for half := 0; ; half++ {
			newB = make([]float64, L)
			for i := range b {
				newB[i] = b[i] + scale*step[i]
			}
			newLL, _, _ = prob.evaluate(newB, false, workers)
			if newLL >= ll-1e-10*math.Abs(ll) || half == 30 {
				break
			}
			scale /= 2
		}
		maxChange = 0
		for i := range b {
			maxChange = math.Max(maxChange, math.Abs(newB[i]-b[i]))
		}
		b = newB
		ll, grad, info = prob.evaluate(b, true, workers)
		if maxChange < opts.Tol {
			converged = true
			break
		}
	}
	cov, err := raschConstrainedCov(info)
	if err != nil {
		return nil, err
	}
	res.Items = make([]Item, L)
	res.SE = make([]ItemSE, L)
	res.Cov = make([]ItemCov, L)
	for i := range b {
		res.Items[i] = Item{Model: Rasch, A: 1, D: -b[i]}
		se := math.Sqrt(cov[i])
		res.SE[i] = ItemSE{D: se, B: se}
		res.Cov[i] = newItemCov(Rasch, []float64{cov[i]})
	}
	res.LogLik = ll
	res.NumParams = L - 1
	k := float64(res.NumParams)
	res.AIC = -2*ll + 2*k
	res.BIC = -2*ll + k*math.Log(res.N)
	res.Iterations = iter
	res.Converged = converged
	res.MaxChange = maxChange
	if !converged {
		res.Warnings = append(res.Warnings,
			fmt.Errorf("irt: cml: stopped after %d iterations with a change of %.3g: %w", iter, maxChange, ErrNotConverged))
	}
	return res, nil
}

// raschCentre shifts b to mean zero.
func raschCentre(b []float64) {
	var m float64
	for _, v := range b {
		m += v
	}
	m /= float64(len(b))
	for i := range b {
		b[i] -= m
	}
}

// raschExtremeItems checks item totals tot against presentations pres
// (both over informative candidates) and reports items whose difficulty is
// infinite. Items with active[i] false are skipped (active nil: all).
func raschExtremeItems(method string, tot, pres []float64, active []bool) *ExtremeItemsError {
	var e ExtremeItemsError
	for i := range tot {
		if active != nil && !active[i] {
			continue
		}
		switch {
		case pres[i] <= 0 || tot[i] <= 0:
			e.AllWrong = append(e.AllWrong, i)
		case tot[i] >= pres[i]:
			e.AllCorrect = append(e.AllCorrect, i)
		}
	}
	if len(e.AllCorrect) == 0 && len(e.AllWrong) == 0 {
		return nil
	}
	e.Method = method
	return &e
}

// cmlNewtonStep solves the reduced Newton system (Wᵀ·I·W)·Δη = Wᵀ·g for
// W = [I_{L−1}; −1ᵀ] and returns Δb = W·Δη.
func cmlNewtonStep(grad []float64, info *mat.SymDense) ([]float64, error) {
	L := len(grad)
	red := raschReducedInfo(info)
	var ch mat.Cholesky
	if !ch.Factorize(red) {
		return nil, errors.New("irt: cml: information matrix is not positive definite (items not connected by the design?)")
	}
	g := mat.NewVecDense(L-1, nil)
	for k := 0; k < L-1; k++ {
		g.SetVec(k, grad[k]-grad[L-1])
	}
	var eta mat.VecDense
	if err := ch.SolveVecTo(&eta, g); err != nil {
		return nil, fmt.Errorf("irt: cml: solving the Newton system: %w", err)
	}
	step := make([]float64, L)
	var s float64
	for k := 0; k < L-1; k++ {
		step[k] = eta.AtVec(k)
		s += step[k]
	}
	step[L-1] = -s
	return step, nil
}

// raschReducedInfo returns Wᵀ·I·W for W = [I_{L−1}; −1ᵀ]:
// (Wᵀ·I·W)_kl = I_kl − I_kL − I_Lk + I_LL.
func raschReducedInfo(info *mat.SymDense) *mat.SymDense {
	L := info.SymmetricDim()
	red := mat.NewSymDense(L-1, nil)
	last := L - 1
	for k := 0; k < L-1; k++ {
		for l := k; l < L-1; l++ {
			red.SetSym(k, l, info.At(k, l)-info.At(k, last)-info.At(l, last)+info.At(last, last))
		}
	}
	return red
}

// raschConstrainedCov returns the variances diag(W·(Wᵀ·I·W)⁻¹·Wᵀ) of
// difficulties constrained to sum to zero.
func raschConstrainedCov(info *mat.SymDense) ([]float64, error) {
	L := info.SymmetricDim()
	red := raschReducedInfo(info)
	var ch mat.Cholesky
	if !ch.Factorize(red) {
		return nil, errors.New("irt: cml: information matrix is not positive definite (items not connected by the design?)")
	}
	var c mat.SymDense
	if err := ch.InverseTo(&c); err != nil {
		return nil, fmt.Errorf("irt: cml: inverting the information matrix: %w", err)
	}
	v := make([]float64, L)
	var all float64
	for k := 0; k < L-1; k++ {
		v[k] = c.At(k, k)
		for l := 0; l < L-1; l++ {
			all += c.At(k, l)
		}
	}
	v[L-1] = all
	return v, nil
}

// cmlProblem holds the score tables of a CML fit.
type cmlProblem struct {
	L      int
	groups []cmlGroup
}

// cmlGroup is one presentation group reduced to what CML needs.
type cmlGroup struct {
	items  []int     // item indices, ascending
	scores []int     // informative raw scores r (1..m−1) with n_r > 0
	n      []float64 // n_r for those scores
	s      []float64 // correct answers per item by informative candidates
}

func newCMLProblem(t *raschTally, L int) *cmlProblem {
	p := &cmlProblem{L: L}
	for _, g := range t.groups {
		m := len(g.items)
		if m < 2 {
			continue
		}
		var cg cmlGroup
		for r := 1; r < m; r++ {
			if g.n[r] > 0 {
				cg.scores = append(cg.scores, r)
				cg.n = append(cg.n, g.n[r])
			}
		}
		if len(cg.scores) == 0 {
			continue
		}
		cg.items = g.items
		cg.s = make([]float64, m)
		for k := range cg.s {
			cg.s[k] = g.sum[k] - g.n[m] // perfect scorers answered every item
		}
		p.groups = append(p.groups, cg)
	}
	return p
}

// cmlGroupEval accumulates one group's contributions to the conditional
// log-likelihood, its gradient (with respect to b) and, if info is non-nil,
// the information matrix (upper triangle of a dense L×L array).
type cmlScratch struct {
	eps, gam []float64
	without  [][]float64 // γ^{(k)} for each item of the group
	pi       []float64   // π_{rk}, k-major: pi[k*R+ri]
	pair     []float64
}

func (p *cmlProblem) groupEval(g *cmlGroup, b []float64, grad []float64, info []float64, sc *cmlScratch) float64 {
	m := len(g.items)
	L := p.L
	var mean float64
	for _, i := range g.items {
		mean += b[i]
	}
	mean /= float64(m)
	if cap(sc.eps) < m {
		sc.eps = make([]float64, m)
	}
	eps := sc.eps[:m]
	for k, i := range g.items {
		eps[k] = math.Exp(-(b[i] - mean))
	}
	sc.gam = cmlESF(eps, sc.gam)
	gam := sc.gam
	var ll float64
	for k, i := range g.items {
		ll -= g.s[k] * b[i]
	}
	for ri, r := range g.scores {
		ll -= g.n[ri] * (math.Log(gam[r]) - float64(r)*mean)
	}
	if grad == nil {
		return ll
	}
	R := len(g.scores)
	for len(sc.without) < m {
		sc.without = append(sc.without, nil)
	}
	if cap(sc.pi) < m*R {
		sc.pi = make([]float64, m*R)
	}
	pi := sc.pi[:m*R]
	for k, i := range g.items {
		h := cmlESFWithout(gam, eps[k], sc.without[k])
		sc.without[k] = h
		var e, v float64
		for ri, r := range g.scores {
			q := eps[k] * h[r-1] / gam[r]
			pi[k*R+ri] = q
			e += g.n[ri] * q
			v += g.n[ri] * q * (1 - q)
		}
		grad[i] += e - g.s[k]
		if info != nil {
			info[i*L+i] += v
		}
	}
	if info == nil {
		return ll
	}
	for k := 0; k < m; k++ {
		hk := sc.without[k]
		pk := pi[k*R : (k+1)*R]
		ik := g.items[k]
		for l := k + 1; l < m; l++ {
			sc.pair = cmlESFWithout(hk, eps[l], sc.pair)
			sig := sc.pair
			pl := pi[l*R : (l+1)*R]
			ee := eps[k] * eps[l]
			var c float64
			for ri, r := range g.scores {
				var pkl float64
				if r >= 2 {
					pkl = ee * sig[r-2] / gam[r]
				}
				c += g.n[ri] * (pkl - pk[ri]*pl[ri])
			}
			il := g.items[l]
			if ik < il {
				info[ik*L+il] += c
			} else {
				info[il*L+ik] += c
			}
		}
	}
	return ll
}

// evaluate returns the conditional log-likelihood at b and, if wantDeriv,
// its gradient and the information matrix. Groups are processed in fixed
// chunks whose partial sums are added in chunk order, so the result does not
// depend on the number of workers.
func (p *cmlProblem) evaluate(b []float64, wantDeriv bool, workers int) (float64, []float64, *mat.SymDense) {
	L := p.L
	const chunk = 16
	nChunks := (len(p.groups) + chunk - 1) / chunk
	type part struct {
		ll   float64
		grad []float64
		info []float64
	}
	parts := make([]part, nChunks)
	run := func(c int, sc *cmlScratch) {
		var pt part
		if wantDeriv {
			pt.grad = make([]float64, L)
			pt.info = make([]float64, L*L)
		}
		hi := min((c+1)*chunk, len(p.groups))
		for gi := c * chunk; gi < hi; gi++ {
			pt.ll += p.groupEval(&p.groups[gi], b, pt.grad, pt.info, sc)
		}
		parts[c] = pt
	}
	if workers <= 1 || nChunks == 1 {
		var sc cmlScratch
		for c := 0; c < nChunks; c++ {
			run(c, &sc)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < min(workers, nChunks); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var sc cmlScratch
				for c := range next {
					run(c, &sc)
				}
			}()
		}
		for c := 0; c < nChunks; c++ {
			next <- c
		}
		close(next)
		wg.Wait()
	}
	var ll float64
	for _, pt := range parts {
		ll += pt.ll
	}
	if !wantDeriv {
		return ll, nil, nil
	}
	grad := make([]float64, L)
	full := make([]float64, L*L)
	for _, pt := range parts {
		for i, v := range pt.grad {
			grad[i] += v
		}
		for i, v := range pt.info {
			full[i] += v
		}
	}
	info := mat.NewSymDense(L, nil)
	for i := 0; i < L; i++ {
		for j := i; j < L; j++ {
			info.SetSym(i, j, full[i*L+j])
		}
	}
	return ll, grad, info
}

// raschTally is a response matrix reduced to presentation groups: the
// candidates who answered the same set of (active) items, with their raw
// score distribution and item totals.
type raschTally struct {
	groups []raschGroup
	empty  float64 // weight of rows with no active item answered
	total  float64 // weight of rows with at least one
}

// raschGroup is one presentation group.
type raschGroup struct {
	items []int     // active items answered, ascending
	n     []float64 // n[r]: weight of candidates with raw score r, r = 0..len(items)
	sum   []float64 // sum[k]: weighted correct answers to items[k]
}

// extremeWarning returns a warning counting zero, perfect and empty rows,
// or nil if there are none.
func (t *raschTally) extremeWarning(method string) *ExtremeScoresWarning {
	w := &ExtremeScoresWarning{Method: method, Empty: t.empty}
	for _, g := range t.groups {
		m := len(g.items)
		w.Zero += g.n[0]
		w.Perfect += g.n[m]
	}
	if w.Zero == 0 && w.Perfect == 0 && w.Empty == 0 {
		return nil
	}
	return w
}

// itemTotals returns, per item, the correct answers and presentations among
// informative candidates (raw score neither 0 nor perfect in their group).
func (t *raschTally) itemTotals(L int) (tot, pres []float64) {
	tot = make([]float64, L)
	pres = make([]float64, L)
	for _, g := range t.groups {
		m := len(g.items)
		var inf float64
		for r := 1; r < m; r++ {
			inf += g.n[r]
		}
		for k, i := range g.items {
			tot[i] += g.sum[k] - g.n[m]
			pres[i] += inf
		}
	}
	return tot, pres
}

// raschTallyRows groups the rows of r by the set of active items answered
// (active nil: every item). Rows are read in fixed blocks whose partial
// tallies are merged in block order; groups appear in order of their first
// row, so the tally does not depend on the number of workers.
func raschTallyRows(ctx context.Context, r *Responses, active []bool, workers int) (*raschTally, error) {
	J := r.J
	const block = 1 << 14
	nBlocks := (r.N + block - 1) / block
	type blockTally struct {
		full    raschGroup // the group of rows that answered every active item
		keys    []string
		groups  []raschGroup
		empty   float64
		total   float64
		present bool // full group has rows
	}
	var fullItems []int
	for j := 0; j < J; j++ {
		if active == nil || active[j] {
			fullItems = append(fullItems, j)
		}
	}
	mFull := len(fullItems)
	isActive := func(j int) bool { return active == nil || active[j] }
	tallies := make([]blockTally, nBlocks)
	doBlock := func(bi int) {
		bt := &tallies[bi]
		bt.full = raschGroup{items: fullItems, n: make([]float64, mFull+1), sum: make([]float64, mFull)}
		idx := map[string]int{}
		mask := make([]byte, (J+7)/8)
		lo, hi := bi*block, min((bi+1)*block, r.N)
		// Unweighted rows are counted in integers (exact, order-free).
		var nInt []int64
		var sumInt []int64
		if r.Weights == nil {
			nInt = make([]int64, mFull+1)
			sumInt = make([]int64, J)
		}
		for i := lo; i < hi; i++ {
			row := r.X[i*J : (i+1)*J]
			w := 1.0
			if r.Weights != nil {
				w = r.Weights[i]
			}
			score := 0
			complete := true
			if active == nil {
				for _, v := range row {
					if v == Missing {
						complete = false
						break
					}
					score += int(v)
				}
			} else {
				for j, v := range row {
					if !active[j] {
						continue
					}
					if v == Missing {
						complete = false
						break
					}
					score += int(v)
				}
			}
			if complete && mFull > 0 {
				bt.present = true
				bt.total += w
				if nInt != nil {
					nInt[score]++
					for j, v := range row {
						sumInt[j] += int64(v)
					}
				} else {
					bt.full.n[score] += w
					for k, j := range fullItems {
						bt.full.sum[k] += w * float64(row[j])
					}
				}
				continue
			}
			// Incomplete row: key by its answered active items.
			for k := range mask {
				mask[k] = 0
			}
			m := 0
			score = 0
			for j, v := range row {
				if v != Missing && isActive(j) {
					mask[j>>3] |= 1 << (j & 7)
					m++
					score += int(v)
				}
			}
			if m == 0 {
				bt.empty += w
				continue
			}
			bt.total += w
			gi, ok := idx[string(mask)]
			if !ok {
				gi = len(bt.groups)
				idx[string(mask)] = gi
				bt.keys = append(bt.keys, string(mask))
				items := make([]int, 0, m)
				for j, v := range row {
					if v != Missing && isActive(j) {
						items = append(items, j)
					}
				}
				bt.groups = append(bt.groups, raschGroup{items: items, n: make([]float64, m+1), sum: make([]float64, m)})
			}
			g := &bt.groups[gi]
			g.n[score] += w
			for k, j := range g.items {
				g.sum[k] += w * float64(row[j])
			}
		}
		if nInt != nil {
			for s, c := range nInt {
				bt.full.n[s] = float64(c)
			}
			for k, j := range fullItems {
				bt.full.sum[k] = float64(sumInt[j])
			}
		}
	}
	if workers <= 1 || nBlocks <= 1 {
		for bi := 0; bi < nBlocks; bi++ {
			if bi%16 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			doBlock(bi)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < min(workers, nBlocks); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for bi := range next {
					doBlock(bi)
				}
			}()
		}
	feed:
		for bi := 0; bi < nBlocks; bi++ {
			select {
			case next <- bi:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// Merge in block order. The full group comes first if any row is complete.
	t := &raschTally{}
	full := raschGroup{items: fullItems, n: make([]float64, mFull+1), sum: make([]float64, mFull)}
	anyFull := false
	idx := map[string]int{}
	var others []raschGroup
	for bi := range tallies {
		bt := &tallies[bi]
		t.empty += bt.empty
		t.total += bt.total
		if bt.present {
			anyFull = true
			for s, v := range bt.full.n {
				full.n[s] += v
			}
			for k, v := range bt.full.sum {
				full.sum[k] += v
			}
		}
		for gi, key := range bt.keys {
			src := bt.groups[gi]
			oi, ok := idx[key]
			if !ok {
				idx[key] = len(others)
				others = append(others, src)
				continue
			}
			dst := &others[oi]
			for s, v := range src.n {
				dst.n[s] += v
			}
			for k, v := range src.sum {
				dst.sum[k] += v
			}
		}
	}
	if anyFull {
		t.groups = append(t.groups, full)
	}
	t.groups = append(t.groups, others...)
	return t, nil
}
